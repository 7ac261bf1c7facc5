// Chapter 02, step 2 — shared-memory tile: both global sides walk rows.
//
// The idea: a block first copies its 32 x 32 input tile into shared memory, row by row, with
// coalesced loads. After a barrier it writes the tile's *columns* out as output rows: warp y
// stores tile columns y, y + 8, y + 16 and y + 24, one per pass k = 0..3; in pass k, lane x takes
// tile element (x, y + 8k) and stores it to output row c0 + y + 8k, column r0 + x, so the stores
// are 128 contiguous bytes too. The transpose now happens inside shared memory, where a column
// read costs no DRAM sectors, only bank cycles.
//
// The catch (step 3 fixes it): an unpadded tile row is 32 floats = 128 bytes, exactly once around
// the 32 banks, so every element of a tile column sits in the same bank. The warp's column read
// asks one bank for 32 different words: a 32-way conflict, 32 wavefronts instead of 1.
//
// Prediction at 8192 x 8192 (floor 0.18 ms): global sectors per request drop to 4 on both sides,
// so L1/L2 traffic is that of a copy. But the bank conflicts now cost: a tile needs 32 column-read
// instructions of 32 wavefronts each, 1024 cycles of an SM's shared-memory pipe (one wavefront per
// cycle), against 32 for the tile's row writes. 65536 tiles over 132 SMs is ~500 tiles per SM:
// ~520k cycles, ~0.28 ms at ~1.9 GHz, more than the DRAM floor. Expect the kernel to be bound by
// bank conflicts at ~0.3 ms: ~60% of the copy ceiling, ~2x naive.
// Nsight Compute: l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum = 31 per column read.
#include "transpose.h"

#include "wb/check.h"

namespace ch02 {
namespace {

using T = TileShape;

__global__ void transpose_smem_tile_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                           std::int64_t rows, std::int64_t cols,
                                           std::int64_t tiles_across) {
  // WB_EXERCISE_BEGIN
  __shared__ float
      sTile[T::kTile * T::kTile];  // (kTile, kTile): element (i, j) = input (r0+i, c0+j)
  const TileCoord tile = tile_of(blockIdx.x, tiles_across);
  const std::int64_t r0 = tile.row * T::kTile, c0 = tile.col * T::kTile;

  // Load: tile row i <- input row r0 + i; lanes walk j along the row (coalesced).
#pragma unroll
  for (int k = 0; k < T::kRowsPerThread; ++k) {
    const int i = threadIdx.y + k * T::kBlockRows, j = threadIdx.x;
    if (r0 + i < rows && c0 + j < cols)
      sTile[unpadded_offset(i, j)] = gIn[(r0 + i) * cols + c0 + j];
  }
  __syncthreads();  // every tile element is written before any thread reads a column
  // Store: output row c0 + i <- tile column i; lanes walk j = input rows, contiguous in the output.
#pragma unroll
  for (int k = 0; k < T::kRowsPerThread; ++k) {
    const int i = threadIdx.y + k * T::kBlockRows, j = threadIdx.x;
    if (c0 + i < cols && r0 + j < rows)
      gOut[(c0 + i) * rows + r0 + j] = sTile[unpadded_offset(j, i)];
  }
  // WB_EXERCISE_END
}

}  // namespace

void launch_smem_tile(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_smem_tile");
  const dim3 block(T::kTile, T::kBlockRows);
  transpose_smem_tile_kernel<<<tile_grid(a, "ch02::launch_smem_tile"), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, wb::ceil_div(a.cols, T::kTile));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
