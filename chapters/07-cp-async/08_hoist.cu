// Chapter 07, step 8 — hoist: each thread works out its copies' addresses once per block, not
// once per k-tile.
//
// The idea: steps 2-7 copy a tile with wb::tile::async_copy_tile, which, for every chunk of every
// k-tile, finds the chunk's place in the tile, its 64-bit global address, how much of it lies
// inside the matrix (two 64-bit compares) and its swizzled shared offset. Step 7's SASS
// (scripts/sass_loop_mix.py, README section 8) spends about 290 of its 384 instructions per
// k-tile on that, against 64 mma; with two warps per scheduler those chains of dependent integer
// instructions are what a warp waits on. But nearly all of it is the same every k-tile:
//   - a thread copies the same chunks of every tile: its first chunk (row r, column cc of the
//     tile) and then one chunk per pass, kPassRows rows further on (a pass: all the block's
//     threads, one chunk each);
//   - the next tile's chunk is one tile further on in global memory (A: BK columns; B: BK rows),
//     and the swizzle repeats every 8 rows, so in shared memory pass i's chunk is pass 0's plus
//     i x kPassRows rows: a constant the compiler folds into the instruction;
//   - a tile is wholly inside the matrix in every block away from the bottom and right edges,
//     except the partial last k-tile.
// So TileWalk computes one global pointer and one shared offset per thread at the start, and a
// whole tile then costs one 64-bit add and one cp.async per chunk. Tiles that are not wholly
// inside go through async_copy_tile as before, so the result does not change. This is what
// CUTLASS's tile iterators do (precomputed pointers, predicates and strides). The kernel is step
// 6's at step 7's configuration (the sweep's 128 x 128 x 32, 4 stages); only the copy changes.
//
// Prediction (from this machine's sm_90 SASS, before the run): the k-loop of the 16-byte path
// goes from 384 to about 200 instructions per k-tile for the same 64 mma, and the registers from
// 254 to 242 (both first read from a draft of this kernel; this file's build, also before the run:
// 191 instructions on the path a block inside the matrix takes, and 240 registers). At 4096^3 step
// 7 issued 207.7 M instructions with the schedulers issuing in 49.6% of cycles and the tensor pipe
// busy 48.1%: with about half the instructions per mma and the same two warps per scheduler,
// expect 1.15-1.35x step 7 (355-415 TFLOP/s), smsp__inst_executed down to ~120 M and the tensor
// pipe busy 55-65%. Measured (commit 203335f): 366.9 TFLOP/s (1.19x), 105.1 M instructions, the
// tensor pipe busy 58.0% (README "Step 8").
#include "pipeline.h"
#include "pipeline_device.cuh"
#include "wb/exercise.h"
WB_EXERCISE_TODO("hoist",
                 "Read \"Step 8: hoist, addresses worked out once per block\" in README.md: "
                 "TileWalk's constructor (this thread's pass-0 chunk: src_, soff_, the strides, "
                 "whole_tiles_) and load()'s fast path (kPasses cp.async at constant strides)");

#include "wb/tile_order.h"

#include <type_traits>

namespace ch07 {
namespace {

using Tiles = wb::tile::WarpTiles<128, 128, 32, 64, 64>;  // step 7's: the sweep's choice
constexpr int kStages = 4;                                // step 7's

/// The copies of a walk of tiles along one dimension of a matrix: a block's k-tiles of A (along
/// its columns, kAlongCols) or of B (along its rows), each into a shared tile laid out by
/// Layout. Tiles must be loaded in order, one load() each, the first one first. Without kVec
/// (rows not 16-byte aligned) every tile is copied by async_copy_tile's synchronous path.
template <class Layout, int kRows, int kCols, int kThreads, bool kAlongCols, bool kVec>
class TileWalk {
 public:
  static constexpr int kChunkElems = 8;                    // 16 bytes of 16-bit elements
  static constexpr int kRowChunks = kCols / kChunkElems;   // chunks per tile row
  static constexpr int kPassRows = kThreads / kRowChunks;  // rows one pass of the block covers
  static constexpr int kPasses = kRows / kPassRows;        // chunks per thread per tile
  static_assert(kCols % kChunkElems == 0, "a tile row is whole 16-byte chunks");
  static_assert(kThreads % kRowChunks == 0 && kRows % kPassRows == 0,
                "every pass covers whole rows and a tile is whole passes");
  static_assert(kPassRows % 8 == 0,
                "a pass is whole swizzle periods (8 rows): pass i's shared offset is pass 0's "
                "plus i x kPassRows rows");

