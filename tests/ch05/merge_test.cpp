// Chapter 05 CPU tests: the merges, splits and plans the kernels run, checked without a GPU.
#include "softmax_layernorm.h"

#include "wb/catch.h"
#include "wb/random.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace {

using ch05::OnlineSoftmax;
using ch05::Welford;

// fp64 (m, l) of a set of values, for comparison.
void exact_online(const std::vector<float>& xs, double* m, double* l) {
  *m = -INFINITY;
  for (float x : xs)
    *m = std::max(*m, static_cast<double>(x));
  *l = 0.0;
  if (*m == -INFINITY) return;
  for (float x : xs)
    *l += std::exp(static_cast<double>(x) - *m);
}

// Reduces xs with online_merge over a random binary tree (a random split at every node).
OnlineSoftmax tree_merge(const std::vector<float>& xs, std::size_t lo, std::size_t hi,
                         std::mt19937_64& rng) {
  if (hi - lo == 1) return ch05::online_push(ch05::online_identity(), xs[lo]);
  std::uniform_int_distribution<std::size_t> cut(lo + 1, hi - 1);
  const std::size_t mid = cut(rng);
  return ch05::online_merge(tree_merge(xs, lo, mid, rng), tree_merge(xs, mid, hi, rng));
}

Welford welford_tree(const std::vector<float>& xs, std::size_t lo, std::size_t hi,
                     std::mt19937_64& rng) {
  if (hi - lo == 1) return ch05::welford_single(xs[lo]);
  std::uniform_int_distribution<std::size_t> cut(lo + 1, hi - 1);
  const std::size_t mid = cut(rng);
  return ch05::welford_merge(welford_tree(xs, lo, mid, rng), welford_tree(xs, mid, hi, rng));
}

std::vector<float> random_values(std::size_t n, std::uint64_t seed, double lo, double hi) {
  std::vector<float> xs(n);
  wb::fill_random(xs, seed, lo, hi);
  return xs;
}

}  // namespace

TEST_CASE("online softmax: a single element is (x, 1), and the empty state is the identity",
          "[ch05][cpu]") {
  for (float x : {-100.0f, -1.5f, 0.25f, 3.0f, 95.0f}) {
    const OnlineSoftmax s = ch05::online_push(ch05::online_identity(), x);
    REQUIRE(s.m == x);
    REQUIRE(s.l == 1.0f);
    // Merging with the identity, on either side, changes nothing (bit for bit).
    const OnlineSoftmax a = ch05::online_merge(s, ch05::online_identity());
    const OnlineSoftmax b = ch05::online_merge(ch05::online_identity(), s);
    REQUIRE(a.m == s.m);
    REQUIRE(a.l == s.l);
    REQUIRE(b.m == s.m);
    REQUIRE(b.l == s.l);
  }
}

TEST_CASE("online softmax: rows of -inf merge to (-inf, 0), never NaN", "[ch05][cpu]") {
  OnlineSoftmax s = ch05::online_identity();
  for (int i = 0; i < 100; ++i)
    s = ch05::online_push(s, -INFINITY);
  REQUIRE(s.m == -INFINITY);
  REQUIRE(s.l == 0.0f);
  const OnlineSoftmax both = ch05::online_merge(s, s);
  REQUIRE(both.m == -INFINITY);
  REQUIRE(both.l == 0.0f);
  REQUIRE_FALSE(std::isnan(both.l));
  // A fully masked row's outputs: exp_shifted(-inf, -inf) * inverse_or_zero(0) = 0, not NaN.
  REQUIRE(ch05::exp_shifted(-INFINITY, both.m) * ch05::inverse_or_zero(both.l) == 0.0f);
  // One finite value among masked ones: the masked ones contribute exactly nothing.
  const OnlineSoftmax one = ch05::online_merge(both, ch05::online_push(s, 2.5f));
  REQUIRE(one.m == 2.5f);
  REQUIRE(one.l == 1.0f);
  REQUIRE(ch05::exp_shifted(-INFINITY, one.m) == 0.0f);
}

