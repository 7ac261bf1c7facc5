// Chapter 08, step 11 — pairs: K's B fragments come out of ldmatrix in register pairs.
//
// The idea: an mma's B operand is two consecutive registers. Steps 4-10 load a 16-key x 16-d
// tile of K with one ldmatrix .x4 whose lanes address the tile down then across (chapter 06's
// wb::mma::ldmatrix_row, the A fragment's order), so matrix j sits at (keys 8 (j % 2), d 8 (j / 2))
// and key tile h's fragment is registers h and h + 2 (k_ldmatrix_reg). That is not a pair: the
// compiler copies the two into a pair before every mma of S = Q K^T. Step 10's SASS at d 128
// (scripts/sass_loop_mix.py) has an IMAD.MOV next to nearly every HMMA of Q K^T, and Nsight
// Compute's source view (bench/results/h100/chapter-08-explore/Q) puts 16.6% of the stall samples
// on IMAD.MOV. Here the lanes address the same tile across then down (X4Order::kAcross: lanes 0-7
// keys 0-7 at d 0, lanes 8-15 keys 0-7 at d 8, lanes 16-23 keys 8-15 at d 0, lanes 24-31 keys 8-15
// at d 8), so key tile h's fragment is registers 2h and 2h + 1 (k_pair_reg): no copies. Each
// 8-lane phase still reads 8 consecutive rows at one chunk, which the swizzle serves in one pass.
//
// Prediction (README "Step 11: pairs", written before the run): see the lesson.
#include "attention.h"
#include "attention_device.cuh"
#include "wb/exercise.h"
WB_EXERCISE_TODO("pairs",
                 "Read \"Step 11: pairs\" in README.md: your step 10, with K's ldmatrix lanes "
                 "across then down (X4Order::kAcross) and each key tile's B fragment the register "
                 "pair k_pair_reg(h, 0), k_pair_reg(h, 1)");

namespace ch08 {
namespace {

constexpr float kLog2e = 1.4426950408889634f;  // log2(e)
constexpr float kLn2 = 0.6931471805599453f;    // ln(2)

// Step 9's 2^x as one MUFU.EX2: results (and inputs) in the denormal range flush to 0.
// WB_EXERCISE_BEGIN
// TODO(exercise, README "Step 11: pairs"): your step 10 ex2_ftz (10_hoist.cu), unchanged.
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
    // TODO(exercise, README "Step 11: pairs"): your step 10 RowWalk constructor (10_hoist.cu),
    //   unchanged.
    // WB_EXERCISE_END
  }

  /// Issues the thread's cp.async of rows [0, rows) of the (kRows, kD) tile at g into s; the
  /// chunks of rows at or past `rows` are zero-filled. A whole tile takes the fast path.
  __device__ __forceinline__ void copy(std::uint16_t* s, const std::uint16_t* g, int rows) const {
    if (rows >= kRows) {
      // A whole tile: constant strides, no test.
      // WB_EXERCISE_BEGIN
      // TODO(exercise, README "Step 11: pairs"): your step 10 whole-tile copy (10_hoist.cu),
      //   unchanged.
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
// sums exp2(s * scale_log2 - m). O's accumulators of that m16 row are rescaled only when one of the
// warp's rows in it moved (a warp vote).
// WB_EXERCISE_BEGIN
// TODO(exercise, README "Step 11: pairs"): your step 10 online_softmax_row_ftz (10_hoist.cu),
//   unchanged.
// WB_EXERCISE_END

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD, 2>::kThreads)
    attention_pairs_kernel(const Params<T> p) {
  using Tl = Tiles<kD, 2>;  // two m16 rows per warp: Br = 128
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
  wb::async::commit();  // group: Q and tile 0 (the loop's first wait<1> waits for it)
  const wb::mma::Coord r = wb::mma::ldmatrix_row(lane);  // the 16 x 16 tile row this lane gives
  const float scale_log2 = p.scale * kLog2e;
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 11: pairs"): the rest of the kernel, in this order:
  //   1. K's lane -> row map, across then down (new in this step):
  //        const wb::mma::Coord rk = wb::mma::ldmatrix_row(lane, wb::mma::X4Order::kAcross);
  //   2. your step 10 kernel body (10_hoist.cu) from `constexpr int kM = Tl::kM;` and the warp's
  //      first row `const int wq = 16 * kM * (threadIdx.x / 32);` through rO, stat, the key-tile
  //      loop and the epilogue's store_rows. Everything declared above this region (Tl, Layout,
  //      sQ, sK, sV, blk, lane, tiles, gK, gV, walk, issue, r, scale_log2) is given: do not
  //      declare it again. One change, in S = Q K^T only:
  //      - K's ldmatrix_x4 takes sKj + Layout::offset(16 * n2 + rk.row, 16 * ks + rk.col) (Q's A
  //        fragments and V's .trans loads keep r, the default order);
  //      - key tile h (h = 0, 1) of that load is then registers b[k_pair_reg(h, 0)] and
  //        b[k_pair_reg(h, 1)] (2h and 2h + 1), where step 10 had k_ldmatrix_reg (h and h + 2).
  // WB_EXERCISE_END
  wb::async::wait<0>();  // nothing left in flight at exit (Q's group, when the block saw no key)
}

template <class T, int kD>
void launch_d(const Args<T>& a, cudaStream_t stream) {
  using Tl = Tiles<kD, 2>;
  const int smem = tile_bytes(Tl::Br + 4 * Tl::Bc, kD);
  launch_kernel(attention_pairs_kernel<T, kD>, tile_grid(a.Sq, a.H, a.B, Tl::Br), Tl::kThreads,
                smem, params_of(a), where_of<T>("pairs"), stream);
}

}  // namespace

template <class T>
void launch_pairs(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("pairs").c_str());
  if (a.d == 64) {
    launch_d<T, 64>(a, stream);
  } else {
    launch_d<T, 128>(a, stream);
  }
}

template void launch_pairs<__half>(const Args<__half>&, cudaStream_t);
template void launch_pairs<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
