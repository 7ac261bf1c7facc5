// Chapter 08 GPU tests. Linked against the reference solutions (ch08_gpu_tests) and against the
// learner's exercises (ch08_check): the same tests judge both.
//
// Every step runs in fp16 and bf16, at d 64 and 128, causal and not, against the fp64 reference
// of every query row (sampled rows, always each head's first and last, at the long lengths), held
// to a small multiple of a same-precision naive attention's error (ch08::allowed_error). O and
// lse start as NaN poison. The long lengths (1000 and 4097) are [.large]: their own CTest entry
// (ch08.gpu.large), kept out of the sanitizer runs.
#include "attention.h"

#include "wb/catch.h"
#include "wb/random.h"
#include "wb/testing.h"

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace {

using ch08::Shape;

// Runs `step` on a fresh problem of `shape` and checks it.
template <class T>
void check(const ch08::Step& step, const Shape& shape, const std::string& label,
           const ch08::InputSpec& spec = {}, float scale = 0.0f) {
  const std::string seed_label =
      std::string(step.name) + "/" + ch08::type_name<T>() + "/" + shape.str() + "/" + label;
  ch08::Problem<T> p =
      ch08::make_problem<T>(shape, wb::derive_seed(wb::base_seed(), seed_label), spec);
  if (scale != 0.0f) p.scale = scale;
  const ch08::Report r =
      ch08::run_and_check(step.launcher<T>(), p, std::string(step.name) == "naive");
  INFO(r.describe(wb::failure_context(step.name, shape.str() + ", " + label, p.seed) + ", " +
                  ch08::type_name<T>()));
  CHECK(r.ok());
}

const std::vector<std::int64_t>& short_lengths() {
  static const std::vector<std::int64_t> v = {1, 2, 17, 63, 64, 65, 127};
  return v;
}

}  // namespace

TEST_CASE("every step matches the fp64 reference at every pair of short lengths",
          "[ch08][gpu][steps]") {
  // Sq, Sk in {1, 2, 17, 63, 64, 65, 127}, both ways round: one row, one key, either side of the
  // 64-row and 64-key tiles, with causal rows that see no key (Sq > Sk). B and H vary with the
  // pair: 1 or 3 batches, 1 or 3 heads, sometimes 3 query heads on 1 key/value head. Every pair
  // runs with and without the mask in each type, d 64 with one and 128 with the other, swapped
  // between fp16 and bf16: each (pair, mask, d) once per step, 196 runs (the sanitizers run all).
  for (const ch08::Step& step : ch08::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    const auto in_both_types = [&](auto tag) {
      using T = decltype(tag);
      int k = 0;
      for (const std::int64_t Sq : short_lengths()) {
        for (const std::int64_t Sk : short_lengths()) {
          ++k;
          const std::int64_t B = k % 2 ? 3 : 1, H = k % 3 == 0 ? 3 : 1;
          const std::int64_t Hkv = H == 3 && k % 4 == 0 ? 1 : H;
          const bool swap = (k % 2 == 1) != std::is_same_v<T, __half>;
          for (const bool causal : {false, true}) {
            const int d = causal != swap ? 128 : 64;
            check<T>(step, Shape{B, H, Hkv, Sq, Sk, d, causal}, "short lengths");
          }
        }
      }
    };
    in_both_types(__half{});
    in_both_types(__nv_bfloat16{});
  }
}

