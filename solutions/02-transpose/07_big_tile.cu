// Chapter 02, step 7 — big tile: a 64 x 64 tile, visited down each column of tiles.
//
// The idea: steps 3, 5 and 6 all stop at 90-93% of the copy ceiling, whatever they do to
// instructions.
// What they share is the 32 x 32 tile in row-major order. A block then writes 128 bytes into each
// of 32 output rows, and its neighbours in time (blocks b + 1, b + 2, ...: the next tiles along
// the same input rows) write into 32 *other* output rows: the writes reach DRAM as short runs
// scattered over many pages. Reads suffer less (step 6's grouped order made 1 KB write runs,
// no longer than what step 5's many small resident blocks already wrote, and did not help).
// Step 7 changes two things, both chosen by bench/ch02_sweep.cu (chapter-02.sweep.txt):
//   - the tile is 64 x 64 (a 256-byte run per tile row on both sides), moved by 32 x 16 threads,
//     each loading 8 floats into registers before any is stored (8 loads in flight);
//   - consecutive blocks walk DOWN a column of tiles (column_major_tile_of): they read different
//     input rows, but write neighbouring 256-byte pieces of the same 64 output rows, so the ~500
//     blocks resident at once write each output row in runs of kilobytes.
// The padded layout (65 floats per row) keeps both shared-memory phases conflict-free, as in
// step 3. cuBLAS's cublasSgeam also moves a 64 x 64 tile per block of 256 threads (Nsight Compute:
// 16384 blocks at 8192 x 8192, bench/results/h100/chapter-02.cublas-launch.txt).
//
// Prediction at 8192 x 8192 (the sweep's "64x64 tile, 32x16, column-major" row): ~0.188 ms,
// ~1.01x cublasSgeam and ~0.96x cudaMemcpy; at every aligned shape of the sweep 1.01-1.02x cuBLAS.
// Nsight Compute: sectors per request and bank conflicts as step 3's (4 and ~0); DRAM throughput
// up from step 3's.
#include "transpose.h"

#include "wb/check.h"

namespace ch02 {
namespace {

using B = BigTileShape;

__global__ void __launch_bounds__(B::kThreadsX* B::kThreadsY)
    transpose_big_tile_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                              std::int64_t rows, std::int64_t cols, std::int64_t tiles_down) {
  // (kTile, kTile + kPad): element (i, j) = input (r0 + i, c0 + j); the pad column is never used.
  __shared__ float sTile[B::kTile * (B::kTile + kPad)];
  const TileCoord tile = column_major_tile_of(blockIdx.x, tiles_down);
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
}

}  // namespace

void launch_big_tile(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_big_tile");
  const dim3 block(B::kThreadsX, B::kThreadsY);
  transpose_big_tile_kernel<<<tile_grid(a, "ch02::launch_big_tile", B::kTile), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, ceil_div(a.rows, B::kTile));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
