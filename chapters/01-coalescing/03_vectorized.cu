// Chapter 01, exercise 3 — vectorized: one 16-byte float4 per thread.
//
// Read "Step 3" in README.md first. Start from your step 2. A float4 access must be 16-byte
// aligned, and row r starts at gIn + r * cols, which is not when cols % 4 != 0. split_row() in
// coalescing.h cuts a row into head (scalars up to the first 16-byte boundary), body (float4s) and
// tail (scalars); the launcher below gives each thread one float4 index v along x.
// When it is written, delete the WB_EXERCISE_TODO line and run `make chapter-01-check`.
#include "coalescing.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "vectorized",
    "per row: s = split_row(address of the row, cols); thread v handles float4 v of the body, "
    "and threads v < s.head and v < s.tail handle the head and tail floats");

namespace ch01 {
namespace {

__global__ void scale_rows_vectorized_kernel(const float* __restrict__ gIn,
                                             const float* __restrict__ gScale,
                                             float* __restrict__ gOut, int rows, int cols) {
  // TODO(exercise 3):
  //   v = blockIdx.x * blockDim.x + threadIdx.x is this thread's float4 in a row's body.
  //   For each row (grid-stride loop along y, as in step 2):
  //     1. gInRow, gOutRow = the row's start in gIn and gOut (offset in std::size_t).
  //     2. s = split_row(reinterpret_cast<std::uintptr_t>(gInRow), cols); k = gScale[row].
  //     3. if v < s.body: load reinterpret_cast<const float4*>(gInRow + s.head)[v], scale x, y, z,
  //     w,
  //        store to the same float4 of gOutRow + s.head.
  //     4. if v < s.head: scalar head element v.  if v < s.tail: scalar element s.head + 4 * s.body
  //     + v.
}

}  // namespace

void launch_vectorized(const ScaleRowsArgs& a, cudaStream_t stream) {
  validate(a, "ch01::launch_vectorized");
  validate_same_alignment(a, "ch01::launch_vectorized");
  const dim3 block(BlockShape::kX, BlockShape::kY);
  // ceil(cols / 4) threads along x cover the body; the head and tail (<= 3 each) fit in block 0.
  const dim3 grid(static_cast<unsigned>(ceil_div(ceil_div(a.cols, kVec), BlockShape::kX)),
                  grid_y_for(a.rows, BlockShape::kY));
  scale_rows_vectorized_kernel<<<grid, block, 0, stream>>>(
      a.in, a.scale, a.out, static_cast<int>(a.rows), static_cast<int>(a.cols));
  WB_CHECK_LAUNCH();
}

}  // namespace ch01
