// Chapter 02, step 6 — grouped: visit the tiles in bands of kGroupRows tile rows.
//
// The idea: steps 2-5 number tiles row-major, so the blocks resident at the same time sit side by
// side in a few tile rows. Their loads read 32 input rows in long runs, but their stores each fill
// 128 bytes (one tile column) of 32 *different* output rows: short writes scattered across DRAM
// pages. The wider the matrix, the fewer tile rows are resident together and the shorter the runs.
// Step 6 changes only which tile a block moves (grouped_tile_of): the blocks resident together
// cover a band kGroupRows = 8 tiles tall, so each output row they touch gets 8 x 128 = 1 KiB
// written in a burst, while each input row is still read in runs of many tiles. The kernel body
// is step 5's.
//
// Prediction, as written before the ladder ran: a few percent at 8192 x 8192, toward cudaMemcpy;
// the largest gain at 4099 x 65537 (2049 tiles across), if scattered writes are what makes that
// shape slow. Refuted on both counts (README, "Step 6: grouped, tiles visited in bands of tile
// rows"). The prediction counted ~1000 resident blocks (132 SMs x 8), ~4 tile rows at 8192^2:
// that is the count for step 3's blocks of 256 threads. Step 5's blocks have 64 threads, so up to
// ~4,200 are resident (32 per SM), spanning up to ~16 tile rows: the runs were already long before
// grouping. And 4099 x 65537 is slow because its rows are misaligned, not because of the order.
#include "transpose.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "grouped",
    "Read \"Step 6: grouped, tiles visited in bands of tile rows\" in README.md. Your step 5 "
    "kernel with tile = grouped_tile_of(blockIdx.x, tiles_across, tiles_down, kGroupRows) "
    "instead of tile_of(...).");

namespace ch02 {
namespace {

using W = WideShape;

__global__ void transpose_grouped_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                         std::int64_t rows, std::int64_t cols,
                                         std::int64_t tiles_across, std::int64_t tiles_down,
                                         bool vectorizable) {
  // WB_EXERCISE_BEGIN
  // TODO(step 6): read "Step 6: grouped, tiles visited in bands of tile rows" in README.md, then
  // start from your step 5: the kernel body does not change, only the tile a block moves.
  //   1. Your step 5 kernel body (the same padded static tile, indices, wide test and barrier),
  //      with
  //        const TileCoord tile = grouped_tile_of(blockIdx.x, tiles_across, tiles_down,
  //        kGroupRows);
  //      in place of tile_of(blockIdx.x, tiles_across) (transpose.h). tiles_down = ceil(rows / 32)
  //      comes from the launcher.
  // Work out on paper which tiles (tile row, tile column) blocks 0..29 move for a matrix 3 tiles
  // across and 10 tiles down (kGroupRows = 8: a band of 8 tile rows, then one of 2), then check
  // your answer under "Step 6" in README.md.
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-02-check`.
  // WB_EXERCISE_END
}

}  // namespace

void launch_grouped(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_grouped");
  const dim3 block(W::kThreadsX, W::kThreadsY);
  transpose_grouped_kernel<<<tile_grid(a, "ch02::launch_grouped"), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, wb::ceil_div(a.cols, W::kTile), wb::ceil_div(a.rows, W::kTile),
      can_vectorize(a));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
