// Chapter 05 CPU tests of the LayerNorm error bound (softmax_layernorm.cpp derives it).
//
// Two things are shown without a GPU:
//  1. The bound is not too tight: fp32 emulations of the three ways the chapter's steps compute
//     the statistics (the naive step's two-pass strided sums and 256-thread tree, layernorm-fused's
//     two block-wide sums, layernorm-welford's per-thread statistics merged by shuffles) stay
//     inside it, on centred rows and on rows of 1000 +- 1 and 1e6 +- 1000.
//  2. The bound is tight enough to catch what the workbook's first bound let through: that bound
//     grew with (max|h| / sigma)^2, so on a row of 1000 +- 1 it accepted outputs off by hundreds.
//     A LayerNorm with gamma and beta swapped, and one that forgets to divide by sigma, pass the
//     old bound on such rows and fail the new one.
#include "softmax_layernorm.h"

#include "wb/catch.h"
#include "wb/compare.h"
#include "wb/online.h"
#include "wb/random.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr int kWarp = 32;

// A block-wide all-reduce as wb::block_allreduce does it: a butterfly over each warp's 32 lanes,
// lane 0 of each warp parks its value, and a butterfly over the parked values (identity past the
// last warp). Returns every thread's result (lanes may round differently when op is not exactly
// commutative, as welford_merge is not).
template <class T, class Op>
std::vector<T> emulate_block_allreduce(std::vector<T> v, Op op, T identity) {
  const int threads = static_cast<int>(v.size());
  const int warps = threads / kWarp;
  auto butterfly = [&](T* lanes) {
    for (int offset = kWarp / 2; offset > 0; offset /= 2) {
      T next[kWarp];
      for (int l = 0; l < kWarp; ++l)
        next[l] = op(lanes[l], lanes[l ^ offset]);
      std::copy(next, next + kWarp, lanes);
    }
  };
  std::vector<T> parked(kWarp, identity);
  for (int w = 0; w < warps; ++w) {
    butterfly(v.data() + w * kWarp);
    parked[w] = v[w * kWarp];
  }
  butterfly(parked.data());
  std::vector<T> result(threads);
  for (int t = 0; t < threads; ++t)
    result[t] = parked[t % kWarp];
  return result;
}

// The shared-memory tree of the naive step (kernels.cuh's block_reduce_smem) over 256 values.
float emulate_tree_sum(std::vector<float> v) {
  for (std::size_t s = v.size() / 2; s > 0; s /= 2) {
    for (std::size_t t = 0; t < s; ++t)
      v[t] = v[t] + v[t + s];
  }
  return v[0];
}

float rsqrt_f32(float x) {
  return 1.0f / std::sqrt(x);
}

// One row of a LayerNorm in fp32, computed the way a step computes it. `h` holds fl(x + r).
using RowAlgorithm = std::function<std::vector<float>(
    const std::vector<float>& h, const float* gamma, const float* beta, float eps)>;

std::vector<float> naive_row(const std::vector<float>& h, const float* g, const float* b,
                             float eps) {
  const int cols = static_cast<int>(h.size());
  std::vector<float> part(ch05::kNaiveThreads, 0.0f);
  for (int t = 0; t < ch05::kNaiveThreads; ++t) {
    for (int c = t; c < cols; c += ch05::kNaiveThreads)
      part[t] += h[c];
  }
  const float mean = emulate_tree_sum(part) / static_cast<float>(cols);
  std::fill(part.begin(), part.end(), 0.0f);
  for (int t = 0; t < ch05::kNaiveThreads; ++t) {
    for (int c = t; c < cols; c += ch05::kNaiveThreads) {
      const float d = h[c] - mean;
      part[t] += d * d;
    }
  }
  const float rstd = rsqrt_f32(emulate_tree_sum(part) / static_cast<float>(cols) + eps);
  std::vector<float> y(cols);
  for (int c = 0; c < cols; ++c)
    y[c] = (h[c] - mean) * rstd * g[c] + b[c];
  return y;
}

