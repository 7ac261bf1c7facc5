// Chapter 02, step 6 — grouped: visit the tiles in bands of kGroupRows tile rows.
//
// The idea: steps 2-5 number tiles row-major, so the ~1000 blocks resident at once on the H100
// (132 SMs x 8 or more) sit side by side in one or two tile rows. Their loads read 32 input rows
// in long runs, but their stores each fill 128 bytes (one tile column) of 32 *different* output
// rows: tens of thousands of short writes scattered across DRAM pages. The wider the matrix, the
// fewer tile rows are resident together and the shorter the runs. Step 6 changes only which tile a
// block moves (grouped_tile_of): the blocks resident together cover a band kGroupRows = 8 tiles
// tall, so each output row they touch gets 8 x 128 = 1 KB written in a burst, while each input row
// is still read in runs of many tiles. The kernel body is step 5's.
//
// Prediction: at 8192 x 8192 (256 tiles across, ~4 tile rows resident) runs grow from ~512 B to
// 1 KB+; expect a few percent, toward cudaMemcpy. At 4099 x 65537 (2049 tiles across, half a tile
// row resident, 128-byte runs) expect the largest gain, if scattered writes are the cause of the
// slowdown measured there (README, "Step 6: grouped, tiles visited in bands of tile rows").
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
  // Work out on paper which tiles blocks 0..15 move for a matrix 10 tiles across and 3 tiles down.
  (void)tiles_down;
  (void)vectorizable;
  // When it is written, delete the WB_EXERCISE_TODO line above and run `make chapter-02-check`.
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
