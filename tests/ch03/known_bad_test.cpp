// Chapter 03: the test proving the harness catches the known-bad variant. A test source of its
// own (KNOWN_BAD_TESTS in chapter.cmake), because a learner's copy of the workbook has no
// solutions/ and so no known-bad variant to link. At 4096^3 and 4097^3 it checks sampled entries
// plus a poison scan of all of C.
#include "sgemm.h"

#include "wb/catch.h"
#include "wb/gemm.h"
#include "wb/random.h"

#include <cstdint>
#include <string>

namespace {

namespace gemm = wb::gemm;

std::uint64_t seed_for(const std::string& label) {
  return wb::derive_seed(wb::base_seed(), label);
}

}  // namespace

TEST_CASE("the harness catches the known-bad variant (shared-memory tiles without the tail)",
          "[ch03][gpu][known-bad]") {
  const ch03::Launcher bad = ch03::known_bad::launch_smem_tiles_no_tail;
  const gemm::Sampling sampling{2000, true};  // plus the whole last row and column
  // At 4096^3 every tile is whole: the bug is invisible and the same code is right...
  const gemm::Problem<float> nice = gemm::make_problem<float>({4096, 4096, 4096, "tile multiple"},
                                                              seed_for("known-bad/4096"), 1, 0);
  const gemm::RunReport good = gemm::run_and_check(bad, nice, sampling, nice.seed);
  INFO(good.describe("known-bad no-tail at 4096^3"));
  CHECK(good.ok());
  // ...and at 4097^3 the harness must see the unwritten last row and column and the missing
  // product k = 4096 in every other entry.
  const gemm::Problem<float> odd =
      gemm::make_problem<float>({4097, 4097, 4097, "one past"}, seed_for("known-bad/4097"), 1, 0);
  const gemm::RunReport r = gemm::run_and_check(bad, odd, sampling, odd.seed);
  INFO(r.describe("known-bad no-tail at 4097^3"));
  CHECK_FALSE(r.ok());
  CHECK(r.unwritten_all == 4097u + 4096u);  // the last row and the last column
  CHECK(r.compare.mismatched > 0);          // the K tail is missing everywhere else
  CHECK(r.guards_ok);                       // it writes too little, never outside
}
