// Chapter 05 residual + LayerNorm GPU tests (solutions and exercises alike). Test cases that loop
// over the steps carry [steps]; see softmax_test.cpp.
#include "softmax_layernorm.h"

#include "wb/catch.h"
#include "wb/random.h"
#include "wb/testing.h"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace {

using wb::contains;

void check_step(const ch05::LayerNormStep& step, const wb::Shape2D& shape,
                const ch05::LayerNormSpec& spec = {}, const std::string& what = "default rows",
                const ch05::LayerNormViews& views = {}) {
  const std::uint64_t seed =
      wb::derive_seed(wb::base_seed(), std::string(step.name) + "/" + shape.str() + "/" + what);
  const ch05::LayerNormProblem p = ch05::make_layernorm_problem(shape, seed, spec);
  bool guards_ok = false;
  const wb::CompareReport report = ch05::run_layernorm(step.launch, p, &guards_ok, views);
  INFO(report.describe(
      wb::failure_context(step.name, shape.str() + " (" + shape.why + "), " + what, seed)));
  CHECK(guards_ok);
  CHECK(report.ok());
}

// The message of the std::invalid_argument its launcher throws (wb::message_of).
std::string message_of(const ch05::LayerNormStep& step, const ch05::LayerNormArgs& args) {
  return wb::message_of(step.launch, args);
}

std::string describe(const ch05::LayerNormViews& v) {
  return "x at +" + std::to_string(v.x) + ", residual at +" + std::to_string(v.residual) +
         ", gamma at +" + std::to_string(v.gamma) + ", beta at +" + std::to_string(v.beta) +
         ", out at +" + std::to_string(v.out);
}

bool vectorized(const ch05::LayerNormStep& step) {
  return std::string(step.name) == "layernorm-vectorized";
}

}  // namespace

TEST_CASE("every LayerNorm step matches the fp64 reference at every shape it accepts",
          "[ch05][gpu][steps]") {
  for (const ch05::LayerNormStep& step : ch05::layernorm_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    int tested = 0;
    for (const wb::Shape2D& shape : ch05::test_shapes()) {
      if (shape.cols > step.max_cols) continue;  // refused with a clear error: tested below
      check_step(step, shape);
      ++tested;
    }
    INFO(step.name);
    CHECK(tested >= 10);
  }
}

TEST_CASE("LayerNorm steps at both sides of every size-dependent choice", "[ch05][gpu][steps]") {
  // threads_for: 32 threads hold 32 x 16 = 512 columns (16 scalars, or 4 float4s, per thread);
  // 513 needs a second warp; 16384 is the register limit (16385 is refused: tested below).
  const std::int64_t one_warp = 32 * ch05::kScalarsPerThread;
  const std::int64_t edges[] = {1, one_warp, one_warp + 1,
                                ch05::resident_cols(ch05::kScalarsPerThread)};
  for (const ch05::LayerNormStep& step : ch05::layernorm_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (std::int64_t cols : edges)
      check_step(step, {3, cols, "an edge of threads_for"});
  }
}

TEST_CASE("LayerNorm steps on rows with a large mean and a small spread", "[ch05][gpu][steps]") {
  // Rows of 1000 +- 1 and 1e6 +- 1000: the mean sits ~1000 standard deviations from zero, where
  // the statistics cancel. The bound follows each element's own error (softmax_layernorm.cpp);
  // tests/ch05/layernorm_bound_test.cpp shows it catching wrong outputs there.
  const ch05::LayerNormSpec specs[] = {{1e3, 1.0}, {1e6, 1e3}};
  const wb::Shape2D shapes[] = {{4, 1, "one column"},
                                {2, 33, "either side of a warp"},
                                {7, 1000, "cols 1000"},
                                {5, 4097, "one past a power of two"},
                                {3, 16384, "the register limit"}};
  for (const ch05::LayerNormStep& step : ch05::layernorm_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (const ch05::LayerNormSpec& spec : specs) {
      for (const wb::Shape2D& shape : shapes) {
        check_step(step, shape, spec,
                   spec.offset < 1e4 ? "rows of 1000 +- 1" : "rows of 1e6 +- 1000");
      }
    }
  }
}

