// Probe, not part of the build: the exploration file behind chapter 08's steps 8-10, kept as it
// ran in call N (bench/results/h100/chapter-08-explore/N). It replaced
// solutions/08-flash-attention/08_rows32.cu in a build whose attention.h and attention.cpp
// registered each launcher below as a temporary ladder step, so that the chapter's tests and
// benchmark ran every variant (call.sh in each run's folder has the commands). Template flags of
// attention_rows32_kernel: kBc keys per tile; kFtz ex2.approx.ftz for each exponential (step 9);
// kHoist RowWalk's copies (step 10); kNoVote rescale O on every tile (no warp vote); kWarpMask
// the mask decided per m16 row; kMinB the minimum blocks per SM of __launch_bounds__. Call L
// timed an earlier form (steps rows32, rows32_bc32 = Bc 32 at d 128, rows32_ftz = Bc 32 + ftz);
// call M had kTree (pairwise max and sum, measured no change) and, in kWarpMask, a warp that
// skipped a tile it could not see (spilled 72 bytes at d 128, slower); call N is this file.
// Chapter 08, step 8 — rows32: 32 query rows per warp, so each K and V fragment feeds two mma.
//
// The idea: in step 7 a warp owns 16 query rows (one m16 row of mma tiles), so every K and V
// fragment it loads with ldmatrix feeds exactly one mma row: per key tile a warp loads the whole
// (Bc, D) K tile and the whole V tile from shared memory, 32 KB at d 128, for 128 mma. Give each
// warp 32 rows (two m16 rows; Br = 128 with the same 4 warps) and every fragment feeds two mma:
// 256 mma for the same K and V loads. The price is registers: two rows of O accumulators (128
// floats per lane at d 128) and of S (64) leave no room to keep Q's fragments (another 64), so Q
// is read again from shared memory for each key tile (8 KB per warp), 40 KB for 256 mma in all,
// against 32 KB for 128. This is FlashAttention-2's own tiling (128 rows per block of 4 warps for
// d 128), with the address work and the softmax per mma halved too (one copy of K and V per
// 128 query rows, not per 64).
//
// Prediction at B4 H16 S4096 d128 fp16 (README "Step 8: rows32"): step 7 is latency-bound at 8
// warps per SM, 889.5 instructions per (warp, key tile) for 128 mma, with 64 ldmatrix among
// them. Per mma, rows32 halves the ldmatrix of K and V and the copy and loop overhead, keeps the
// softmax's per-score cost, and gives each warp two independent mma chains per fragment: expect
// smsp__inst_executed.sum down 15-25% and 1.1-1.3x step 7 (300-360 TFLOP/s), at the same 8 warps
// per SM (2 blocks of 4 warps: 98,304 bytes of shared memory per block at d 128).
// Nsight Compute: the ldmatrix wavefronts (sm__sass_l1tex_data_pipe_lsu_wavefronts_mem_shared_
// op_ldsm.sum) down ~35% (K, V halved; Q's 8 KB per warp and tile added), tensor pipe active up.
#include "attention.h"
#include "attention_device.cuh"

