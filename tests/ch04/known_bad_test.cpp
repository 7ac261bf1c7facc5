// Chapter 04's known-bad variant, caught by the harness. In its own file because the variant lives
// in solutions/ (KNOWN_BAD_TESTS in chapter.cmake: a learner's copy has no solutions/).
#include "reduction.h"

#include "wb/catch.h"
#include "wb/random.h"

#include <cstdint>
#include <string>

namespace {

ch04::Problem problem(std::int64_t n, const std::string& label, ch04::Inputs kind) {
  return ch04::make_problem(n, wb::derive_seed(wb::base_seed(), label + "/" + std::to_string(n)),
                            kind);
}

}  // namespace

TEST_CASE("the harness catches the known-bad variant (warp shuffle with width 16)",
          "[ch04][gpu][known-bad]") {
  const ch04::Launcher bad = ch04::known_bad::launch_warp_shuffle_half_warp;
  // Positive inputs in [0.5, 2): nothing cancels, so each input the variant drops makes the result
  // smaller by at least 0.5, far above the tolerance at these lengths. That makes the catch
  // deterministic, not a matter of which random inputs were drawn.
  // At n <= 16 no warp has data in lanes 16..31: the bug is invisible...
  for (const std::int64_t n : {std::int64_t{1}, std::int64_t{16}}) {
    const ch04::Problem p = problem(n, "known-bad", ch04::Inputs::kPositive);
    const ch04::RunResult r = ch04::run_once(bad, p, ch04::Op::kSum);
    INFO("known-bad at n = " << n << " should still be right");
    CHECK(ch04::compare_result(r.value, p, ch04::Op::kSum).ok());
  }
  // ...and at every longer length lanes 16..31 of some warp are dropped, and the harness says so.
  for (const std::int64_t n : {std::int64_t{17}, std::int64_t{33}, std::int64_t{1021},
                               std::int64_t{65537}, std::int64_t{1000003}}) {
    const ch04::Problem p = problem(n, "known-bad", ch04::Inputs::kPositive);
    const ch04::RunResult r = ch04::run_once(bad, p, ch04::Op::kSum);
    const wb::CompareReport report = ch04::compare_result(r.value, p, ch04::Op::kSum);
    INFO(report.describe("known-bad half-warp shuffle at n = " + std::to_string(n)));
    CHECK_FALSE(report.ok());
    CHECK(report.first_bad_kind.find("outside tolerance") != std::string::npos);
    CHECK(p.ref_sum - r.value >= 0.5);  // too small by at least one dropped input
    CHECK(r.out_guards_ok);
  }
}
