// Chapter 02, step 8 — column order: step 7's tiles, visited down each column of tiles.
//
// The idea: with row-major tile numbering, consecutive blocks (which run at the same time) move
// neighbouring tiles of the same tile row: they read the same 64 input rows, but each writes its
// 256-byte pieces into 64 *different* output rows. Here block b moves tile
// column_major_tile_of(b, tiles_down) = (b mod tiles_down, b / tiles_down): consecutive blocks walk
// DOWN a column of tiles, so they write neighbouring 256-byte pieces of the same 64 output rows,
// and the ~500 blocks resident at once write each output row in runs of kilobytes. Their reads
// are now the scattered side; the design sweep (bench/ch02_sweep.cu, full checkout only, recorded
// in chapter-02.sweep.txt) found that reads suffer less (longer read runs alone gained nothing).
// The kernel body is step 7's: only the tile a block moves changes. (Step 6's grouped order tried
// the same on the 32 x 32 tile and measured no gain; the sweep's "32x32 tile, 32x8, column-major
// order" row gained 2% over step 3.)
//
// Prediction at 8192 x 8192: the sweep's "64x64 tile, 32x16, column-major" row, and this same
// kernel when it was recorded as one step (big_tile at 9fa9fcbfbfc0: 0.1882 ms, 1.01x cublasSgeam,
// 0.97x cudaMemcpy): ~0.188 ms, ~1.01x cuBLAS, ~1.01x step 7. At the tall 65536 x 4096 the sweep
// measured column order 0.3% slower than row order (row order already writes long runs there).
// Nsight Compute: the same requests and sectors as step 7; DRAM throughput up.
#include "transpose.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "column_order",
    "Read \"Step 8: column_order, tiles visited down each column\" in README.md. Your step 7 "
    "kernel with tile = column_major_tile_of(blockIdx.x, tiles_down) instead of tile_of(...).");

namespace ch02 {
namespace {

using B = BigTileShape;

__global__ void __launch_bounds__(B::kThreadsX* B::kThreadsY)
    transpose_column_order_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                  std::int64_t rows, std::int64_t cols, std::int64_t tiles_down) {
  // WB_EXERCISE_BEGIN
  // TODO(step 8): read "Step 8: column_order, tiles visited down each column" in README.md, then
  // start from your step 7: the kernel body does not change, only the tile a block moves.
  //   1. Your step 7 kernel body (the same 64 x 64 padded static tile, register array, indices,
  //      bounds checks and barrier), with
  //        const TileCoord tile = column_major_tile_of(blockIdx.x, tiles_down);
  //      in place of tile_of(blockIdx.x, tiles_across) (transpose.h). tiles_down = ceil(rows / 64)
  //      comes from the launcher. This kernel has no tiles_across parameter (it gets tiles_down
  //      instead), so step 7's body does not compile here until that line is changed.
  // Work out which tiles (tile row, tile column) blocks 0..5 move for a matrix 3 tiles across and
  // 2 tiles down, then check your answer under "Step 8" in README.md.
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-02-check`.
  // WB_EXERCISE_END
}

}  // namespace

void launch_column_order(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_column_order");
  const dim3 block(B::kThreadsX, B::kThreadsY);
  transpose_column_order_kernel<<<tile_grid(a, "ch02::launch_column_order", B::kTile), block, 0,
                                  stream>>>(a.in, a.out, a.rows, a.cols,
                                            wb::ceil_div(a.rows, B::kTile));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