std::vector<float> fused_row(const std::vector<float>& h, const float* g, const float* b,
                             float eps) {
  const int cols = static_cast<int>(h.size());
  const int threads = ch05::threads_for(cols, ch05::kScalarsPerThread);
  auto column = [&](int t, int i) { return t + i * threads; };
  std::vector<float> sums(threads, 0.0f);
  for (int t = 0; t < threads; ++t) {
    for (int i = 0; i < ch05::kScalarsPerThread; ++i)
      sums[t] += column(t, i) < cols ? h[column(t, i)] : 0.0f;
  }
  const auto add = [](float a, float c) { return a + c; };
  const std::vector<float> total = emulate_block_allreduce(sums, add, 0.0f);
  std::vector<float> mean(threads), sq(threads, 0.0f);
  for (int t = 0; t < threads; ++t) {
    mean[t] = total[t] / static_cast<float>(cols);
    for (int i = 0; i < ch05::kScalarsPerThread; ++i) {
      const float d = column(t, i) < cols ? h[column(t, i)] - mean[t] : 0.0f;
      sq[t] += d * d;
    }
  }
  const std::vector<float> total_sq = emulate_block_allreduce(sq, add, 0.0f);
  std::vector<float> y(cols);
  for (int t = 0; t < threads; ++t) {
    const float rstd = rsqrt_f32(total_sq[t] / static_cast<float>(cols) + eps);
    for (int i = 0; i < ch05::kScalarsPerThread; ++i) {
      const int c = column(t, i);
      if (c < cols) y[c] = (h[c] - mean[t]) * rstd * g[c] + b[c];
    }
  }
  return y;
}

std::vector<float> welford_row(const std::vector<float>& h, const float* g, const float* b,
                               float eps) {
  const int cols = static_cast<int>(h.size());
  const int threads = ch05::threads_for(cols, ch05::kScalarsPerThread);
  auto column = [&](int t, int i) { return t + i * threads; };
  std::vector<wb::Welford> states(threads);
  for (int t = 0; t < threads; ++t) {
    float sum = 0.0f, n = 0.0f;
    for (int i = 0; i < ch05::kScalarsPerThread; ++i) {
      sum += column(t, i) < cols ? h[column(t, i)] : 0.0f;
      n += column(t, i) < cols ? 1.0f : 0.0f;
    }
    const float mean = n > 0.0f ? sum / n : 0.0f;
    float m2 = 0.0f;
    for (int i = 0; i < ch05::kScalarsPerThread; ++i) {
      const float d = column(t, i) < cols ? h[column(t, i)] - mean : 0.0f;
      m2 += d * d;
    }
    states[t] = wb::Welford{n, mean, m2};
  }
  const std::vector<wb::Welford> row = emulate_block_allreduce(
      states, [](wb::Welford a, wb::Welford c) { return wb::welford_merge(a, c); },
      wb::welford_identity());
  std::vector<float> y(cols);
  for (int t = 0; t < threads; ++t) {
    const float rstd = rsqrt_f32(row[t].m2 / static_cast<float>(cols) + eps);
    for (int i = 0; i < ch05::kScalarsPerThread; ++i) {
      const int c = column(t, i);
      if (c < cols) y[c] = (h[c] - row[t].mean) * rstd * g[c] + b[c];
    }
  }
  return y;
}

// Runs `algorithm` on every row of `p` and returns the outputs.
std::vector<float> run_rows(const ch05::LayerNormProblem& p, const RowAlgorithm& algorithm) {
  const std::size_t cols = static_cast<std::size_t>(p.shape.cols);
  std::vector<float> out(p.x.size()), h(cols);
  for (std::int64_t r = 0; r < p.shape.rows; ++r) {
    const std::size_t base = static_cast<std::size_t>(r) * cols;
    for (std::size_t c = 0; c < cols; ++c)
      h[c] = p.x[base + c] + p.residual[base + c];
    const std::vector<float> y = algorithm(h, p.gamma.data(), p.beta.data(), p.eps);
    std::copy(y.begin(), y.end(), out.begin() + static_cast<std::ptrdiff_t>(base));
  }
  return out;
}

