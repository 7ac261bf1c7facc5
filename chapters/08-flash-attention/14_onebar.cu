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
#include "wb/exercise.h"
WB_EXERCISE_TODO("onebar",
                 "Read \"Step 14: onebar\" in README.md: your step 13, with one barrier per "
                 "key tile: wait for tile j, __syncthreads, then issue tile j + 1");

namespace ch08 {
namespace {

constexpr float kLog2e = 1.4426950408889634f;  // log2(e)
constexpr float kLn2 = 0.6931471805599453f;    // ln(2)

// Step 9's 2^x as one MUFU.EX2: results (and inputs) in the denormal range flush to 0.
// WB_EXERCISE_BEGIN
// TODO(exercise, README "Step 14: onebar"): your step 13 ex2_ftz (13_wide.cu), unchanged.
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
    // TODO(exercise, README "Step 14: onebar"): your step 13 RowWalk constructor (13_wide.cu),
    //   unchanged.
    // WB_EXERCISE_END
  }

  /// Issues the thread's cp.async of rows [0, rows) of the (kRows, kD) tile at g into s; the
  /// chunks of rows at or past `rows` are zero-filled. A whole tile takes the fast path.
  __device__ __forceinline__ void copy(std::uint16_t* s, const std::uint16_t* g, int rows) const {
    if (rows >= kRows) {
      // A whole tile: constant strides, no test.
      // WB_EXERCISE_BEGIN
      // TODO(exercise, README "Step 14: onebar"): your step 13 whole-tile copy (13_wide.cu),
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
// sums exp2(s * scale_log2 - m). O's accumulators of that m16 row are rescaled on every tile at
// d 64 (kOTiles = 8), and at d 128 only when one of the warp's rows in it moved (a warp vote).
// WB_EXERCISE_BEGIN
// TODO(exercise, README "Step 14: onebar"): your step 13 online_softmax_row_ftz (13_wide.cu),
//   unchanged.
// WB_EXERCISE_END

// Step 13's keys per tile at head dimension d: 128 at d 64, 64 at d 128.
__host__ __device__ constexpr int keys_per_tile(int d) {
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 14: onebar"): your step 13 keys_per_tile (13_wide.cu),
  //   unchanged: 128 keys per tile when d is 64, 64 otherwise. Until then it returns 64:
  return 64;
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
  // TODO(exercise, README "Step 14: onebar"): your step 13 kernel region (13_wide.cu) with one
  //   change, the key-tile loop's synchronisation. At the top of tile j: wb::async::wait<0>()
  //   (tile j is now the newest group), then __syncthreads(), and only then issue(j + 1) when
  //   j + 1 < tiles, then wb::async::commit() (every iteration: one group per tile). Delete the
  //   __syncthreads() at the end of the tile: the next iteration's barrier, which comes before
  //   its issue, already keeps tile j + 2 out of buffer j % 2 until every warp is done with it.
  //   Everything else (rk, kM, wq, rO, stat, the two products, the softmax, store_rows) is
  //   step 13's, unchanged. Step 13's comments on these lines become wrong; say instead what
  //   each line now guarantees (wait<0>: tile j is the newest group; the barrier: every
  //   thread's copies of tile j are in and every warp is done with tile j - 1, whose buffer
  //   tile j + 1 goes into). The empty group of the last iteration is not needed by wait<0>;
  //   keeping one commit per iteration keeps the loop uniform and costs nothing.
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