TEST_CASE("LayerNorm steps on views that start 1 to 3 elements into their allocation",
          "[ch05][gpu][steps]") {
  // x, residual and out at one offset (the vectorized step can split them alike), with gamma and
  // beta elsewhere (its float4 reads of gamma and beta then fall back to scalars on some rows)...
  const ch05::LayerNormViews alike[] = {{3, 3, 1, 2, 3}, {2, 2, 2, 2, 2}, {1, 1, 3, 3, 1}};
  // ...and all at different offsets, which only the scalar steps accept.
  const ch05::LayerNormViews different[] = {{1, 2, 3, 1, 3}, {2, 3, 1, 2, 1}, {3, 1, 2, 3, 2}};
  const wb::Shape2D shapes[] = {{31, 33, "either side of a warp"},
                                {17, 1000, "cols 1000"},
                                {3, 4097, "one past a power of two"}};
  for (const ch05::LayerNormStep& step : ch05::layernorm_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (const wb::Shape2D& shape : shapes) {
      for (const ch05::LayerNormViews& v : alike)
        check_step(step, shape, {}, describe(v), v);
      for (const ch05::LayerNormViews& v : different) {
        if (!vectorized(step)) {
          check_step(step, shape, {}, describe(v), v);
          continue;
        }
        const ch05::LayerNormProblem p = ch05::make_layernorm_problem(shape, 1);
        std::string message = "(no exception)";
        try {
          ch05::run_layernorm(step.launch, p, nullptr, v);
        } catch (const std::invalid_argument& e) {
          message = e.what();
        }
        INFO(step.name << ", " << describe(v) << ": " << message);
        CHECK(contains(message, "ch05::launch_layernorm_vectorized"));
        CHECK(contains(message, "same address modulo 16"));
        CHECK(contains(message, "use a scalar step for such views"));
      }
    }
  }
}

TEST_CASE("bad LayerNorm inputs get a clear exception naming the step and the rule",
          "[ch05][gpu][steps]") {
  float* const base = reinterpret_cast<float*>(std::uintptr_t{0x10000000});
  ch05::LayerNormArgs ok;
  ok.x = base;
  ok.residual = base + (1 << 22);
  ok.gamma = base + (2 << 22);
  ok.beta = base + (3 << 22);
  ok.out = base + (4 << 22);
  ok.rows = 4;
  ok.cols = 4;
  ok.workspace = base + (5 << 22);
  auto with = [&](auto change) {
    ch05::LayerNormArgs a = ok;
    change(a);
    return a;
  };
  for (const ch05::LayerNormStep& step : ch05::layernorm_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    INFO("step " << step.name);
    CHECK(contains(message_of(step, with([](auto& a) { a.x = nullptr; })), "x is a null pointer"));
    CHECK(contains(message_of(step, with([](auto& a) { a.residual = nullptr; })),
                   "residual is a null pointer"));
    CHECK(contains(message_of(step, with([](auto& a) { a.gamma = nullptr; })), "gamma is a null"));
    CHECK(contains(message_of(step, with([](auto& a) { a.beta = nullptr; })), "beta is a null"));
    CHECK(contains(message_of(step, with([](auto& a) { a.out = nullptr; })), "out is a null"));
    CHECK(contains(message_of(step, with([](auto& a) { a.rows = 0; })),
                   "must be positive, got 0 x 4"));
    CHECK(contains(message_of(step, with([](auto& a) { a.cols = 0; })),
                   "must be positive, got 4 x 0"));
    CHECK(contains(message_of(step, with([](auto& a) { a.rows = std::int64_t{1} << 31; })),
                   "below 2^31"));
    CHECK(contains(message_of(step, with([](auto& a) { a.eps = 0.0f; })), "eps must be positive"));
    CHECK(contains(message_of(step, with([&](auto& a) { a.out = base; })), "overlaps"));
    CHECK(contains(message_of(step, with([](auto& a) { a.x = nullptr; })),
                   "ch05::launch_layernorm_"));
    if (step.max_cols < (std::int64_t{1} << 31)) {
      const std::string m = message_of(step, with([&](auto& a) {
                                         a.rows = 1;
                                         a.cols = step.max_cols + 1;
                                       }));
      CHECK(contains(m, step.name));
      CHECK(contains(m, "at most " + std::to_string(step.max_cols) + " columns"));
    }
    if (std::string(step.name) == "layernorm-naive")
      CHECK(contains(message_of(step, with([](auto& a) { a.workspace = nullptr; })), "workspace"));
    if (vectorized(step)) {
      CHECK(contains(message_of(step, with([&](auto& a) { a.out = base + (4 << 22) + 1; })),
                     "modulo 16"));
      CHECK(contains(message_of(step, with([&](auto& a) { a.residual = base + (1 << 22) + 2; })),
                     "modulo 16"));
    }
  }
}
