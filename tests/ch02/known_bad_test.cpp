// Chapter 02's known-bad variant, run under racecheck. In its own file because the variant lives
// in solutions/ (KNOWN_BAD_TESTS in chapter.cmake: a learner's copy has no solutions/).
#include "transpose.h"

#include "wb/catch.h"
#include "wb/random.h"

// Not a test on its own: the driver that tests/ch02's CTest "ch02.known-bad.racecheck" runs under
// compute-sanitizer racecheck (scripts/expect-sanitizer-error.sh), which passes only when racecheck
// reports the missing barrier's hazard. Hidden ([.]) because without racecheck its result depends
// on warp timing: it usually comes out right, which is exactly why a race needs a sanitizer.
TEST_CASE("known-bad: the padded tile without its barrier (run under racecheck)",
          "[ch02][gpu][known-bad][.][known-bad-race]") {
  const wb::Shape2D shape{96, 64, "whole tiles"};
  const ch02::Problem problem =
      ch02::make_problem(shape, wb::derive_seed(wb::base_seed(), "no-barrier"));
  bool guards_ok = false;
  const wb::CompareReport report =
      ch02::run_and_compare(ch02::known_bad::launch_padded_tile_no_barrier, problem, &guards_ok);
  CHECK(guards_ok);  // it reads too early, but never writes outside the output
  WARN("without racecheck this run " << (report.ok() ? "happened to be right" : "was wrong"));
}
