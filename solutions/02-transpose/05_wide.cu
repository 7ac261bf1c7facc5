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

namespace ch02 {
namespace {

using W = WideShape;

__global__ void transpose_wide_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                      std::int64_t rows, std::int64_t cols,
                                      std::int64_t tiles_across, bool vectorizable) {
  // WB_EXERCISE_BEGIN
  // (kTile, kTile + kPad): element (i, j) = input (r0 + i, c0 + j); the pad column is never used.
  __shared__ float sTile[W::kTile * (W::kTile + kPad)];
  const TileCoord tile = tile_of(blockIdx.x, tiles_across);
  const std::int64_t r0 = tile.row * W::kTile, c0 = tile.col * W::kTile;
  const bool wide = vectorizable && r0 + W::kTile <= rows && c0 + W::kTile <= cols;  // per block
  const int j = W::kVec * threadIdx.x;  // first of this thread's 4 consecutive tile columns/rows

  // Load: tile row i <- input row r0 + i; 8 lanes cover a row with one float4 each.
#pragma unroll
  for (int k = 0; k < W::kRowsPerThread; ++k) {
    const int i = threadIdx.y + k * W::kThreadsY;
    if (wide) {
      const float4 v = *reinterpret_cast<const float4*>(gIn + (r0 + i) * cols + c0 + j);
      sTile[padded_offset(i, j + 0)] = v.x;
      sTile[padded_offset(i, j + 1)] = v.y;
      sTile[padded_offset(i, j + 2)] = v.z;
      sTile[padded_offset(i, j + 3)] = v.w;
    } else {
#pragma unroll
      for (int q = 0; q < W::kVec; ++q) {
        if (r0 + i < rows && c0 + j + q < cols)
          sTile[padded_offset(i, j + q)] = gIn[(r0 + i) * cols + c0 + j + q];
      }
    }
  }
  __syncthreads();  // every tile element is written before any thread reads a column
  // Store: output row c0 + i <- tile column i; 8 lanes cover it with one float4 each.
#pragma unroll
  for (int k = 0; k < W::kRowsPerThread; ++k) {
    const int i = threadIdx.y + k * W::kThreadsY;
    if (wide) {
      const float4 v = make_float4(sTile[padded_offset(j + 0, i)], sTile[padded_offset(j + 1, i)],
                                   sTile[padded_offset(j + 2, i)], sTile[padded_offset(j + 3, i)]);
      // __stwb is the ordinary (write-back) store, spelled as an intrinsic: a plain float4
      // assignment here was split by the compiler into four 4-byte stores (see README, step 5).
      __stwb(reinterpret_cast<float4*>(gOut + (c0 + i) * rows + r0 + j), v);
    } else {
#pragma unroll
      for (int q = 0; q < W::kVec; ++q) {
        if (c0 + i < cols && r0 + j + q < rows)
          gOut[(c0 + i) * rows + r0 + j + q] = sTile[padded_offset(j + q, i)];
      }
    }
  }
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
