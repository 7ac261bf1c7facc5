// Chapter 05 plumbing shared by every step: the ladder tables, argument checks, problem
// generators with fp64 references, the derived tolerances, and the run-and-compare used by the
// tests (the benchmark uses the same problems and tolerances).
#include "softmax_layernorm.h"

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/random.h"

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace ch05 {

namespace {

constexpr std::int64_t kAnyCols = std::numeric_limits<std::int64_t>::max();

std::int64_t any_cols(DType) {
  return kAnyCols;
}
std::int64_t warp_cols(DType) {
  return kWarpMaxCols;
}
std::int64_t block_cols(DType) {
  return softmax_block_max_cols();
}

void validate_shape(std::int64_t rows, std::int64_t cols, const char* where) {
  const std::string shape = std::to_string(rows) + " x " + std::to_string(cols);
  WB_REQUIRE_ARG(rows > 0 && cols > 0, where, "rows and cols must be positive, got " + shape);
  WB_REQUIRE_ARG(
      rows <= INT_MAX && cols <= INT_MAX, where,
      "rows and cols must each be below 2^31 (kernels index them with int), got " + shape);
}

}  // namespace

const std::vector<SoftmaxStep>& softmax_steps() {
  static const std::vector<SoftmaxStep> ladder = {
      {"softmax-naive", "01_softmax-naive.cu", launch_softmax_naive, any_cols},
      {"softmax-block", "02_softmax-block.cu", launch_softmax_block, block_cols},
      {"softmax-warp", "03_softmax-warp.cu", launch_softmax_warp, warp_cols},
      {"softmax-online", "04_softmax-online.cu", launch_softmax_online, any_cols},
  };
  return ladder;
}

const std::vector<LayerNormStep>& layernorm_steps() {
  static const std::vector<LayerNormStep> ladder = {
      {"layernorm-naive", "05_layernorm-naive.cu", launch_layernorm_naive, kAnyCols},
      {"layernorm-fused", "06_layernorm-fused.cu", launch_layernorm_fused,
       resident_cols(kScalarsPerThread)},
      {"layernorm-vectorized", "07_layernorm-vectorized.cu", launch_layernorm_vectorized,
       resident_cols(kVecPerThread * 4)},
  };
  return ladder;
}

const char* dtype_name(DType t) {
  return t == DType::f32 ? "fp32" : "bf16";
}

int dtype_bytes(DType t) {
  return t == DType::f32 ? 4 : 2;
}

int max_dynamic_smem_per_block() {
  int device = 0, bytes = 0;
  WB_CUDA_CHECK(cudaGetDevice(&device));
  WB_CUDA_CHECK(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  return bytes;
}

std::int64_t softmax_block_max_cols() {
  return max_dynamic_smem_per_block() / static_cast<std::int64_t>(sizeof(float)) -
         kSoftmaxBlockThreads;
}

void validate(const SoftmaxArgs& a, const char* where) {
  WB_REQUIRE_ARG(a.in != nullptr, where, "in is a null pointer");
  WB_REQUIRE_ARG(a.out != nullptr, where, "out is a null pointer");
  validate_shape(a.rows, a.cols, where);
  const int eb = dtype_bytes(a.dtype);
  WB_REQUIRE_ARG(wb::address_of(a.in) % eb == 0 && wb::address_of(a.out) % eb == 0, where,
                 std::string("in and out must be aligned to their element size (") +
                     dtype_name(a.dtype) + ")");
  const std::int64_t bytes = a.rows * a.cols * eb;
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.in, bytes, a.out, bytes), where,
                 "in and out overlap; this softmax is out-of-place");
}

void validate_same_alignment(const void* a, const void* b, const char* where) {
  const unsigned a_mod = wb::address_of(a) % 16, b_mod = wb::address_of(b) % 16;
  WB_REQUIRE_ARG(a_mod == b_mod, where,
                 "the matrices must have the same address modulo 16 so that one split into "
                 "16-byte vectors serves all of them (got " +
                     std::to_string(a_mod) + " and " + std::to_string(b_mod) +
                     "); use a scalar step for such views");
}

