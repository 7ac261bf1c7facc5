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
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "coalesced",
    "Read \"Step 2: coalesced, threadIdx.x walks the columns\" in README.md. In the kernel: col "
    "from blockIdx.x and threadIdx.x, then a grid-stride loop over rows along y with an "
    "unsigned row.");

namespace ch01 {
namespace {

__global__ void scale_rows_coalesced_kernel(const float* __restrict__ gIn,
                                            const float* __restrict__ gScale,
                                            float* __restrict__ gOut, int rows, int cols) {
  // WB_EXERCISE_BEGIN
  // TODO(step 2): read "Step 2: coalesced, threadIdx.x walks the columns" in README.md, then start
  // from the kernel of 01_naive.cu and swap the roles of x and y. The launcher below already swaps
  // the grid: x covers the columns, y the rows (at most 65535 blocks of 8 rows, hence the loop).
  //   1. col = blockIdx.x * blockDim.x + threadIdx.x (an int is enough: the grid has
  //      ceil(cols / 32) blocks along x); return if col >= cols.
  //   2. A grid-stride loop over rows along y: row starts at blockIdx.y * blockDim.y + threadIdx.y
  //      and steps by gridDim.y * blockDim.y while row < rows. Make row and the stride unsigned:
  //      at rows = 2^31 - 1 the last row + stride passes 2^31 - 1, and an int would wrap to a
  //      negative row that still passes row < rows; the sum stays below 2^32 (stride <= 65535 x 8).
  //   3. i = row * cols + col, computed in std::size_t; gOut[i] = gIn[i] * gScale[row].
  // No shared memory and no barriers. When it is written, delete the WB_EXERCISE_TODO statement
  // above and run `make chapter-01-check`.
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