TEST_CASE("online softmax: any merge order gives the fp64 (m, l) within gamma_k, even at |x| 100",
          "[ch05][cpu]") {
  std::mt19937_64 rng(wb::derive_seed(wb::base_seed(), "online-assoc"));
  for (std::size_t n : {2u, 3u, 31u, 33u, 1000u, 4097u}) {
    for (double magnitude : {2.0, 100.0}) {
      const auto xs = random_values(n, rng(), magnitude * 0.5, magnitude);
      double m = 0, l = 0;
      exact_online(xs, &m, &l);
      // Left to right (what one thread does) and three random trees (what shuffles do).
      OnlineSoftmax seq = ch05::online_identity();
      for (float x : xs)
        seq = ch05::online_push(seq, x);
      std::vector<OnlineSoftmax> results = {seq};
      for (int trial = 0; trial < 3; ++trial)
        results.push_back(tree_merge(xs, 0, n, rng));
      // The same derivation as softmax_tolerance: n terms, spread <= 2 * magnitude, 6 u per level
      // of a tree at most n deep.
      const double k = static_cast<double>(n) + 4 * 2 * magnitude + 6.0 * static_cast<double>(n);
      const double u = wb::NumericTraits<float>::unit_roundoff;
      for (const OnlineSoftmax& r : results) {
        INFO("n = " << n << ", |x| up to " << magnitude);
        REQUIRE(r.m == static_cast<float>(m));  // the max is exact, in any order
        REQUIRE(std::isfinite(r.l));
        REQUIRE(std::fabs(r.l - l) <= k * u / (1 - k * u) * l);
      }
    }
  }
}

TEST_CASE("Welford: single element, identity, and any merge order matches fp64", "[ch05][cpu]") {
  const Welford one = ch05::welford_single(3.5f);
  REQUIRE(one.n == 1.0f);
  REQUIRE(one.mean == 3.5f);
  REQUIRE(one.m2 == 0.0f);
  const Welford empty{0.0f, 0.0f, 0.0f};
  const Welford a = ch05::welford_merge(empty, one), b = ch05::welford_merge(one, empty);
  REQUIRE((a.n == 1.0f && a.mean == 3.5f && a.m2 == 0.0f));
  REQUIRE((b.n == 1.0f && b.mean == 3.5f && b.m2 == 0.0f));
  const Welford none = ch05::welford_merge(empty, empty);
  REQUIRE((none.n == 0.0f && none.mean == 0.0f && none.m2 == 0.0f));

  std::mt19937_64 rng(wb::derive_seed(wb::base_seed(), "welford-assoc"));
  const double u = wb::NumericTraits<float>::unit_roundoff;
  for (std::size_t n : {2u, 31u, 33u, 1000u, 4097u}) {
    for (double offset : {0.0, 1000.0}) {  // offset: a large mean over a small spread
      auto xs = random_values(n, rng(), 0.5, 2.0);
      for (float& x : xs)
        x = static_cast<float>(x + offset);
      double mean = 0.0, m2 = 0.0, big = 0.0;
      for (float x : xs) {
        mean += x;
        big = std::max(big, std::fabs(static_cast<double>(x)));
      }
      mean /= static_cast<double>(n);
      for (float x : xs)
        m2 += (x - mean) * (x - mean);
      for (int trial = 0; trial < 3; ++trial) {
        const Welford w = welford_tree(xs, 0, n, rng);
        INFO("n = " << n << ", offset " << offset);
        REQUIRE(w.n == static_cast<float>(n));
        // Mean: n + 1 roundings of values up to `big`. m2: the deviations carry the mean's error
        // (n + 3) u big each, so m2 is off by at most 2 (n + 3) u big sqrt(n m2) + gamma_n m2 —
        // the same first-order terms as layernorm_tolerance.
        const double k = static_cast<double>(n) + 10;
        REQUIRE(std::fabs(w.mean - mean) <= k * u * big);
        const double m2_err = 2 * k * u * big * std::sqrt(static_cast<double>(n) * m2) + k * u * m2;
        REQUIRE(std::fabs(w.m2 - m2) <= m2_err);
      }
    }
  }
}

