// Chapter 02, exercise 4 — swizzled tile: conflict-free columns without padding.
//
// Read "Step 4" in README.md first. Start from your step 2 (the unpadded tile) and store element
// (i, j) at column j XOR i of row i: that is swizzled_offset(i, j). Convince yourself that both a
// row and a column of the swizzled tile hit 32 different banks.
// When it is written, delete the WB_EXERCISE_TODO line and run `make chapter-02-check`.
#include "transpose.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "swizzled_tile",
    "copy your step 2 kernel and index the unpadded 32 x 32 tile with swizzled_offset(i, j)");

namespace ch02 {
namespace {

using T = TileShape;

__global__ void transpose_swizzled_tile_kernel(const float* __restrict__ gIn,
                                               float* __restrict__ gOut, std::int64_t rows,
                                               std::int64_t cols, std::int64_t tiles_across) {
  // TODO(exercise 4): your step 2 kernel (unpadded sTile[T::kTile * T::kTile]), with
  // swizzled_offset(i, j) everywhere you used unpadded_offset(i, j).
}

}  // namespace

void launch_swizzled_tile(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_swizzled_tile");
  const dim3 block(T::kTile, T::kBlockRows);
  transpose_swizzled_tile_kernel<<<tile_grid(a, "ch02::launch_swizzled_tile"), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, ceil_div(a.cols, T::kTile));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
