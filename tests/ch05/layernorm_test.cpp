// Chapter 05 residual + LayerNorm GPU tests (solutions and exercises alike).
#include "softmax_layernorm.h"

#include "wb/catch.h"
#include "wb/random.h"
#include "wb/testing.h"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace {

void check_step(const ch05::LayerNormStep& step, const wb::Shape2D& shape) {
  const std::uint64_t seed =
      wb::derive_seed(wb::base_seed(), std::string(step.name) + "/" + shape.str());
  const ch05::LayerNormProblem p = ch05::make_layernorm_problem(shape, seed);
  bool guards_ok = false;
  const wb::CompareReport report = ch05::run_layernorm(step.launch, p, &guards_ok);
  INFO(report.describe(wb::failure_context(step.name, shape.str() + " (" + shape.why + ")", seed)));
  CHECK(guards_ok);
  CHECK(report.ok());
}

std::string message_of(const ch05::LayerNormStep& step, const ch05::LayerNormArgs& args) {
  try {
    step.launch(args, nullptr);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("every LayerNorm step matches the fp64 reference at every shape it accepts",
          "[ch05][gpu]") {
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

TEST_CASE("bad LayerNorm inputs get a clear exception naming the step and the rule",
          "[ch05][gpu]") {
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
    CHECK(contains(message_of(step, with([](auto& a) { a.eps = 0.0f; })), "eps must be positive"));
    CHECK(contains(message_of(step, with([&](auto& a) { a.out = base; })), "overlaps"));
    CHECK(contains(message_of(step, with([](auto& a) { a.x = nullptr; })),
                   "ch05::launch_layernorm_"));
    if (step.max_cols < (std::int64_t{1} << 30)) {
      const std::string m = message_of(step, with([&](auto& a) {
                                         a.rows = 1;
                                         a.cols = step.max_cols + 1;
                                       }));
      CHECK(contains(m, step.name));
      CHECK(contains(m, "at most " + std::to_string(step.max_cols) + " columns"));
    }
  }
  CHECK(
      contains(message_of(ch05::layernorm_steps()[0], with([](auto& a) { a.workspace = nullptr; })),
               "workspace"));
  const ch05::LayerNormStep& vec = ch05::layernorm_steps()[2];
  if (wb::step_is_ready(vec.name))
    CHECK(contains(message_of(vec, with([&](auto& a) { a.out = base + (4 << 22) + 1; })),
                   "modulo 16"));
}

TEST_CASE("the harness catches the known-bad LayerNorm merge without the delta term",
          "[ch05][gpu][known-bad]") {
  const ch05::LayerNormStep bad{"known-bad layernorm-no-delta", "",
                                ch05::known_bad::launch_layernorm_no_delta, 0};
  bool guards_ok = false;
  for (const wb::Shape2D& shape :
       {wb::Shape2D{31, 33, "either side of a warp"},
        wb::Shape2D{64, 1024, "a power of two: equal counts everywhere"}}) {
    const ch05::LayerNormProblem p = ch05::make_layernorm_problem(
        shape, wb::derive_seed(wb::base_seed(), "no-delta/" + shape.str()));
    const wb::CompareReport report = ch05::run_layernorm(bad.launch, p, &guards_ok);
    INFO(report.describe("known-bad no-delta at " + shape.str()));
    CHECK_FALSE(report.ok());
    CHECK(report.mismatched > 0);
    CHECK(guards_ok);
  }
}
