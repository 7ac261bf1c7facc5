// Chapter 02, step 6 — grouped: visit the tiles in bands of kGroupRows tile rows.
//
// The idea: steps 2-5 number tiles row-major, so the blocks resident at the same time sit side by
// side in a few tile rows. Their loads read 32 input rows in long runs, but their stores each fill
// 128 bytes (one tile column) of 32 *different* output rows: short writes scattered across DRAM
// pages. The wider the matrix, the fewer tile rows are resident together and the shorter the runs.
// Step 6 changes only which tile a block moves (grouped_tile_of): the blocks resident together
// cover a band kGroupRows = 8 tiles tall, so each output row they touch gets 8 x 128 = 1 KiB
// written in a burst, while each input row is still read in runs of many tiles. The kernel body
// is step 5's.
//
// Prediction, as written before the ladder ran: a few percent at 8192 x 8192, toward cudaMemcpy;
// the largest gain at 4099 x 65537 (2049 tiles across), if scattered writes are what makes that
// shape slow. Refuted on both counts (README, "Step 6: grouped, tiles visited in bands of tile
// rows"). The prediction counted ~1000 resident blocks (132 SMs x 8), ~4 tile rows at 8192^2:
// that is the count for step 3's blocks of 256 threads. Step 5's blocks have 64 threads, so up to
// ~4,200 are resident (32 per SM), spanning up to ~16 tile rows: the runs were already long before
// grouping. And 4099 x 65537 is slow because its rows are misaligned, not because of the order.
#include "transpose.h"

#include "wb/check.h"

namespace ch02 {
namespace {

using W = WideShape;

__global__ void transpose_grouped_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                         std::int64_t rows, std::int64_t cols,
                                         std::int64_t tiles_across, std::int64_t tiles_down,
                                         bool vectorizable) {
  // WB_EXERCISE_BEGIN
  // (kTile, kTile + kPad): element (i, j) = input (r0 + i, c0 + j); the pad column is never used.
  __shared__ float sTile[W::kTile * (W::kTile + kPad)];
  const TileCoord tile = grouped_tile_of(blockIdx.x, tiles_across, tiles_down, kGroupRows);
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

void launch_grouped(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_grouped");
  const dim3 block(W::kThreadsX, W::kThreadsY);
  transpose_grouped_kernel<<<tile_grid(a, "ch02::launch_grouped"), block, 0, stream>>>(
      a.in, a.out, a.rows, a.cols, wb::ceil_div(a.cols, W::kTile), wb::ceil_div(a.rows, W::kTile),
      can_vectorize(a));
  WB_CHECK_LAUNCH();
}

}  // namespace ch02
