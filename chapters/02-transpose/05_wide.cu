// Chapter 02, exercise 5 — wide: 16-byte global accesses and 16 elements per thread.
//
// Read "Step 5" in README.md first. Start from your step 3. The block is now 8 x 8 threads
// (WideShape): thread (x, y) moves tile columns 4x .. 4x + 3 of tile rows y, y + 8, y + 16, y + 24
// with one float4 each, in and out. Shared memory stays 4-byte words in the padded layout. Take the
// 16-byte path only when `wide` is true; otherwise move the same 4 elements one float at a time
// with bounds checks (partial edge tiles, and matrices whose rows do not start on 16-byte
// boundaries). When it is written, delete the WB_EXERCISE_TODO line and run `make
// chapter-02-check`.
#include "transpose.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO("wide",
                 "wide = vectorizable && the tile is whole; load: float4 from input row r0 + i at "
                 "column c0 + 4x, 4 scalar smem stores; store: gather sTile(4x + q, i) for q < 4 "
                 "into a float4 for output row c0 + i at column r0 + 4x");

namespace ch02 {
namespace {

using W = WideShape;

__global__ void transpose_wide_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                      std::int64_t rows, std::int64_t cols,
                                      std::int64_t tiles_across, bool vectorizable) {
  // TODO(exercise 5):
  //   1. The padded tile of step 3; tile, r0 and c0 as before; j = W::kVec * threadIdx.x.
  //   2. wide = vectorizable && r0 + kTile <= rows && c0 + kTile <= cols  (the same for the block).
  //   3. Load: for k < W::kRowsPerThread: i = threadIdx.y + k * W::kThreadsY;
  //        wide:  float4 v = *reinterpret_cast<const float4*>(gIn + (r0 + i) * cols + c0 + j);
  //               sTile(i, j + q) = v.x, v.y, v.z, v.w  for q = 0..3;
  //        else:  for q < 4: if (r0 + i, c0 + j + q) is inside, sTile(i, j + q) = gIn[...].
  //   4. __syncthreads().
  //   5. Store: for k: i = threadIdx.y + k * W::kThreadsY (output row c0 + i = tile column i);
  //        wide:  float4 of sTile(j + q, i), q = 0..3, to gOut + (c0 + i) * rows + r0 + j;
  //        else:  for q < 4: if (c0 + i, r0 + j + q) is inside, gOut[...] = sTile(j + q, i).
  (void)vectorizable;
}

}  // namespace

void launch_wide(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_wide");
  const dim3 block(W::kThreadsX, W::kThreadsY);
  transpose_wide_kernel<<<tile_grid(a, "ch02::launch_wide"), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, ceil_div(a.cols, W::kTile), can_vectorize(a));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
