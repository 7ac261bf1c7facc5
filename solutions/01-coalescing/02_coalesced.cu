// Chapter 01, step 2 — coalesced: threadIdx.x walks the columns.
//
// The idea: make the fastest-varying thread index walk the contiguous dimension. The 32 threads of
// a warp now read 32 neighbouring floats: one 128-byte request of 4 fully used 32-byte sectors.
// The change from step 1 is the swap of x and y, in the kernel and in the grid.
//
// Prediction at 16384 x 16384 (floor 0.72 ms): sectors per request drop from 32 to 4, so L1 is no
// longer the limit; DRAM is. But each thread has only one 4-byte load in flight, 8.2 KB per SM at
// full occupancy, a little under the ~9 KB of reads Little's law asks for (1.5 TB/s of reads x ~0.8
// us latency / 132 SMs). Expect 80-90% of the copy ceiling: about 3x faster than step 1.
#include "coalescing.h"

#include "wb/check.h"

namespace ch01 {
namespace {

__global__ void scale_rows_coalesced_kernel(const float* __restrict__ gIn,
                                            const float* __restrict__ gScale,
                                            float* __restrict__ gOut, int rows, int cols) {
  // WB_EXERCISE_BEGIN
  // A warp's 32 threads: 32 neighbouring columns (col <= 32 * ceil(cols / 32) - 1 <= 2^31 - 1).
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (col >= cols) return;
  // Rows along y; a grid-stride loop because grid y stops at 65535 blocks. Unsigned, because the
  // last row + stride passes 2^31 - 1 at rows = 2^31 - 1 (an int would wrap negative), and stays
  // below 2^32 (README, "Sizes up to 2^31 - 1").
  const unsigned stride = gridDim.y * blockDim.y;
  for (unsigned row = blockIdx.y * blockDim.y + threadIdx.y; row < static_cast<unsigned>(rows);
       row += stride) {
    const std::size_t i = static_cast<std::size_t>(row) * cols + col;  // (rows, cols) row-major
    gOut[i] = gIn[i] * gScale[row];  // gScale[row]: one address for the whole warp, a broadcast
  }
  // WB_EXERCISE_END
}

}  // namespace

void launch_coalesced(const ScaleRowsArgs& a, cudaStream_t stream) {
  validate(a, "ch01::launch_coalesced");
  const dim3 block(BlockShape::kX, BlockShape::kY);
  const dim3 grid = wb::grid_2d(wb::ceil_div(a.cols, BlockShape::kX),
                                grid_y_for(a.rows, BlockShape::kY), "ch01::launch_coalesced");
  scale_rows_coalesced_kernel<<<grid, block, 0, stream>>>(
      a.in, a.scale, a.out, static_cast<int>(a.rows), static_cast<int>(a.cols));
  WB_CHECK_LAUNCH();
}

}  // namespace ch01
