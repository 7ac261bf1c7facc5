// Chapter 01, exercise 2 — coalesced: make threadIdx.x walk the columns.
//
// Read "Step 2" in README.md first. Start from 01_naive.cu: the launcher below already swaps the
// grid (x now covers columns, y covers rows); your kernel must swap the roles of x and y to match.
// When it is written, delete the WB_EXERCISE_TODO line and run `make chapter-01-check`.
#include "coalescing.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "coalesced",
    "in scale_rows_coalesced_kernel, derive col from blockIdx.x/threadIdx.x and loop over rows "
    "along y (a grid-stride loop, as 01_naive.cu does for columns)");

namespace ch01 {
namespace {

__global__ void scale_rows_coalesced_kernel(const float* __restrict__ gIn,
                                            const float* __restrict__ gScale,
                                            float* __restrict__ gOut, int rows, int cols) {
  // TODO(exercise 2):
  //   1. col = this thread's column from blockIdx.x, blockDim.x and threadIdx.x; return if col >=
  //   cols.
  //   2. Loop row from blockIdx.y * blockDim.y + threadIdx.y while row < rows, stepping by
  //      gridDim.y * blockDim.y.
  //   3. gOut[row * cols + col] = gIn[row * cols + col] * gScale[row]   (index in std::size_t).
}

}  // namespace

void launch_coalesced(const ScaleRowsArgs& a, cudaStream_t stream) {
  validate(a, "ch01::launch_coalesced");
  const dim3 block(BlockShape::kX, BlockShape::kY);
  const dim3 grid(static_cast<unsigned>(ceil_div(a.cols, BlockShape::kX)),
                  grid_y_for(a.rows, BlockShape::kY));
  scale_rows_coalesced_kernel<<<grid, block, 0, stream>>>(
      a.in, a.scale, a.out, static_cast<int>(a.rows), static_cast<int>(a.cols));
  WB_CHECK_LAUNCH();
}

}  // namespace ch01
