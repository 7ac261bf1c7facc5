// Chapter 05 softmax GPU tests. Linked against the reference solutions (ch05_gpu_tests) and
// against the learner's exercises (ch05_check): the same tests judge both.
#include "softmax_layernorm.h"

#include "wb/catch.h"
#include "wb/random.h"
#include "wb/testing.h"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace {

const ch05::DType kDTypes[] = {ch05::DType::f32, ch05::DType::bf16};

std::string label(const ch05::SoftmaxStep& step, ch05::DType t) {
  return std::string(step.name) + " (" + ch05::dtype_name(t) + ")";
}

// Runs one step at one shape with fresh inputs and checks everything the harness can check.
void check_step(const ch05::SoftmaxStep& step, ch05::DType t, const wb::Shape2D& shape,
                const ch05::LogitSpec& spec, const std::string& what) {
  const std::uint64_t seed =
      wb::derive_seed(wb::base_seed(), label(step, t) + "/" + shape.str() + "/" + what);
  const ch05::SoftmaxProblem p = ch05::make_softmax_problem(shape, t, seed, spec);
  bool guards_ok = false;
  const wb::CompareReport report = ch05::run_softmax(step.launch, p, &guards_ok);
  INFO(report.describe(
      wb::failure_context(label(step, t), shape.str() + " (" + shape.why + "), " + what, seed)));
  CHECK(guards_ok);  // nothing written outside the output
  CHECK(report.ok());
}