namespace ch08 {
namespace {

constexpr float kLog2e = 1.4426950408889634f;  // log2(e)
constexpr float kLn2 = 0.6931471805599453f;    // ln(2)

/// Step 7's tiles with two m16 rows per warp: 32 query rows per warp, Br = 128 per block, and
/// kBc keys per tile.
template <int kD, int kBc>
struct Tiles32 {
  static constexpr int D = kD;                  ///< head dimension
  static constexpr int kWarps = 4;              ///< warps per block
  static constexpr int kThreads = 32 * kWarps;  ///< threads per block
  static constexpr int kM = 2;                  ///< m16 rows of mma tiles per warp
  static constexpr int Br = 16 * kM * kWarps;   ///< query rows per block: 128
  static constexpr int Bc = kBc;                ///< keys per tile
  static constexpr int kDSteps = D / 16;        ///< k16 steps of Q K^T (over d)
  static constexpr int kSTiles = Bc / 8;        ///< n8 tiles of S per m16 row (over keys)
  static constexpr int kPSteps = Bc / 16;       ///< k16 steps of P V (over keys)
  static constexpr int kOTiles = D / 8;         ///< n8 tiles of O per m16 row (over d)
  static_assert(D % 16 == 0 && Bc % 16 == 0, "whole k16 steps");
};

template <bool kFtz>
__device__ __forceinline__ float exp2_(float x) {
  if constexpr (kFtz) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
  } else {
    return exp2f(x);
  }
}

// Step 7's base-2 online-softmax update, for one m16 row of the warp (its rows g and g + 8):
// stat[h].m is the row's running maximum times scale_log2, stat[h].l sums
// exp2(s * scale_log2 - m). O's accumulators of that m16 row are rescaled only when one of the
// warp's rows in it moved (a warp vote).
template <bool kFtz, bool kTree, int kSTiles, int kOTiles, bool kNoVote = false>
__device__ __forceinline__ void online_softmax_row_exp2(float (&rS)[kSTiles][4],
                                                        float (&rO)[kOTiles][4],
                                                        wb::OnlineSoftmax (&stat)[2],
                                                        float scale_log2) {
  float alpha[2];
#pragma unroll
  for (int h = 0; h < 2; ++h) {  // h = 0: row g, h = 1: row g + 8
    float m_tile = -INFINITY;
    if constexpr (kTree) {
      float mx[kSTiles];
#pragma unroll
      for (int n = 0; n < kSTiles; ++n)
        mx[n] = fmaxf(rS[n][2 * h], rS[n][2 * h + 1]);
#pragma unroll
      for (int w = kSTiles / 2; w > 0; w /= 2)
#pragma unroll
        for (int n = 0; n < w; ++n)
          mx[n] = fmaxf(mx[n], mx[n + w]);
      m_tile = mx[0];
    } else {
#pragma unroll
      for (int n = 0; n < kSTiles; ++n)
        m_tile = fmaxf(m_tile, fmaxf(rS[n][2 * h], rS[n][2 * h + 1]));
    }
    m_tile = wb::group_allreduce<4>(m_tile, wb::Max{});
    const float m_new = fmaxf(stat[h].m, m_tile * scale_log2);  // scale_log2 > 0 keeps the order
    const float shift = m_new == -INFINITY ? 0.0f : m_new;      // a row that saw no key: p = 0
    alpha[h] = stat[h].m == -INFINITY ? 0.0f : exp2_<kFtz>(stat[h].m - m_new);
    float sum = 0.0f;
    if constexpr (kTree) {
      float sm[kSTiles];
#pragma unroll
      for (int n = 0; n < kSTiles; ++n) {
#pragma unroll
        for (int e = 0; e < 2; ++e)
          rS[n][2 * h + e] = exp2_<kFtz>(fmaf(rS[n][2 * h + e], scale_log2, -shift));
        sm[n] = rS[n][2 * h] + rS[n][2 * h + 1];
      }
#pragma unroll
      for (int w = kSTiles / 2; w > 0; w /= 2)
#pragma unroll
        for (int n = 0; n < w; ++n)
          sm[n] += sm[n + w];
      sum = sm[0];
    } else {
#pragma unroll
      for (int n = 0; n < kSTiles; ++n) {
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          rS[n][2 * h + e] = exp2_<kFtz>(fmaf(rS[n][2 * h + e], scale_log2, -shift));  // -inf -> 0
          sum += rS[n][2 * h + e];
        }
      }
    }
    stat[h] = wb::OnlineSoftmax{m_new, stat[h].l * alpha[h] + sum};
  }
  if (kNoVote || __any_sync(wb::kFullMask, alpha[0] != 1.0f || alpha[1] != 1.0f)) {  // warp-uniform
#pragma unroll
    for (int n = 0; n < kOTiles; ++n) {
#pragma unroll
      for (int i = 0; i < 4; ++i)
        rO[n][i] *= alpha[i / 2];
    }
  }
}

/// This thread's chunks of a (kRows, kD) tile copied by kThreads threads, worked out once:
/// pass i copies row row + i * kRowsPerPass, at constant strides in global and shared memory
/// (the swizzle depends on row % 8 only, and kRowsPerPass is a multiple of 8).
template <class Layout, int kRows, int kD, int kThreads>
struct RowWalk {
  static constexpr int kRowChunks = kD / 8;
  static constexpr int kRowsPerPass = kThreads / kRowChunks;
  static constexpr int kPasses = kRows / kRowsPerPass;
  static_assert(kThreads % kRowChunks == 0 && kRows % kRowsPerPass == 0 && kRowsPerPass % 8 == 0,
                "constant strides");
  int row, goff, soff;
  __device__ __forceinline__ explicit RowWalk(int tid)
      : row(tid / kRowChunks),
        goff(row * kD + (tid % kRowChunks) * 8),
        soff(Layout::offset(row, (tid % kRowChunks) * 8)) {}
  __device__ __forceinline__ void copy(std::uint16_t* s, const std::uint16_t* g, int rows) const {
    if (rows >= kRows) {
#pragma unroll
      for (int i = 0; i < kPasses; ++i)
        wb::async::copy16_zfill(s + soff + i * kRowsPerPass * kD, g + goff + i * kRowsPerPass * kD,
                                16);
    } else {
#pragma unroll
      for (int i = 0; i < kPasses; ++i) {
        const bool in = row + i * kRowsPerPass < rows;
        wb::async::copy16_zfill(s + soff + i * kRowsPerPass * kD,
                                in ? g + goff + i * kRowsPerPass * kD : g, in ? 16 : 0);
      }
    }
  }
};