TEST_CASE("split_row covers every element once with an aligned body, fp32 and bf16",
          "[ch05][cpu]") {
  for (int elem : {4, 2}) {
    const int per_vec = ch05::kVecBytes / elem;
    for (std::uintptr_t start = 0x1000; start < 0x1010; start += elem) {
      for (int cols = 1; cols <= 70; ++cols) {
        const ch05::RowSplit s = ch05::split_row(start, cols, elem);
        INFO("elem " << elem << ", start % 16 = " << (start % 16) << ", cols " << cols);
        REQUIRE(s.head >= 0);
        REQUIRE(s.head < per_vec);
        REQUIRE(s.tail >= 0);
        REQUIRE(s.tail < per_vec);
        REQUIRE(s.head + per_vec * s.body + s.tail == cols);
        if (s.body > 0) REQUIRE((start + elem * s.head) % 16 == 0);
      }
    }
  }
}

TEST_CASE("block plans cover the row and switch to streaming past the register limit",
          "[ch05][cpu]") {
  REQUIRE(ch05::threads_for(1, 16) == 32);
  REQUIRE(ch05::threads_for(1024, 16) == 64);
  REQUIRE(ch05::threads_for(8192, 16) == 512);
  REQUIRE(ch05::threads_for(1 << 20, 16) == 1024);
  REQUIRE(ch05::resident_cols(16) == 16384);
  for (int elem : {4, 2}) {
    const int per_vec = ch05::kVecBytes / elem;
    for (std::int64_t cols : {1, 31, 33, 1000, 1024, 4097, 8192, 16384, 16385, 32768, 65536}) {
      const ch05::OnlinePlan plan = ch05::plan_softmax_online(cols, elem);
      INFO("elem " << elem << ", cols " << cols);
      REQUIRE(plan.threads % 32 == 0);
      REQUIRE(plan.threads >= 32);
      REQUIRE(plan.threads <= 1024);
      REQUIRE(plan.resident == (cols <= 1024 * ch05::kVecPerThread * per_vec));
      // Resident: the block's registers hold every whole vector of the row (head and tail are
      // fewer than a vector each, and a block has at least 32 threads for them).
      if (plan.resident)
        REQUIRE(static_cast<std::int64_t>(plan.threads) * ch05::kVecPerThread >= cols / per_vec);
    }
  }
  REQUIRE(ch05::plan_softmax_online(8192, 4).threads == 512);
  REQUIRE(ch05::plan_softmax_online(1024, 4).threads == 64);
}

