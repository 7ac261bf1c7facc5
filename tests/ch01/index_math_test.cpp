// Chapter 01 CPU tests: the index math the kernels run, checked without a GPU.
#include "coalescing.h"

#include "wb/catch.h"

#include <cstdint>

TEST_CASE("split_row covers every column exactly once with an aligned body", "[ch01][cpu]") {
  // Every 4-byte-aligned start address modulo 16, and every row length up to a few vectors past 16.
  for (std::uintptr_t start = 0x1000; start < 0x1010; start += 4) {
    for (int cols = 1; cols <= 40; ++cols) {
      const ch01::RowSplit s = ch01::split_row(start, cols);
      INFO("start % 16 = " << (start % 16) << ", cols = " << cols);
      REQUIRE(s.head >= 0);
      REQUIRE(s.head <= 3);
      REQUIRE(s.tail >= 0);
      REQUIRE(s.tail <= 3);
      REQUIRE(s.body >= 0);
      REQUIRE(s.head + ch01::kVec * s.body + s.tail == cols);
      if (s.body > 0)
        REQUIRE((start + 4 * s.head) % 16 == 0);  // the body starts on a 16-byte boundary
      if (s.head < 3 && s.head < cols)
        REQUIRE((start + 4 * s.head) % 16 == 0);  // head is no longer than needed
    }
  }
}

TEST_CASE("split_row of an aligned row has no head", "[ch01][cpu]") {
  const ch01::RowSplit s = ch01::split_row(0x2000, 33);
  REQUIRE(s.head == 0);
  REQUIRE(s.body == 8);
  REQUIRE(s.tail == 1);
}

TEST_CASE("grid_y_for clamps to the 65535-block limit", "[ch01][cpu]") {
  REQUIRE(ch01::grid_y_for(1, 8) == 1u);
  REQUIRE(ch01::grid_y_for(8, 8) == 1u);
  REQUIRE(ch01::grid_y_for(9, 8) == 2u);
  REQUIRE(ch01::grid_y_for(8 * 65535, 8) == 65535u);
  REQUIRE(ch01::grid_y_for(8 * 65535 + 1, 8) ==
          65535u);  // the rest is covered by the grid-stride loop
  REQUIRE(ch01::ceil_div(600001, 8) == 75001);
}

TEST_CASE("the reference and minimum byte count", "[ch01][cpu]") {
  const ch01::Problem p = ch01::make_problem({3, 5, "small"}, 42);
  REQUIRE(p.in.size() == 15);
  REQUIRE(p.scale.size() == 3);
  for (std::size_t i = 0; i < p.in.size(); ++i) {
    REQUIRE(p.in[i] != 0.0f);
    REQUIRE(p.ref[i] == static_cast<double>(p.in[i]) * static_cast<double>(p.scale[i / 5]));
  }
  REQUIRE(ch01::min_bytes(16384, 16384) == 4.0 * (2.0 * 16384 * 16384 + 16384));
  // Same seed, same inputs; different seed, different inputs.
  REQUIRE(ch01::make_problem({3, 5, ""}, 42).in == p.in);
  REQUIRE(ch01::make_problem({3, 5, ""}, 43).in != p.in);
}

TEST_CASE("argument checks run before any GPU work", "[ch01][cpu]") {
  // validate() needs no GPU: these fail on the host before anything is launched.
  float a[8], b[8], s[2];
  ch01::ScaleRowsArgs ok{a, s, b, 2, 4};
  REQUIRE_NOTHROW(ch01::validate(ok, "t"));
  auto rejects = [](ch01::ScaleRowsArgs args) {
    try {
      ch01::validate(args, "t");
    } catch (const std::invalid_argument&) {
      return true;
    }
    return false;
  };
  REQUIRE(rejects({nullptr, s, b, 2, 4}));
  REQUIRE(rejects({a, nullptr, b, 2, 4}));
  REQUIRE(rejects({a, s, nullptr, 2, 4}));
  REQUIRE(rejects({a, s, b, 0, 4}));
  REQUIRE(rejects({a, s, b, 2, 0}));
  REQUIRE(rejects({a, s, b, -1, 4}));
  REQUIRE(rejects({a, s, a, 2, 4}));           // in == out
  REQUIRE(rejects({a, s, a + 1, 2, 4}));       // partial overlap
  REQUIRE(rejects({a, a, b, 2, 4}) == false);  // scale may alias in (both are read-only)
  REQUIRE(rejects({a, b + 1, b, 2, 3}));       // scale overlaps out
  REQUIRE(rejects({a, s, b, std::int64_t{1} << 31, 1}));
}
