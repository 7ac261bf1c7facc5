// Chapter 01, known-bad variant: step 3 without the row tail. DO NOT USE: it exists to be caught.
//
// It is step 3 with its last three statements removed: the up-to-3 floats after a row's last whole
// float4 are never written. When every row's tail is empty (cols a multiple of 4 with 16-byte
// aligned rows, e.g. 64 x 128) it produces exactly the right answer, which is why tutorials that
// test only "nice" sizes ship this bug. At 31 x 33 the tails are not empty and the poisoned output
// shows the unwritten elements; tests/ch01/scale_rows_test.cpp proves the harness catches it.
#include "coalescing.h"

#include "wb/check.h"

namespace ch01::known_bad {
namespace {

__global__ void scale_rows_no_tail_kernel(const float* __restrict__ gIn,
                                          const float* __restrict__ gScale,
                                          float* __restrict__ gOut, int rows, int cols) {
  const int v = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned stride = gridDim.y * blockDim.y;
  for (unsigned row = blockIdx.y * blockDim.y + threadIdx.y; row < static_cast<unsigned>(rows);
       row += stride) {
    const float* gInRow = gIn + static_cast<std::size_t>(row) * cols;
    float* gOutRow = gOut + static_cast<std::size_t>(row) * cols;
    const wb::RowSplit s =
        wb::split_row(reinterpret_cast<std::uintptr_t>(gInRow), cols, sizeof(float));
    const float k = gScale[row];
    if (v < s.body) {
      float4 x = reinterpret_cast<const float4*>(gInRow + s.head)[v];
      x.x *= k;
      x.y *= k;
      x.z *= k;
      x.w *= k;
      reinterpret_cast<float4*>(gOutRow + s.head)[v] = x;
    }
    if (v < s.head) gOutRow[v] = gInRow[v] * k;
    // BUG (deliberate): the tail, s.tail floats after the body, is never written.
  }
}

}  // namespace

void launch_vectorized_no_tail(const ScaleRowsArgs& a, cudaStream_t stream) {
  validate(a, "ch01::known_bad::launch_vectorized_no_tail");
  validate_same_alignment(a, "ch01::known_bad::launch_vectorized_no_tail");
  const dim3 block(BlockShape::kX, BlockShape::kY);
  const dim3 grid =
      wb::grid_2d(wb::ceil_div(wb::ceil_div(a.cols, kVec), BlockShape::kX),
                  grid_y_for(a.rows, BlockShape::kY), "ch01::known_bad::launch_vectorized_no_tail");
  scale_rows_no_tail_kernel<<<grid, block, 0, stream>>>(
      a.in, a.scale, a.out, static_cast<int>(a.rows), static_cast<int>(a.cols));
  WB_CHECK_LAUNCH();
}

}  // namespace ch01::known_bad