TEST_CASE("every step matches the reference at the long lengths", "[ch08][gpu][.large]") {
  // 1000 and 4097 (one past 64 tiles) against short and long partners; rows sampled. One problem
  // and one reference per shape and type, shared by every step.
  const std::vector<std::pair<std::int64_t, std::int64_t>> pairs = {
      {1000, 1000}, {4097, 4097}, {1, 4097},  {4097, 1}, {1000, 4097},
      {4097, 1000}, {63, 4097},   {4097, 65}, {2, 1000}, {1000, 17}};
  const auto in_both_types = [&](auto tag) {
    using T = decltype(tag);
    for (const auto& [Sq, Sk] : pairs) {
      for (const int d : {64, 128}) {
        for (const bool causal : {false, true}) {
          const Shape shape{1, 2, 1, Sq, Sk, d, causal};
          const ch08::Problem<T> p = ch08::make_problem<T>(
              shape, wb::derive_seed(wb::base_seed(), std::string("long/") + ch08::type_name<T>() +
                                                          "/" + shape.str()));
          const ch08::Reference ref = ch08::make_reference(p);
          for (const ch08::Step& step : ch08::steps()) {
            if (!wb::step_is_ready(step.name)) continue;
            const ch08::Report r =
                ch08::run_and_check(step.launcher<T>(), p, ref, std::string(step.name) == "naive");
            INFO(r.describe(wb::failure_context(step.name, shape.str() + ", long lengths", p.seed) +
                            ", " + ch08::type_name<T>()));
            CHECK(r.ok());
          }
        }
      }
    }
  };
  in_both_types(__half{});
  in_both_types(__nv_bfloat16{});
}

TEST_CASE("every step handles grouped-query heads and odd batches and an explicit scale",
          "[ch08][gpu][steps]") {
  const std::vector<Shape> shapes = {
      {3, 6, 2, 65, 130, 64, false}, {3, 6, 2, 65, 130, 128, true},  {1, 5, 1, 31, 200, 128, false},
      {1, 5, 1, 200, 31, 64, true},  {5, 3, 3, 129, 129, 128, true}, {2, 8, 8, 100, 257, 64, false},
  };
  for (const ch08::Step& step : ch08::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    const auto in_both_types = [&](auto tag) {
      using T = decltype(tag);
      for (const Shape& shape : shapes)
        check<T>(step, shape, "grouped / odd batch");
      check<T>(step, Shape{2, 3, 1, 70, 90, 64, true}, "scale 0.3", {}, 0.3f);
      check<T>(step, Shape{1, 2, 2, 70, 90, 128, false}, "scale 0.02", {}, 0.02f);
    };
    in_both_types(__half{});
    in_both_types(__nv_bfloat16{});
  }
}

TEST_CASE("every step stays stable on scores of large magnitude", "[ch08][gpu][steps]") {
  // |q|, |k| elements in [1.5, 2.5): raw scores of +-50 and far beyond, exp of which overflows
  // fp32 unless each row's running maximum is subtracted first.
  ch08::InputSpec large;
  large.qk_lo = 1.5;
  large.qk_hi = 2.5;
  for (const ch08::Step& step : ch08::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    const auto in_both_types = [&](auto tag) {
      using T = decltype(tag);
      for (const int d : {64, 128}) {
        for (const bool causal : {false, true}) {
          check<T>(step, Shape{1, 2, 2, 127, 300, d, causal}, "large scores", large);
          check<T>(step, Shape{2, 1, 1, 200, 200, d, causal}, "large scores", large);
        }
      }
    };
    in_both_types(__half{});
    in_both_types(__nv_bfloat16{});
  }
}

TEST_CASE("a row that sees no key returns O = 0 and lse = +inf", "[ch08][gpu][steps]") {
  // Causal with Sq > Sk: the first Sq - Sk rows see nothing (bottom-right alignment). The check
  // holds those rows to exactly 0 and +inf; 130 - 3 = 127 such rows span two 64-row blocks.
  for (const ch08::Step& step : ch08::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    const auto in_both_types = [&](auto tag) {
      using T = decltype(tag);
      for (const int d : {64, 128}) {
        check<T>(step, Shape{2, 2, 1, 130, 3, d, true}, "127 rows see no key");
        check<T>(step, Shape{1, 1, 1, 200, 70, d, true}, "130 rows see no key");
      }
    };
    in_both_types(__half{});
    in_both_types(__nv_bfloat16{});
  }
}
