// Chapter 05 CPU tests: the merges, splits and plans the kernels run, checked without a GPU.
//
// The online-softmax and Welford merges are taught in this chapter and live in the shared layer
// (common/include/wb/online.h), because chapter 08's flash attention runs the same merge over
// tiles of keys; these tests check those shared functions, which are the ones every kernel here
// calls. The row split is chapter 01's (wb/rows.h), checked here for the element sizes this
// chapter uses.
#include "softmax_layernorm.h"

#include "wb/online.h"
#include "wb/rows.h"

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

using wb::OnlineSoftmax;
using wb::Welford;

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
  if (hi - lo == 1) return wb::online_push(wb::online_identity(), xs[lo]);
  std::uniform_int_distribution<std::size_t> cut(lo + 1, hi - 1);
  const std::size_t mid = cut(rng);
  return wb::online_merge(tree_merge(xs, lo, mid, rng), tree_merge(xs, mid, hi, rng));
}

Welford welford_tree(const std::vector<float>& xs, std::size_t lo, std::size_t hi,
                     std::mt19937_64& rng) {
  if (hi - lo == 1) return wb::welford_single(xs[lo]);
  std::uniform_int_distribution<std::size_t> cut(lo + 1, hi - 1);
  const std::size_t mid = cut(rng);
  return wb::welford_merge(welford_tree(xs, lo, mid, rng), welford_tree(xs, mid, hi, rng));
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
    const OnlineSoftmax s = wb::online_push(wb::online_identity(), x);
    REQUIRE(s.m == x);
    REQUIRE(s.l == 1.0f);
    // Merging with the identity, on either side, changes nothing (bit for bit).
    const OnlineSoftmax a = wb::online_merge(s, wb::online_identity());
    const OnlineSoftmax b = wb::online_merge(wb::online_identity(), s);
    REQUIRE(a.m == s.m);
    REQUIRE(a.l == s.l);
    REQUIRE(b.m == s.m);
    REQUIRE(b.l == s.l);
  }
}

TEST_CASE("online softmax: rows of -inf merge to (-inf, 0), never NaN", "[ch05][cpu]") {
  OnlineSoftmax s = wb::online_identity();
  for (int i = 0; i < 100; ++i)
    s = wb::online_push(s, -INFINITY);
  REQUIRE(s.m == -INFINITY);
  REQUIRE(s.l == 0.0f);
  const OnlineSoftmax both = wb::online_merge(s, s);
  REQUIRE(both.m == -INFINITY);
  REQUIRE(both.l == 0.0f);
  REQUIRE_FALSE(std::isnan(both.l));
  // A fully masked row's outputs: exp_shifted(-inf, -inf) * inverse_or_zero(0) = 0, not NaN.
  REQUIRE(wb::exp_shifted(-INFINITY, both.m) * wb::inverse_or_zero(both.l) == 0.0f);
  // One finite value among masked ones: the masked ones contribute exactly nothing.
  const OnlineSoftmax one = wb::online_merge(both, wb::online_push(s, 2.5f));
  REQUIRE(one.m == 2.5f);
  REQUIRE(one.l == 1.0f);
  REQUIRE(wb::exp_shifted(-INFINITY, one.m) == 0.0f);
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
      OnlineSoftmax seq = wb::online_identity();
      for (float x : xs)
        seq = wb::online_push(seq, x);
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
  const Welford one = wb::welford_single(3.5f);
  REQUIRE(one.n == 1.0f);
  REQUIRE(one.mean == 3.5f);
  REQUIRE(one.m2 == 0.0f);
  const Welford empty = wb::welford_identity();
  const Welford a = wb::welford_merge(empty, one), b = wb::welford_merge(one, empty);
  REQUIRE((a.n == 1.0f && a.mean == 3.5f && a.m2 == 0.0f));
  REQUIRE((b.n == 1.0f && b.mean == 3.5f && b.m2 == 0.0f));
  const Welford none = wb::welford_merge(empty, empty);
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
        // Mean: n + 1 roundings of values up to `big` (any tree). m2: the deviations carry the
        // mean's error (n + 3) u big each, so m2 is off by at most 2 (n + 3) u big sqrt(n m2) +
        // gamma_n m2. (A loose, order-free bound: the LayerNorm tolerance uses a tighter one for
        // the kernels' bounded-depth trees, checked in layernorm_bound_test.cpp.)
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
    const int per_vec = wb::kVecBytes / elem;
    for (std::uintptr_t start = 0x1000; start < 0x1010; start += elem) {
      for (int cols = 1; cols <= 70; ++cols) {
        const wb::RowSplit s = wb::split_row(start, cols, elem);
        INFO("elem " << elem << ", start % 16 = " << (start % 16) << ", cols " << cols);
        REQUIRE(s.head >= 0);
        REQUIRE(s.head < per_vec);
        REQUIRE(s.tail >= 0);
        REQUIRE(s.tail < per_vec);
        REQUIRE(s.head + per_vec * s.body + s.tail == cols);
        if (s.body > 0) REQUIRE((start + elem * s.head) % 16 == 0);
        for (int t = 0; t < s.tail; ++t)
          REQUIRE(ch05::tail_col(cols, s, t) == s.head + per_vec * s.body + t);
      }
    }
  }
}