template <class T, int kD, int kBc, bool kFtz, bool kHoist = false, bool kNoVote = false,
          bool kWarpMask = false, int kMinB = 1>
__global__ void __launch_bounds__(128, kMinB) attention_rows32_kernel(const Params<T> p) {
  using Tl = Tiles32<kD, kBc>;
  constexpr int kM = Tl::kM;
  using Layout = wb::smem::Swizzled<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  std::uint16_t* sQ = smem16;                          // (Br, D)
  std::uint16_t* sK = sQ + Layout::elems(Tl::Br);      // (2, Bc, D): buffer j % 2 holds tile j
  std::uint16_t* sV = sK + 2 * Layout::elems(Tl::Bc);  // (2, Bc, D)
  const int q_tile = gridDim.x - 1 - blockIdx.x;       // the heaviest (last) query tiles first
  const BlockRows<T> blk = block_rows(p, q_tile, Tl::Br, kD);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int wq = 16 * kM * warp;  // the warp's first row in the block
  const int tiles = key_tiles(blk.q0, Tl::Br, Tl::Bc, p.Sq, p.Sk, p.causal);
  // Issues the copies of key tile j into buffer j % 2 (the caller commits).
  const RowWalk<Layout, Tl::Bc, kD, Tl::kThreads> walk(threadIdx.x);
  auto issue = [&](int j) {
    const int k0 = j * Tl::Bc, keys = min(Tl::Bc, p.Sk - k0), buf = j % 2;
    if constexpr (kHoist) {
      walk.copy(sK + buf * Layout::elems(Tl::Bc),
                reinterpret_cast<const std::uint16_t*>(blk.gK) + static_cast<std::int64_t>(k0) * kD,
                keys);
      walk.copy(sV + buf * Layout::elems(Tl::Bc),
                reinterpret_cast<const std::uint16_t*>(blk.gV) + static_cast<std::int64_t>(k0) * kD,
                keys);
      return;
    }
    copy_rows_async<Layout, Tl::Bc, kD, Tl::kThreads>(
        sK + buf * Layout::elems(Tl::Bc), blk.gK + static_cast<std::int64_t>(k0) * kD, keys);
    copy_rows_async<Layout, Tl::Bc, kD, Tl::kThreads>(
        sV + buf * Layout::elems(Tl::Bc), blk.gV + static_cast<std::int64_t>(k0) * kD, keys);
  };
  copy_rows_async<Layout, Tl::Br, kD, Tl::kThreads>(sQ, blk.gQ, blk.rows);
  if (tiles > 0) issue(0);
  wb::async::commit();                                   // group: Q and tile 0
  const wb::mma::Coord r = wb::mma::ldmatrix_row(lane);  // the 16 x 16 tile row this lane gives
  // WB_EXERCISE_BEGIN
  float rO[kM][Tl::kOTiles][4] = {};  // O accumulators: m16 row m of the warp's 32 rows
  wb::OnlineSoftmax stat[kM][2];      // per m16 row: its rows g, g + 8
#pragma unroll
  for (int m = 0; m < kM; ++m)
    stat[m][0] = stat[m][1] = wb::online_identity();
  for (int j = 0; j < tiles; ++j) {
    const int k0 = j * Tl::Bc;
    if (j + 1 < tiles) issue(j + 1);  // into the buffer tile j - 1 used: free since its barrier
    wb::async::commit();              // one group per iteration, empty on the last
    wb::async::wait<1>();             // every group but the newest has landed: tile j is in
    __syncthreads();                  // ... for every thread's copies
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
        wb::mma::ldmatrix_x4(b, sKj + Layout::offset(16 * n2 + r.row, 16 * ks + r.col));
#pragma unroll
        for (int m = 0; m < kM; ++m) {  // the same fragment, both m16 rows
#pragma unroll
          for (int h = 0; h < 2; ++h)
            wb::mma::mma_m16n8k16<T>(rS[m][2 * n2 + h], a[m], b[k_ldmatrix_reg(h, 0)],
                                     b[k_ldmatrix_reg(h, 1)]);
        }
      }
    }
    const float scale_log2 = p.scale * kLog2e;
    std::uint32_t rP[kM][Tl::kPSteps][4];  // P as A fragments, k16 step kk over the tile's keys
