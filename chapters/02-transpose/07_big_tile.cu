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
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "big_tile",
    "Read \"Step 7: big_tile, a 64 x 64 tile\" in README.md. Step 3 kernel with a 64 x 64 tile "
    "(big_padded_offset), 32 x 16 threads moving 4 x 2 floats each, all loads before the "
    "shared-memory stores; tiles still tile_of(blockIdx.x, tiles_across).");

namespace ch02 {
namespace {

using B = BigTileShape;

__global__ void __launch_bounds__(B::kThreadsX* B::kThreadsY)
    transpose_big_tile_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                              std::int64_t rows, std::int64_t cols, std::int64_t tiles_across) {
  // WB_EXERCISE_BEGIN
  // TODO(step 7): read "Step 7: big_tile, a 64 x 64 tile" in README.md, then start from your step 3
  // (scalar accesses, padded tile). The launcher below runs one block of 32 x 16 threads per
  // 64 x 64 tile, tiles numbered row-major; keep step 3's bounds checks: the last tiles of a row or
  // a column are partial.
  //   1. Static shared memory: __shared__ float sTile[B::kTile * (B::kTile + kPad)] (65 floats per
  //      tile row); element (i, j) = input (r0 + i, c0 + j) at big_padded_offset(i, j).
  //   2. tile = tile_of(blockIdx.x, tiles_across); r0 = tile.row * B::kTile,
  //      c0 = tile.col * B::kTile; tx = threadIdx.x, ty = threadIdx.y.
  //   3. Each thread owns elements (k, h), k < B::kRowsPerThread (4), h < B::kColsPerThread (2):
  //      tile row i = ty + k * B::kThreadsY, tile column j = tx + h * B::kThreadsX.
  //      Load all 8 into float rX[B::kRowsPerThread][B::kColsPerThread] first:
  //      rX[k][h] = gIn[(r0 + i) * cols + c0 + j] when r0 + i < rows and c0 + j < cols, else 0.
  //   4. Then store them: sTile[big_padded_offset(i, j)] = rX[k][h]; then __syncthreads().
  //   5. Store: the same (k, h), i and j; output row c0 + i, column r0 + j:
  //      if c0 + i < cols and r0 + j < rows: gOut[(c0 + i) * rows + r0 + j] =
  //      sTile[big_padded_offset(j, i)].
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-02-check`.
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
