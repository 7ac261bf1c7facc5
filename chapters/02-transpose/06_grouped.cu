// Chapter 02, exercise 6 — grouped: visit the tiles in bands of kGroupRows tile rows.
//
// Read "Step 6" in README.md first. Start from your step 5: the kernel body does not change, only
// the tile a block moves. Replace tile_of(blockIdx.x, tiles_across) with
// grouped_tile_of(blockIdx.x, tiles_across, tiles_down, kGroupRows) (transpose.h), and work out on
// paper which tiles blocks 0..15 move for a matrix 10 tiles across and 3 tiles down. When it is
// written, delete the WB_EXERCISE_TODO line and run `make chapter-02-check`.
#include "transpose.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO("grouped",
                 "your step 5 kernel with tile = grouped_tile_of(blockIdx.x, tiles_across, "
                 "tiles_down, kGroupRows) instead of tile_of(...)");

namespace ch02 {
namespace {

using W = WideShape;

__global__ void transpose_grouped_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                         std::int64_t rows, std::int64_t cols,
                                         std::int64_t tiles_across, std::int64_t tiles_down,
                                         bool vectorizable) {
  // TODO(exercise 6): your step 5 kernel body, with
  //   const TileCoord tile = grouped_tile_of(blockIdx.x, tiles_across, tiles_down, kGroupRows);
  (void)tiles_down;
  (void)vectorizable;
}

}  // namespace

void launch_grouped(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_grouped");
  const dim3 block(W::kThreadsX, W::kThreadsY);
  transpose_grouped_kernel<<<tile_grid(a, "ch02::launch_grouped"), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, ceil_div(a.cols, W::kTile), ceil_div(a.rows, W::kTile),
      can_vectorize(a));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
