// Chapter 06: the test proving the harness catches the known-bad variant. A test source of its
// own (KNOWN_BAD_TESTS in chapter.cmake), because a learner's copy of the workbook has no
// solutions/ and so no known-bad variants to link.
#include "hgemm.h"

#include "wb/catch.h"
#include "wb/gemm.h"
#include "wb/gemm_testing.h"
#include "wb/random.h"

#include <cstdint>
#include <string>

namespace {

using wb::gemm::Problem;
using wb::gemm::RunReport;
using wb::gemm::Shape;

using wb::gemm::testing::seed_for;

// Calls f(T{}) for fp16 and for bf16.
template <class F>
void for_each_type(F&& f) {
  wb::gemm::testing::for_each_half_type(f);
}

}  // namespace

TEST_CASE("the harness catches the known-bad variant (B fragment loaded without .trans)",
          "[ch06][gpu][known-bad]") {
  for_each_type([&](auto tag) {
    using T = decltype(tag);
    const ch06::Launcher<T> bad = ch06::known_bad::launch_b_no_trans<T>;
    // On a B whose aligned 8 x 8 blocks are symmetric, transposing each block changes nothing:
    // the bug is invisible and the result passes (it must, or this test proves nothing)...
    Problem<T> sym = wb::gemm::make_problem<T>({128, 128, 128, "symmetric 8 x 8 blocks of B"},
                                               seed_for("known-bad/sym"), 1.0f, 0.0f);
    for (std::int64_t k = 0; k < 128; ++k) {
      for (std::int64_t n = 0; n < 128; ++n) {
        const std::int64_t k2 = k - k % 8 + n % 8, n2 = n - n % 8 + k % 8;  // mirror in the block
        if (k2 < k) sym.B[k * sym.ldb + n] = sym.B[k2 * sym.ldb + n2];
      }
    }
    const RunReport good = wb::gemm::run_and_check(bad, sym, {}, sym.seed);
    INFO(good.describe(std::string("known-bad on symmetric blocks, ") + wb::gemm::type_name<T>()));
    CHECK(good.ok());
    // ...and on random inputs the harness must see it, at a tile multiple and at an edge shape.
    for (const Shape& shape : {Shape{128, 128, 128, "tile multiple"}, Shape{33, 31, 17, "edges"}}) {
      const Problem<T> p =
          wb::gemm::make_problem<T>(shape, seed_for("known-bad/" + shape.str()), 1.0f, 0.0f);
      const RunReport r = wb::gemm::run_and_check(bad, p, {}, p.seed);
      INFO(r.describe("known-bad on random inputs, " + shape.str()));
      CHECK_FALSE(r.ok());
      CHECK(r.compare.mismatched > 0);  // wrong values, not missing ones
      CHECK(r.guards_ok);
    }
  });
}
