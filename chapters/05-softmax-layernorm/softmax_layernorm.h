/// @file softmax_layernorm.h
/// @brief Chapter 05 — fused row-wise kernels with warp shuffles: online softmax and
/// residual + LayerNorm.
///
/// Two operations on a row-major [rows x cols] matrix (element (r, c) at `r * cols + c`):
///
///     softmax:    out[r][c] = exp(x[r][c] - m_r) / sum_j exp(x[r][j] - m_r),  m_r = max_j x[r][j]
///     layernorm:  h = x + residual;  out[r][c] = (h[r][c] - mean_r) * rstd_r * gamma[c] + beta[c]
///                 mean_r = sum_c h[r][c] / cols,  rstd_r = 1 / sqrt(sum_c (h - mean_r)^2 / cols +
///                 eps)
///
/// Both read every input once and write every output once with a handful of FLOPs per element:
/// they are memory-bound, and the ceiling is copy bandwidth. What the steps change is how many
/// times the row crosses DRAM (the naive steps keep intermediates in global memory), how the
/// row-wide reductions are done (shared-memory trees, warp shuffles, one online or Welford merge)
/// and how wide each memory access is. See chapters/05-softmax-layernorm/README.md for the lesson.
///
/// Conventions every step follows:
///  - softmax input may hold `-inf` (a masked entry); its output is exactly 0. A row whose
///    entries are all `-inf` (fully masked) yields a row of zeros, never NaN. `+inf` and NaN
///    inputs are outside the contract.
///  - softmax runs on fp32, or on bf16 input and output with fp32 arithmetic inside.
///  - LayerNorm is fp32, with the biased variance (divide by cols), as PyTorch's layer_norm.
///  - any pointer may be a view into a larger allocation (aligned to its element size only); the
///    vectorized steps additionally need their matrices to share one address modulo 16 and
///    refuse other views with a message that says so.
///  - rows and cols are each 1 .. 2^31 - 1; steps that hold a row on the chip accept fewer
///    columns and say so (`max_cols`), refusing longer rows with a message that names the limit.
///
/// The online-softmax and Welford states and merges this chapter teaches live in
/// common/include/wb/online.h (chapter 08's flash attention reuses the merge); the row split in
/// wb/rows.h, the vector loads in wb/device/vec.cuh and the shuffle reductions in
/// wb/device/warp.cuh (taught in chapters 01 and 04). The block plans below are `WB_HD`, so the
/// CPU tests check exactly the code the launchers run.
#pragma once

#include "wb/compare.h"
#include "wb/hd.h"
#include "wb/math.h"
#include "wb/online.h"
#include "wb/rows.h"
#include "wb/shapes.h"

#include <cuda_runtime_api.h>

#include <math.h>

#include <cstdint>
#include <string>
#include <vector>

