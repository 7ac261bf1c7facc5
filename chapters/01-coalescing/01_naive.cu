// Chapter 01, step 1 — naive: threadIdx.x walks the rows.
//
// The idea: "element (i, j) goes to thread (x, y)" is the mapping maths suggests, so x becomes the
// row. But the 32 threads of a warp are consecutive in x, so here they touch 32 different rows,
// `cols * 4` bytes apart. A warp's load or store is then 32 separate 32-byte sectors of which it
// uses 4 bytes each, instead of 4 sectors used in full.
//
// Prediction at 16384 x 16384 (2 GiB moved; floor 0.72 ms at the ~3.0 TB/s copy ceiling):
// the DRAM bytes stay close to the minimum (a block's 8 warps cover 8 neighbouring columns, so L1
// and L2 merge the sectors before DRAM), but L1 must handle 32 sectors per warp instruction
// instead of 4: about 2 cycles per element per SM for a load plus a store, so ~2.3 ms, about
// 3x the floor. Nsight Compute: l1tex__t_sectors / l1tex__t_requests = 32 for loads and stores.
#include "coalescing.h"

#include "wb/check.h"

namespace ch01 {
namespace {

__global__ void scale_rows_naive_kernel(const float* __restrict__ gIn,
                                        const float* __restrict__ gScale, float* __restrict__ gOut,
                                        int rows, int cols) {
  // A warp's 32 threads: 32 rows, a row apart. An int suffices: the grid has ceil(rows / 32)
  // blocks along x, so row <= 32 * ceil(rows / 32) - 1 <= 2^31 - 1.
  const int row = blockIdx.x * blockDim.x + threadIdx.x;
  if (row >= rows) return;
  const float k = gScale[row];
  // Columns along y; a grid-stride loop because grid y stops at 65535 blocks. The counter must hold
  // col + stride: at cols = 2^31 - 1 that sum passes 2^31 - 1, and an int would wrap to a negative
  // column that still passes `col < cols`. It stays below 2^32 (stride <= 65535 x 8), so an
  // unsigned counter is exact (README, "Sizes up to 2^31 - 1").
  const unsigned stride = gridDim.y * blockDim.y;
  for (unsigned col = blockIdx.y * blockDim.y + threadIdx.y; col < static_cast<unsigned>(cols);
       col += stride) {
    const std::size_t i = static_cast<std::size_t>(row) * cols + col;  // (rows, cols) row-major
    gOut[i] = gIn[i] * k;
  }
}

}  // namespace

void launch_naive(const ScaleRowsArgs& a, cudaStream_t stream) {
  validate(a, "ch01::launch_naive");
  const dim3 block(BlockShape::kX, BlockShape::kY);
  const dim3 grid = wb::grid_2d(wb::ceil_div(a.rows, BlockShape::kX),
                                grid_y_for(a.cols, BlockShape::kY), "ch01::launch_naive");
  scale_rows_naive_kernel<<<grid, block, 0, stream>>>(
      a.in, a.scale, a.out, static_cast<int>(a.rows), static_cast<int>(a.cols));
  WB_CHECK_LAUNCH();
}

}  // namespace ch01
