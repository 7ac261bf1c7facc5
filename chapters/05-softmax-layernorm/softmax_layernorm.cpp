// Chapter 05 plumbing shared by every step: the ladder tables, argument checks, problem
// generators with fp64 references, the derived tolerances, and the run-and-compare used by the
// tests (the benchmark uses the same problems and tolerances).
#include "softmax_layernorm.h"

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/launch.h"
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
      {"softmax-vectorized", "05_softmax-vectorized.cu", launch_softmax_vectorized, any_cols},
  };
  return ladder;
}

const std::vector<LayerNormStep>& layernorm_steps() {
  static const std::vector<LayerNormStep> ladder = {
      {"layernorm-naive", "06_layernorm-naive.cu", launch_layernorm_naive, kAnyCols},
      {"layernorm-fused", "07_layernorm-fused.cu", launch_layernorm_fused,
       resident_cols(kScalarsPerThread)},
      {"layernorm-welford", "08_layernorm-welford.cu", launch_layernorm_welford,
       resident_cols(kScalarsPerThread)},
      {"layernorm-vectorized", "09_layernorm-vectorized.cu", launch_layernorm_vectorized,
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

std::int64_t softmax_block_max_cols() {
  return wb::max_dynamic_smem_per_block() / static_cast<std::int64_t>(sizeof(float)) -
         kSoftmaxBlockThreads;
}

void launch_vendor_memcpy(const SoftmaxArgs& a, cudaStream_t stream) {
  validate(a, "ch05::launch_vendor_memcpy");
  const std::size_t bytes = static_cast<std::size_t>(a.rows * a.cols * dtype_bytes(a.dtype));
  WB_CUDA_CHECK(cudaMemcpyAsync(a.out, a.in, bytes, cudaMemcpyDeviceToDevice, stream));
  if (wb::sync_after_launches()) WB_CUDA_CHECK(cudaDeviceSynchronize());
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
  const std::int64_t depth = 10 + wb::ceil_div(cols, 1024);
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

namespace {

// A device copy of `host` placed `offset` elements into its allocation, the elements before it
// holding the poison NaN: a kernel that reads before its view turns its row into NaN.
template <class T>
wb::DeviceBuffer<T> upload_view(const std::vector<T>& host, int offset) {
  std::vector<T> padded(host.size() + static_cast<std::size_t>(offset), wb::poison_value<T>());
  std::copy(host.begin(), host.end(), padded.begin() + offset);
  return wb::DeviceBuffer<T>(padded);
}

// The `n` elements of `buffer` from `offset` on. `outside_ok` is set to whether nothing was
// written outside them: the `offset` elements before still hold the poison, and so do the
// buffer's guard zones.
template <class T>
std::vector<T> download_view(const wb::DeviceBuffer<T>& buffer, int offset, bool* outside_ok) {
  std::vector<T> all = buffer.download();
  bool ok = buffer.guards_intact();
  for (int i = 0; i < offset; ++i)
    ok = ok && wb::is_poison(all[static_cast<std::size_t>(i)]);
  if (outside_ok != nullptr) *outside_ok = ok;
  return std::vector<T>(all.begin() + offset, all.end());
}

template <class T>
wb::CompareReport run_softmax_typed(SoftmaxLauncher launch, const SoftmaxProblem& p,
                                    const std::vector<T>& in_host, bool* guards_ok,
                                    const SoftmaxViews& views) {
  const std::size_t n = static_cast<std::size_t>(p.shape.elements());
  wb::DeviceBuffer<float> workspace(static_cast<std::size_t>(2 * p.shape.rows));
  wb::DeviceBuffer<T> in = upload_view(in_host, views.in);
  wb::DeviceBuffer<T> out(n + static_cast<std::size_t>(views.out));
  out.poison();
  SoftmaxArgs args;
  args.in = in.data() + views.in;
  args.out = out.data() + views.out;
  args.rows = p.shape.rows;
  args.cols = p.shape.cols;
  args.dtype = p.dtype;
  args.workspace = workspace.data();
  launch(args, nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  return wb::compare(download_view(out, views.out, guards_ok), p.ref, softmax_tolerance(p));
}

}  // namespace

wb::CompareReport run_softmax(SoftmaxLauncher launch, const SoftmaxProblem& p, bool* guards_ok,
                              const SoftmaxViews& views) {
  if (p.dtype == DType::f32) return run_softmax_typed(launch, p, p.in_f32, guards_ok, views);
  return run_softmax_typed(launch, p, p.in_bf16, guards_ok, views);
}

// ---- LayerNorm problems --------------------------------------------------------------------

// The LayerNorm error bound, derived once (first order in u = 2^-24, plus the one second-order
// term that matters). It must hold for every step, so it counts the worst path of any of them.
//
// Per row, in fp64 from the fp32 inputs: h_j = x_j + r_j, the mean mu, the variance v,
// sigma = sqrt(v + eps), rho = 1 / sigma, M = max_j |h_j|, and kappa = M rho (how many
// standard deviations the row's values sit from zero: about 2 for centred rows, about 1000 for a
// row of 1000 +- 1). Element i has z-score z_i = (h_i - mu) rho and output y_i = z_i gamma_i +
// beta_i.
//
// 1. h_i is rounded once: |dh_i| <= u |h_i|. In the output that is u |h_i| rho |gamma_i|: the
//    element's own rounding, large only where h_i itself is large next to sigma.
// 2. The mean. Every input reaches the mean through at most k roundings, k = layernorm_path(cols):
//    its own rounding, the additions of its thread's sequential sum, one per level of a tree (a
//    Welford level rounds delta, the weight n_b / n, their product and the sum: at most
//    3 u 2M + u M = 7 u M, and partial-mean errors are averaged, not added), the division by
//    cols and cols' own rounding to float. So |d mean| <= k u M, and in the output
//    |gamma_i| rho k u M = k u kappa |gamma_i|: the same for every element of the row.
// 3. The variance, relative to sigma^2 (what rho depends on). With the deviations taken from the
//    computed mean (the two-pass steps) the mean's error cancels to first order, because
//    sum_j (h_j - mu) = 0: it costs only (k u kappa)^2. The roundings of the h_j cost
//    2 sum_j |h_j - mu| u |h_j| / (cols sigma^2) <= 2 u kappa. Squares, sums (at most k levels),
//    the division and + eps cost at most 2 k u (all terms positive). The Welford steps instead
//    carry each partial mean's error (<= k u M) into delta = mean_b - mean_a at every merge; the
//    merges' delta^2 n_a n_b / n terms add up to at most m2, so by Cauchy-Schwarz over the
//    10 merge levels that costs at most 4 sqrt(10 / 2) k u kappa <= 9 k u kappa. Together:
//        e_v = 2 k u + (2 + 9 k) u kappa + (k u kappa)^2.
//    rstd = rsqrtf(v + eps) halves that and adds its own 2 ulp: e_rho = e_v / 2 + 4 u.
// 4. y_i = (h_i - mean) * rstd * gamma_i + beta_i rounds three times relative to |z_i gamma_i|
//    and once relative to |y_i|: 3 u |z_i gamma_i| + u |y_i|; rstd's error adds e_rho |z_i
//    gamma_i|.
// Adding up, |dy_i| <= u * scale_i with
//     scale_i = |gamma_i| (|h_i| rho + k kappa + |z_i| (3 + e_rho / u)) + |y_i|.
// Each element's bound scales with its own |h_i| and |z_i|, and a row's with kappa, linearly: an
// fp32 row of 1000 +- 1 cannot know its mean better than a few u * 1000, i.e. u * kappa sigma, so
// kappa is the true conditioning of LayerNorm. (The workbook's first bound grew with kappa^2: on
// a row of 1000 +- 1 it accepted errors of ~140 |gamma_i| in outputs of order |gamma_i|.
// tests/ch05/layernorm_bound_test.cpp keeps it to show wrong LayerNorms it passed and this one
// catches, and checks this one against fp32 emulations of the steps' algorithms.)
std::int64_t layernorm_path(std::int64_t cols) {
  const std::int64_t naive = 1 + wb::ceil_div(cols, kNaiveThreads) + 8 + 2;
  const std::int64_t resident = 1 + (kScalarsPerThread + 2) + 1 + 10 * 7;
  return std::max(naive, resident);
}

double layernorm_error_scale(const LayerNormRowStats& row, std::int64_t cols, double h,
                             double gamma, double y) {
  const double u = wb::NumericTraits<float>::unit_roundoff;
  const double k = static_cast<double>(layernorm_path(cols));
  const double kappa = row.max_h * row.rstd;
  const double e_var = 2.0 * k + (2.0 + 9.0 * k) * kappa + k * k * kappa * kappa * u;  // in u
  const double e_rho = e_var / 2.0 + 4.0;
  const double z = (h - row.mean) * row.rstd;
  return std::fabs(gamma) * (std::fabs(h) * row.rstd + k * kappa + std::fabs(z) * (3.0 + e_rho)) +
         std::fabs(y);
}

LayerNormProblem make_layernorm_problem(const wb::Shape2D& shape, std::uint64_t seed,
                                        const LayerNormSpec& spec) {
  LayerNormProblem p;
  p.shape = shape;
  p.seed = seed;
  const std::size_t n = static_cast<std::size_t>(shape.elements());
  const std::size_t cols = static_cast<std::size_t>(shape.cols);
  p.x.resize(n);
  p.residual.resize(n);
  p.gamma.resize(cols);
  p.beta.resize(cols);
  if (spec.spread > 0.0) {
    std::vector<double> a(n), b(n);
    wb::fill_random(a, wb::derive_seed(seed, "x"), 0.25, 1.0);
    wb::fill_random(b, wb::derive_seed(seed, "residual"), 0.25, 1.0);
    for (std::size_t i = 0; i < n; ++i) {
      p.x[i] = static_cast<float>(spec.offset + spec.spread * a[i]);
      p.residual[i] = static_cast<float>(spec.spread * b[i]);
    }
  } else {
    wb::fill_random(p.x, wb::derive_seed(seed, "x"));
    wb::fill_random(p.residual, wb::derive_seed(seed, "residual"));
  }
  wb::fill_random(p.gamma, wb::derive_seed(seed, "gamma"));
  wb::fill_random(p.beta, wb::derive_seed(seed, "beta"));
  p.ref.resize(n);
  p.scale.resize(n);
  std::vector<double> h(cols);
  for (std::int64_t r = 0; r < shape.rows; ++r) {
    const std::size_t base = static_cast<std::size_t>(r) * cols;
    LayerNormRowStats row;
    double sum = 0.0;
    for (std::size_t c = 0; c < cols; ++c) {
      h[c] = static_cast<double>(p.x[base + c]) + static_cast<double>(p.residual[base + c]);
      sum += h[c];
      row.max_h = std::max(row.max_h, std::fabs(h[c]));
    }
    row.mean = sum / static_cast<double>(cols);
    double sq = 0.0;
    for (std::size_t c = 0; c < cols; ++c)
      sq += (h[c] - row.mean) * (h[c] - row.mean);
    row.rstd = 1.0 / std::sqrt(sq / static_cast<double>(cols) + static_cast<double>(p.eps));
    for (std::size_t c = 0; c < cols; ++c) {
      const double y = (h[c] - row.mean) * row.rstd * p.gamma[c] + p.beta[c];
      p.ref[base + c] = y;
      p.scale[base + c] = layernorm_error_scale(row, shape.cols, h[c], p.gamma[c], y);
    }
  }
  return p;
}

wb::Tolerance layernorm_tolerance(const LayerNormProblem& p) {
  wb::Tolerance tol;
  tol.rel = wb::NumericTraits<float>::unit_roundoff;
  tol.reason =
      "layernorm: u = 2^-24 times scale_i = |gamma_i| (|h_i| rho + k kappa + |z_i| (3 + "
      "e_rho)) + |y_i|, k = layernorm_path(cols) = " +
      std::to_string(layernorm_path(p.shape.cols)) +
      " (derived in chapters/05-softmax-layernorm/softmax_layernorm.cpp)";
  return tol;
}

wb::CompareReport run_layernorm(LayerNormLauncher launch, const LayerNormProblem& p,
                                bool* guards_ok, const LayerNormViews& views) {
  const std::size_t n = static_cast<std::size_t>(p.shape.elements());
  wb::DeviceBuffer<float> x = upload_view(p.x, views.x);
  wb::DeviceBuffer<float> residual = upload_view(p.residual, views.residual);
  wb::DeviceBuffer<float> gamma = upload_view(p.gamma, views.gamma);
  wb::DeviceBuffer<float> beta = upload_view(p.beta, views.beta);
  wb::DeviceBuffer<float> out(n + static_cast<std::size_t>(views.out));
  wb::DeviceBuffer<float> workspace(
      static_cast<std::size_t>(layernorm_naive_workspace(p.shape.rows, p.shape.cols)));
  out.poison();
  LayerNormArgs args;
  args.x = x.data() + views.x;
  args.residual = residual.data() + views.residual;
  args.gamma = gamma.data() + views.gamma;
  args.beta = beta.data() + views.beta;
  args.out = out.data() + views.out;
  args.rows = p.shape.rows;
  args.cols = p.shape.cols;
  args.eps = p.eps;
  args.workspace = workspace.data();
  launch(args, nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  return wb::compare(download_view(out, views.out, guards_ok), p.ref, layernorm_tolerance(p),
                     p.scale);
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
