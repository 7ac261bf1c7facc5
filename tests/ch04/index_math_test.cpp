// Chapter 04 CPU tests: the index math and bookkeeping the kernels and launchers run, checked
// without a GPU.
#include "limits_pattern.h"
#include "reduction.h"

#include "wb/catch.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>

TEST_CASE("split_vec4 covers every element once with a line-aligned body", "[ch04][cpu]") {
  for (std::uintptr_t start = 0x1000; start < 0x1080; start += 4) {
    for (std::int64_t n = 0; n <= 80; ++n) {
      const ch04::VecSplit s = ch04::split_vec4(start, n);
      INFO("start % 128 = " << (start % 128) << ", n = " << n);
      REQUIRE(s.head >= 0);
      REQUIRE(s.head <= 31);
      REQUIRE(s.tail >= 0);
      REQUIRE(s.tail <= 3);
      REQUIRE(s.body >= 0);
      REQUIRE(s.head + ch04::kVec * s.body + s.tail == n);
      if (s.body > 0) REQUIRE((start + 4 * s.head) % 128 == 0);
      if (s.head < n) REQUIRE((start + 4 * s.head) % 128 == 0);  // head no longer than needed
    }
  }
  // The benchmark's awkward size: 2^28 - 3 floats starting 4 bytes past a 256-byte boundary.
  const ch04::VecSplit big = ch04::split_vec4(0x2004, (std::int64_t{1} << 28) - 3);
  REQUIRE(big.head == 31);
  REQUIRE(big.body == (std::int64_t{1} << 26) - 9);
  REQUIRE(big.tail == 2);
}

TEST_CASE("pass_blocks and passes_workspace follow the passes of the multi-pass steps",
          "[ch04][cpu]") {
  REQUIRE(ch04::pass_blocks(1, 256) == 1);
  REQUIRE(ch04::pass_blocks(256, 256) == 1);
  REQUIRE(ch04::pass_blocks(257, 256) == 2);
  // One pass: no partials in the workspace, only the counter slot.
  REQUIRE(ch04::passes_workspace(256, 256) == ch04::kCounterFloats);
  // 257 -> 2 partials (padded to 4) -> 1.
  REQUIRE(ch04::passes_workspace(257, 256) == ch04::kCounterFloats + 4);
  // 2^28 with 256 per block: 2^20 -> 2^12 -> 2^4 -> 1: three rounds of partials.
  REQUIRE(ch04::passes_workspace(std::int64_t{1} << 28, 256) ==
          ch04::kCounterFloats + (1 << 20) + (1 << 12) + (1 << 4));
  // The generic driver's bookkeeping agrees with the closed form.
  REQUIRE(ch04::single_pass_workspace(1) == ch04::kCounterFloats + 4);  // n = 1: one block
  REQUIRE(ch04::workspace_floats_for(1) == ch04::kCounterFloats + 4);
  for (std::int64_t n : {1, 2, 255, 256, 257, 4096, 4097, 65536, 65537, 16777259}) {
    const auto blocks_for = [](std::int64_t c) { return ch04::pass_blocks(c, 256); };
    REQUIRE(ch04::run_passes_need(n, blocks_for) == ch04::passes_workspace(n, 256));
    // workspace_floats_for covers every step: 256 per block is the smallest.
    const auto first_add = [](std::int64_t c) { return ch04::pass_blocks(c, 512); };
    REQUIRE(ch04::run_passes_need(n, first_add) <= ch04::workspace_floats_for(n));
    // Step 6 (grid_stride) leaves at most one block per kThreads x kUnroll floats per pass
    // (machine_blocks' bound for any GPU); step 7 one per as many float4s.
    const auto grid_stride = [](std::int64_t c) {
      return wb::ceil_div(c, std::int64_t{ch04::kThreads} * ch04::kUnroll);
    };
    REQUIRE(ch04::run_passes_need(n, grid_stride) <= ch04::workspace_floats_for(n));
    REQUIRE(ch04::single_pass_workspace(n) <= ch04::workspace_floats_for(n));
  }
}

TEST_CASE("add_depth_bound: a tree height, never more than n, meaningful at 2^28", "[ch04][cpu]") {
  REQUIRE(ch04::add_depth_bound(1, 33792) == 1);
  REQUIRE(ch04::add_depth_bound(33, 33792) == 33);
  REQUIRE(ch04::add_depth_bound(1000, 33792) == 65);
  // 132 SMs x 256 threads at 2^28: 7944 per thread + 64.
  const std::int64_t k = ch04::add_depth_bound(std::int64_t{1} << 28, 132 * 256);
  REQUIRE(k == 7944 + 64);
  // gamma_k is meaningful only while k u < 1: the plain bound with k = n = 2^28 is not.
  const wb::Tolerance tol = wb::tolerance_for<float>(k);
  REQUIRE(tol.rel > 0.0);
  REQUIRE(tol.rel < 1e-3);
  REQUIRE(wb::tolerance_for<float>(std::int64_t{1} << 28).rel < 0.0);  // k u > 1: vacuous
}

TEST_CASE("the functors: identities and combination", "[ch04][cpu]") {
  const ch04::SumOp sum;
  const ch04::MaxOp max;
  REQUIRE(sum(ch04::SumOp::identity(), 2.5f) == 2.5f);
  REQUIRE(max(ch04::MaxOp::identity(), -1e30f) == -1e30f);
  REQUIRE(std::isinf(ch04::MaxOp::identity()));
  REQUIRE(max(3.0f, -4.0f) == 3.0f);
}

