// Chapter 02, known-bad variant: step 3 without its barrier. DO NOT USE: it exists to be caught.
//
// It is step 3 with the __syncthreads() between the tile's writes and reads deleted. A thread then
// reads tile column elements that other warps write, with nothing ordering the two: on most runs
// the other warps happen to be done and the result is right, so no functional test can be relied
// on to see it, and a test that passes by luck proves nothing. compute-sanitizer's racecheck sees
// the hazard on every run: a read of a shared-memory word that another thread wrote without an
// intervening barrier. tests/ch02/transpose_test.cpp holds the driver case ([.racecheck-known-bad])
// and the ctest test ch02.known-bad.racecheck runs it under racecheck and passes only when
// racecheck reports the hazard (scripts/expect-sanitizer-error.sh).
#include "transpose.h"

#include "wb/check.h"

namespace ch02::known_bad {
namespace {

using T = TileShape;

__global__ void transpose_no_barrier_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                            std::int64_t rows, std::int64_t cols,
                                            std::int64_t tiles_across) {
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
  // BUG (deliberate): no __syncthreads() here, so a column may be read before it is written.
  // Store: output row c0 + i <- tile column i; lanes walk j = input rows, contiguous in the output.
#pragma unroll
  for (int k = 0; k < T::kRowsPerThread; ++k) {
    const int i = threadIdx.y + k * T::kBlockRows, j = threadIdx.x;
    if (c0 + i < cols && r0 + j < rows) gOut[(c0 + i) * rows + r0 + j] = sTile[padded_offset(j, i)];
  }
}

}  // namespace

void launch_padded_tile_no_barrier(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::known_bad::launch_padded_tile_no_barrier");
  const dim3 block(T::kTile, T::kBlockRows);
  transpose_no_barrier_kernel<<<tile_grid(a, "ch02::known_bad::launch_padded_tile_no_barrier"),
                                block, 0, stream>>>(a.in, a.out, a.rows, a.cols,
                                                    wb::ceil_div(a.cols, T::kTile));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02::known_bad
