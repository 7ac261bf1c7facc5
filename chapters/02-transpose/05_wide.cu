// Chapter 02, step 5 — wide: 16-byte global loads and stores.
//
// The idea: step 3 moves 4-byte words, so a warp's request carries 128 bytes. Chapter 01 reached
// the copy ceiling with 16-byte accesses. Here each thread keeps step 3's share of the tile, 4
// tile rows, but moves 4 consecutive floats of each with one float4 load and one float4 store:
// 16 elements per thread, so a block of 8 x 8 threads moves the same padded 32 x 32 tile (4x the
// bytes per instruction, a quarter of the threads per tile). All 4 loads are issued before the
// barrier. Shared memory stays 4-byte words: a float4 from global is written as 4 scalars along a
// tile row, and a float4 for global is gathered as 4 scalars down a tile column. With the padding,
// lane (x, y) of a warp touches bank (4x + y + const) mod 32 in both phases: conflict-free
// (tests/ch02/bank_conflict_test.cpp checks it).
//
// 16-byte accesses need every tile row to start on a 16-byte boundary on both sides: rows and
// cols multiples of 4 and aligned pointers (can_vectorize). Tiles that are cut by the matrix edge,
// and whole matrices that fail that test, take the same path with 4-byte accesses and bounds
// checks: correct, but slower than step 3, because those 4-byte accesses keep the float4 lane
// layout (a warp spans 4 rows at a 16-byte stride); README extension F makes them coalesced.
//
// Prediction at 8192 x 8192 (floor 0.18 ms): like chapter 01's vectorized step, ~95% of the copy
// ceiling, ~0.19 ms, ~1.15x step 3. Nsight Compute: a quarter of step 3's global requests, still
// 4 sectors per 128 bytes; no bank conflicts.
#include "transpose.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "wide",
    "Read \"Step 5: wide, 16-byte global loads and stores\" in README.md. wide = vectorizable && "
    "the tile is whole; load a float4 from input row r0 + i at column c0 + 4x into 4 scalar "
    "tile words; store a float4 gathered from sTile(4x + q, i), q < 4, to output row c0 + i at "
    "column r0 + 4x.");

namespace ch02 {
namespace {

using W = WideShape;

__global__ void transpose_wide_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                      std::int64_t rows, std::int64_t cols,
                                      std::int64_t tiles_across, bool vectorizable) {
  // WB_EXERCISE_BEGIN
  // TODO(step 5): read "Step 5: wide, 16-byte global loads and stores" in README.md, then start
  // from your step 3. The block is now 8 x 8 threads (WideShape, see the launcher): thread (x, y)
  // moves tile columns 4x .. 4x + 3 of tile rows y, y + 8, y + 16, y + 24, with one float4 each, in
  // and out.
  //   1. Static shared memory, the padded tile of step 3: __shared__ float
  //      sTile[W::kTile * (W::kTile + kPad)], element (i, j) at padded_offset(i, j). tile, r0 and
  //      c0 as in step 3, with W::kTile where step 3 has T::kTile (this file defines W, not T);
  //      j = W::kVec * threadIdx.x (the first of this thread's 4 columns).
  //   2. wide = vectorizable && r0 + W::kTile <= rows && c0 + W::kTile <= cols: decided once per
  //      block, before the first load, so both phases and the barrier stay uniform.
  //   3. Load: for k < W::kRowsPerThread: i = threadIdx.y + k * W::kThreadsY;
  //        wide:  float4 v = *reinterpret_cast<const float4*>(gIn + (r0 + i) * cols + c0 + j);
  //               sTile[padded_offset(i, j + q)] = v.x, v.y, v.z, v.w for q = 0..3;
  //        else:  for q < 4: if r0 + i < rows and c0 + j + q < cols:
  //               sTile[padded_offset(i, j + q)] = gIn[(r0 + i) * cols + c0 + j + q].
  //      All four 16-byte loads should be in flight before the first shared-memory store (step 4
  //      shows what one load in flight costs). Written as above, one k at a time, the compiler
  //      already issues them first (gIn is __restrict__ and sTile is shared memory, so the stores
  //      cannot change what is loaded; the reference's SASS for sm_90, CUDA 13.0, has its 4
  //      LDG.E.128 before the first STS of the 16-byte path, then its 16 STS; the 4-byte path
  //      comes first in program order, its LDG.E and STS interleaved). Or make that order
  //      explicit: load float4 v[4] in one loop, store it to sTile in a second; both are right.
  //   4. __syncthreads().
  //   5. Store: for k: i = threadIdx.y + k * W::kThreadsY (output row c0 + i is tile column i);
  //        wide:  v = make_float4(sTile[padded_offset(j + q, i)] for q = 0..3); store it with
  //               __stwb(reinterpret_cast<float4*>(gOut + (c0 + i) * rows + r0 + j), v) (README,
  //               step 5, says why not a plain assignment);
  //        else:  for q < 4: if c0 + i < cols and r0 + j + q < rows:
  //               gOut[(c0 + i) * rows + r0 + j + q] = sTile[padded_offset(j + q, i)].
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-02-check`.
  // WB_EXERCISE_END
}

}  // namespace

void launch_wide(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_wide");
  const dim3 block(W::kThreadsX, W::kThreadsY);
  transpose_wide_kernel<<<tile_grid(a, "ch02::launch_wide"), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, wb::ceil_div(a.cols, W::kTile), can_vectorize(a));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