TEST_CASE("block plans: threads_for and plan_row at the edges of every choice", "[ch05][cpu]") {
  // threads_for: whole warps, ceil(units / per_thread) threads rounded up to 32, clamped to
  // [32, 1024]; each boundary and the value on either side.
  REQUIRE(ch05::threads_for(1, 16) == 32);
  REQUIRE(ch05::threads_for(512, 16) == 32);  // 32 threads x 16 = 512: the last one-warp row
  REQUIRE(ch05::threads_for(513, 16) == 64);  // one more column needs a second warp
  REQUIRE(ch05::threads_for(1024, 16) == 64);
  REQUIRE(ch05::threads_for(8192, 16) == 512);
  REQUIRE(ch05::threads_for(16384, 16) == 1024);
  REQUIRE(ch05::threads_for(16385, 16) == 1024);  // clamped (the resident steps refuse it)
  REQUIRE(ch05::threads_for(std::int64_t{2147483647}, 16) == 1024);
  REQUIRE(ch05::threads_for(128, 4) == 32);
  REQUIRE(ch05::threads_for(129, 4) == 64);
  REQUIRE(ch05::resident_cols(16) == 16384);
  REQUIRE(ch05::resident_cols(4) == 4096);
  for (int per_thread : {ch05::kScalarsPerThread, ch05::kVecPerThread}) {
    const std::int64_t limit = ch05::resident_cols(per_thread);
    for (std::int64_t units : {std::int64_t{1}, std::int64_t{31}, std::int64_t{32} * per_thread,
                               std::int64_t{32} * per_thread + 1, limit - 1, limit, limit + 1,
                               2 * limit, std::int64_t{2147483647}}) {
      const ch05::RowPlan plan = ch05::plan_row(units, per_thread);
      INFO("per_thread " << per_thread << ", units " << units);
      REQUIRE(plan.threads % 32 == 0);
      REQUIRE(plan.threads >= 32);
      REQUIRE(plan.threads <= 1024);
      REQUIRE(plan.resident == (units <= limit));
      // Resident: the block's registers hold every unit of the row, with as few warps as do.
      if (plan.resident) {
        REQUIRE(static_cast<std::int64_t>(plan.threads) * per_thread >= units);
        const bool fewest =
            plan.threads == 32 || static_cast<std::int64_t>(plan.threads - 32) * per_thread < units;
        REQUIRE(fewest);
      } else {
        REQUIRE(plan.threads == 1024);
      }
    }
  }
  // The columns where softmax-online (16 scalars per thread) and softmax-vectorized (4 vectors of
  // 4 fp32 or 8 bf16 per thread) switch from registers to streaming: 16384, 16384 and 32768.
  REQUIRE(ch05::plan_row(16384, ch05::kScalarsPerThread).resident);
  REQUIRE_FALSE(ch05::plan_row(16385, ch05::kScalarsPerThread).resident);
  REQUIRE(ch05::plan_row(wb::ceil_div(16384, 4), ch05::kVecPerThread).resident);
  REQUIRE_FALSE(ch05::plan_row(wb::ceil_div(16385, 4), ch05::kVecPerThread).resident);
  REQUIRE(ch05::plan_row(wb::ceil_div(32768, 8), ch05::kVecPerThread).resident);
  REQUIRE_FALSE(ch05::plan_row(wb::ceil_div(32769, 8), ch05::kVecPerThread).resident);
  REQUIRE(ch05::plan_row(8192, ch05::kScalarsPerThread).threads == 512);
  REQUIRE(ch05::plan_row(wb::ceil_div(8192, 4), ch05::kVecPerThread).threads == 512);
  REQUIRE(ch05::plan_row(wb::ceil_div(1024, 4), ch05::kVecPerThread).threads == 64);
}

TEST_CASE("split_row at the documented maximum row length", "[ch05][cpu]") {
  // A row of 2^31 - 1 elements at every 16-byte phase: head + body * per_vec + tail == cols with
  // no overflow, and the tail's columns (ch05::tail_col, t < tail) are the row's last ones.
  const int cols = 2147483647;
  for (int elem : {4, 2}) {
    const int per_vec = wb::kVecBytes / elem;
    for (std::uintptr_t start = 0x1000; start < 0x1010; start += elem) {
      const wb::RowSplit s = wb::split_row(start, cols, elem);
      INFO("elem " << elem << ", start % 16 = " << (start % 16));
      REQUIRE(std::int64_t{s.head} + std::int64_t{per_vec} * s.body + s.tail == cols);
      REQUIRE(s.tail < per_vec);
      for (int t = 0; t < s.tail; ++t)
        REQUIRE(ch05::tail_col(cols, s, t) ==
                std::int64_t{s.head} + std::int64_t{per_vec} * s.body + t);
      if (s.tail > 0) REQUIRE(ch05::tail_col(cols, s, s.tail - 1) == cols - 1);
    }
  }
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
