// Chapter 01, step 3 — vectorized: one 16-byte float4 per thread.
//
// The idea: a 128-bit load (LDG.E.128) moves four floats with one instruction, so a warp reads
// 512 contiguous bytes per request and each thread has 16 bytes in flight instead of 4. A float4
// access must be 16-byte aligned, and a row of an arbitrary matrix is not: row r starts at
// in + r * cols. So each row is split into up to 3 leading floats (the head, up to the first
// 16-byte boundary), a body of aligned float4s and up to 3 trailing floats (the tail); the first
// threads of the row's first block handle the head and tail with scalar accesses. This step
// teaches the split; its code is wb::split_row (common/include/wb/rows.h), which chapter 05 reuses.
//
// Prediction at 16384 x 16384 (floor 0.72 ms): 32.8 KB in flight per SM at full occupancy, 3.5x
// what Little's law asks for, and a quarter of step 2's load/store instructions: expect the copy
// ceiling, ~95% or better of cudaMemcpy, ~1.1-1.2x over step 2.
#include "coalescing.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "vectorized",
    "Read \"Step 3: vectorized, one 16-byte float4 per thread\" in README.md. Per row: s = "
    "wb::split_row(row address, cols, sizeof(float)); thread v moves float4 v of the body, "
    "threads v < s.head and v < s.tail the head and tail floats.");

namespace ch01 {
namespace {

__global__ void scale_rows_vectorized_kernel(const float* __restrict__ gIn,
                                             const float* __restrict__ gScale,
                                             float* __restrict__ gOut, int rows, int cols) {
  // WB_EXERCISE_BEGIN
  // TODO(step 3): read "Step 3: vectorized, one 16-byte float4 per thread" in README.md, then start
  // from your step 2. The launcher below gives each thread one float4 of a row's body along x
  // (ceil(ceil(cols / 4) / 32) blocks) and loops over rows along y as in step 2.
  //   1. v = blockIdx.x * blockDim.x + threadIdx.x: this thread's float4 in the row's body.
  //   2. A grid-stride loop over rows along y with an unsigned row, as in step 2. For each row:
  //      gInRow = gIn + row * cols and gOutRow = gOut + row * cols (offsets in std::size_t);
  //      s = wb::split_row(reinterpret_cast<std::uintptr_t>(gInRow), cols, sizeof(float))
  //      (common/include/wb/rows.h: s.head floats up to the first 16-byte boundary, s.body float4s,
  //      s.tail floats; the launcher checked that gOutRow has the same split); k = gScale[row].
  //   3. if v < s.body: float4 x = reinterpret_cast<const float4*>(gInRow + s.head)[v]; multiply
  //      x.x, x.y, x.z, x.w by k; store x to the same float4 of gOutRow + s.head.
  //   4. if v < s.head: gOutRow[v] = gInRow[v] * k.
  //      if v < s.tail: c = s.head + 4 * s.body + v (kVec = 4); gOutRow[c] = gInRow[c] * k.
  // No shared memory and no barriers. When it is written, delete the WB_EXERCISE_TODO statement
  // above and run `make chapter-01-check`.
  // WB_EXERCISE_END
}

}  // namespace

void launch_vectorized(const ScaleRowsArgs& a, cudaStream_t stream) {
  validate(a, "ch01::launch_vectorized");
  validate_same_alignment(a, "ch01::launch_vectorized");
  const dim3 block(BlockShape::kX, BlockShape::kY);
  // ceil(cols / 4) threads along x cover the body; the head and tail (<= 3 each) fit in block 0.
  const dim3 grid = wb::grid_2d(wb::ceil_div(wb::ceil_div(a.cols, kVec), BlockShape::kX),
                                grid_y_for(a.rows, BlockShape::kY), "ch01::launch_vectorized");
  scale_rows_vectorized_kernel<<<grid, block, 0, stream>>>(
      a.in, a.scale, a.out, static_cast<int>(a.rows), static_cast<int>(a.cols));
  WB_CHECK_LAUNCH();
}

}  // namespace ch01