void validate(const LayerNormArgs& a, const char* where) {
  WB_REQUIRE_ARG(a.x != nullptr, where, "x is a null pointer");
  WB_REQUIRE_ARG(a.residual != nullptr, where, "residual is a null pointer");
  WB_REQUIRE_ARG(a.gamma != nullptr, where, "gamma is a null pointer");
  WB_REQUIRE_ARG(a.beta != nullptr, where, "beta is a null pointer");
  WB_REQUIRE_ARG(a.out != nullptr, where, "out is a null pointer");
  validate_shape(a.rows, a.cols, where);
  WB_REQUIRE_ARG(a.eps > 0.0f && std::isfinite(a.eps), where,
                 "eps must be positive and finite, got " + std::to_string(a.eps));
  for (const void* p : {static_cast<const void*>(a.x), static_cast<const void*>(a.residual),
                        static_cast<const void*>(a.gamma), static_cast<const void*>(a.beta),
                        static_cast<const void*>(a.out)})
    WB_REQUIRE_ARG(wb::address_of(p) % 4 == 0, where, "every pointer must be 4-byte aligned");
  const std::int64_t bytes = a.rows * a.cols * 4, vec_bytes = a.cols * 4;
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.x, bytes, a.out, bytes) &&
                     !wb::ranges_overlap(a.residual, bytes, a.out, bytes),
                 where, "out overlaps x or residual; this LayerNorm is out-of-place");
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.gamma, vec_bytes, a.out, bytes) &&
                     !wb::ranges_overlap(a.beta, vec_bytes, a.out, bytes),
                 where, "out overlaps gamma or beta");
}

double softmax_min_bytes(std::int64_t rows, std::int64_t cols, DType dtype) {
  return 2.0 * static_cast<double>(rows) * static_cast<double>(cols) * dtype_bytes(dtype);
}

double layernorm_min_bytes(std::int64_t rows, std::int64_t cols) {
  return 4.0 * (3.0 * static_cast<double>(rows) * static_cast<double>(cols) +
                2.0 * static_cast<double>(cols));
}

std::int64_t layernorm_naive_workspace(std::int64_t rows, std::int64_t cols) {
  return rows * cols + 2 * rows;
}

// ---- softmax problems ----------------------------------------------------------------------

SoftmaxProblem make_softmax_problem(const wb::Shape2D& shape, DType dtype, std::uint64_t seed,
                                    const LogitSpec& spec) {
  SoftmaxProblem p;
  p.shape = shape;
  p.seed = seed;
  p.dtype = dtype;
  const std::size_t n = static_cast<std::size_t>(shape.elements());
  std::vector<float> x(n);
  wb::fill_random(x, wb::derive_seed(seed, "logits"), spec.lo, spec.hi);
  std::mt19937_64 rng(wb::derive_seed(seed, "mask"));
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  for (std::size_t i = 0; i < n; ++i) {
    const bool first_row = static_cast<std::int64_t>(i) < shape.cols;
    if ((spec.mask_first_row && first_row) || (spec.masked > 0.0 && u01(rng) < spec.masked))
      x[i] = -INFINITY;
  }
  // The values the kernel sees (rounded to bf16 for bf16), which the reference is computed from.
  std::vector<double> xd(n);
  if (dtype == DType::f32) {
    p.in_f32 = x;
    for (std::size_t i = 0; i < n; ++i)
      xd[i] = x[i];
  } else {
    p.in_bf16.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      p.in_bf16[i] = wb::NumericTraits<__nv_bfloat16>::from_double(x[i]);
      xd[i] = wb::NumericTraits<__nv_bfloat16>::to_double(p.in_bf16[i]);
    }
  }
  p.ref.assign(n, 0.0);
  for (std::int64_t r = 0; r < shape.rows; ++r) {
    const double* row = xd.data() + r * shape.cols;
    double m = -INFINITY;
    for (std::int64_t c = 0; c < shape.cols; ++c)
      m = std::max(m, row[c]);
    if (m == -INFINITY) continue;  // fully masked row: the contract says zeros
    double l = 0.0;
    for (std::int64_t c = 0; c < shape.cols; ++c) {
      if (row[c] == -INFINITY) continue;
      l += std::exp(row[c] - m);
      p.max_spread = std::max(p.max_spread, m - row[c]);
    }
    for (std::int64_t c = 0; c < shape.cols; ++c) {
      if (row[c] != -INFINITY) p.ref[r * shape.cols + c] = std::exp(row[c] - m) / l;
    }
  }
  return p;
}