  /// The walk over the tiles of the rows x cols matrix g (leading dimension ld) whose first tile
  /// has its top-left element at (row0, col0); it ends at the matrix's edge.
  __device__ __forceinline__ TileWalk(const std::uint16_t* __restrict__ g, int ld, int row0,
                                      int col0, int rows, int cols)
      : g_(g), ld_(ld), rows_(rows), cols_(cols), row0_(row0), col0_(col0) {
    // WB_EXERCISE_BEGIN
    // TODO(exercise, README "Step 8: hoist, addresses worked out once per block"): everything
    //   load() needs that does not change from one tile to the next, computed once:
    //   - this thread's chunk in pass 0: c = threadIdx.x, row r = c / kRowChunks, column
    //     cc = (c % kRowChunks) * kChunkElems (async_copy_tile's numbering, pass i being
    //     chunk c + i * kThreads);
    //   - src_: its global address in the first tile, g + (row0 + r) * ld + (col0 + cc), in 64-bit
    //     arithmetic (std::int64_t{row0} + r and std::int64_t{col0} + cc: the product, and for B
    //     the column, can pass 2^31 - 1);
    //   - pass_stride_ = kPassRows * ld (64-bit): from pass i's chunk to pass i + 1's in global
    //     memory; tile_stride_: from one tile's chunk to the next tile's, kCols along the columns
    //     (kAlongCols, A) or kRows * ld along the rows (B), 64-bit;
    //   - soff_ = Layout::offset(r, cc): the chunk's swizzled shared offset in pass 0;
    //   - (for a block on the matrix's edge src_ may point outside the matrix: that is fine, since
    //     load() never reads through it there: such tiles take the edge path);
    //   - whole_tiles_: how many tiles, counted from the first, lie wholly inside the matrix; 0
    //     unless kVec and the block's tiles lie inside across the walk (kAlongCols: row0 + kRows
    //     <= rows; otherwise col0 + kCols <= cols; compare in 64-bit), else the whole tiles along
    //     it: (cols - col0) / kCols with kAlongCols, (rows - row0) / kRows without.
    // WB_EXERCISE_END
  }

  /// Starts the copy of the walk's next tile into the shared tile s (the caller commits the
  /// group) and moves on to the tile after it.
  __device__ __forceinline__ void load(std::uint16_t* s) {
    if (tile_ < whole_tiles_) {
      // WB_EXERCISE_BEGIN
      // TODO(exercise, README "Step 8: hoist, addresses worked out once per block"): the whole
      //   tile, kPasses chunks of 16 bytes, with no edge test: for i in 0 .. kPasses - 1 (#pragma
      //   unroll), wb::async::copy16_zfill(s + soff_ + i * kPassRows * Layout::kRowStride,
      //   src_ + i * pass_stride_, 16). The shared offset of pass i is pass 0's plus a constant
      //   because a pass is whole 8-row swizzle periods (the static_assert above).
      // WB_EXERCISE_END
    } else {  // on the matrix's edge: every chunk's own edge test, as in steps 2-7
      const int r0 = kAlongCols ? row0_ : row0_ + tile_ * kRows;
      const int c0 = kAlongCols ? col0_ + tile_ * kCols : col0_;
      wb::tile::async_copy_tile<Layout, kRows, kCols, kThreads, kVec>(s, g_, ld_, r0, c0, rows_,
                                                                      cols_);
    }
    ++tile_;
    src_ += tile_stride_;
  }