#pragma unroll
    for (int m = 0; m < kM; ++m) {
      if (tile_needs_mask(kWarpMask ? blk.q0 + wq + 16 * m : blk.q0, k0, Tl::Bc, p.Sq, p.Sk,
                          p.causal)) {
#pragma unroll
        for (int n = 0; n < Tl::kSTiles; ++n)  // mask only: the scale goes into the exponent
          scale_and_mask(rS[m][n], 1.0f, blk.q0 + wq + 16 * m, k0 + 8 * n, p.Sq, p.Sk, p.causal,
                         lane);
      }
      online_softmax_row_exp2<kFtz, false, Tl::kSTiles, Tl::kOTiles, kNoVote>(rS[m], rO[m], stat[m],
                                                                              scale_log2);
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
    __syncthreads();  // every warp is done with buffer j % 2 before tile j + 2 is issued into it
  }
#pragma unroll
  for (int m = 0; m < kM; ++m) {
    const int row = wq + 16 * m;  // the m16 row's first row in the block
    store_rows<T, kD>(rO[m], stat[m], kLn2, blk.gO + static_cast<std::int64_t>(row) * kD,
                      blk.gLse + row, blk.rows - row, lane);
  }
  // WB_EXERCISE_END
  wb::async::wait<0>();  // nothing left in flight at exit (Q's group, when the block saw no key)
}

template <class T, int kD, int kBc, bool kFtz, bool kH = false, bool kR = false, bool kW = false,
          int kMinB = 1>
void launch_d(const Args<T>& a, cudaStream_t stream, const char* name) {
  using Tl = Tiles32<kD, kBc>;
  const int smem = tile_bytes(Tl::Br + 4 * Tl::Bc, kD);
  launch_kernel(attention_rows32_kernel<T, kD, kBc, kFtz, kH, kR, kW, kMinB>,
                tile_grid(a.Sq, a.H, a.B, Tl::Br), Tl::kThreads, smem, params_of(a),
                where_of<T>(name), stream);
}

}  // namespace

template <class T>
void launch_rows32(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("rows32").c_str());
  if (a.d == 64) {
    launch_d<T, 64, 64, false>(a, stream, "rows32");
  } else {
    launch_d<T, 128, 64, false>(a, stream, "rows32");
  }
}
template <class T>
void launch_r32_ftz(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("r32_ftz").c_str());
  if (a.d == 64) {
    launch_d<T, 64, 64, true>(a, stream, "r32_ftz");
  } else {
    launch_d<T, 128, 64, true>(a, stream, "r32_ftz");
  }
}
template void launch_r32_ftz<__half>(const Args<__half>&, cudaStream_t);
template void launch_r32_ftz<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);
template <class T>
void launch_r32_hoist(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("r32_hoist").c_str());
  if (a.d == 64) {
    launch_d<T, 64, 64, true, true>(a, stream, "r32_hoist");
  } else {
    launch_d<T, 128, 64, true, true>(a, stream, "r32_hoist");
  }
}
template void launch_r32_hoist<__half>(const Args<__half>&, cudaStream_t);
template void launch_r32_hoist<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);
template <class T>
void launch_r32_novote(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("r32_novote").c_str());
  if (a.d == 64) {
    launch_d<T, 64, 64, true, true, true>(a, stream, "r32_novote");
  } else {
    launch_d<T, 128, 64, true, true, true>(a, stream, "r32_novote");
  }
}
template void launch_r32_novote<__half>(const Args<__half>&, cudaStream_t);
template void launch_r32_novote<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);
template <class T>
void launch_r32_maskm(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("r32_maskm").c_str());
  if (a.d == 64) {
    launch_d<T, 64, 64, true, true, false, true>(a, stream, "r32_maskm");
  } else {
    launch_d<T, 128, 64, true, true, false, true>(a, stream, "r32_maskm");
  }
}
template void launch_r32_maskm<__half>(const Args<__half>&, cudaStream_t);
template void launch_r32_maskm<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);
template <class T>
void launch_r32_occ3(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("r32_occ3").c_str());
  if (a.d == 64) {
    launch_d<T, 64, 64, true, true, false, false, 3>(a, stream, "r32_occ3");
  } else {
    launch_d<T, 128, 64, true, true, false, false, 1>(a, stream, "r32_occ3");
  }
}
template void launch_r32_occ3<__half>(const Args<__half>&, cudaStream_t);
template void launch_r32_occ3<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);
template void launch_rows32<__half>(const Args<__half>&, cudaStream_t);
template void launch_rows32<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
