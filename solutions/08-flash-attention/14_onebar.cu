// Chapter 08, step 14 — onebar: one barrier per key tile.
//
// The idea: step 13 meets its warps twice per key tile. At the top, after issuing tile j + 1,
// every warp waits for tile j's copies and then for the other warps (a barrier), so that every
// thread's copies of tile j are visible; at the bottom, a second barrier makes sure every warp is
// done reading buffer j % 2 before the next iteration issues tile j + 2 into it. Put the issue
// after the top barrier instead: wait for tile j (now the newest group, so wait_group 0), meet,
// and only then issue tile j + 1 into the other buffer. That buffer held tile j - 1, and every warp
// has finished tile j - 1 because it has reached this barrier. The bottom barrier has nothing
// left to protect and goes. The copies of tile j + 1 still have all of tile j's compute to land
// in, as in step 13, so nothing is lost in overlap; each warp waits at one barrier per tile
// instead of two.
//
// Prediction (README "Step 14: onebar", written after exploration call AB had timed this kernel):
// see the lesson.
#include "attention.h"
#include "attention_device.cuh"

namespace ch08 {
namespace {

constexpr float kLog2e = 1.4426950408889634f;  // log2(e)
constexpr float kLn2 = 0.6931471805599453f;    // ln(2)

// Step 9's 2^x as one MUFU.EX2: results (and inputs) in the denormal range flush to 0.
// WB_EXERCISE_BEGIN
__device__ __forceinline__ float ex2_ftz(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
}
// WB_EXERCISE_END

/// This thread's chunks of a (kRows, kD) tile that kThreads threads copy with cp.async, worked
/// out once: pass i copies the 16-byte chunk at column `col` of row `row + i * kRowsPerPass`.
/// kRowsPerPass is a multiple of 8, so every pass has the swizzle of the first (row % 8), and
/// both its shared and its global offsets advance by kRowsPerPass * kD elements per pass.
template <class Layout, int kRows, int kD, int kThreads>
class RowWalk {
 public:
  static constexpr int kRowChunks = kD / 8;                   ///< 16-byte chunks per row
  static constexpr int kRowsPerPass = kThreads / kRowChunks;  ///< rows one pass covers
  static constexpr int kPasses = kRows / kRowsPerPass;        ///< chunks per thread
  static constexpr int kStride = kRowsPerPass * kD;           ///< elements from pass to pass
  static_assert(kThreads % kRowChunks == 0 && kRows % kRowsPerPass == 0 && kRowsPerPass % 8 == 0,
                "whole passes of whole swizzle periods");

  /// Thread `tid`'s first row, and that chunk's offsets in a (kRows, kD) tile: in global memory
  /// (row-major, kD per row) and in shared memory (Layout).
  __device__ __forceinline__ explicit RowWalk(int tid) {
    // WB_EXERCISE_BEGIN
    const int col = (tid % kRowChunks) * 8;  // the chunk's first column
    row_ = tid / kRowChunks;
    goff_ = row_ * kD + col;
    soff_ = Layout::offset(row_, col);
    // WB_EXERCISE_END
  }

  /// Issues the thread's cp.async of rows [0, rows) of the (kRows, kD) tile at g into s; the
  /// chunks of rows at or past `rows` are zero-filled. A whole tile takes the fast path.
  __device__ __forceinline__ void copy(std::uint16_t* s, const std::uint16_t* g, int rows) const {
    if (rows >= kRows) {
      // A whole tile: constant strides, no test.
      // WB_EXERCISE_BEGIN
#pragma unroll
      for (int i = 0; i < kPasses; ++i)
        wb::async::copy16_zfill(s + soff_ + i * kStride, g + goff_ + i * kStride, 16);
      // WB_EXERCISE_END
    } else {  // the last, partial tile (as async_copy_tile: no out-of-range address at all)
#pragma unroll
      for (int i = 0; i < kPasses; ++i) {
        const bool inside = row_ + i * kRowsPerPass < rows;
        wb::async::copy16_zfill(s + soff_ + i * kStride, inside ? g + goff_ + i * kStride : g,
                                inside ? 16 : 0);
      }
    }
  }

