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
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "swizzled_tile",
    "Read \"Step 4: swizzled_tile, an XOR swizzle instead of padding\" in README.md. Your step 2 "
    "kernel (unpadded sTile[T::kTile * T::kTile]) indexed by swizzled_offset(i, j).");

namespace ch02 {
namespace {

using T = TileShape;

__global__ void transpose_swizzled_tile_kernel(const float* __restrict__ gIn,
                                               float* __restrict__ gOut, std::int64_t rows,
                                               std::int64_t cols, std::int64_t tiles_across) {
  // WB_EXERCISE_BEGIN
  // TODO(step 4): read "Step 4: swizzled_tile, an XOR swizzle instead of padding" in README.md,
  // then start from your step 2 kernel (the unpadded tile).
  //   1. Static shared memory: __shared__ float sTile[T::kTile * T::kTile], as in step 2.
  //   2. Use swizzled_offset(i, j) (column j XOR i of row i) everywhere step 2 used
  //      unpadded_offset(i, j): the load writes element (i, j) at swizzled_offset(i, j), the store
  //      reads element (j, i) at swizzled_offset(j, i). Indices, bounds checks and the
  //      __syncthreads() are step 2's.
  // Convince yourself that both a row and a column of the swizzled tile hit 32 different banks.
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-02-check`.
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
