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
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "padded_tile",
    "Read \"Step 3: padded_tile, one float of padding per tile row\" in README.md. Your step 2 "
    "kernel with sTile[T::kTile * (T::kTile + kPad)] indexed by padded_offset(i, j).");

namespace ch02 {
namespace {

using T = TileShape;

__global__ void transpose_padded_tile_kernel(const float* __restrict__ gIn,
                                             float* __restrict__ gOut, std::int64_t rows,
                                             std::int64_t cols, std::int64_t tiles_across) {
  // WB_EXERCISE_BEGIN
  // TODO(step 3): read "Step 3: padded_tile, one float of padding per tile row" in README.md, then
  // start from your step 2 kernel: the only change is the tile's layout.
  //   1. Static shared memory: __shared__ float sTile[T::kTile * (T::kTile + kPad)] (33 floats per
  //      tile row; the pad column is never read or written).
  //   2. Use padded_offset(i, j) everywhere step 2 used unpadded_offset(i, j): the load writes
  //      padded_offset(i, j), the store reads padded_offset(j, i). Indices, bounds checks and the
  //      __syncthreads() between the two phases are step 2's.
  // Work out on paper (or with conflict_degree in tests/ch02/bank_conflict_test.cpp) why a column
  // read is now 1-way.
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-02-check`.
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
