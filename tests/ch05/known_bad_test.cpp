// Chapter 05 known-bad tests: the harness must catch the deliberately wrong variants in
// solutions/05-softmax-layernorm/known_bad_*.cu (built only where solutions/ exists, as
// KNOWN_BAD_TESTS: a learner's copy has neither). Not tagged [steps]: they run in ch05.gpu.other.
#include "softmax_layernorm.h"

#include "wb/catch.h"
#include "wb/random.h"

#include <string>

namespace {

const ch05::DType kDTypes[] = {ch05::DType::f32, ch05::DType::bf16};

}  // namespace

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

TEST_CASE("the harness catches the known-bad LayerNorm merge without the delta term",
          "[ch05][gpu][known-bad]") {
  bool guards_ok = false;
  for (const wb::Shape2D& shape :
       {wb::Shape2D{31, 33, "either side of a warp"},
        wb::Shape2D{64, 1024, "a power of two: equal counts everywhere"}}) {
    const ch05::LayerNormProblem p = ch05::make_layernorm_problem(
        shape, wb::derive_seed(wb::base_seed(), "no-delta/" + shape.str()));
    const wb::CompareReport report =
        ch05::run_layernorm(ch05::known_bad::launch_layernorm_no_delta, p, &guards_ok);
    INFO(report.describe("known-bad no-delta at " + shape.str()));
    CHECK_FALSE(report.ok());
    CHECK(report.mismatched > 0);
    CHECK(guards_ok);
  }
}
