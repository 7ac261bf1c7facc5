// Chapter 01's known-bad variant, caught by the harness. In its own file because the variant lives
// in solutions/ (KNOWN_BAD_TESTS in chapter.cmake: a learner's copy has no solutions/).
#include "coalescing.h"

#include "wb/catch.h"
#include "wb/random.h"

TEST_CASE("the harness catches the known-bad variant (vectorized step without the row tail)",
          "[ch01][gpu][known-bad]") {
  const ch01::Launcher bad = ch01::known_bad::launch_vectorized_no_tail;
  bool guards_ok = false;
  // At a shape where no row has a tail the bug is invisible: the same code gives the exact
  // answer...
  const ch01::Problem nice =
      ch01::make_problem({64, 128, "tile multiple"}, wb::derive_seed(wb::base_seed(), "nice"));
  CHECK(ch01::run_and_compare(bad, nice, &guards_ok).ok());
  // ...and at 31 x 33 the harness must see the unwritten tails and fail, naming the first one.
  const ch01::Problem odd = ch01::make_problem({31, 33, "either side of a warp"},
                                               wb::derive_seed(wb::base_seed(), "odd"));
  const wb::CompareReport report = ch01::run_and_compare(bad, odd, &guards_ok);
  INFO(report.describe("known-bad no-tail at 31x33"));
  CHECK_FALSE(report.ok());
  CHECK(report.unwritten > 0);
  CHECK(report.first_bad_kind.find("unwritten") != std::string::npos);
  CHECK(guards_ok);  // it writes too little, never outside
}
