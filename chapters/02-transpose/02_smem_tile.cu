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
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "smem_tile",
    "Read \"Step 2: smem_tile, a tile in shared memory\" in README.md. Declare __shared__ float "
    "sTile[T::kTile * T::kTile]; load tile row i from input row r0 + i; __syncthreads(); store "
    "tile column i to output row c0 + i (lanes walk the input rows).");

namespace ch02 {
namespace {

using T = TileShape;

__global__ void transpose_smem_tile_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                           std::int64_t rows, std::int64_t cols,
                                           std::int64_t tiles_across) {
  // WB_EXERCISE_BEGIN
  // TODO(step 2): read "Step 2: smem_tile, a tile in shared memory" in README.md, then start from
  // 01_naive.cu: the launcher below is the same (one block of 32 x 8 threads per 32 x 32 tile,
  // tiles numbered row-major), and the kernel keeps its tile numbering. Keep the tile unpadded here
  // (unpadded_offset): step 3 is about what that costs.
  //   Do NOT keep 01_naive.cu's early `if (c >= cols) return;`: a tiled kernel must not return
  //   before its barrier. Every thread of the block must reach the __syncthreads() (item 4 of the
  //   list below; the CUDA Programming Guide leaves a barrier that some threads skip undefined),
  //   and a thread whose input column is past the edge still has an element to store in item 5,
  //   where its lane walks input rows (in a matrix of 33 rows and 31 columns, lane 31 has no input
  //   column, yet it stores input row 31). Guard each load and each store with its own test
  //   instead (items 3 and 5).
  //   1. Static shared memory: __shared__ float sTile[T::kTile * T::kTile]; element (i, j) of the
  //      tile is input element (r0 + i, c0 + j), stored at sTile[unpadded_offset(i, j)].
  //   2. tile = tile_of(blockIdx.x, tiles_across); r0 = tile.row * T::kTile and
  //      c0 = tile.col * T::kTile (std::int64_t: the first input row and column of the tile;
  //      being 64-bit, they keep every index below, such as (r0 + i) * cols, in 64 bits: a matrix
  //      may hold more than 2^31 elements).
  //   3. Load (#pragma unroll on the k loop, as in 01_naive.cu, so the loads are issued together):
  //      for k < T::kRowsPerThread: i = threadIdx.y + k * T::kBlockRows, j = threadIdx.x;
  //      if r0 + i < rows and c0 + j < cols: sTile[unpadded_offset(i, j)] =
  //      gIn[(r0 + i) * cols + c0 + j].
  //   4. __syncthreads(): no thread may read a tile column before every warp has written its rows.
  //   5. Store: the same i and j; output row c0 + i is tile column i, and the lanes walk j, which
  //      are input rows: if c0 + i < cols and r0 + j < rows:
  //      gOut[(c0 + i) * rows + r0 + j] = sTile[unpadded_offset(j, i)].
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-02-check`.
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