TEST_CASE("the references, tolerances and byte counts", "[ch05][cpu]") {
  // Softmax reference rows sum to 1; masked entries and a fully masked row give exact zeros.
  ch05::LogitSpec spec;
  spec.masked = 0.3;
  spec.mask_first_row = true;
  const ch05::SoftmaxProblem p =
      ch05::make_softmax_problem({4, 37, "t"}, ch05::DType::f32, 7, spec);
  for (int r = 0; r < 4; ++r) {
    double sum = 0.0;
    for (int c = 0; c < 37; ++c) {
      const double x = p.in_f32[r * 37 + c];
      if (x == -INFINITY) REQUIRE(p.ref[r * 37 + c] == 0.0);
      sum += p.ref[r * 37 + c];
    }
    if (r == 0) {
      REQUIRE(sum == 0.0);
    } else {
      REQUIRE(std::fabs(sum - 1.0) < 1e-12);
    }
  }
  // Inputs are never zero; bf16 inputs are the fp32 draws rounded, and the reference uses them.
  const ch05::SoftmaxProblem q = ch05::make_softmax_problem({3, 5, "t"}, ch05::DType::bf16, 9);
  REQUIRE(q.in_bf16.size() == 15);
  for (const auto& x : q.in_bf16)
    REQUIRE(wb::NumericTraits<__nv_bfloat16>::to_double(x) != 0.0);
  // Tolerances grow with the row and are wider for bf16, by exactly one bf16 rounding.
  const auto small =
      ch05::softmax_tolerance(ch05::make_softmax_problem({1, 31, ""}, ch05::DType::f32, 1));
  const auto wide =
      ch05::softmax_tolerance(ch05::make_softmax_problem({1, 4097, ""}, ch05::DType::f32, 1));
  REQUIRE(small.rel < wide.rel);
  REQUIRE(small.rel < 1e-4);
  REQUIRE(q.max_spread > 0.0);
  const auto bf = ch05::softmax_tolerance(q);
  REQUIRE(bf.rel > wb::NumericTraits<__nv_bfloat16>::unit_roundoff);
  REQUIRE(bf.rel < 2 * wb::NumericTraits<__nv_bfloat16>::unit_roundoff);
  REQUIRE(ch05::softmax_min_bytes(8192, 8192, ch05::DType::f32) == 2.0 * 8192 * 8192 * 4);
  REQUIRE(ch05::softmax_min_bytes(8192, 8192, ch05::DType::bf16) == 2.0 * 8192 * 8192 * 2);
  REQUIRE(ch05::layernorm_min_bytes(16384, 1024) == 4.0 * (3.0 * 16384 * 1024 + 2 * 1024));
  // LayerNorm reference: each row of (y - beta) / gamma has mean 0 and variance var / (var + eps).
  const ch05::LayerNormProblem ln = ch05::make_layernorm_problem({2, 50, ""}, 3);
  for (int r = 0; r < 2; ++r) {
    double mean = 0.0;
    for (int c = 0; c < 50; ++c)
      mean += (ln.ref[r * 50 + c] - ln.beta[c]) / ln.gamma[c];
    REQUIRE(std::fabs(mean / 50) < 1e-12);
  }
  for (double s : ln.scale)
    REQUIRE(s > 0.0);
}

TEST_CASE("argument checks run before any GPU work", "[ch05][cpu]") {
  float a[64], b[64], g[8], be[8];
  auto rejects_softmax = [](ch05::SoftmaxArgs args) {
    try {
      ch05::validate(args, "t");
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  REQUIRE_FALSE(rejects_softmax({a, b, 4, 8, ch05::DType::f32, nullptr}));
  REQUIRE(rejects_softmax({nullptr, b, 4, 8, ch05::DType::f32, nullptr}));
  REQUIRE(rejects_softmax({a, nullptr, 4, 8, ch05::DType::f32, nullptr}));
  REQUIRE(rejects_softmax({a, b, 0, 8, ch05::DType::f32, nullptr}));
  REQUIRE(rejects_softmax({a, b, 4, 0, ch05::DType::f32, nullptr}));
  REQUIRE(rejects_softmax({a, b, -1, 8, ch05::DType::f32, nullptr}));
  REQUIRE(rejects_softmax({a, a + 1, 4, 8, ch05::DType::f32, nullptr}));  // overlap
  REQUIRE(rejects_softmax({a, b, std::int64_t{1} << 31, 1, ch05::DType::f32, nullptr}));
  auto rejects_ln = [](ch05::LayerNormArgs args) {
    try {
      ch05::validate(args, "t");
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  const ch05::LayerNormArgs ok{a, b, g, be, a + 32, 4, 8, 1e-5f, nullptr};
  REQUIRE_FALSE(rejects_ln(ok));
  auto with = [&](auto change) {
    ch05::LayerNormArgs x = ok;
    change(x);
    return x;
  };
  REQUIRE(rejects_ln(with([](auto& x) { x.x = nullptr; })));
  REQUIRE(rejects_ln(with([](auto& x) { x.residual = nullptr; })));
  REQUIRE(rejects_ln(with([](auto& x) { x.gamma = nullptr; })));
  REQUIRE(rejects_ln(with([](auto& x) { x.beta = nullptr; })));
  REQUIRE(rejects_ln(with([](auto& x) { x.out = nullptr; })));
  REQUIRE(rejects_ln(with([](auto& x) { x.rows = 0; })));
  REQUIRE(rejects_ln(with([](auto& x) { x.cols = 0; })));
  REQUIRE(rejects_ln(with([](auto& x) { x.eps = 0.0f; })));
  REQUIRE(rejects_ln(with([&](auto& x) { x.out = a; })));  // out == x
}