// The softmax tolerance, derived once (first-order bounds; u = 2^-24, the fp32 unit roundoff).
//
// Every step computes out_i = exp(x_i - m) / l in fp32 from inputs that are exact in fp32, with
// m = max_j x_j and l = sum_j exp(x_j - m), in some order. Counting errors in units of u:
//  - the argument x_i - m is rounded: absolute error <= u |x_i - m| <= u S, with S the largest
//    |x_j - m| in the row (the spread). exp turns an absolute error in its argument into the same
//    relative error in its result: S u. CUDA's expf adds at most 2 ulp = 4 u. So each exp is off
//    by at most (S + 4) u, relative.
//  - the sum of cols positive terms in any order: gamma_cols, relative to the sum itself.
//  - merges (softmax-online's online_merge, l_a * exp(m_a - m) + ...): along any path of the
//    merge tree the maxima only grow, so the rounding errors of the arguments m_a - m add up to
//    at most S u in total; each level adds one exp (4 u) and two roundings: 6 u per level, with at
//    most 10 levels in a 1024-thread block plus one per streamed chunk of >= 1024 columns.
//  - softmax-online rescales e_i = exp(x_i - m_t) by exp(m_t - m): another S u + 4 u.
//  - 1 / l and the product (or the quotient): 2 u; the final rounding to fp32: 1 u.
// Adding up, with d = 10 + ceil(cols / 1024):
//     k = cols + 4 S + 6 d + 16,    |out_i - ref_i| <= gamma_k |ref_i|
// For bf16 the arithmetic is the same fp32 (the bf16 inputs are exact in fp32) and only the
// output is rounded again, to bf16: rel = u_bf16 + gamma_k (1 + u_bf16).
// Outputs below FLT_MIN = 2^-126 may underflow (exp of arguments below -87.3); since l >= 1 the
// absolute error that costs is below FLT_MIN, which is the one absolute term, atol = 2^-126.
wb::Tolerance softmax_tolerance(const SoftmaxProblem& p) {
  const std::int64_t cols = p.shape.cols;
  const std::int64_t spread = static_cast<std::int64_t>(std::ceil(p.max_spread));
  const std::int64_t depth = 10 + ceil_div(cols, 1024);
  const std::int64_t k = cols + 4 * spread + 6 * depth + 16;
  wb::Tolerance tol = wb::tolerance_for(wb::NumericTraits<float>::unit_roundoff, k - 1, "fp32");
  tol.abs = FLT_MIN;
  std::string why =
      "softmax: k = cols + 4*spread + 6*(10 + ceil(cols/1024)) + 16 = " + std::to_string(k) +
      " (spread " + std::to_string(spread) + "); " + tol.reason;
  if (p.dtype == DType::bf16) {
    const double ub = wb::NumericTraits<__nv_bfloat16>::unit_roundoff;
    tol.rel = ub + tol.rel * (1.0 + ub);
    why += "; plus u_bf16 = 2^-8 for the bf16 output";
  }
  tol.reason =
      why + "; atol FLT_MIN for underflow (chapters/05-softmax-layernorm/softmax_layernorm.cpp)";
  return tol;
}

