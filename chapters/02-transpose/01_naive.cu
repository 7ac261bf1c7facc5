// Chapter 02, step 1 — naive: read a row of the input, write a column of the output.
//
// The idea: thread (x, y) of a 32 x 8 block copies input element (r, c) to output element (c, r).
// threadIdx.x walks input columns, so a warp's loads are 128 contiguous bytes (chapter 01's
// lesson). But output element (c, r) lives at c * rows + r: the same 32 lanes write 32 different
// output rows, `rows * 4` bytes apart. One side of a transpose is always a column; here it is the
// store side, and every store request touches 32 sectors to use 4 bytes of each.
//
// Prediction at 8192 x 8192 (537 MB moved; floor 0.18 ms at the ~3.0 TB/s copy ceiling): DRAM
// bytes stay near the minimum (the 32 x 32 tile a block writes fills whole sectors of 32 output
// rows, which L2 merges before DRAM), but L1 and L2 handle 8x the store sectors per request that a
// row-wise store needs, as in chapter 01's naive step: expect about 4x the floor, ~0.7 ms.
// Nsight Compute: l1tex__t_sectors_pipe_lsu_mem_global_op_st / ..._requests_... = 32, loads 4.
#include "transpose.h"

#include "wb/check.h"

namespace ch02 {
namespace {

using T = TileShape;

__global__ void transpose_naive_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                       std::int64_t rows, std::int64_t cols,
                                       std::int64_t tiles_across) {
  // This block's 32 x 32 tile of the input, and this thread's column in it.
  const TileCoord tile = tile_of(blockIdx.x, tiles_across);
  const std::int64_t c = tile.col * T::kTile + threadIdx.x;  // consecutive across the warp
  if (c >= cols) return;
#pragma unroll
  for (int k = 0; k < T::kRowsPerThread; ++k) {
    const std::int64_t r = tile.row * T::kTile + threadIdx.y + k * T::kBlockRows;
    if (r < rows) gOut[c * rows + r] = gIn[r * cols + c];  // store: 32 lanes, 32 output rows
  }
}

}  // namespace

void launch_naive(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_naive");
  const dim3 block(T::kTile, T::kBlockRows);
  transpose_naive_kernel<<<tile_grid(a, "ch02::launch_naive"), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, wb::ceil_div(a.cols, T::kTile));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
