// Chapter 07: the known-bad variant (a stage read before its wait_group) and the proof that the
// workbook catches it. A test source of its own (KNOWN_BAD_TESTS in chapter.cmake), because a
// learner's copy of the workbook has no solutions/ and so no known-bad variants to link.
//
// What the H100 showed (bench/results/h100/verification-*-ch07*.log): the early read came out
// RIGHT on random inputs at every shape tried (256^3, 33x31x17, 255x257x1000, fp16 and bf16):
// by the time the warps' ldmatrix reached the stage, the 16-byte copies had landed. A race that
// usually wins is exactly the kind no output comparison can be trusted to see, so this variant is
// caught the way chapter 02's missing barrier is: compute-sanitizer racecheck reports the hazard
// between cp.async's shared-memory write and ldmatrix's read, and the CTest entry
// ch07.known-bad.racecheck (SANITIZER_MUST_FLAG in chapter.cmake) passes only when it does.
#include "pipeline.h"

#include "wb/catch.h"
#include "wb/gemm.h"
#include "wb/gemm_testing.h"

#include <string>

using wb::gemm::Problem;
using wb::gemm::RunReport;

// The variant is step 4 but for the wait count: with odd leading dimensions its copies are
// synchronous (no cp.async: the rows are not 16-byte aligned), the early wait has nothing to race
// with, and the result must be right. (If it were wrong here, it would be wrong for a reason other
// than the wait, and the racecheck entry would prove nothing about the wait.)
TEST_CASE("known-bad: the early-read variant is step 4 but for its wait (synchronous copies)",
          "[ch07][gpu][known-bad]") {
  wb::gemm::testing::for_each_half_type([&](auto tag) {
    using T = decltype(tag);
    const Problem<T> sync = wb::gemm::make_problem<T>(
        {130, 257, 200, "odd rows: synchronous copies"},
        wb::gemm::testing::seed_for("known-bad/sync"), 1.0f, 0.0f, 3, false);
    const RunReport r =
        wb::gemm::run_and_check(ch07::known_bad::launch_early_read<T>, sync, {}, sync.seed);
    INFO(r.describe(std::string("known-bad with synchronous copies, ") + wb::gemm::type_name<T>()));
    CHECK(r.ok());
  });
}

// Not a test on its own: the driver that CTest's ch07.known-bad.racecheck runs under
// compute-sanitizer racecheck (scripts/expect-sanitizer-error.sh), which passes only when
// racecheck reports the hazard. Hidden ([.]) because without racecheck its result depends on
// timing: on the H100 it came out right.
TEST_CASE("known-bad: a stage read before its wait_group (run under racecheck)",
          "[ch07][gpu][known-bad][.][known-bad-race]") {
  const Problem<__half> p = wb::gemm::make_problem<__half>(
      {256, 256, 256, "tile and ring multiple, cp.async"},
      wb::gemm::testing::seed_for("known-bad/race"), 1.0f, 0.0f, 0, true);
  const RunReport r =
      wb::gemm::run_and_check(ch07::known_bad::launch_early_read<__half>, p, {}, p.seed);
  CHECK(r.guards_ok);  // it reads too early, but never writes outside C
  WARN("without racecheck this run " << (r.ok() ? "happened to be right" : "was wrong"));
}