TEST_CASE("problems: never zero, exact references, integer inputs", "[ch04][cpu]") {
  const ch04::Problem p = ch04::make_problem(1021, 42);
  REQUIRE(p.in.size() == 1021);
  double sum = 0, abs_sum = 0, max = -INFINITY;
  for (const float x : p.in) {
    REQUIRE(x != 0.0f);
    sum += x;
    abs_sum += std::fabs(x);
    max = std::fmax(max, x);
  }
  REQUIRE(p.ref_sum == sum);
  REQUIRE(p.abs_sum == abs_sum);
  REQUIRE(p.ref_max == max);
  REQUIRE(ch04::make_problem(1021, 42).in == p.in);
  REQUIRE(ch04::make_problem(1021, 43).in != p.in);

  const ch04::Problem pos = ch04::make_problem(1021, 42, ch04::Inputs::kPositive);
  for (const float x : pos.in)
    REQUIRE(x >= 0.5f);
  const ch04::Problem ints = ch04::make_problem(100000, 7, ch04::Inputs::kIntegers);
  bool negative = false, positive = false;
  for (const float x : ints.in) {
    REQUIRE(x == std::round(x));
    REQUIRE(std::fabs(x) >= 1.0f);
    REQUIRE(std::fabs(x) <= 4.0f);
    negative = negative || x < 0;
    positive = positive || x > 0;
  }
  REQUIRE(negative);
  REQUIRE(positive);
  // Summed in fp32 in index order, integer inputs give the exact fp64 sum.
  float f = 0.0f;
  for (const float x : ints.in)
    f += x;
  REQUIRE(static_cast<double>(f) == ints.ref_sum);
  REQUIRE(ch04::min_bytes(std::int64_t{1} << 28) == 4.0 * (1 << 28) + 4.0);
}

TEST_CASE("argument checks run before any GPU work", "[ch04][cpu]") {
  float a[64], out[1];
  alignas(16) float ws[64];
  const ch04::ReduceArgs ok{a, out, 64, ws, 64};
  REQUIRE_NOTHROW(ch04::validate(ok, 8, "t"));
  auto rejects = [](const ch04::ReduceArgs& args, std::int64_t need) {
    try {
      ch04::validate(args, need, "t");
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  REQUIRE(rejects({nullptr, out, 64, ws, 64}, 8));
  REQUIRE(rejects({a, nullptr, 64, ws, 64}, 8));
  REQUIRE(rejects({a, out, -1, ws, 64}, 8));
  REQUIRE(rejects({a, out, ch04::kMaxN + 1, ws, 64}, 8));
  REQUIRE(rejects({a, out, 64, nullptr, 0}, 8));
  REQUIRE(rejects({a, out, 64, ws, 7}, 8));
  REQUIRE(rejects({a, a + 3, 64, ws, 64}, 8));   // out inside in
  REQUIRE(rejects({a, out, 64, a, 64}, 8));      // workspace overlaps in
  REQUIRE(rejects({a, ws + 1, 64, ws, 64}, 8));  // workspace overlaps out
  // n = 0 is valid (the identity is written) and needs no workspace.
  REQUIRE_FALSE(rejects({a, out, 0, nullptr, 0}, 0));
  // A small problem whose single pass needs no workspace may pass none.
  REQUIRE_FALSE(rejects({a, out, 64, nullptr, 0}, 0));
}

TEST_CASE("the limits tier's input has the closed-form sum and max it is checked against",
          "[ch04][cpu]") {
  // Brute force over every length up to three marker periods, and a few far ones.
  double sum = 0.0;
  for (std::int64_t n = 1; n <= 3 * ch04_limits::kMarkerEvery + 5; ++n) {
    sum += static_cast<double>(ch04_limits::base_value(n - 1));
    const double with_last =
        sum - static_cast<double>(ch04_limits::base_value(n - 1)) + ch04_limits::kLast;
    INFO("n = " << n);
    REQUIRE(ch04_limits::exact_sum(n) == with_last);
    REQUIRE(ch04_limits::value(n - 1, n) == ch04_limits::kLast);
    if (n > 1) REQUIRE(ch04_limits::value(n - 2, n) < ch04_limits::kLast);  // the max is unique
  }
  // At 2^31 - 1: n odd (+1), 524288 markers (+2 each), and the last input, index 2^31 - 2, is
  // even and no marker: its base value 1 becomes 7.
  CHECK(ch04_limits::exact_sum(ch04::kMaxN) == 1.0 + 2.0 * 524288 - 1.0 + 7.0);
  // Every partial sum stays far below 2^24, so any order of additions is exact: a contiguous
  // range of length L sums to at most 1 + 2 ceil(L / 4096) + 6, here the whole input.
  CHECK(ch04_limits::exact_sum(ch04::kMaxN) < 16777216.0 / 8);
}

TEST_CASE("the multi-pass bookkeeping holds at n = 2^31 - 1", "[ch04][cpu]") {
  const std::int64_t n = ch04::kMaxN;
  // Step 1's first pass: one block per 256 inputs, an unsigned grid of 8388608 blocks.
  CHECK(ch04::pass_blocks(n, ch04::kThreads) == 8388608);
  CHECK(ch04::pass_blocks(n, 2 * ch04::kThreads) == 4194304);
  CHECK(ch04::passes_workspace(n, ch04::kThreads) <= ch04::workspace_floats_for(n));
  CHECK(ch04::single_pass_workspace(n) <= ch04::workspace_floats_for(n));
  // The vectorized split: head + 4 body + tail == n at every start modulo 128.
  for (std::uintptr_t start = 0x10000; start < 0x10080; start += 4) {
    const ch04::VecSplit s = ch04::split_vec4(start, n);
    CHECK(s.head + ch04::kVec * s.body + s.tail == n);
  }
}
