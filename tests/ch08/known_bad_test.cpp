// Chapter 08: the tests proving the harness catches both known-bad variants. A test source of its
// own (KNOWN_BAD_TESTS in chapter.cmake), because a learner's copy of the workbook has no
// solutions/ and so no known-bad variants to link. Each variant is first shown passing on inputs
// where its bug is invisible (or this test would prove nothing), then failing where it is not.
#include "attention.h"

#include "wb/catch.h"
#include "wb/random.h"

#include <cstdint>
#include <string>

TEST_CASE("the harness catches an online softmax that forgets to rescale O",
          "[ch08][gpu][known-bad]") {
  const auto in_both_types = [&](auto tag) {
    using T = decltype(tag);
    const ch08::Launcher<T> bad = ch08::known_bad::launch_no_rescale<T>;
    for (const int d : {64, 128}) {
      // Keys repeat with period 64 (one key tile): every later tile holds exactly the scores of
      // the first, so no row's maximum ever grows after tile 0, every rescale factor is 1, and
      // the missing rescale changes nothing: the result must pass.
      ch08::Problem<T> periodic = ch08::make_problem<T>(
          {2, 2, 1, 100, 300, d, false}, wb::derive_seed(wb::base_seed(), "no-rescale/periodic"));
      for (std::int64_t b = 0; b < 2; ++b)
        for (std::int64_t j = 64; j < 300; ++j)
          for (int c = 0; c < d; ++c)
            periodic.K[(b * 300 + j) * d + c] = periodic.K[(b * 300 + j % 64) * d + c];
      const ch08::Report good = ch08::run_and_check(bad, periodic, false);
      INFO(good.describe(std::string("no-rescale on periodic keys, ") + ch08::type_name<T>()));
      CHECK(good.ok());
      // Random keys over several tiles: the maximum grows and the early tiles are overweighted.
      for (const bool causal : {false, true}) {
        const ch08::Problem<T> p = ch08::make_problem<T>(
            {2, 2, 1, 100, 300, d, causal}, wb::derive_seed(wb::base_seed(), "no-rescale/random"));
        const ch08::Report r = ch08::run_and_check(bad, p, false);
        INFO(r.describe(std::string("no-rescale on random keys, ") + ch08::type_name<T>()));
        CHECK_FALSE(r.ok());
        CHECK(r.o_err > r.o_allowed);  // wrong values, not missing ones
        CHECK(r.unwritten == 0);
        CHECK(r.guards_ok);
      }
    }
  };
  in_both_types(__half{});
  in_both_types(__nv_bfloat16{});
}

TEST_CASE("the harness catches a causal mask off by one", "[ch08][gpu][known-bad]") {
  const auto in_both_types = [&](auto tag) {
    using T = decltype(tag);
    const ch08::Launcher<T> bad = ch08::known_bad::launch_mask_off_by_one<T>;
    for (const int d : {64, 128}) {
      // Without the causal mask the wrong comparison is never made: the result must pass.
      const ch08::Problem<T> full = ch08::make_problem<T>(
          {1, 2, 2, 65, 127, d, false}, wb::derive_seed(wb::base_seed(), "off-by-one/full"));
      const ch08::Report good = ch08::run_and_check(bad, full, false);
      INFO(good.describe(std::string("off-by-one without the mask, ") + ch08::type_name<T>()));
      CHECK(good.ok());
      // With it, every row loses its diagonal key: square, Sq < Sk and a single query.
      for (const ch08::Shape& shape :
           {ch08::Shape{1, 2, 2, 100, 100, d, true}, ch08::Shape{1, 1, 1, 17, 130, d, true},
            ch08::Shape{1, 1, 1, 1, 1, d, true}}) {
        const ch08::Problem<T> p =
            ch08::make_problem<T>(shape, wb::derive_seed(wb::base_seed(), "off-by-one/causal"));
        const ch08::Report r = ch08::run_and_check(bad, p, false);
        INFO(r.describe("off-by-one, " + shape.str() + ", " + ch08::type_name<T>()));
        CHECK_FALSE(r.ok());
        CHECK(r.unwritten == 0);
        CHECK(r.guards_ok);
      }
    }
  };
  in_both_types(__half{});
  in_both_types(__nv_bfloat16{});
}