wb::CompareReport run_softmax(SoftmaxLauncher launch, const SoftmaxProblem& p, bool* guards_ok) {
  const std::size_t n = static_cast<std::size_t>(p.shape.elements());
  wb::DeviceBuffer<float> workspace(static_cast<std::size_t>(2 * p.shape.rows));
  SoftmaxArgs args;
  args.rows = p.shape.rows;
  args.cols = p.shape.cols;
  args.dtype = p.dtype;
  args.workspace = workspace.data();
  if (p.dtype == DType::f32) {
    wb::DeviceBuffer<float> in(p.in_f32), out(n);
    out.poison();
    args.in = in.data();
    args.out = out.data();
    launch(args, nullptr);
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    if (guards_ok != nullptr) *guards_ok = out.guards_intact();
    return wb::compare(out.download(), p.ref, softmax_tolerance(p));
  }
  wb::DeviceBuffer<__nv_bfloat16> in(p.in_bf16), out(n);
  out.poison();
  args.in = in.data();
  args.out = out.data();
  launch(args, nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  if (guards_ok != nullptr) *guards_ok = out.guards_intact();
  return wb::compare(out.download(), p.ref, softmax_tolerance(p));
}

// ---- LayerNorm problems --------------------------------------------------------------------

// The LayerNorm error bound, derived once (first-order; u = 2^-24). Per row let M = max_j |h_j|
// with h = x + residual, sigma = sqrt(var + eps) and rho = 1 / sigma, all in fp64.
//  - h_j is rounded once: u |h_j| <= u M. The mean of cols such values in any order (or by
//    Welford merges): |d mean| <= (cols + 1) u M.
//  - d_i = h_i - mean: |d d_i| <= (cols + 3) u M, and |d_i| <= 2 M.
//  - the variance sums cols squares of such d's: relative error <= gamma_cols + 2 (cols + 3) u M
//    / sigma; rsqrt halves it and adds its own 2 ulp = 4 u: rel(rho) <= (cols/2 + (cols + 3) M /
//    sigma + 4) u.
//  - y_i = d_i * rho * gamma_i + beta_i: three roundings, 3 u (|y_i| + |beta_i|).
// So |d y_i| <= u |gamma_i| (M / sigma) [(2 cols + 11) + 2 (cols + 3) M / sigma] + 3 u (|y_i| +
// |beta_i|) <= gamma_k * scale_i with k = cols + 10 and
//     scale_i = |gamma_i| (M / sigma) (2 + 2 M / sigma) + |y_i| + |beta_i|.
// M / sigma is about 1.6 for our random rows; for a single column sigma = sqrt(eps) and the bound
// is loose, which is the true conditioning of a one-element LayerNorm (its output is beta).
LayerNormProblem make_layernorm_problem(const wb::Shape2D& shape, std::uint64_t seed) {
  LayerNormProblem p;
  p.shape = shape;
  p.seed = seed;
  const std::size_t n = static_cast<std::size_t>(shape.elements());
  const std::size_t cols = static_cast<std::size_t>(shape.cols);
  p.x.resize(n);
  p.residual.resize(n);
  p.gamma.resize(cols);
  p.beta.resize(cols);
  wb::fill_random(p.x, wb::derive_seed(seed, "x"));
  wb::fill_random(p.residual, wb::derive_seed(seed, "residual"));
  wb::fill_random(p.gamma, wb::derive_seed(seed, "gamma"));
  wb::fill_random(p.beta, wb::derive_seed(seed, "beta"));
  p.ref.resize(n);
  p.scale.resize(n);
  std::vector<double> h(cols);
  for (std::int64_t r = 0; r < shape.rows; ++r) {
    const std::size_t base = static_cast<std::size_t>(r) * cols;
    double sum = 0.0, big = 0.0;
    for (std::size_t c = 0; c < cols; ++c) {
      h[c] = static_cast<double>(p.x[base + c]) + static_cast<double>(p.residual[base + c]);
      sum += h[c];
      big = std::max(big, std::fabs(h[c]));
    }
    const double mean = sum / static_cast<double>(cols);
    double sq = 0.0;
    for (std::size_t c = 0; c < cols; ++c)
      sq += (h[c] - mean) * (h[c] - mean);
    const double sigma = std::sqrt(sq / static_cast<double>(cols) + static_cast<double>(p.eps));
    const double ratio = big / sigma;
    for (std::size_t c = 0; c < cols; ++c) {
      const double y = (h[c] - mean) / sigma * p.gamma[c] + p.beta[c];
      p.ref[base + c] = y;
      p.scale[base + c] = std::fabs(p.gamma[c]) * ratio * (2.0 + 2.0 * ratio) + std::fabs(y) +
                          std::fabs(static_cast<double>(p.beta[c]));
    }
  }
  return p;
}

wb::Tolerance layernorm_tolerance(const LayerNormProblem& p) {
  wb::Tolerance tol = wb::tolerance_for<float>(p.shape.cols + 9);
  tol.reason =
      "layernorm: k = cols + 10, relative to scale_i = |gamma_i| (M/sigma) (2 + 2 "
      "M/sigma) + |y_i| + |beta_i| (derived in "
      "chapters/05-softmax-layernorm/softmax_layernorm.cpp); " +
      tol.reason;
  return tol;
}

wb::CompareReport run_layernorm(LayerNormLauncher launch, const LayerNormProblem& p,
                                bool* guards_ok) {
  const std::size_t n = static_cast<std::size_t>(p.shape.elements());
  wb::DeviceBuffer<float> x(p.x), residual(p.residual), gamma(p.gamma), beta(p.beta), out(n);
  wb::DeviceBuffer<float> workspace(
      static_cast<std::size_t>(layernorm_naive_workspace(p.shape.rows, p.shape.cols)));
  out.poison();
  LayerNormArgs args;
  args.x = x.data();
  args.residual = residual.data();
  args.gamma = gamma.data();
  args.beta = beta.data();
  args.out = out.data();
  args.rows = p.shape.rows;
  args.cols = p.shape.cols;
  args.eps = p.eps;
  args.workspace = workspace.data();
  launch(args, nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  if (guards_ok != nullptr) *guards_ok = out.guards_intact();
  return wb::compare(out.download(), p.ref, layernorm_tolerance(p), p.scale);
}

std::vector<wb::Shape2D> test_shapes() {
  std::vector<wb::Shape2D> shapes = wb::edge_shapes_2d();
  shapes.push_back({64, 1000, "cols 1000: no power of two divides it past 8"});
  shapes.push_back({5, 1024, "exactly softmax-warp's limit"});
  shapes.push_back({17, 4097, "cols 4097: one past a power of two, rows start unaligned"});
  shapes.push_back({1, 8192, "a single row at the headline width"});
  shapes.push_back({4, 16384, "exactly the register-resident limit"});
  shapes.push_back({2, 16385, "one past it: softmax-online streams, the LayerNorm steps refuse"});
  shapes.push_back({3, 65536, "cols 65536: beyond shared memory, registers and the warp"});
  return shapes;
}

}  // namespace ch05