// The workbook's first LayerNorm bound, kept only to show what it let through:
// |dy_i| <= gamma_{cols+10} (|gamma_i| (M/sigma)(2 + 2 M/sigma) + |y_i| + |beta_i|).
wb::CompareReport compare_with_old_bound(const std::vector<float>& out,
                                         const ch05::LayerNormProblem& p) {
  const std::size_t cols = static_cast<std::size_t>(p.shape.cols);
  std::vector<double> scale(p.x.size());
  for (std::int64_t r = 0; r < p.shape.rows; ++r) {
    const std::size_t base = static_cast<std::size_t>(r) * cols;
    double sum = 0.0, big = 0.0;
    for (std::size_t c = 0; c < cols; ++c) {
      const double h = static_cast<double>(p.x[base + c]) + p.residual[base + c];
      sum += h;
      big = std::max(big, std::fabs(h));
    }
    const double mean = sum / static_cast<double>(cols);
    double sq = 0.0;
    for (std::size_t c = 0; c < cols; ++c) {
      const double d = static_cast<double>(p.x[base + c]) + p.residual[base + c] - mean;
      sq += d * d;
    }
    const double ratio = big / std::sqrt(sq / static_cast<double>(cols) + p.eps);
    for (std::size_t c = 0; c < cols; ++c)
      scale[base + c] = std::fabs(p.gamma[c]) * ratio * (2.0 + 2.0 * ratio) +
                        std::fabs(p.ref[base + c]) + std::fabs(static_cast<double>(p.beta[c]));
  }
  return wb::compare(out, p.ref, wb::tolerance_for<float>(p.shape.cols + 9), scale);
}

struct RowKind {
  ch05::LayerNormSpec spec;
  const char* name;
};
const RowKind kRowKinds[] = {{{0.0, 0.0}, "centred rows"},
                             {{1e3, 1.0}, "rows of 1000 +- 1"},
                             {{1e6, 1e3}, "rows of 1e6 +- 1000"}};

}  // namespace

TEST_CASE("the LayerNorm bound holds for fp32 emulations of every step's statistics",
          "[ch05][cpu]") {
  const std::pair<const char*, RowAlgorithm> algorithms[] = {
      {"naive (two-pass, 256-thread trees)", naive_row},
      {"fused (two block-wide sums)", fused_row},
      {"welford (one Welford merge)", welford_row}};
  const wb::Shape2D shapes[] = {{5, 1, "one column"},
                                {4, 33, "either side of a warp"},
                                {3, 1000, "cols 1000"},
                                {2, 4097, "one past a power of two"},
                                {1, 16384, "the register limit"}};
  for (const RowKind& kind : kRowKinds) {
    for (const wb::Shape2D& shape : shapes) {
      const ch05::LayerNormProblem p = ch05::make_layernorm_problem(
          shape, wb::derive_seed(wb::base_seed(), std::string("bound/") + kind.name + shape.str()),
          kind.spec);
      for (const auto& [name, algorithm] : algorithms) {
        const wb::CompareReport report =
            wb::compare(run_rows(p, algorithm), p.ref, ch05::layernorm_tolerance(p), p.scale);
        INFO(report.describe(std::string(name) + " on " + kind.name + ", " + shape.str()));
        CHECK(report.ok());
      }
    }
  }
}

