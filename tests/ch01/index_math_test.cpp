// Chapter 01 CPU tests: the index math the kernels run, checked without a GPU.
#include "coalescing.h"

#include "wb/catch.h"

#include <cstdint>

// The split of step 3 (taught there, shared as wb::split_row in common/include/wb/rows.h), with
// the 4-byte floats the chapter's kernels use.
TEST_CASE("split_row covers every column exactly once with an aligned body", "[ch01][cpu]") {
  // Every 4-byte-aligned start address modulo 16, and every row length up to a few vectors past 16.
  for (std::uintptr_t start = 0x1000; start < 0x1010; start += 4) {
    for (int cols = 1; cols <= 40; ++cols) {
      const wb::RowSplit s = wb::split_row(start, cols, sizeof(float));
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
  const wb::RowSplit s = wb::split_row(0x2000, 33, sizeof(float));
  REQUIRE(s.head == 0);
  REQUIRE(s.body == 8);
  REQUIRE(s.tail == 1);
}

TEST_CASE("split_row and the tail index stay exact at the documented limit", "[ch01][cpu]") {
  // cols = 2^31 - 1 at every start modulo 16: the kernels' tail index s.head + 4 * s.body + v
  // (v <= 2) must stay below cols, in int.
  const int cols = 2147483647;
  for (std::uintptr_t start = 0x1000; start < 0x1010; start += 4) {
    const wb::RowSplit s = wb::split_row(start, cols, sizeof(float));
    INFO("start % 16 = " << (start % 16));
    REQUIRE(static_cast<std::int64_t>(s.head) + 4 * static_cast<std::int64_t>(s.body) + s.tail ==
            cols);
    REQUIRE(s.head + ch01::kVec * s.body <= cols);  // the tail's first index, in int
  }
}

TEST_CASE("grid_y_for clamps to the 65535-block limit", "[ch01][cpu]") {
  REQUIRE(ch01::grid_y_for(1, 8) == 1u);
  REQUIRE(ch01::grid_y_for(8, 8) == 1u);
  REQUIRE(ch01::grid_y_for(9, 8) == 2u);
  REQUIRE(ch01::grid_y_for(8 * 65535, 8) == 65535u);
  REQUIRE(ch01::grid_y_for(8 * 65535 + 1, 8) ==
          65535u);  // the rest is covered by the grid-stride loop
  REQUIRE(ch01::grid_y_for(2147483647, 8) == 65535u);
  REQUIRE(wb::ceil_div(std::int64_t{600001}, 8) == 75001);
}

TEST_CASE("the grid-stride loops' counters overflow an int, not an unsigned, at the limit",
          "[ch01][cpu]") {
  // The overflow the steps once had (README, "Sizes up to 2^31 - 1"): the last row a thread
  // visits plus the stride of the loop passes 2^31 - 1 when rows (or cols, for the naive step) is
  // 2^31 - 1.
  const std::int64_t rows = 2147483647;
  const std::int64_t stride = std::int64_t{65535} * ch01::BlockShape::kY;  // gridDim.y * blockDim.y
  const std::int64_t last = rows - 1;
  REQUIRE(last + stride > 2147483647);  // an int counter would wrap here...
  // ...to a negative row that still passes `row < rows`: the illegal address the steps had.
  REQUIRE(static_cast<std::int32_t>(static_cast<std::uint32_t>(last + stride)) < 0);
  // An unsigned counter holds it exactly: the steps count rows (step 1 columns) in unsigned.
  REQUIRE(last + stride <= std::int64_t{0xFFFFFFFF});
  REQUIRE(static_cast<std::int64_t>(static_cast<std::uint32_t>(last + stride)) == last + stride);
  // The launchers' x grids stay within an int: 32 * ceil(n / 32) - 1 <= 2^31 - 1.
  REQUIRE(32 * wb::ceil_div(rows, 32) - 1 <= 2147483647);
  REQUIRE(ch01::BlockShape::kX * ch01::kIlp * wb::ceil_div(wb::ceil_div(rows, ch01::kVec), 128) -
              1 <=
          2147483647);
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
