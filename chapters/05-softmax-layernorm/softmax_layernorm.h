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
/// times the row crosses DRAM (the naive steps keep intermediates in global memory) and how the
/// row-wide reductions are done (shared-memory trees, warp shuffles, one online merge).
/// See chapters/05-softmax-layernorm/README.md for the lesson.
///
/// Conventions every step follows:
///  - softmax input may hold `-inf` (a masked entry); its output is exactly 0. A row whose
///    entries are all `-inf` (fully masked) yields a row of zeros, never NaN. `+inf` and NaN
///    inputs are outside the contract.
///  - softmax runs on fp32, or on bf16 input and output with fp32 arithmetic inside.
///  - LayerNorm is fp32, with the biased variance (divide by cols), as PyTorch's layer_norm.
///
/// The pure math the kernels run (the online-softmax merge, the Welford merge, row splits and
/// block plans) is `WB_HD` here, so the CPU tests check exactly the code the GPU runs.
#pragma once

#include "wb/compare.h"
#include "wb/hd.h"
#include "wb/shapes.h"

#include <cuda_runtime_api.h>

#include <math.h>

#include <cstdint>
#include <string>
#include <vector>

/// Chapter 05: fused softmax and residual + LayerNorm.
namespace ch05 {

// ---------------------------------------------------------------------------------------------
// Pure math shared by kernels and CPU tests
// ---------------------------------------------------------------------------------------------

/// The running state of an online softmax over some set of values x_j: `m` = max x_j and
/// `l` = sum_j exp(x_j - m). The empty set (and a set of only `-inf`) is {-inf, 0}.
struct OnlineSoftmax {
  float m;  ///< running maximum
  float l;  ///< sum of exp(x_j - m) over the values seen
};

/// The state of the empty set: the identity of online_merge.
WB_HD inline OnlineSoftmax online_identity() {
  return OnlineSoftmax{-INFINITY, 0.0f};
}

/// exp(x - m), except 0 when m is -inf (every value seen so far is masked; exp(-inf - -inf)
/// would be NaN).
WB_HD inline float exp_shifted(float x, float m) {
  return m == -INFINITY ? 0.0f : expf(x - m);
}

/// Merges two states: the state of the union of both sets. Rescales each partial sum to the new
/// maximum, l = l_a * exp(m_a - m) + l_b * exp(m_b - m). Associative and commutative up to fp32
/// rounding of `l` (`m` is exact), so any reduction tree gives the same answer within the
/// tolerance. Two fully masked states merge to {-inf, 0}, not NaN.
WB_HD inline OnlineSoftmax online_merge(OnlineSoftmax a, OnlineSoftmax b) {
  const float m = fmaxf(a.m, b.m);
  return OnlineSoftmax{m, a.l * exp_shifted(a.m, m) + b.l * exp_shifted(b.m, m)};
}

/// Adds one value x to a state: online_merge(s, {x, 1}). A masked x (-inf) leaves s unchanged.
WB_HD inline OnlineSoftmax online_push(OnlineSoftmax s, float x) {
  return online_merge(s, OnlineSoftmax{x, x == -INFINITY ? 0.0f : 1.0f});
}

/// 1 / l, or 0 when l is 0 (a fully masked row: every output is then exp_shifted(..) * 0 = 0).
WB_HD inline float inverse_or_zero(float l) {
  return l > 0.0f ? 1.0f / l : 0.0f;
}

/// Count, mean and sum of squared deviations of a set of values (Welford, and Chan et al.'s
/// pairwise merge). The empty set is {0, 0, 0}. `n` is a float so a warp can shuffle it; it
/// counts exactly up to 2^24 values, far above every column count a step accepts.
struct Welford {
  float n;     ///< number of values
  float mean;  ///< their mean
  float m2;    ///< sum of (x - mean)^2
};

/// Merges two partial statistics (Chan, Golub, LeVeque 1979):
/// delta = mean_b - mean_a, mean = mean_a + delta * n_b / n,
/// m2 = m2_a + m2_b + delta^2 * n_a * n_b / n. Merging with the empty set returns the other
/// operand exactly.
WB_HD inline Welford welford_merge(Welford a, Welford b) {
  const float n = a.n + b.n;
  if (n == 0.0f) return Welford{0.0f, 0.0f, 0.0f};
  const float delta = b.mean - a.mean;
  const float wb = b.n / n;  // weight of b in the merged mean
  return Welford{n, a.mean + delta * wb, a.m2 + b.m2 + delta * delta * a.n * wb};
}

/// The statistics of a single value x: {1, x, 0}.
WB_HD inline Welford welford_single(float x) {
  return Welford{1.0f, x, 0.0f};
}

/// ceil(n / d) for positive d.
WB_HD inline std::int64_t ceil_div(std::int64_t n, std::int64_t d) {
  return (n + d - 1) / d;
}

/// Bytes of one 16-byte vector access.
constexpr int kVecBytes = 16;

/// How one row is cut for 16-byte accesses: `head` scalars up to the first 16-byte boundary,
/// `body` whole vectors of 16 bytes, then `tail` scalars. head + per_vec * body + tail == cols.
struct RowSplit {
  int head;  ///< leading elements before the first 16-byte boundary (< elements per vector)
  int body;  ///< whole 16-byte vectors from there on
  int tail;  ///< elements after the last whole vector (< elements per vector)
};

/// Splits a row of `cols` elements of `elem_bytes` bytes (4 or 2) starting at byte address
/// `row_address` (a multiple of elem_bytes).
WB_HD inline RowSplit split_row(std::uintptr_t row_address, int cols, int elem_bytes) {
  const int per_vec = kVecBytes / elem_bytes;
  // Elements to skip until the address is a multiple of 16: (16 - address % 16) % 16 bytes.
  int head =
      static_cast<int>(((16u - (row_address & 15u)) & 15u) / static_cast<unsigned>(elem_bytes));
  if (head > cols) head = cols;
  const int body = (cols - head) / per_vec;
  return RowSplit{head, body, cols - head - per_vec * body};
}

/// Largest thread block any step launches.
constexpr int kMaxThreads = 1024;
/// 16-byte vectors each thread of the vectorized steps (softmax-online, layernorm-vectorized)
/// keeps in registers.
constexpr int kVecPerThread = 4;
/// Scalars each thread of layernorm-fused keeps in registers.
constexpr int kScalarsPerThread = 16;

/// Threads for a block that covers `units` items with `per_thread` per thread: a whole number of
/// warps, at least one, at most kMaxThreads.
WB_HD inline int threads_for(std::int64_t units, int per_thread) {
  std::int64_t t = ceil_div(ceil_div(units, per_thread), 32) * 32;
  if (t < 32) t = 32;
  if (t > kMaxThreads) t = kMaxThreads;
  return static_cast<int>(t);
}

/// Columns a block-per-row step that holds a row in registers can take: kMaxThreads threads x
/// `per_thread` elements each (16384 fp32 columns for both LayerNorm steps; for softmax-online
/// 16384 fp32 or 32768 bf16 columns before it switches to two streaming passes).
WB_HD inline std::int64_t resident_cols(int per_thread) {
  return static_cast<std::int64_t>(kMaxThreads) * per_thread;
}

/// How softmax-online covers a row: block size, and whether the row stays in registers.
struct OnlinePlan {
  int threads;    ///< threads per block (one block per row), a multiple of 32
  bool resident;  ///< true: one read and one write; false: two streaming passes over the row
};

/// The plan for a row of `cols` elements of `elem_bytes` bytes: resident while the row fits in
/// kMaxThreads x kVecPerThread vectors, with as few warps as hold it; otherwise 1024 threads
/// streaming the row in chunks of 1024 x kVecPerThread vectors.
WB_HD inline OnlinePlan plan_softmax_online(std::int64_t cols, int elem_bytes) {
  const int per_vec = kVecBytes / elem_bytes;
  const bool resident = cols <= resident_cols(kVecPerThread * per_vec);
  return OnlinePlan{resident ? threads_for(ceil_div(cols, per_vec), kVecPerThread) : kMaxThreads,
                    resident};
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

/// The softmax ladder in order: naive, block, warp, online.
const std::vector<SoftmaxStep>& softmax_steps();

/// Step 1 (01_softmax-naive.cu): three kernels (row max, row sum, normalise) with the max and the
/// sum in global memory; the row crosses DRAM four times. Needs `workspace`; any column count.
void launch_softmax_naive(const SoftmaxArgs& args, cudaStream_t stream);
/// Step 2 (02_softmax-block.cu): one fused kernel, one block per row, the row staged in shared
/// memory and reduced with shared-memory trees. Columns: as many as fit in the device's shared
/// memory per block (57856 on an H100).
void launch_softmax_block(const SoftmaxArgs& args, cudaStream_t stream);
/// Step 3 (03_softmax-warp.cu): one warp per row, the row in registers, reductions by warp
/// shuffles. At most kWarpMaxCols columns.
void launch_softmax_warp(const SoftmaxArgs& args, cudaStream_t stream);
/// Step 4 (04_softmax-online.cu): one block per row, 16-byte accesses, one online (max, sum)
/// reduction. Any column count: rows up to resident_cols(kVecPerThread * elements per vector)
/// stay in registers (one read, one write); longer rows take two streaming passes.
void launch_softmax_online(const SoftmaxArgs& args, cudaStream_t stream);

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

/// Tolerance of every softmax step for `p` (derived in softmax_layernorm.cpp): fp32 arithmetic
/// with k = cols + 2 * spread + 9 rounding-sized errors, plus one rounding to bf16 for bf16
/// outputs, plus an absolute FLT_MIN for outputs that underflow.
wb::Tolerance softmax_tolerance(const SoftmaxProblem& p);

/// Runs `launch` on `p` with freshly poisoned, guarded buffers and compares with the reference.
/// `guards_ok` tells whether anything was written outside the output.
wb::CompareReport run_softmax(SoftmaxLauncher launch, const SoftmaxProblem& p, bool* guards_ok);

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

/// The LayerNorm ladder in order: naive, fused, vectorized.
const std::vector<LayerNormStep>& layernorm_steps();

/// Step 1 (05_layernorm-naive.cu): four kernels (add, mean, variance, normalise); h = x +
/// residual, the mean and the rstd live in global memory. Needs `workspace`; any column count.
void launch_layernorm_naive(const LayerNormArgs& args, cudaStream_t stream);
/// Step 2 (06_layernorm-fused.cu): one kernel, one block per row, the row in registers, Welford
/// statistics merged with warp shuffles. At most resident_cols(kScalarsPerThread) columns.
void launch_layernorm_fused(const LayerNormArgs& args, cudaStream_t stream);
/// Step 3 (07_layernorm-vectorized.cu): step 2 with 16-byte accesses.
/// At most resident_cols(kVecPerThread * 4) columns.
void launch_layernorm_vectorized(const LayerNormArgs& args, cudaStream_t stream);

/// Floats of workspace layernorm-naive needs: h (rows * cols), mean and rstd (rows each).
std::int64_t layernorm_naive_workspace(std::int64_t rows, std::int64_t cols);

/// Checks every LayerNorm launcher runs first; throws std::invalid_argument naming `where`.
void validate(const LayerNormArgs& args, const char* where);

/// Minimum bytes a LayerNorm moves: read x and residual, write out (rows * cols floats each),
/// read gamma and beta (cols floats each).
double layernorm_min_bytes(std::int64_t rows, std::int64_t cols);

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
  std::vector<double> scale;    ///< (rows, cols) the magnitude each element's error bound scales
};

/// Draws a problem from `seed` (never-zero values) and computes the reference and error scales.
LayerNormProblem make_layernorm_problem(const wb::Shape2D& shape, std::uint64_t seed);

/// Tolerance of every LayerNorm step: gamma_k with k = cols + 10 for fp32, applied to the
/// per-element scale of LayerNormProblem (derived in softmax_layernorm.cpp).
wb::Tolerance layernorm_tolerance(const LayerNormProblem& p);

/// Runs `launch` on `p` with poisoned, guarded buffers and compares with the reference.
wb::CompareReport run_layernorm(LayerNormLauncher launch, const LayerNormProblem& p,
                                bool* guards_ok);

/// Deliberately wrong variants that the tests must catch.
namespace known_bad {
/// softmax-warp without the max subtraction: exp(x) / sum exp(x). Right for small logits, but
/// exp overflows to inf for x > 88.7 in fp32 and the row turns into NaN. Lives in
/// solutions/05-softmax-layernorm/known_bad_softmax-no-max.cu.
void launch_softmax_no_max(const SoftmaxArgs& args, cudaStream_t stream);
/// layernorm-fused merging the warps' statistics as if every warp saw the same count (a plain
/// average of the means and a plain sum of the m2s, without the delta^2 term). Right only when
/// every warp's values have the same mean; wrong on random rows wider than a warp.
/// Lives in solutions/05-softmax-layernorm/known_bad_layernorm-no-delta.cu.
void launch_layernorm_no_delta(const LayerNormArgs& args, cudaStream_t stream);
}  // namespace known_bad

/// The shapes every step is tested at: wb::edge_shapes_2d() plus this chapter's column counts
/// (1000, 1024, 4097, 8191, 65536, a single row) past the warp and tile limits.
std::vector<wb::Shape2D> test_shapes();

}  // namespace ch05
