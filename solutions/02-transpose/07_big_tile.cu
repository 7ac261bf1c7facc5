// Chapter 02, step 7 — big tile: a 64 x 64 tile, moved by 32 x 16 threads.
//
// The idea: steps 3, 5 and 6 all stop at 90-93% of the copy ceiling, whatever they do to
// instructions (step 5 cut them 4x and the time did not move). What they share is the 32 x 32
// tile: each block reads 128 bytes from each of 32 input rows and writes 128 bytes into each of 32
// output rows, so DRAM sees the writes as short runs scattered over many pages. Here the tile is
// 64 x 64: each block reads and writes 256-byte runs, and a quarter as many blocks cover the
// matrix (cuBLAS's cublasSgeam also moves one 64 x 64 tile per block: 16384 blocks at 8192 x 8192,
// bench/results/h100/chapter-02.cublas-launch.txt). A block of 32 x 16 threads moves it: a warp
// still spans one tile row (coalesced), and each thread moves 4 rows x 2 columns, loading all 8
// floats into registers before the first shared-memory store, so 8 loads are in flight. The
// padded layout (65 floats per row, big_padded_offset) keeps both shared-memory phases
// conflict-free, as in step 3. The tiles are still numbered row-major (tile_of); step 8 changes
// only that.
//
// Prediction at 8192 x 8192 (the "64x64 tile, 32x16 thr" row of the design sweep,
// bench/ch02_sweep.cu, full checkout only, recorded in chapter-02.sweep.txt): ~0.190 ms, ~1.00x
// cublasSgeam and ~0.96x cudaMemcpy, ~1.03x step 3; at 4096 x 65536, 65536 x 4096 and 16384^2 the
// sweep measured 1.00-1.02x cuBLAS. Nsight Compute: sectors per request and bank conflicts as step
// 3's (4 and ~0), a quarter of its blocks.
#include "transpose.h"

#include "wb/check.h"

namespace ch02 {
namespace {

using B = BigTileShape;

__global__ void __launch_bounds__(B::kThreadsX* B::kThreadsY)
    transpose_big_tile_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                              std::int64_t rows, std::int64_t cols, std::int64_t tiles_across) {
  // WB_EXERCISE_BEGIN
  // (kTile, kTile + kPad): element (i, j) = input (r0 + i, c0 + j); the pad column is never used.
  __shared__ float sTile[B::kTile * (B::kTile + kPad)];
  const TileCoord tile = tile_of(blockIdx.x, tiles_across);
  const std::int64_t r0 = tile.row * B::kTile, c0 = tile.col * B::kTile;
  const int tx = threadIdx.x, ty = threadIdx.y;

  // Load: tile row i <- input row r0 + i, lanes along the row. All 8 loads go out before the
  // first shared-memory store, so each thread has 8 in flight.
  float rX[B::kRowsPerThread][B::kColsPerThread];
#pragma unroll
  for (int k = 0; k < B::kRowsPerThread; ++k)
#pragma unroll
    for (int h = 0; h < B::kColsPerThread; ++h) {
      const int i = ty + k * B::kThreadsY, j = tx + h * B::kThreadsX;
      rX[k][h] = r0 + i < rows && c0 + j < cols ? gIn[(r0 + i) * cols + c0 + j] : 0.0f;
    }
#pragma unroll
  for (int k = 0; k < B::kRowsPerThread; ++k)
#pragma unroll
    for (int h = 0; h < B::kColsPerThread; ++h)
      sTile[big_padded_offset(ty + k * B::kThreadsY, tx + h * B::kThreadsX)] = rX[k][h];
  __syncthreads();  // every tile element is written before any thread reads a column

  // Store: output row c0 + i <- tile column i; lanes walk j = input rows, contiguous in the output.
#pragma unroll
  for (int k = 0; k < B::kRowsPerThread; ++k)
#pragma unroll
    for (int h = 0; h < B::kColsPerThread; ++h) {
      const int i = ty + k * B::kThreadsY, j = tx + h * B::kThreadsX;
      if (c0 + i < cols && r0 + j < rows)
        gOut[(c0 + i) * rows + r0 + j] = sTile[big_padded_offset(j, i)];
    }
  // WB_EXERCISE_END
}

}  // namespace

void launch_big_tile(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_big_tile");
  const dim3 block(B::kThreadsX, B::kThreadsY);
  transpose_big_tile_kernel<<<tile_grid(a, "ch02::launch_big_tile", B::kTile), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, wb::ceil_div(a.cols, B::kTile));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