/// Chapter 05: fused softmax and residual + LayerNorm.
namespace ch05 {

// ---------------------------------------------------------------------------------------------
// Block plans: pure math shared by the launchers and the CPU tests
// ---------------------------------------------------------------------------------------------

/// Largest thread block any step launches.
constexpr int kMaxThreads = 1024;
/// Threads per block of the naive steps (softmax-naive, layernorm-naive), a power of two for their
/// shared-memory trees.
constexpr int kNaiveThreads = 256;
/// Scalars each thread of the scalar block-per-row steps (softmax-online, layernorm-fused,
/// layernorm-welford) keeps in registers.
constexpr int kScalarsPerThread = 16;
/// 16-byte vectors each thread of the vectorized steps (softmax-vectorized, layernorm-vectorized)
/// keeps in registers.
constexpr int kVecPerThread = 4;

/// Threads for a block that covers `units` items (elements, or 16-byte vectors) with `per_thread`
/// per thread: a whole number of warps, at least one, at most kMaxThreads.
WB_HD inline int threads_for(std::int64_t units, int per_thread) {
  std::int64_t t = wb::ceil_div(wb::ceil_div(units, per_thread), 32) * 32;
  if (t < 32) t = 32;
  if (t > kMaxThreads) t = kMaxThreads;
  return static_cast<int>(t);
}

/// Items a block-per-row step that holds a row in registers can take: kMaxThreads threads x
/// `per_thread` items each (16384 columns for 16 scalars per thread; 4096 vectors, i.e. 16384
/// fp32 or 32768 bf16 columns, for 4 vectors per thread).
WB_HD inline std::int64_t resident_cols(int per_thread) {
  return static_cast<std::int64_t>(kMaxThreads) * per_thread;
}

/// The column of the tail element that thread t < split.tail owns in a row of `cols` elements cut
/// by wb::split_row: cols - tail + t, below cols. (Written as head + per_vec * body + t for every
/// thread, it would pass 2^31 - 1 on the longest rows for the threads that own none.)
WB_HD inline int tail_col(int cols, const wb::RowSplit& split, int t) {
  return cols - split.tail + t;
}

/// How a block-per-row softmax covers its row: block size, and whether the row stays in registers.
struct RowPlan {
  int threads;    ///< threads per block (one block per row), a multiple of 32
  bool resident;  ///< true: one read and one write; false: two streaming passes over the row
};

/// The plan of softmax-online (units = columns, per_thread = kScalarsPerThread) and of
/// softmax-vectorized (units = 16-byte vectors of the row, ceil(cols / elements per vector),
/// per_thread = kVecPerThread): resident while the row fits in kMaxThreads x per_thread units,
/// with as few warps as hold it; otherwise kMaxThreads threads streaming the row in chunks of
/// kMaxThreads x per_thread units.
WB_HD inline RowPlan plan_row(std::int64_t units, int per_thread) {
  const bool resident = units <= resident_cols(per_thread);
  return RowPlan{resident ? threads_for(units, per_thread) : kMaxThreads, resident};
}

// ---------------------------------------------------------------------------------------------
// Softmax
// ---------------------------------------------------------------------------------------------

/// Element type of a softmax's input and output (arithmetic is fp32 in every case).
enum class DType {
  f32,   ///< float in, float out
  bf16,  ///< __nv_bfloat16 in, __nv_bfloat16 out, fp32 inside
};

/// "fp32" or "bf16".
const char* dtype_name(DType t);
/// 4 or 2.
int dtype_bytes(DType t);

/// Arguments of every softmax step. Device pointers; `in` and `out` hold rows * cols elements
/// of `dtype` and must not overlap.
struct SoftmaxArgs {
  const void* in = nullptr;    ///< (rows, cols) logits, finite or -inf
  void* out = nullptr;         ///< (rows, cols) probabilities
  std::int64_t rows = 0;       ///< 1 .. 2^31 - 1
  std::int64_t cols = 0;       ///< 1 .. 2^31 - 1 (some steps accept fewer; see max_cols)
  DType dtype = DType::f32;    ///< element type of in and out
  float* workspace = nullptr;  ///< softmax-naive only: 2 * rows floats for its intermediates
};

/// A softmax step's launcher: validates `args` (throws std::invalid_argument naming the step and
/// the rule), computes the grid, launches on `stream` and checks the launch (throws wb::CudaError).
using SoftmaxLauncher = void (*)(const SoftmaxArgs& args, cudaStream_t stream);

/// One rung of the softmax ladder.
struct SoftmaxStep {
  const char* name;        ///< "softmax-naive", ...: benchmark, test and exercise name
  const char* file;        ///< the file that holds it
  SoftmaxLauncher launch;  ///< its launcher
  /// Longest row the step accepts for a dtype (INT64_MAX: any); longer rows get an exception
  /// that names the limit. May query the device (softmax-block's limit is its shared memory).
  std::int64_t (*max_cols)(DType dtype);
};

/// The softmax ladder in order: naive, block, warp, online, vectorized.
const std::vector<SoftmaxStep>& softmax_steps();

/// Step 1 (01_softmax-naive.cu): three kernels (row max, row sum, normalise) with the max and the
/// sum in global memory; the row crosses DRAM four times. Needs `workspace`; any column count.
void launch_softmax_naive(const SoftmaxArgs& args, cudaStream_t stream);
/// Step 2 (02_softmax-block.cu): one fused kernel, one block per row, the row staged in shared
/// memory and reduced with shared-memory trees. Columns: as many as fit in the device's shared
/// memory per block (softmax_block_max_cols(): 57856 on an H100).
void launch_softmax_block(const SoftmaxArgs& args, cudaStream_t stream);
/// Step 3 (03_softmax-warp.cu): one warp per row, the row in registers, reductions by warp
/// shuffles. At most kWarpMaxCols columns.
void launch_softmax_warp(const SoftmaxArgs& args, cudaStream_t stream);
/// Step 4 (04_softmax-online.cu): one block per row, scalar accesses, one online (max, sum)
/// reduction. Any column count: rows up to resident_cols(kScalarsPerThread) = 16384 columns stay
/// in registers (one read, one write); longer rows take two streaming passes.
void launch_softmax_online(const SoftmaxArgs& args, cudaStream_t stream);
/// Step 5 (05_softmax-vectorized.cu): step 4 with 16-byte accesses (4 fp32 or 8 bf16 per load).
/// Any column count: rows up to resident_cols(kVecPerThread) vectors (16384 fp32 or 32768 bf16
/// columns) stay in registers; longer rows take two streaming passes. `in` and `out` must have
/// the same address modulo 16 (validate_same_alignment).
void launch_softmax_vectorized(const SoftmaxArgs& args, cudaStream_t stream);

/// The vendor row of the ladder (`vendor-memcpy`): cudaMemcpyAsync of the softmax's input to its
/// output, rows * cols elements, the same bytes a softmax reads and writes. Validated like a
/// softmax step; tested like one (the output must equal the input).
void launch_vendor_memcpy(const SoftmaxArgs& args, cudaStream_t stream);

/// Columns softmax-warp accepts: 32 lanes x 32 values per lane in registers.
constexpr std::int64_t kWarpMaxCols = 32 * 32;
/// Threads per block of softmax-block (a power of two, for its shared-memory trees).
constexpr int kSoftmaxBlockThreads = 256;
/// Columns softmax-block accepts on the current device: the row and kSoftmaxBlockThreads floats
/// of reduction scratch must fit in the opt-in shared memory of one block.
std::int64_t softmax_block_max_cols();

/// Checks every softmax launcher runs first; throws std::invalid_argument naming `where`:
/// null in, out, zero or negative sizes, sizes above 2^31 - 1, misaligned pointers, overlap.
void validate(const SoftmaxArgs& args, const char* where);

/// The extra check of the vectorized steps: `in` and `out` must have the same address modulo 16
/// so one head/body/tail split serves both.
void validate_same_alignment(const void* a, const void* b, const char* where);

/// Minimum bytes a softmax moves: read the input once, write the output once.
double softmax_min_bytes(std::int64_t rows, std::int64_t cols, DType dtype);

/// How a softmax test or benchmark draws its logits.
struct LogitSpec {
  double lo = 0.5;              ///< magnitudes are uniform in [lo, hi), signs random
  double hi = 4.0;              ///< (large logits: lo = 80, hi = 100)
  double masked = 0.0;          ///< fraction of entries set to -inf
  bool mask_first_row = false;  ///< make row 0 fully masked (all -inf)
};

/// Host-side softmax problem: inputs as stored (fp32, or bf16 bits) and the fp64 reference.
struct SoftmaxProblem {
  wb::Shape2D shape;                   ///< its shape
  std::uint64_t seed = 0;              ///< the seed its inputs were drawn from
  DType dtype = DType::f32;            ///< input and output type
  std::vector<float> in_f32;           ///< (rows, cols) when dtype is f32
  std::vector<__nv_bfloat16> in_bf16;  ///< (rows, cols) when dtype is bf16
  std::vector<double> ref;             ///< (rows, cols) softmax in fp64 of the (rounded) inputs
  double max_spread = 0;  ///< max over rows of max_c |x_c - m_r| (finite x): see tolerance
};

/// Draws a problem from `seed` and computes its fp64 reference.
SoftmaxProblem make_softmax_problem(const wb::Shape2D& shape, DType dtype, std::uint64_t seed,
                                    const LogitSpec& spec = {});

/// Tolerance of every softmax step for `p` (derived in softmax_layernorm.cpp): gamma_k relative to
/// |ref| with k = cols + 4 * spread + 6 * (10 + ceil(cols / 1024)) + 16 for the fp32 arithmetic,
/// plus one rounding to bf16 for bf16 outputs, plus an absolute FLT_MIN for outputs that
/// underflow.
wb::Tolerance softmax_tolerance(const SoftmaxProblem& p);

/// Where a test places `in` and `out` inside their allocations: offsets in elements from a
/// 256-byte aligned start (1 to 3 make views that no 16-byte vector access lines up with).
struct SoftmaxViews {
  int in = 0;   ///< elements before `in`
  int out = 0;  ///< elements before `out`
};

/// Runs `launch` on `p` with freshly poisoned, guarded buffers and compares with the reference.
/// `guards_ok` tells whether anything was written outside the output (the guard zones after it,
/// and the `views.out` elements of its allocation before it). The elements before `in` hold NaN,
/// so a kernel that reads before its view turns its row into NaN.
wb::CompareReport run_softmax(SoftmaxLauncher launch, const SoftmaxProblem& p, bool* guards_ok,
                              const SoftmaxViews& views = {});

// ---------------------------------------------------------------------------------------------
// Residual + LayerNorm
// ---------------------------------------------------------------------------------------------

/// Arguments of every LayerNorm step. Device pointers to fp32; `x`, `residual` and `out` hold
/// rows * cols, `gamma` and `beta` hold cols. `out` must not overlap any input.
struct LayerNormArgs {
  const float* x = nullptr;         ///< (rows, cols) input
  const float* residual = nullptr;  ///< (rows, cols) added to x before the normalisation
  const float* gamma = nullptr;     ///< (cols) scale
  const float* beta = nullptr;      ///< (cols) shift
  float* out = nullptr;             ///< (rows, cols) output
  std::int64_t rows = 0;            ///< 1 .. 2^31 - 1
  std::int64_t cols = 0;            ///< 1 .. 2^31 - 1 (the fused steps accept fewer)
  float eps = 1e-5f;                ///< added to the variance; must be > 0
  float* workspace = nullptr;       ///< layernorm-naive only: layernorm_naive_workspace floats
};

/// A LayerNorm step's launcher (same contract as SoftmaxLauncher).
using LayerNormLauncher = void (*)(const LayerNormArgs& args, cudaStream_t stream);

/// One rung of the LayerNorm ladder.
struct LayerNormStep {
  const char* name;          ///< "layernorm-naive", ...
  const char* file;          ///< the file that holds it
  LayerNormLauncher launch;  ///< its launcher
  std::int64_t max_cols;     ///< longest row the step accepts (INT64_MAX: any)
};

/// The LayerNorm ladder in order: naive, fused, welford, vectorized.
const std::vector<LayerNormStep>& layernorm_steps();

/// Step 6 (06_layernorm-naive.cu): four kernels (add, mean, variance, normalise); h = x +
/// residual, the mean and the rstd live in global memory. Needs `workspace`; any column count.
void launch_layernorm_naive(const LayerNormArgs& args, cudaStream_t stream);
/// Step 7 (07_layernorm-fused.cu): one kernel, one block per row, the row in registers; the mean
/// and then the variance each come from a block-wide sum (two reductions). At most
/// resident_cols(kScalarsPerThread) = 16384 columns.
void launch_layernorm_fused(const LayerNormArgs& args, cudaStream_t stream);
/// Step 8 (08_layernorm-welford.cu): step 7 with ONE reduction: each thread's (count, mean, m2)
/// merged over the block with the Welford merge. At most resident_cols(kScalarsPerThread) columns.
void launch_layernorm_welford(const LayerNormArgs& args, cudaStream_t stream);
/// Step 9 (09_layernorm-vectorized.cu): step 8 with 16-byte accesses. At most
/// resident_cols(kVecPerThread * 4) = 16384 columns; `x`, `residual` and `out` must have the same
/// address modulo 16 (gamma and beta may have any alignment).
void launch_layernorm_vectorized(const LayerNormArgs& args, cudaStream_t stream);

/// Floats of workspace layernorm-naive needs: h (rows * cols), mean and rstd (rows each).
std::int64_t layernorm_naive_workspace(std::int64_t rows, std::int64_t cols);

/// Checks every LayerNorm launcher runs first; throws std::invalid_argument naming `where`.
void validate(const LayerNormArgs& args, const char* where);

/// Minimum bytes a LayerNorm moves: read x and residual, write out (rows * cols floats each),
/// read gamma and beta (cols floats each).
double layernorm_min_bytes(std::int64_t rows, std::int64_t cols);

/// How a LayerNorm test draws its rows. The default draws x, residual, gamma and beta with
/// magnitudes uniform in [0.5, 2) and random signs. With `spread` > 0, x = offset + spread * a and
/// residual = spread * b instead (a, b of magnitude in [0.25, 1), random signs): rows with a large
/// mean next to their standard deviation, where cancellation makes the statistics hard.
struct LayerNormSpec {
  double offset = 0.0;  ///< added to every x (e.g. 1e3 or 1e6)
  double spread = 0.0;  ///< 0: the default draw; otherwise the scale of x's and residual's noise
};

/// Host-side LayerNorm problem and its fp64 reference.
struct LayerNormProblem {
  wb::Shape2D shape;            ///< its shape
  std::uint64_t seed = 0;       ///< the seed its inputs were drawn from
  float eps = 1e-5f;            ///< the epsilon used
  std::vector<float> x;         ///< (rows, cols)
  std::vector<float> residual;  ///< (rows, cols)
  std::vector<float> gamma;     ///< (cols)
  std::vector<float> beta;      ///< (cols)
  std::vector<double> ref;      ///< (rows, cols) in fp64
  /// (rows, cols) each element's error bound in units of u = 2^-24 (layernorm_error_scale):
  /// an output is accepted when |out - ref| <= u * scale.
  std::vector<double> scale;
};

/// Draws a problem from `seed` and computes the reference and each element's error bound.
LayerNormProblem make_layernorm_problem(const wb::Shape2D& shape, std::uint64_t seed,
                                        const LayerNormSpec& spec = {});

/// Roundings on the longest path from one input to a row's mean, over every LayerNorm step of
/// this chapter: the naive step's thread sums ceil(cols / kNaiveThreads) values and a tree adds 8
/// levels; the resident steps sum at most kScalarsPerThread + 2 values per thread and then merge
/// over 10 levels (5 of shuffles in a warp, 5 across 32 warps), a Welford level costing up to 7
/// roundings of the row's largest |h|. Derived in softmax_layernorm.cpp.
std::int64_t layernorm_path(std::int64_t cols);

/// The statistics of one row that its error bound needs (fp64, from the fp32 inputs).
struct LayerNormRowStats {
  double mean = 0;   ///< mean of h
  double rstd = 0;   ///< 1 / sqrt(var + eps)
  double max_h = 0;  ///< max |h|
};

/// The error bound of one output element, in units of u = 2^-24 (derived in
/// softmax_layernorm.cpp): |gamma_i| (|h_i| rho + k kappa + |z_i| (3 + e_rho)) + |y_i|, with
/// z_i = (h_i - mean) rho its z-score, kappa = max|h| rho the row's condition number, k =
/// layernorm_path(cols), and e_rho the relative error of rstd in units of u. It grows with the
/// element's own |h_i| and |z_i| and linearly in kappa.
double layernorm_error_scale(const LayerNormRowStats& row, std::int64_t cols, double h,
                             double gamma, double y);

/// Tolerance of every LayerNorm step: |out - ref| <= u * scale_i (LayerNormProblem::scale).
wb::Tolerance layernorm_tolerance(const LayerNormProblem& p);

/// Where a test places each LayerNorm operand inside its allocation (offsets in elements).
struct LayerNormViews {
  int x = 0;         ///< elements before `x`
  int residual = 0;  ///< elements before `residual`
  int gamma = 0;     ///< elements before `gamma`
  int beta = 0;      ///< elements before `beta`
  int out = 0;       ///< elements before `out`
};

/// Runs `launch` on `p` with poisoned, guarded buffers and compares with the reference (see
/// run_softmax for the views and the guards).
wb::CompareReport run_layernorm(LayerNormLauncher launch, const LayerNormProblem& p,
                                bool* guards_ok, const LayerNormViews& views = {});

/// Deliberately wrong variants that the tests must catch.
namespace known_bad {
/// softmax-warp without the max subtraction: exp(x) / sum exp(x). Right for small logits, but
/// exp overflows to inf for x > 88.7 in fp32 and the row turns into NaN. Lives in
/// solutions/05-softmax-layernorm/known_bad_softmax-no-max.cu.
void launch_softmax_no_max(const SoftmaxArgs& args, cudaStream_t stream);
/// layernorm-welford merging the threads' statistics as if every part had the same count and the
/// same mean (a plain average of the means and a plain sum of the m2s, without the delta^2 term).
/// Right only when every part has the same mean; wrong on random rows wider than a thread's share.
/// Lives in solutions/05-softmax-layernorm/known_bad_layernorm-no-delta.cu.
void launch_layernorm_no_delta(const LayerNormArgs& args, cudaStream_t stream);
}  // namespace known_bad

/// The shapes every step is tested at: wb::edge_shapes_2d() plus this chapter's column counts
/// (1000, 1024, 4097, 8192, 16384, 16385, 65536) past the warp, register and tile limits. The
/// edges of each step's size-dependent choices are tested separately (tests/ch05).
std::vector<wb::Shape2D> test_shapes();

}  // namespace ch05
