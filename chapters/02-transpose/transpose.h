/// @file transpose.h
/// @brief Chapter 02 — shared-memory tiling: out-of-place matrix transpose.
///
///     out[c][r] = in[r][c]      for r < rows, c < cols
///
/// `in` is a row-major (rows, cols) matrix, element (r, c) at `r * cols + c`; `out` is the
/// row-major (cols, rows) result, element (c, r) at `c * rows + r`. Every input is read once and
/// every output written once, with no arithmetic at all: the floor is the copy bandwidth, and the
/// chapter is about reaching it when one side of the copy walks columns. See
/// chapters/02-transpose/README.md for the lesson.
///
/// Steps 2-6 stage a 32 x 32 tile in shared memory so that both global sides are row-wise, and
/// steps 7 and 8 a 64 x 64 one. The tile layouts (unpadded, padded, swizzled, big padded) are the
/// small `__host__ __device__` functions below, and `conflict_degree` says how many shared-memory
/// wavefronts a warp's access costs. The CPU tests apply it to the accesses the lesson's kernels
/// make, rebuilt from these offset functions and the lane mapping the lesson gives: they check the
/// layouts, not a kernel's code (the profiler's bank-conflict counters see a kernel's own).
///
/// Sizes: rows and cols are each 1 .. 2^31 - 1 for every step (the vendor-cublas row: each
/// 1 .. 2^31 - 32768, the most cuBLAS accepts; see kCublasGeamMaxDim). The grid is one block per
/// tile, at most 2^31 - 1 blocks (tile_grid checks it), which only a matrix of more than about
/// 2^41 elements (8 TiB) would exceed: no matrix that fits in a GPU's memory does.
#pragma once

#include "wb/compare.h"
#include "wb/hd.h"
#include "wb/math.h"
#include "wb/shapes.h"
#include "wb/step.h"
#include "wb/tile_order.h"

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