std::string message_of(const ch05::SoftmaxStep& step, const ch05::SoftmaxArgs& args) {
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

TEST_CASE("every softmax step matches the fp64 reference at every shape it accepts, fp32 and bf16",
          "[ch05][gpu]") {
  for (const ch05::SoftmaxStep& step : ch05::softmax_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (ch05::DType t : kDTypes) {
      int tested = 0;
      for (const wb::Shape2D& shape : ch05::test_shapes()) {
        if (shape.cols > step.max_cols(t)) continue;  // refused with a clear error: tested below
        check_step(step, t, shape, {}, "logits |x| in [0.5, 4)");
        ++tested;
      }
      INFO(label(step, t));
      CHECK(tested >= 10);  // every step, even the one limited to 1024 columns, sees >= 10 shapes
    }
  }
}

TEST_CASE("softmax steps stay finite and accurate on logits of magnitude 80 to 100",
          "[ch05][gpu]") {
  // exp(100) overflows fp32 (max ~3.4e38 = exp(88.7)): only the max subtraction keeps this finite.
  ch05::LogitSpec large;
  large.lo = 80.0;
  large.hi = 100.0;
  const wb::Shape2D shapes[] = {
      {33, 31, "either side of a warp"}, {64, 1000, "cols 1000"}, {3, 65536, "cols 65536"}};
  for (const ch05::SoftmaxStep& step : ch05::softmax_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (ch05::DType t : kDTypes) {
      for (const wb::Shape2D& shape : shapes) {
        if (shape.cols <= step.max_cols(t)) check_step(step, t, shape, large, "logits |x| 80..100");
      }
    }
  }
}

TEST_CASE("softmax steps handle masked (-inf) entries and a fully masked row (which yields zeros)",
          "[ch05][gpu]") {
  ch05::LogitSpec masked;
  masked.masked = 0.25;
  masked.mask_first_row = true;
  const wb::Shape2D shapes[] = {{7, 1, "one column, row 0 fully masked"},
                                {31, 33, "either side of a warp"},
                                {17, 4097, "cols 4097"},
                                {3, 65536, "cols 65536"}};
  for (const ch05::SoftmaxStep& step : ch05::softmax_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (ch05::DType t : kDTypes) {
      for (const wb::Shape2D& shape : shapes) {
        if (shape.cols <= step.max_cols(t))
          check_step(step, t, shape, masked, "25% masked, row 0 all -inf");
      }
    }
  }
}

TEST_CASE("bad softmax inputs get a clear exception naming the step and the rule", "[ch05][gpu]") {
  // Fake addresses, never dereferenced: every call below is rejected before anything launches.
  void* const p = reinterpret_cast<void*>(std::uintptr_t{0x10000000});
  void* const q = reinterpret_cast<void*>(std::uintptr_t{0x20000000});
  float* const ws = reinterpret_cast<float*>(std::uintptr_t{0x30000000});
  const auto f32 = ch05::DType::f32;
  for (const ch05::SoftmaxStep& step : ch05::softmax_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    INFO("step " << step.name);
    CHECK(contains(message_of(step, {nullptr, q, 4, 4, f32, ws}), "in is a null pointer"));
    CHECK(contains(message_of(step, {p, nullptr, 4, 4, f32, ws}), "out is a null pointer"));
    CHECK(contains(message_of(step, {p, q, 0, 4, f32, ws}), "must be positive, got 0 x 4"));
    CHECK(contains(message_of(step, {p, q, 4, 0, f32, ws}), "must be positive, got 4 x 0"));
    CHECK(contains(message_of(step, {p, p, 4, 4, f32, ws}), "overlap"));
    CHECK(contains(message_of(step, {nullptr, q, 4, 4, f32, ws}), "ch05::launch_softmax_"));
    // Rows longer than the step's limit: the message names the step and its limit.
    for (ch05::DType t : kDTypes) {
      const std::int64_t limit = step.max_cols(t);
      if (limit >= (std::int64_t{1} << 30)) continue;
      const std::string m = message_of(step, {p, q, 1, limit + 1, t, ws});
      CHECK(contains(m, step.name));
      CHECK(contains(m, "at most " + std::to_string(limit) + " columns"));
      CHECK(contains(m, "softmax-online"));  // and says which step takes such rows
    }
  }
  // The naive step needs its workspace; the vectorized step needs one alignment for in and out.
  CHECK(contains(message_of(ch05::softmax_steps()[0], {p, q, 4, 4, f32, nullptr}), "workspace"));
  const ch05::SoftmaxStep& online = ch05::softmax_steps()[3];
  if (wb::step_is_ready(online.name)) {
    void* const q4 = reinterpret_cast<void*>(std::uintptr_t{0x20000004});
    CHECK(contains(message_of(online, {p, q4, 4, 4, f32, ws}), "modulo 16"));
  }
}

TEST_CASE("the harness catches the known-bad softmax without the max subtraction",
          "[ch05][gpu][known-bad]") {
  const ch05::SoftmaxLauncher bad = ch05::known_bad::launch_softmax_no_max;
  bool guards_ok = false;
  // On small logits the bug is invisible: exp(x) / sum exp(x) is the same function...
  const ch05::SoftmaxProblem small =
      ch05::make_softmax_problem({31, 33, "either side of a warp"}, ch05::DType::f32,
                                 wb::derive_seed(wb::base_seed(), "small"));
  const wb::CompareReport ok = ch05::run_softmax(bad, small, &guards_ok);
  INFO(ok.describe("known-bad no-max, logits |x| < 4"));
  CHECK(ok.ok());
  // ...and at magnitudes 80..100 exp overflows: the harness must see the NaN/Inf and fail.
  ch05::LogitSpec large;
  large.lo = 80.0;
  large.hi = 100.0;
  for (ch05::DType t : kDTypes) {
    const ch05::SoftmaxProblem big = ch05::make_softmax_problem(
        {31, 33, "either side of a warp"}, t, wb::derive_seed(wb::base_seed(), "large"), large);
    const wb::CompareReport report = ch05::run_softmax(bad, big, &guards_ok);
    INFO(report.describe(std::string("known-bad no-max, logits 80..100, ") + ch05::dtype_name(t)));
    // A row with an overflowed exp: the inf entries become inf/inf = NaN and the others x/inf = 0,
    // so the first bad element may be a 0 "outside tolerance"; NaNs must be among the failures.
    CHECK_FALSE(report.ok());
    CHECK(report.nan > 0);
    CHECK(guards_ok);
  }
}
