/// @file coalescing.h
/// @brief Chapter 01 — memory coalescing: scale each row of a matrix by its own factor.
///
///     out[r][c] = in[r][c] * scale[r]      for r < rows, c < cols
///
/// Matrices are row-major with contiguous rows: element (r, c) lives at `r * cols + c`.
/// The operation reads every input once and writes every output once, with one multiply per
/// element: at 1/8 FLOP per byte it is memory-bound on any GPU, so the only question is how close
/// each step gets to the copy bandwidth. See chapters/01-coalescing/README.md for the lesson.
///
/// Every step is a file with one kernel and its launcher; they share this header, the argument
/// checks and the reference in scale_rows.cpp, and the tests and benchmark harness in common/.
#pragma once

#include "wb/compare.h"
#include "wb/hd.h"
#include "wb/launch.h"
#include "wb/math.h"
#include "wb/rows.h"
#include "wb/shapes.h"
#include "wb/step.h"

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

/// Chapter 01: memory coalescing.
namespace ch01 {

/// Arguments shared by every step. Device pointers; `in` and `out` hold rows * cols floats and
/// must not overlap each other or `scale` (rows floats).
struct ScaleRowsArgs {
  const float* in = nullptr;     ///< (rows, cols) input
  const float* scale = nullptr;  ///< (rows) factor per row
  float* out = nullptr;          ///< (rows, cols) output
  std::int64_t rows = 0;         ///< number of rows, 1 .. 2^31 - 1
  std::int64_t cols = 0;         ///< number of columns, 1 .. 2^31 - 1
};

/// A step's launcher (wb::StepLauncher: validates, computes the grid, launches, checks).
using Launcher = wb::StepLauncher<ScaleRowsArgs>;

/// One rung of the ladder (wb::Step: its name, its file, its launcher).
using Step = wb::Step<ScaleRowsArgs>;

/// The ladder in order: naive, coalesced, vectorized, ilp.
const std::vector<Step>& steps();

/// Step 1 (01_naive.cu): threadIdx.x walks rows, so a warp's accesses are a row apart.
void launch_naive(const ScaleRowsArgs& args, cudaStream_t stream);
/// Step 2 (02_coalesced.cu): threadIdx.x walks columns, so a warp reads 128 contiguous bytes.
void launch_coalesced(const ScaleRowsArgs& args, cudaStream_t stream);
/// Step 3 (03_vectorized.cu): one 16-byte float4 per thread, head and tail of each row peeled
/// (wb::split_row, rows.h).
void launch_vectorized(const ScaleRowsArgs& args, cudaStream_t stream);
/// Step 4 (04_ilp.cu): kIlp independent float4 loads in flight per thread before any store.
void launch_ilp(const ScaleRowsArgs& args, cudaStream_t stream);

/// The vendor row of the ladder (`vendor-memcpy`): cudaMemcpyAsync of `in` to `out`, rows * cols
/// floats, the copy the benchmark times as the yardstick (wb::bench_device_copy). Not a scale: the
/// tests check that it copies every byte, at the same shapes as the steps. Runs validate() first.
void launch_vendor_memcpy(const ScaleRowsArgs& args, cudaStream_t stream);

/// Deliberately wrong variants that the tests must catch.
namespace known_bad {
/// Step 3 without the tail of each row: right whenever a row's tail is empty (cols a multiple of 4
/// with aligned rows), wrong at 31x33. Lives in solutions/01-coalescing/known_bad_no_tail.cu.
void launch_vectorized_no_tail(const ScaleRowsArgs& args, cudaStream_t stream);
}  // namespace known_bad

/// Thread-block shape shared by all steps: 32 threads along x (one warp), 8 warps along y.
struct BlockShape {
  static constexpr int kX = 32;  ///< threads along x: a warp
  static constexpr int kY = 8;   ///< threads along y
  static_assert(kX == 32, "x must be exactly one warp for the coalescing argument to hold");
  static_assert(kX * kY <= 1024, "at most 1024 threads per block");
};

/// Floats per 16-byte vector access (wb::kVecBytes, rows.h).
constexpr int kVec = wb::kVecBytes / static_cast<int>(sizeof(float));
/// Independent float4 loads each thread of step 4 issues before its first store.
constexpr int kIlp = 4;

/// Blocks along y for `extent` items with `per_block` per block, clamped to the grid-y limit
/// (wb::kMaxGridYZ = 65535); the kernels cover the rest with a grid-stride loop.
WB_HD inline unsigned grid_y_for(std::int64_t extent, int per_block) {
  const std::int64_t blocks = wb::ceil_div(extent, per_block);
  return static_cast<unsigned>(blocks < wb::kMaxGridYZ ? blocks : wb::kMaxGridYZ);
}

/// Argument checks every launcher runs first; throws std::invalid_argument naming `where`.
/// Rejects null pointers, non-positive or too-large sizes, floats not 4-byte aligned, and overlap
/// between in, out and scale.
void validate(const ScaleRowsArgs& args, const char* where);

/// The extra check of the vectorized steps: `in` and `out` must sit at the same address modulo 16,
/// so one head/tail split serves both. Views that differ (e.g. `out + 1`) get a clear error naming
/// the coalesced step as the one to use.
void validate_same_alignment(const ScaleRowsArgs& args, const char* where);

/// Minimum bytes one run moves: read in and scale once, write out once.
double min_bytes(std::int64_t rows, std::int64_t cols);

/// Host-side problem: random inputs and the fp64 reference.
struct Problem {
  wb::Shape2D shape;         ///< its shape
  std::uint64_t seed = 0;    ///< the seed its inputs were drawn from
  std::vector<float> in;     ///< (rows, cols), never zero
  std::vector<float> scale;  ///< (rows), never zero
  std::vector<double> ref;   ///< (rows, cols), in * scale computed in fp64
};

/// Draws a problem's inputs from `seed` and computes its reference.
Problem make_problem(const wb::Shape2D& shape, std::uint64_t seed);

/// Tolerance of every step: one fp32 rounding of an exact product (k = 1, so u = 2^-24 relative).
wb::Tolerance tolerance();

/// Runs `launch` on `problem` with freshly poisoned, guarded buffers and returns the output view
/// (rows * cols floats). `in_offset`/`out_offset` (in floats) shift the device pointers to test
/// misaligned views. `guards_ok` tells whether anything was written outside `out`.
std::vector<float> run_once(Launcher launch, const Problem& problem, bool* guards_ok,
                            int in_offset = 0, int out_offset = 0);

/// run_once, compared with the reference under tolerance().
wb::CompareReport run_and_compare(Launcher launch, const Problem& problem, bool* guards_ok,
                                  int in_offset = 0, int out_offset = 0);

}  // namespace ch01
