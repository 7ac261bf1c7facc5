// Chapter 02, exercise 2 — shared-memory tile: make both global sides walk rows.
//
// Read "Step 2" in README.md first. Start from 01_naive.cu: the launcher below is the same, and
// the kernel keeps its tile numbering. Stage the tile in shared memory so that the stores, like
// the loads, are 128 contiguous bytes per warp. Keep the tile unpadded here (unpadded_offset):
// step 3 is about what that costs.
// When it is written, delete the WB_EXERCISE_TODO line and run `make chapter-02-check`.
#include "transpose.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "smem_tile",
    "declare __shared__ float sTile[kTile * kTile]; load tile row i from input row r0 + i; "
    "__syncthreads(); store tile column i to output row c0 + i (lanes walk the input rows)");

namespace ch02 {
namespace {

using T = TileShape;

__global__ void transpose_smem_tile_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                           std::int64_t rows, std::int64_t cols,
                                           std::int64_t tiles_across) {
  // TODO(exercise 2):
  //   1. __shared__ float sTile[T::kTile * T::kTile];  element (i, j) = input (r0 + i, c0 + j),
  //      at sTile[unpadded_offset(i, j)].
  //   2. tile = tile_of(blockIdx.x, tiles_across); r0 = tile.row * kTile; c0 = tile.col * kTile.
  //   3. Load: for k < kRowsPerThread: i = threadIdx.y + k * kBlockRows, j = threadIdx.x;
  //      if (r0 + i, c0 + j) is inside the matrix, sTile(i, j) = gIn[(r0 + i) * cols + c0 + j].
  //   4. __syncthreads(): no thread may read a column before every warp has written its rows.
  //   5. Store: same i, j; output row c0 + i is tile column i, and lanes walk j = input rows:
  //      if (c0 + i, r0 + j) is inside the output, gOut[(c0 + i) * rows + r0 + j] = sTile(j, i).
}

}  // namespace

void launch_smem_tile(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_smem_tile");
  const dim3 block(T::kTile, T::kBlockRows);
  transpose_smem_tile_kernel<<<tile_grid(a, "ch02::launch_smem_tile"), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, ceil_div(a.cols, T::kTile));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
