// Chapter 07: the test proving the harness catches the known-bad variant (a stage read before its
// wait_group). A test source of its own (KNOWN_BAD_TESTS in chapter.cmake), because a learner's
// copy of the workbook has no solutions/ and so no known-bad variants to link.
#include "pipeline.h"

#include "wb/catch.h"
#include "wb/gemm.h"
#include "wb/gemm_testing.h"

#include <string>

using wb::gemm::Problem;
using wb::gemm::RunReport;
using wb::gemm::Shape;

TEST_CASE("the harness catches the known-bad variant (a stage read before its wait_group)",
          "[ch07][gpu][known-bad]") {
  wb::gemm::testing::for_each_half_type([&](auto tag) {
    using T = decltype(tag);
    const ch07::Launcher<T> bad = ch07::known_bad::launch_early_read<T>;
    // With odd leading dimensions the copies are synchronous (no cp.async: the rows are not
    // 16-byte aligned), so the early wait has nothing to race with and the result passes (it
    // must, or this test proves nothing about the wait)...
    const Problem<T> sync = wb::gemm::make_problem<T>(
        {130, 257, 200, "odd rows: synchronous copies"},
        wb::gemm::testing::seed_for("known-bad/sync"), 1.0f, 0.0f, 3, false);
    const RunReport good = wb::gemm::run_and_check(bad, sync, {}, sync.seed);
    INFO(good.describe(std::string("known-bad with synchronous copies, ") +
                       wb::gemm::type_name<T>()));
    CHECK(good.ok());
    // ...and with cp.async the harness must see it: the first k-tile is multiplied before it
    // lands, at a ring multiple, at an edge shape and with a long K.
    for (const Shape& shape :
         {Shape{256, 256, 256, "tile and ring multiple"}, Shape{33, 31, 17, "edges, one k-tile"},
          Shape{255, 257, 1000, "long K"}}) {
      const Problem<T> p = wb::gemm::make_problem<T>(
          shape, wb::gemm::testing::seed_for("known-bad/" + shape.str()), 1.0f, 0.0f, 0, true);
      const RunReport r = wb::gemm::run_and_check(bad, p, {}, p.seed);
      INFO(r.describe("known-bad with cp.async, " + shape.str()));
      CHECK_FALSE(r.ok());
      CHECK(r.compare.mismatched > 0);  // wrong values, not missing ones
      CHECK(r.guards_ok);
    }
  });
}