 private:
  const std::uint16_t* g_;              // the matrix, for the edge path
  int ld_, rows_, cols_, row0_, col0_;  // its shape and the first tile's origin
  int tile_ = 0;                        // the next tile's index along the walk
  int whole_tiles_ = 0;                 // tiles that take the fast path: 0 on an edge
  const std::uint16_t* src_ = nullptr;  // this thread's pass-0 chunk of the next tile
  std::int64_t pass_stride_ = 0;        // elements from one pass's chunk to the next
  std::int64_t tile_stride_ = 0;        // elements from one tile's chunk to the next tile's
  int soff_ = 0;                        // shared offset (elements) of the pass-0 chunk
};

template <class T, class R, bool kVec>
__global__ void __launch_bounds__(R::kThreads, R::kMinBlocks)
    hgemm_hoist_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                       const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC, int ldc) {
  extern __shared__ __align__(128) std::uint16_t smem[];  // kStages x (sA, sB): R::kBytes
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const wb::TileCoord tile =  // this block's tile of C, in bands of kGroupRows tile rows
      wb::grouped_tile_of(std::int64_t{blockIdx.y} * gridDim.x + blockIdx.x, gridDim.x, gridDim.y,
                          kGroupRows);
  const int m0 = static_cast<int>(tile.row) * R::BM, n0 = static_cast<int>(tile.col) * R::BN;
  const wb::mma::Coord w = wb::tile::warp_origin<R>(warp);  // warp tile in the block
  const int tiles = k_tiles(K, R::BK);
  // A's k-tiles walk along its columns from (m0, 0); B's along its rows from (0, n0).
  TileWalk<typename R::LayoutA, R::BM, R::BK, R::kThreads, true, kVec> walk_a(
      reinterpret_cast<const std::uint16_t*>(gA), lda, m0, 0, M, K);
  TileWalk<typename R::LayoutB, R::BK, R::BN, R::kThreads, false, kVec> walk_b(
      reinterpret_cast<const std::uint16_t*>(gB), ldb, 0, n0, K, N);

  float rC[R::kMT][R::kNT][4] = {};  // (kMT, kNT) m16n8 accumulator tiles
#pragma unroll
  for (int t = 0; t < R::kStages - 1; ++t) {  // prologue: tiles 0 .. kStages - 2, a group each
    if (t < tiles) {
      walk_a.load(R::a(smem, t));
      walk_b.load(R::b(smem, t));
    }
    wb::async::commit();
  }
  for (int t = 0; t < tiles; ++t) {
    wb::async::wait<R::kStages - 2>();  // group t (tile t) has landed for this thread ...
    __syncthreads();                    // ... and for everyone; stage of tile t - 1 is free
    if (t + R::kStages - 1 < tiles) {   // tile t + kStages - 1, the walks' next
      const int s = stage_of(t + R::kStages - 1, R::kStages);
      walk_a.load(R::a(smem, s));
      walk_b.load(R::b(smem, s));
    }
    wb::async::commit();  // one group per iteration, empty or not
    const int s = stage_of(t, R::kStages);
    fragment_buffered_mma<T, R, R::LayoutA, R::LayoutB>(rC, R::a(smem, s), R::b(smem, s), w, lane);
  }
  wb::tile::store_warp_tile<kVec, R>(gC, ldc, M, N, m0 + w.row, n0 + w.col, rC, alpha, beta, lane);
}

template <class R, class T>
void launch_walk(const Args<T>& a, cudaStream_t stream) {
  launch_pipelined<T>(a, hgemm_hoist_kernel<T, R, true>, hgemm_hoist_kernel<T, R, false>, R::BM,
                      R::BN, R::kThreads, R::kBytes, "hoist", stream);
}

}  // namespace

template <class T>
void launch_hoist(const Args<T>& a, cudaStream_t stream) {
  launch_walk<Ring<Tiles, kStages>>(a, stream);
}

template void launch_hoist<__half>(const Args<__half>&, cudaStream_t);
template void launch_hoist<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

