// Chapter 02, exercise 3 — padded tile: one extra float per tile row, no bank conflicts.
//
// Read "Step 3" in README.md first. Start from your step 2: the only change is the tile's layout.
// Give each tile row kTile + kPad floats and index it with padded_offset; work out on paper (or
// with conflict_degree in tests/ch02/bank_conflict_test.cpp) why a column read is now 1-way.
// When it is written, delete the WB_EXERCISE_TODO line and run `make chapter-02-check`.
#include "transpose.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO("padded_tile",
                 "copy your step 2 kernel and replace the tile with sTile[kTile * (kTile + kPad)] "
                 "indexed by padded_offset(i, j)");

namespace ch02 {
namespace {

using T = TileShape;

__global__ void transpose_padded_tile_kernel(const float* __restrict__ gIn,
                                             float* __restrict__ gOut, std::int64_t rows,
                                             std::int64_t cols, std::int64_t tiles_across) {
  // TODO(exercise 3): your step 2 kernel, with
  //   __shared__ float sTile[T::kTile * (T::kTile + kPad)];   and padded_offset(i, j) everywhere
  // you used unpadded_offset(i, j).
}

}  // namespace

void launch_padded_tile(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_padded_tile");
  const dim3 block(T::kTile, T::kBlockRows);
  transpose_padded_tile_kernel<<<tile_grid(a, "ch02::launch_padded_tile"), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, ceil_div(a.cols, T::kTile));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