TEST_CASE("a wrong LayerNorm passes the old bound on offset rows and fails the new one",
          "[ch05][cpu]") {
  const wb::Shape2D shape{4, 1000, "cols 1000"};
  for (const RowKind& kind : {kRowKinds[1], kRowKinds[2]}) {
    const ch05::LayerNormProblem p = ch05::make_layernorm_problem(
        shape, wb::derive_seed(wb::base_seed(), std::string("wrong/") + kind.name), kind.spec);
    const std::size_t cols = static_cast<std::size_t>(shape.cols);
    // The right answer, computed as layernorm-welford does, passes both bounds.
    const std::vector<float> right = run_rows(p, welford_row);
    {
      INFO(kind.name << ": the emulated layernorm-welford");
      CHECK(compare_with_old_bound(right, p).ok());
      CHECK(wb::compare(right, p.ref, ch05::layernorm_tolerance(p), p.scale).ok());
    }
    // Wrong 1: gamma and beta swapped (an argument-order bug): y = z * beta + gamma.
    // Wrong 2: the division by sigma forgotten: y = (h - mean) * gamma + beta (sigma ~ 0.94 here).
    std::vector<float> swapped(p.x.size()), unscaled(p.x.size());
    for (std::int64_t r = 0; r < shape.rows; ++r) {
      const std::size_t base = static_cast<std::size_t>(r) * cols;
      double mean = 0.0;
      for (std::size_t c = 0; c < cols; ++c)
        mean += static_cast<double>(p.x[base + c]) + p.residual[base + c];
      mean /= static_cast<double>(cols);
      for (std::size_t c = 0; c < cols; ++c) {
        const double d = static_cast<double>(p.x[base + c]) + p.residual[base + c] - mean;
        const double z = (p.ref[base + c] - p.beta[c]) / p.gamma[c];
        swapped[base + c] = static_cast<float>(z * p.beta[c] + p.gamma[c]);
        unscaled[base + c] = static_cast<float>(d * p.gamma[c] + p.beta[c]);
      }
    }
    // On 1e6 +- 1000 the deviations themselves are ~1000, so forgetting sigma is gross enough for
    // the old bound too; the swap is not.
    std::vector<std::pair<const char*, const std::vector<float>*>> wrongs = {
        {"gamma and beta swapped", &swapped}};
    if (kind.spec.offset < 1e4) wrongs.push_back({"no division by sigma", &unscaled});
    for (const auto& [what, wrong] : wrongs) {
      const std::vector<float>& out = *wrong;
      const wb::CompareReport old_report = compare_with_old_bound(out, p);
      const wb::CompareReport new_report =
          wb::compare(out, p.ref, ch05::layernorm_tolerance(p), p.scale);
      INFO(kind.name << ", " << what << "\nold bound: " << old_report.describe("old bound")
                     << "\nnew bound: " << new_report.describe("new bound"));
      CHECK(old_report.ok());        // what the old bound let through...
      CHECK_FALSE(new_report.ok());  // ...the new one catches, on most elements
      CHECK(new_report.mismatched > out.size() / 2);
    }
  }
}

TEST_CASE("the LayerNorm bound: each element's own terms, and linear growth in kappa",
          "[ch05][cpu]") {
  // One row's statistics; kappa = max|h| * rstd.
  ch05::LayerNormRowStats row;
  row.mean = 0.0;
  row.rstd = 1.0;
  row.max_h = 2.0;
  const std::int64_t cols = 1000;
  // An element at the mean with gamma = 1 and y = 0 still carries the mean's error k kappa.
  const double k = static_cast<double>(ch05::layernorm_path(cols));
  REQUIRE(ch05::layernorm_error_scale(row, cols, 0.0, 1.0, 0.0) == k * 2.0);
  // Its bound grows with its own |z|, and with |gamma|.
  const double at0 = ch05::layernorm_error_scale(row, cols, 0.0, 1.0, 0.0);
  const double at2 = ch05::layernorm_error_scale(row, cols, 2.0, 1.0, 2.0);
  REQUIRE(at2 > at0);
  REQUIRE(ch05::layernorm_error_scale(row, cols, 2.0, 2.0, 4.0) > at2);
  // kappa x 100 (a row 100 times further from zero, in standard deviations) widens the bound of
  // an element at the mean about 100 times, not 10000 times as the old (M/sigma)^2 term did.
  ch05::LayerNormRowStats far = row;
  far.max_h = 200.0;
  const double far0 = ch05::layernorm_error_scale(far, cols, 0.0, 1.0, 0.0);
  REQUIRE(far0 / at0 == 100.0);
  // The path: the resident steps' 90 roundings, or the naive step's strided sum on long rows.
  REQUIRE(ch05::layernorm_path(1) == 90);
  REQUIRE(ch05::layernorm_path(16384) == 90);
  REQUIRE(ch05::layernorm_path(600001) == 1 + 2344 + 8 + 2);
}