namespace tuning {

// Step 8's kernel with rings sized for its faster k-tile (README section 8, "A ring sized for step
// 8": more bytes in flight per SM), for the tests and the sweep; shared memory per block in
// brackets (228 KB per SM: every one but the last fits two blocks).
const std::vector<Config>& hoist_configs() {
  using W128x128x32 = wb::tile::WarpTiles<128, 128, 32, 64, 64>;  // 4 warps, 16 KB per stage
  using W128x128x64 = wb::tile::WarpTiles<128, 128, 64, 64, 64>;  // 4 warps, 32 KB per stage
  using W128x256x32 = wb::tile::WarpTiles<128, 256, 32, 64, 64>;  // 8 warps, 24 KB per stage
  // Eight or sixteen warps of 64 x 32 (or 32 x 64) under a 128-register cap: four warps per
  // scheduler instead of two (README section 8, "More warps per scheduler").
  using N128x128x32 = wb::tile::WarpTiles<128, 128, 32, 64, 32, 2>;  // 8 warps, 2 blocks per SM
  using T128x128x32 = wb::tile::WarpTiles<128, 128, 32, 32, 64, 2>;  // 8 warps, 2 blocks per SM
  using N128x256x32 = wb::tile::WarpTiles<128, 256, 32, 64, 32>;     // 16 warps, 1 block per SM
  using N256x128x32 = wb::tile::WarpTiles<256, 128, 32, 64, 32>;     // 16 warps, 1 block per SM
  static_assert(std::is_same_v<Tiles, W128x128x32> && kStages == 4,
                "the first configuration is the step's own: rename it");
  static const std::vector<Config> configs = {
      {"hoist", "hoist/128x128x32 w64x64 4 stages", launch_hoist<__half>,
       launch_hoist<__nv_bfloat16>},  // [64 KB]
      {"hoist", "hoist/128x128x32 w64x64 5 stages", launch_walk<Ring<W128x128x32, 5>, __half>,
       launch_walk<Ring<W128x128x32, 5>, __nv_bfloat16>},  // [80 KB]
      {"hoist", "hoist/128x128x32 w64x64 6 stages", launch_walk<Ring<W128x128x32, 6>, __half>,
       launch_walk<Ring<W128x128x32, 6>, __nv_bfloat16>},  // [96 KB]
      {"hoist", "hoist/128x128x64 w64x64 3 stages", launch_walk<Ring<W128x128x64, 3>, __half>,
       launch_walk<Ring<W128x128x64, 3>, __nv_bfloat16>},  // [96 KB]
      {"hoist", "hoist/128x256x32 w64x64 4 stages", launch_walk<Ring<W128x256x32, 4>, __half>,
       launch_walk<Ring<W128x256x32, 4>, __nv_bfloat16>},  // [96 KB], one block per SM
      {"hoist", "hoist/128x128x32 w64x32 4 stages", launch_walk<Ring<N128x128x32, 4>, __half>,
       launch_walk<Ring<N128x128x32, 4>, __nv_bfloat16>},  // [64 KB]
      {"hoist", "hoist/128x128x32 w64x32 5 stages", launch_walk<Ring<N128x128x32, 5>, __half>,
       launch_walk<Ring<N128x128x32, 5>, __nv_bfloat16>},  // [80 KB]
      {"hoist", "hoist/128x128x32 w64x32 6 stages", launch_walk<Ring<N128x128x32, 6>, __half>,
       launch_walk<Ring<N128x128x32, 6>, __nv_bfloat16>},  // [96 KB]
      {"hoist", "hoist/128x128x32 w32x64 5 stages", launch_walk<Ring<T128x128x32, 5>, __half>,
       launch_walk<Ring<T128x128x32, 5>, __nv_bfloat16>},  // [80 KB]
      {"hoist", "hoist/128x256x32 w64x32 4 stages", launch_walk<Ring<N128x256x32, 4>, __half>,
       launch_walk<Ring<N128x256x32, 4>, __nv_bfloat16>},  // [96 KB], one block per SM
      {"hoist", "hoist/128x256x32 w64x32 6 stages", launch_walk<Ring<N128x256x32, 6>, __half>,
       launch_walk<Ring<N128x256x32, 6>, __nv_bfloat16>},  // [144 KB], one block per SM
      {"hoist", "hoist/256x128x32 w64x32 4 stages", launch_walk<Ring<N256x128x32, 4>, __half>,
       launch_walk<Ring<N256x128x32, 4>, __nv_bfloat16>},  // [96 KB], one block per SM
  };
  return configs;
}

}  // namespace tuning

}  // namespace ch07