 private:
  int row_ = 0;   // the thread's first row in the tile
  int goff_ = 0;  // its first chunk's element offset in the global tile
  int soff_ = 0;  // and in the shared tile
};

// Step 9's base-2 online-softmax update, with ex2_ftz for each exponential, for one m16 row of the
// warp (its rows g and g + 8): stat[h].m is the row's running maximum times scale_log2, stat[h].l
// sums exp2(s * scale_log2 - m). O's accumulators of that m16 row are rescaled on every tile at
// d 64 (kOTiles = 8), and at d 128 only when one of the warp's rows in it moved (a warp vote).
// WB_EXERCISE_BEGIN
template <int kSTiles, int kOTiles>
__device__ __forceinline__ void online_softmax_row_ftz(float (&rS)[kSTiles][4],
                                                       float (&rO)[kOTiles][4],
                                                       wb::OnlineSoftmax (&stat)[2],
                                                       float scale_log2) {
  float alpha[2];
#pragma unroll
  for (int h = 0; h < 2; ++h) {  // h = 0: row g, h = 1: row g + 8
    float m_tile = -INFINITY;
#pragma unroll
    for (int n = 0; n < kSTiles; ++n)
      m_tile = fmaxf(m_tile, fmaxf(rS[n][2 * h], rS[n][2 * h + 1]));
    m_tile = wb::group_allreduce<4>(m_tile, wb::Max{});
    const float m_new = fmaxf(stat[h].m, m_tile * scale_log2);  // scale_log2 > 0 keeps the order
    const float shift = m_new == -INFINITY ? 0.0f : m_new;      // a row that saw no key: p = 0
    alpha[h] = stat[h].m == -INFINITY ? 0.0f : ex2_ftz(stat[h].m - m_new);
    float sum = 0.0f;
#pragma unroll
    for (int n = 0; n < kSTiles; ++n) {
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        rS[n][2 * h + e] = ex2_ftz(fmaf(rS[n][2 * h + e], scale_log2, -shift));  // -inf -> 0
        sum += rS[n][2 * h + e];
      }
    }
    stat[h] = wb::OnlineSoftmax{m_new, stat[h].l * alpha[h] + sum};
  }
  constexpr bool kAlways = kOTiles <= 8;  // d 64: 32 FMULs cost less than the vote
  if (kAlways || __any_sync(wb::kFullMask, alpha[0] != 1.0f || alpha[1] != 1.0f)) {
#pragma unroll
    for (int n = 0; n < kOTiles; ++n) {
#pragma unroll
      for (int i = 0; i < 4; ++i)
        rO[n][i] *= alpha[i / 2];
    }
  }
}
// WB_EXERCISE_END

// Step 13's keys per tile at head dimension d: 128 at d 64, 64 at d 128.
__host__ __device__ constexpr int keys_per_tile(int d) {
  // WB_EXERCISE_BEGIN
  return d == 64 ? 128 : 64;
  // WB_EXERCISE_END
}

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD, 2, keys_per_tile(kD)>::kThreads)
    attention_onebar_kernel(const Params<T> p) {
  using Tl = Tiles<kD, 2, keys_per_tile(kD)>;  // two m16 rows per warp: Br = 128
  using Layout = wb::smem::Swizzled<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  std::uint16_t* sQ = smem16;                          // (Br, D)
  std::uint16_t* sK = sQ + Layout::elems(Tl::Br);      // (2, Bc, D): buffer j % 2 holds tile j
  std::uint16_t* sV = sK + 2 * Layout::elems(Tl::Bc);  // (2, Bc, D)
  const int q_tile = gridDim.x - 1 - blockIdx.x;       // the heaviest (last) query tiles first
  const BlockRows<T> blk = block_rows(p, q_tile, Tl::Br, kD);
  const int lane = threadIdx.x % 32;
  const int tiles = key_tiles(blk.q0, Tl::Br, Tl::Bc, p.Sq, p.Sk, p.causal);
  const auto* gK = reinterpret_cast<const std::uint16_t*>(blk.gK);
  const auto* gV = reinterpret_cast<const std::uint16_t*>(blk.gV);
  const RowWalk<Layout, Tl::Bc, kD, Tl::kThreads> walk(threadIdx.x);  // once per block
  // Issues the copies of key tile j into buffer j % 2 (the caller commits).
  auto issue = [&](int j) {
    const int k0 = j * Tl::Bc, keys = min(Tl::Bc, p.Sk - k0), buf = j % 2;
    const std::int64_t at = static_cast<std::int64_t>(k0) * kD;
    walk.copy(sK + buf * Layout::elems(Tl::Bc), gK + at, keys);
    walk.copy(sV + buf * Layout::elems(Tl::Bc), gV + at, keys);
  };
  copy_rows_async<Layout, Tl::Br, kD, Tl::kThreads>(sQ, blk.gQ, blk.rows);
  if (tiles > 0) issue(0);
  wb::async::commit();  // group: Q and tile 0 (the loop's first wait waits for it)
  const wb::mma::Coord r = wb::mma::ldmatrix_row(lane);  // the 16 x 16 tile row this lane gives
  const float scale_log2 = p.scale * kLog2e;
  // WB_EXERCISE_BEGIN
  // K's lane -> row map: across then down, so key tile h's B fragment is registers 2h, 2h + 1.
  const wb::mma::Coord rk = wb::mma::ldmatrix_row(lane, wb::mma::X4Order::kAcross);
  constexpr int kM = Tl::kM;                    // m16 rows per warp: 2
  const int wq = 16 * kM * (threadIdx.x / 32);  // the warp's first row in the block
  float rO[kM][Tl::kOTiles][4] = {};            // O accumulators: m16 row m of the warp's 32 rows
  wb::OnlineSoftmax stat[kM][2];                // per m16 row: its rows g, g + 8
#pragma unroll
  for (int m = 0; m < kM; ++m)
    stat[m][0] = stat[m][1] = wb::online_identity();
  for (int j = 0; j < tiles; ++j) {
    const int k0 = j * Tl::Bc;
    wb::async::wait<0>();             // this thread's copies of tile j (the newest group) are in
    __syncthreads();                  // ... every thread's; and every warp is done with tile j - 1
    if (j + 1 < tiles) issue(j + 1);  // so tile j + 1 may go into tile j - 1's buffer
    wb::async::commit();              // one group per iteration, empty on the last
    const std::uint16_t* sKj = sK + (j % 2) * Layout::elems(Tl::Bc);  // (Bc, D)
    const std::uint16_t* sVj = sV + (j % 2) * Layout::elems(Tl::Bc);  // (Bc, D)
    float rS[kM][Tl::kSTiles][4] = {};  // S = Q K^T: m16 row m, (16 rows, Bc keys)
#pragma unroll
    for (int ks = 0; ks < Tl::kDSteps; ++ks) {
      std::uint32_t a[kM][4];  // Q's A fragments of both m16 rows, k16 step ks over d
#pragma unroll
      for (int m = 0; m < kM; ++m)
        wb::mma::ldmatrix_x4(a[m], sQ + Layout::offset(wq + 16 * m + r.row, 16 * ks + r.col));
#pragma unroll
      for (int n2 = 0; n2 < Tl::kSTiles / 2; ++n2) {
        std::uint32_t b[4];  // K (keys 16 n2 .., d 16 ks ..): B fragments of S tiles 2 n2, 2 n2 + 1
        wb::mma::ldmatrix_x4(b, sKj + Layout::offset(16 * n2 + rk.row, 16 * ks + rk.col));
#pragma unroll
        for (int m = 0; m < kM; ++m) {  // the same fragment, both m16 rows
#pragma unroll
          for (int h = 0; h < 2; ++h)
            wb::mma::mma_m16n8k16<T>(rS[m][2 * n2 + h], a[m], b[k_pair_reg(h, 0)],
                                     b[k_pair_reg(h, 1)]);
        }
      }
    }
    std::uint32_t rP[kM][Tl::kPSteps][4];  // P as A fragments, k16 step kk over the tile's keys
#pragma unroll
    for (int m = 0; m < kM; ++m) {
      if (tile_needs_mask(blk.q0, k0, Tl::Bc, p.Sq, p.Sk, p.causal)) {  // uniform in the block
#pragma unroll
        for (int n = 0; n < Tl::kSTiles; ++n)  // mask only: the scale goes into the exponent
          scale_and_mask(rS[m][n], 1.0f, blk.q0 + wq + 16 * m, k0 + 8 * n, p.Sq, p.Sk, p.causal,
                         lane);
      }
      online_softmax_row_ftz(rS[m], rO[m], stat[m], scale_log2);
      p_fragments<T>(rP[m], rS[m]);
    }
#pragma unroll
    for (int kk = 0; kk < Tl::kPSteps; ++kk) {
#pragma unroll
      for (int n2 = 0; n2 < Tl::kOTiles / 2; ++n2) {
        std::uint32_t b[4];  // V (keys 16 kk .., d 16 n2 ..) transposed: O tiles 2 n2, 2 n2 + 1
        wb::mma::ldmatrix_x4_trans(b, sVj + Layout::offset(16 * kk + r.row, 16 * n2 + r.col));
#pragma unroll
        for (int m = 0; m < kM; ++m) {  // the same fragment, both m16 rows
          wb::mma::mma_m16n8k16<T>(rO[m][2 * n2], rP[m][kk], b[0], b[1]);
          wb::mma::mma_m16n8k16<T>(rO[m][2 * n2 + 1], rP[m][kk], b[2], b[3]);
        }
      }
    }
  }  // no barrier here: the next iteration's, before its issue, protects buffer j % 2
#pragma unroll
  for (int m = 0; m < kM; ++m) {
    const int row = wq + 16 * m;  // the m16 row's first row in the block
    store_rows<T, kD>(rO[m], stat[m], kLn2, blk.gO + static_cast<std::int64_t>(row) * kD,
                      blk.gLse + row, blk.rows - row, lane);
  }
  // WB_EXERCISE_END
  wb::async::wait<0>();  // nothing left in flight at exit (the last, empty group; Q's, when the
                         // block saw no key)
}

template <class T, int kD>
void launch_d(const Args<T>& a, cudaStream_t stream) {
  using Tl = Tiles<kD, 2, keys_per_tile(kD)>;
  const int smem = tile_bytes(Tl::Br + 4 * Tl::Bc, kD);
  launch_kernel(attention_onebar_kernel<T, kD>, tile_grid(a.Sq, a.H, a.B, Tl::Br), Tl::kThreads,
                smem, params_of(a), where_of<T>("onebar"), stream);
}

}  // namespace

template <class T>
void launch_onebar(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("onebar").c_str());
  if (a.d == 64) {
    launch_d<T, 64>(a, stream);
  } else {
    launch_d<T, 128>(a, stream);
  }
}

template void launch_onebar<__half>(const Args<__half>&, cudaStream_t);
template void launch_onebar<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
