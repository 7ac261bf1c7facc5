// Chapter 02, step 4 — swizzled tile: the same conflict-free columns without padding.
//
// The idea: keep the tile 32 x 32 but store element (i, j) at column j XOR i of row i
// (swizzled_offset). Within a row, j -> j XOR i is a permutation of 0..31, so a row write still
// covers the 32 banks once; down a column, i -> j XOR i is a permutation too, so a column read
// also hits 32 different banks. No memory is spent on padding, and the tile keeps power-of-two
// rows: this matters once tiles are read with 16-byte vectors or by the tensor-core and TMA
// paths of later chapters, where a padded row breaks alignment and a swizzle does not.
//
// Prediction at 8192 x 8192: the same wavefronts as step 3 (one per access) and one extra XOR per
// access, which a memory-bound kernel hides: expect step 3's time within a few percent.
// Nsight Compute: shared-memory bank conflicts ~0, as for step 3.
#include "transpose.h"

#include "wb/check.h"

namespace ch02 {
namespace {

using T = TileShape;

__global__ void transpose_swizzled_tile_kernel(const float* __restrict__ gIn,
                                               float* __restrict__ gOut, std::int64_t rows,
                                               std::int64_t cols, std::int64_t tiles_across) {
  // WB_EXERCISE_BEGIN
  // (kTile, kTile), swizzled: element (i, j) = input (r0 + i, c0 + j) at column j ^ i of row i.
  __shared__ float sTile[T::kTile * T::kTile];
  const TileCoord tile = tile_of(blockIdx.x, tiles_across);
  const std::int64_t r0 = tile.row * T::kTile, c0 = tile.col * T::kTile;

  // Load: tile row i <- input row r0 + i; lanes walk j along the row (coalesced).
#pragma unroll
  for (int k = 0; k < T::kRowsPerThread; ++k) {
    const int i = threadIdx.y + k * T::kBlockRows, j = threadIdx.x;
    if (r0 + i < rows && c0 + j < cols)
      sTile[swizzled_offset(i, j)] = gIn[(r0 + i) * cols + c0 + j];
  }
  __syncthreads();  // every tile element is written before any thread reads a column
  // Store: output row c0 + i <- tile column i; lanes walk j = input rows, contiguous in the output.
#pragma unroll
  for (int k = 0; k < T::kRowsPerThread; ++k) {
    const int i = threadIdx.y + k * T::kBlockRows, j = threadIdx.x;
    if (c0 + i < cols && r0 + j < rows)
      gOut[(c0 + i) * rows + r0 + j] = sTile[swizzled_offset(j, i)];
  }
  // WB_EXERCISE_END
}

}  // namespace

void launch_swizzled_tile(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_swizzled_tile");
  const dim3 block(T::kTile, T::kBlockRows);
  transpose_swizzled_tile_kernel<<<tile_grid(a, "ch02::launch_swizzled_tile"), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, wb::ceil_div(a.cols, T::kTile));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
