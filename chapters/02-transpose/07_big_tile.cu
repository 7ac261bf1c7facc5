// Chapter 02, exercise 7 — big tile: a 64 x 64 tile, visited down each column of tiles.
//
// Read "Step 7" in README.md first. Start from your step 3 (scalar accesses, padded tile), and
// change three things: the tile is BigTileShape::kTile = 64 floats on a side, stored with
// big_padded_offset (65 floats per row); a block of 32 x 16 threads moves it, each thread 4 rows x
// 2 columns (columns tx and tx + 32), loading all 8 into registers before storing any to shared
// memory; and the block's tile is column_major_tile_of(blockIdx.x, tiles_down) (transpose.h).
// Keep step 3's bounds checks: the last tiles of a row or column are partial. When it is written,
// delete the WB_EXERCISE_TODO line and run `make chapter-02-check`.
#include "transpose.h"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO("big_tile",
                 "step 3's kernel with a 64 x 64 tile (big_padded_offset), 32 x 16 threads "
                 "moving 4 x 2 floats each (all loads before the shared-memory stores), and "
                 "tile = column_major_tile_of(blockIdx.x, tiles_down)");

namespace ch02 {
namespace {

using B = BigTileShape;

__global__ void __launch_bounds__(B::kThreadsX* B::kThreadsY)
    transpose_big_tile_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                              std::int64_t rows, std::int64_t cols, std::int64_t tiles_down) {
  // TODO(exercise 7):
  //   1. __shared__ float sTile[B::kTile * (B::kTile + kPad)];
  //      tile = column_major_tile_of(blockIdx.x, tiles_down); r0, c0 = tile.row/col * B::kTile.
  //   2. float rX[B::kRowsPerThread][B::kColsPerThread]: element (k, h) is tile row
  //      i = threadIdx.y + k * B::kThreadsY, column j = threadIdx.x + h * B::kThreadsX; load it
  //      from the input when (r0 + i, c0 + j) is inside the matrix.
  //   3. Store rX to sTile[big_padded_offset(i, j)]; __syncthreads().
  //   4. Output row c0 + i, column r0 + j <- sTile[big_padded_offset(j, i)], inside the matrix.
  (void)gIn;
  (void)gOut;
  (void)rows;
  (void)cols;
  (void)tiles_down;
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