/// Chapter 02: shared-memory tiling (matrix transpose, bank conflicts).
namespace ch02 {

/// Arguments shared by every step. Device pointers to rows * cols floats each; `in` and `out`
/// must not overlap (the transpose is out-of-place).
struct TransposeArgs {
  const float* in = nullptr;  ///< (rows, cols) input, row-major
  float* out = nullptr;       ///< (cols, rows) output, row-major
  std::int64_t rows = 0;      ///< rows of `in`, 1 .. 2^31 - 1
  std::int64_t cols = 0;      ///< columns of `in`, 1 .. 2^31 - 1
};

/// A step's launcher (wb::StepLauncher: validates, computes the grid, launches, checks).
using Launcher = wb::StepLauncher<TransposeArgs>;

/// One rung of the ladder (wb::Step: its name, its file, its launcher).
using Step = wb::Step<TransposeArgs>;

/// The ladder in order: naive, smem_tile, padded_tile, swizzled_tile, wide, grouped, big_tile,
/// column_order.
const std::vector<Step>& steps();

/// Step 1 (01_naive.cu): reads coalesced along a row of `in`, writes down a column of `out`.
void launch_naive(const TransposeArgs& args, cudaStream_t stream);
/// Step 2 (02_smem_tile.cu): a 32 x 32 tile in shared memory, so both global sides are row-wise;
/// reading a tile column is a 32-way bank conflict.
void launch_smem_tile(const TransposeArgs& args, cudaStream_t stream);
/// Step 3 (03_padded_tile.cu): one padding float per tile row; columns hit 32 different banks.
void launch_padded_tile(const TransposeArgs& args, cudaStream_t stream);
/// Step 4 (04_swizzled_tile.cu): no padding; column j of tile row i is stored at j XOR i.
void launch_swizzled_tile(const TransposeArgs& args, cudaStream_t stream);
/// Step 5 (05_wide.cu): 16-byte global loads and stores; each thread keeps step 3's 4 tile rows,
/// now 4 floats wide (16 elements).
void launch_wide(const TransposeArgs& args, cudaStream_t stream);
/// Step 6 (06_grouped.cu): step 5 with tiles visited in groups of kGroupRows tile rows, so the
/// blocks running at the same time write long runs of each output row.
void launch_grouped(const TransposeArgs& args, cudaStream_t stream);
/// Step 7 (07_big_tile.cu): step 3 with a 64 x 64 padded tile, moved by 32 x 16 threads (8 floats
/// each, all loaded before the first shared-memory store); tiles still in row-major order.
void launch_big_tile(const TransposeArgs& args, cudaStream_t stream);
/// Step 8 (08_column_order.cu): step 7 with the tiles visited down each column of tiles
/// (column_major_tile_of), so the blocks running together write long runs of the same output rows.
void launch_column_order(const TransposeArgs& args, cudaStream_t stream);

/// The vendor baseline (cublas_transpose.cpp, the `vendor-cublas` row): cublasSgeam_64, cuBLAS's
/// 64-bit integer interface, with CUBLAS_OP_T on the workbook's shared cuBLAS handle
/// (wb/cublas.h). Runs validate_cublas() first; throws std::runtime_error naming the cuBLAS status
/// on a cuBLAS failure (wb::check_cublas). Tested like every step, but documented for a smaller
/// size: rows and cols each 1 .. kCublasGeamMaxDim (2^31 - 32768), the largest dimension cuBLAS
/// accepts; a larger one is refused with std::invalid_argument before cuBLAS is called. The
/// limits tier runs it at that limit along each dimension and checks the refusal at 2^31 - 1.
void launch_cublas(const TransposeArgs& args, cudaStream_t stream);

/// The largest rows, and the largest cols, of the vendor row: 2147450880 = 2^31 - 32768. Though
/// its arguments are 64-bit, cublasSgeam_64 refused a dimension of 2^31 - 1 on the H100 (CUDA 13.0)
/// with CUBLAS_STATUS_INVALID_VALUE (bench/results/h100/chapter-02.limits.log), and a bisection
/// (bench/probes/cublas_geam_limit.cu, recorded in bench/results/h100/cublas-geam-limit.txt)
/// found that it accepts, and transposes right, each dimension up to this one and refuses
/// 2147450881. Measured with CUDA 13.0's cuBLAS; another cuBLAS may draw the line elsewhere.
constexpr std::int64_t kCublasGeamMaxDim = 2147450880;

/// The vendor row's argument checks: validate(), then rows and cols each at most
/// kCublasGeamMaxDim. Throws std::invalid_argument naming `where`, the measured cuBLAS limit and
/// the file that records it. Host code only (no cuBLAS call), so the CPU tests can run it.
void validate_cublas(const TransposeArgs& args, const char* where);

/// The `vendor-memcpy` row: cudaMemcpyAsync of `in` to `out` (rows * cols floats), the copy the
/// benchmark times as the yardstick (wb::bench_device_copy). Not a transpose: the tests check that
/// it copies every byte, at the same shapes as the steps. Runs validate() first.
void launch_vendor_memcpy(const TransposeArgs& args, cudaStream_t stream);

/// The vendor rows that run the transpose, tested like the steps: vendor-cublas.
const std::vector<Step>& vendor_steps();

/// Deliberately wrong variants that the tests and the sanitizer must catch.
namespace known_bad {
/// Step 3 without the `__syncthreads()` between writing the tile and reading it: threads read
/// tile elements other warps may not have written yet. Results often look right; racecheck
/// reports the shared-memory hazard. Lives in solutions/02-transpose/known_bad_no_barrier.cu.
void launch_padded_tile_no_barrier(const TransposeArgs& args, cudaStream_t stream);
}  // namespace known_bad

/// Tile and block shape of steps 1-4: a 32 x 32 tile moved by 32 x 8 threads, 4 rows each.
struct TileShape {
  static constexpr int kTile = 32;      ///< tile edge, in floats: one warp across a tile row
  static constexpr int kBlockRows = 8;  ///< threads along y (warps per block)
  static constexpr int kRowsPerThread = kTile / kBlockRows;  ///< tile rows each thread moves
  static_assert(kTile == 32, "one warp spans one tile row; the swizzle XORs with 5-bit indices");
  static_assert(kTile % kBlockRows == 0, "every thread moves the same number of rows");
};

/// Step 5's shape: the same 32 x 32 tile moved by 8 x 8 threads, each 4 float4 in and 4 out.
struct WideShape {
  static constexpr int kTile = TileShape::kTile;  ///< tile edge, in floats
  static constexpr int kVec = 4;                  ///< floats per 16-byte access
  static constexpr int kThreadsX = kTile / kVec;  ///< threads across a tile row: 8 float4s
  static constexpr int kThreadsY = 8;             ///< threads along y
  static constexpr int kRowsPerThread = kTile / kThreadsY;  ///< float4 rows per thread: 4
  static_assert(kTile % (kVec * kThreadsX) == 0, "a row of threads covers a tile row exactly");
};

/// Shared-memory banks: 32 banks, each 4 bytes wide, interleaved by 4-byte word.
constexpr int kBanks = 32;
/// Width of one bank, in bytes.
constexpr int kBankBytes = 4;

/// The bank that holds shared-memory byte address `address`.
WB_HD inline int bank_of(std::uint32_t address) {
  return static_cast<int>((address / kBankBytes) % kBanks);
}

/// Conflict degree of one warp-wide 4-byte shared-memory access: the number of wavefronts
/// (passes through the banks) it needs, given each active lane's byte address. Lanes that read
/// the same 4-byte word are served together (a broadcast); distinct words in the same bank are
/// served one per wavefront. So the degree is the largest number of distinct words any one bank
/// is asked for: 1 is conflict-free, 32 is fully serialised. `count` is at most 32; 0 gives 0.
WB_HD inline int conflict_degree(const std::uint32_t* addresses, int count) {
  int degree = 0;
  for (int bank = 0; bank < kBanks; ++bank) {
    int distinct_words = 0;
    for (int lane = 0; lane < count; ++lane) {
      const std::uint32_t word = addresses[lane] / kBankBytes;
      if (bank_of(addresses[lane]) != bank) continue;
      bool seen = false;  // an earlier lane asked for the same word: broadcast, no extra pass
      for (int other = 0; other < lane; ++other)
        seen = seen || addresses[other] / kBankBytes == word;
      if (!seen) ++distinct_words;
    }
    degree = distinct_words > degree ? distinct_words : degree;
  }
  return degree;
}

/// Float offset of tile element (i, j) — row i, column j — in an unpadded 32 x 32 tile.
WB_HD inline int unpadded_offset(int i, int j) {
  return i * TileShape::kTile + j;
}

/// Floats of padding after each tile row: one, so that row i + 1 starts one bank further on and
/// a column (i = 0..31, fixed j) visits 32 different banks.
constexpr int kPad = 1;

/// Float offset of tile element (i, j) in a padded tile of kTile + kPad floats per row.
WB_HD inline int padded_offset(int i, int j) {
  return i * (TileShape::kTile + kPad) + j;
}

/// Float offset of tile element (i, j) in a swizzled 32 x 32 tile: column j of row i is stored at
/// column j XOR i. Each row is still a permutation of one row's 32 banks, and each column's 32
/// elements land in 32 different columns, hence banks, without spending memory on padding.
WB_HD inline int swizzled_offset(int i, int j) {
  return i * TileShape::kTile + (j ^ (i % TileShape::kTile));
}

// The tile orders were taught here (steps 6 and 8) and live in wb/tile_order.h, which chapter 07
// shares: TileCoord, tile_of (row-major), grouped_tile_of (step 6), column_major_tile_of (step 8).
using wb::column_major_tile_of;
using wb::grouped_tile_of;
using wb::tile_of;
using wb::TileCoord;

/// Tile rows per group in step 6's visiting order.
constexpr int kGroupRows = 8;

/// Tile and block shape of steps 7 and 8: a 64 x 64 tile moved by 32 x 16 threads. Each thread
/// moves kRowsPerThread rows x kColsPerThread columns of the tile in, and as many out.
struct BigTileShape {
  static constexpr int kTile = 64;                          ///< tile edge, in floats
  static constexpr int kThreadsX = 32;                      ///< one warp across a tile row
  static constexpr int kThreadsY = 16;                      ///< warps per block
  static constexpr int kRowsPerThread = kTile / kThreadsY;  ///< 4
  static constexpr int kColsPerThread = kTile / kThreadsX;  ///< 2 (columns tx and tx + 32)
};

/// Float offset of element (i, j) in the padded 64 x 64 tile of steps 7 and 8 (65 floats per row):
/// bank (65 i + j) mod 32 = (i + j) mod 32, so 32 consecutive rows of a column hit 32 banks.
WB_HD inline int big_padded_offset(int i, int j) {
  return i * (BigTileShape::kTile + kPad) + j;
}

/// Number of `tile` x `tile` tiles (hence blocks) covering a rows x cols matrix.
WB_HD inline std::int64_t tile_count(std::int64_t rows, std::int64_t cols,
                                     int tile = TileShape::kTile) {
  return wb::ceil_div(rows, tile) * wb::ceil_div(cols, tile);
}

/// Argument checks every launcher runs first; throws std::invalid_argument naming `where`.
/// Rejects null pointers, non-positive or too-large sizes, misaligned floats, and `in` and `out`
/// overlapping (the transpose is out-of-place).
void validate(const TransposeArgs& args, const char* where);

/// Whether step 5 can use 16-byte accesses on every full tile: rows and cols multiples of 4 and
/// both pointers 16-byte aligned, so every tile row starts on a 16-byte boundary on both sides.
/// Otherwise it moves every tile with 4-byte accesses (still correct, slower).
bool can_vectorize(const TransposeArgs& args);

/// Grid of the tile steps: one block per `tile` x `tile` tile (32 for steps 1-6, 64 for 7 and 8).
/// Throws std::invalid_argument (naming `where`) when the matrix has more tiles than a grid has
/// blocks along x.
dim3 tile_grid(const TransposeArgs& args, const char* where, int tile = TileShape::kTile);

/// Minimum bytes one run moves: read rows * cols floats, write as many.
double min_bytes(std::int64_t rows, std::int64_t cols);

/// Host-side problem: random input and its transpose (exact, held in fp64 for the comparison).
struct Problem {
  wb::Shape2D shape;        ///< shape of the input
  std::uint64_t seed = 0;   ///< the seed its input was drawn from
  std::vector<float> in;    ///< (rows, cols), never zero
  std::vector<double> ref;  ///< (cols, rows), ref[c * rows + r] = in[r * cols + c]
};

/// Draws a problem's input from `seed` and computes its transpose.
Problem make_problem(const wb::Shape2D& shape, std::uint64_t seed);

/// Tolerance of every step: none. A transpose moves bits and rounds nothing, so anything but the
/// exact input value is wrong.
wb::Tolerance tolerance();

/// Runs `launch` on `problem` with freshly poisoned, guarded buffers and returns the output view
/// (rows * cols floats). `in_offset`/`out_offset` (in floats) shift the device pointers to test
/// views that do not start on a 16-byte boundary. `guards_ok` tells whether anything was written
/// outside `out`.
std::vector<float> run_once(Launcher launch, const Problem& problem, bool* guards_ok,
                            int in_offset = 0, int out_offset = 0);

/// run_once, compared with the reference under tolerance() (exact).
wb::CompareReport run_and_compare(Launcher launch, const Problem& problem, bool* guards_ok,
                                  int in_offset = 0, int out_offset = 0);

}  // namespace ch02
