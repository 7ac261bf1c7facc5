// Chapter 02, step 3 — padded tile: one extra float per tile row removes the bank conflicts.
//
// The idea: make each tile row 33 floats long. Element (i, j) then sits at word 33 i + j, in bank
// (33 i + j) mod 32 = (i + j) mod 32: walking down a column (i = 0..31, fixed j) visits 32
// different banks, and walking along a row still does. The column read becomes one wavefront
// instead of 32, for 128 bytes of shared memory per block (3%). Nothing else changes.
//
// Prediction at 8192 x 8192 (floor 0.18 ms): the shared-memory cost drops from ~1056 to 64
// wavefronts per tile (~0.02 ms of pipe time), so the kernel becomes memory-bound like a copy.
// Each thread has its 4 loads in flight before the barrier, more than chapter 01's scalar
// coalesced step (72% of the ceiling) had: expect ~80-85% of the copy ceiling, ~0.22 ms, ~1.4x
// step 2. Nsight Compute: shared-memory bank conflicts ~0 for loads and stores.
#include "transpose.h"

#include "wb/check.h"

namespace ch02 {
namespace {

using T = TileShape;

__global__ void transpose_padded_tile_kernel(const float* __restrict__ gIn,
                                             float* __restrict__ gOut, std::int64_t rows,
                                             std::int64_t cols, std::int64_t tiles_across) {
  // WB_EXERCISE_BEGIN
  // (kTile, kTile + kPad): element (i, j) = input (r0 + i, c0 + j); the pad column is never used.
  __shared__ float sTile[T::kTile * (T::kTile + kPad)];
  const TileCoord tile = tile_of(blockIdx.x, tiles_across);
  const std::int64_t r0 = tile.row * T::kTile, c0 = tile.col * T::kTile;

  // Load: tile row i <- input row r0 + i; lanes walk j along the row (coalesced).
#pragma unroll
  for (int k = 0; k < T::kRowsPerThread; ++k) {
    const int i = threadIdx.y + k * T::kBlockRows, j = threadIdx.x;
    if (r0 + i < rows && c0 + j < cols) sTile[padded_offset(i, j)] = gIn[(r0 + i) * cols + c0 + j];
  }
  __syncthreads();  // every tile element is written before any thread reads a column
  // Store: output row c0 + i <- tile column i; lanes walk j = input rows, contiguous in the output.
#pragma unroll
  for (int k = 0; k < T::kRowsPerThread; ++k) {
    const int i = threadIdx.y + k * T::kBlockRows, j = threadIdx.x;
    if (c0 + i < cols && r0 + j < rows) gOut[(c0 + i) * rows + r0 + j] = sTile[padded_offset(j, i)];
  }
  // WB_EXERCISE_END
}

}  // namespace

void launch_padded_tile(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_padded_tile");
  const dim3 block(T::kTile, T::kBlockRows);
  transpose_padded_tile_kernel<<<tile_grid(a, "ch02::launch_padded_tile"), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, wb::ceil_div(a.cols, T::kTile));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
