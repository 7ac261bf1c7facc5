// Chapter 02 CPU tests: the bank model and the tile layouts the kernels use, checked without a GPU.
// Each "warp access" below is built from the lane -> (i, j) mapping written in the step's kernel
// and the same offset function the kernel calls.
#include "transpose.h"

#include "wb/catch.h"

#include <cstdint>
#include <functional>
#include <set>
#include <utility>
#include <stdexcept>
#include <string>

namespace {

using Offset = int (*)(int, int);

// Byte addresses of a warp's 32 lanes: lane -> float offset in the tile -> 4 bytes per float.
int degree_of(const std::function<int(int lane)>& float_offset_of_lane) {
  std::uint32_t addresses[32];
  for (int lane = 0; lane < 32; ++lane)
    addresses[lane] = 4u * static_cast<std::uint32_t>(float_offset_of_lane(lane));
  return ch02::conflict_degree(addresses, 32);
}

// Worst degree over every warp of a steps 2-4 block (32 x 8 threads: warp w is threadIdx.y = w,
// lane = threadIdx.x) and every k, for the load phase (writes tile (ty + 8k, lane)) or the store
// phase (reads tile (lane, ty + 8k)).
int worst_tile_degree(Offset offset, bool store_phase) {
  using T = ch02::TileShape;
  int worst = 0;
  for (int ty = 0; ty < T::kBlockRows; ++ty) {
    for (int k = 0; k < T::kRowsPerThread; ++k) {
      const int i = ty + k * T::kBlockRows;
      const int d =
          degree_of([&](int lane) { return store_phase ? offset(lane, i) : offset(i, lane); });
      worst = d > worst ? d : worst;
    }
  }
  return worst;
}

// The same for step 5's 8 x 8 block: lane l of warp w is thread (x, y) = (l % 8, 4w + l / 8); for
// each k and component q it writes tile (y + 8k, 4x + q) or reads tile (4x + q, y + 8k).
int worst_wide_degree(Offset offset, bool store_phase) {
  using W = ch02::WideShape;
  const int warps = W::kThreadsX * W::kThreadsY / 32;
  int worst = 0;
  for (int w = 0; w < warps; ++w) {
    for (int k = 0; k < W::kRowsPerThread; ++k) {
      for (int q = 0; q < W::kVec; ++q) {
        const int d = degree_of([&](int lane) {
          const int x = lane % W::kThreadsX, y = w * (32 / W::kThreadsX) + lane / W::kThreadsX;
          const int i = y + k * W::kThreadsY, j = W::kVec * x + q;
          return store_phase ? offset(j, i) : offset(i, j);
        });
        worst = d > worst ? d : worst;
      }
    }
  }
  return worst;
}

// The same for the 32 x 16 block of steps 7 and 8 on a 64 x 64 tile: warp w is threadIdx.y = w,
// lane = threadIdx.x; element (k, h) is tile row w + 16k, column lane + 32h (load phase), and the
// store phase reads tile (lane + 32h, w + 16k).
int worst_big_degree(const std::function<int(int, int)>& offset, bool store_phase) {
  using B = ch02::BigTileShape;
  int worst = 0;
  for (int w = 0; w < B::kThreadsY; ++w) {
    for (int k = 0; k < B::kRowsPerThread; ++k) {
      for (int h = 0; h < B::kColsPerThread; ++h) {
        const int d = degree_of([&](int lane) {
          const int i = w + k * B::kThreadsY, j = lane + h * B::kThreadsX;
          return store_phase ? offset(j, i) : offset(i, j);
        });
        worst = d > worst ? d : worst;
      }
    }
  }
  return worst;
}

}  // namespace

TEST_CASE("conflict_degree follows the 32-bank, 4-byte model", "[ch02][cpu]") {
  CHECK(degree_of([](int lane) { return lane; }) == 1);        // 32 consecutive words
  CHECK(degree_of([](int) { return 7; }) == 1);                // one word: a broadcast
  CHECK(degree_of([](int lane) { return 2 * lane; }) == 2);    // stride 2: 16 banks, 2 words each
  CHECK(degree_of([](int lane) { return 32 * lane; }) == 32);  // stride 32: one bank
  CHECK(degree_of([](int lane) { return 33 * lane; }) == 1);   // stride 33: every bank once
  CHECK(degree_of([](int lane) { return lane / 2; }) == 1);    // pairs share a word: broadcast
  CHECK(degree_of([](int lane) { return lane == 6 ? 37 : lane; }) == 2);  // bank 5: words 5, 37
  // Bytes within one word are one word; fewer lanes than a warp are allowed.
  const std::uint32_t bytes_of_one_word[4] = {64, 65, 66, 67};
  CHECK(ch02::conflict_degree(bytes_of_one_word, 4) == 1);
  const std::uint32_t none[1] = {0};
  CHECK(ch02::conflict_degree(none, 0) == 0);
  CHECK(ch02::bank_of(0) == 0);
  CHECK(ch02::bank_of(4 * 33) == 1);
  CHECK(ch02::bank_of(127) == 31);
}

TEST_CASE("reading a column of an unpadded 32x32 float tile is a 32-way conflict", "[ch02][cpu]") {
  for (int j = 0; j < 32; ++j) {
    INFO("column " << j);
    CHECK(degree_of([&](int lane) { return ch02::unpadded_offset(lane, j); }) == 32);
    CHECK(degree_of([&](int lane) { return ch02::unpadded_offset(j, lane); }) == 1);  // a row
  }
}

TEST_CASE("padding each tile row by one float makes column reads conflict-free", "[ch02][cpu]") {
  for (int j = 0; j < 32; ++j) {
    INFO("column " << j);
    CHECK(degree_of([&](int lane) { return ch02::padded_offset(lane, j); }) == 1);
    CHECK(degree_of([&](int lane) { return ch02::padded_offset(j, lane); }) == 1);
  }
}

TEST_CASE("the XOR swizzle makes column reads conflict-free without padding", "[ch02][cpu]") {
  for (int j = 0; j < 32; ++j) {
    INFO("column " << j);
    CHECK(degree_of([&](int lane) { return ch02::swizzled_offset(lane, j); }) == 1);
    CHECK(degree_of([&](int lane) { return ch02::swizzled_offset(j, lane); }) == 1);
  }
  // The swizzle is a bijection onto the 32 x 32 tile: no element is lost or doubled.
  std::set<int> offsets;
  for (int i = 0; i < 32; ++i) {
    for (int j = 0; j < 32; ++j) {
      const int o = ch02::swizzled_offset(i, j);
      CHECK(o / 32 == i);  // it stays in its row
      offsets.insert(o);
    }
  }
  CHECK(offsets.size() == 1024u);
  CHECK(*offsets.begin() == 0);
  CHECK(*offsets.rbegin() == 1023);
}

TEST_CASE("the warp accesses of steps 2-4 have the conflict degrees the lesson states",
          "[ch02][cpu]") {
  CHECK(worst_tile_degree(ch02::unpadded_offset, false) == 1);  // step 2 writes rows
  CHECK(worst_tile_degree(ch02::unpadded_offset, true) == 32);  // step 2 reads columns
  CHECK(worst_tile_degree(ch02::padded_offset, false) == 1);    // step 3
  CHECK(worst_tile_degree(ch02::padded_offset, true) == 1);
  CHECK(worst_tile_degree(ch02::swizzled_offset, false) == 1);  // step 4
  CHECK(worst_tile_degree(ch02::swizzled_offset, true) == 1);
}

TEST_CASE("step 5's scalar tile accesses are conflict-free with padding, 8-way without",
          "[ch02][cpu]") {
  CHECK(worst_wide_degree(ch02::padded_offset, false) == 1);
  CHECK(worst_wide_degree(ch02::padded_offset, true) == 1);
  // Without the pad, the 8 lanes that share a y gather down the same column: 8-way.
  CHECK(worst_wide_degree(ch02::unpadded_offset, true) == 8);
}

TEST_CASE("the 64 x 64 tile of steps 7 and 8 is conflict-free with 65-float rows, 32-way with 64",
          "[ch02][cpu]") {
  CHECK(worst_big_degree(ch02::big_padded_offset, false) == 1);
  CHECK(worst_big_degree(ch02::big_padded_offset, true) == 1);
  // Unpadded 64-float rows: 32 consecutive rows of a column are 256 bytes apart, all one bank.
  const auto unpadded = [](int i, int j) { return i * ch02::BigTileShape::kTile + j; };
  CHECK(worst_big_degree(unpadded, false) == 1);
  CHECK(worst_big_degree(unpadded, true) == 32);
}

TEST_CASE("the column-major order visits every tile exactly once, down each column first",
          "[ch02][cpu]") {
  for (const wb::Shape2D& shape : wb::edge_shapes_2d()) {
    const std::int64_t across = wb::ceil_div(shape.cols, ch02::BigTileShape::kTile);
    const std::int64_t down = wb::ceil_div(shape.rows, ch02::BigTileShape::kTile);
    INFO("shape " << shape.str());
    REQUIRE(ch02::tile_count(shape.rows, shape.cols, ch02::BigTileShape::kTile) == across * down);
    std::set<std::pair<std::int64_t, std::int64_t>> seen;
    for (std::int64_t b = 0; b < across * down; ++b) {
      const ch02::TileCoord t = ch02::column_major_tile_of(b, down);
      REQUIRE(t.row >= 0);
      REQUIRE(t.row < down);
      REQUIRE(t.col >= 0);
      REQUIRE(t.col < across);
      seen.insert({t.row, t.col});
    }
    CHECK(seen.size() == static_cast<std::size_t>(across * down));
  }
  // 3 tiles down: blocks 0, 1, 2 are column 0; block 3 starts column 1.
  CHECK(ch02::column_major_tile_of(2, 3).row == 2);
  CHECK(ch02::column_major_tile_of(2, 3).col == 0);
  CHECK(ch02::column_major_tile_of(3, 3).row == 0);
  CHECK(ch02::column_major_tile_of(3, 3).col == 1);
}

TEST_CASE("tile numbering covers every tile exactly once", "[ch02][cpu]") {
  for (const wb::Shape2D& shape : wb::edge_shapes_2d()) {
    const std::int64_t across = wb::ceil_div(shape.cols, ch02::TileShape::kTile);
    const std::int64_t down = wb::ceil_div(shape.rows, ch02::TileShape::kTile);
    INFO("shape " << shape.str());
    REQUIRE(ch02::tile_count(shape.rows, shape.cols) == across * down);
    const ch02::TileCoord last = ch02::tile_of(across * down - 1, across);
    CHECK(last.row == down - 1);
    CHECK(last.col == across - 1);
    const ch02::TileCoord second_row = ch02::tile_of(across, across);
    CHECK(second_row.row == 1);
    CHECK(second_row.col == 0);
  }
}

TEST_CASE("tile counts and the last tile's coordinates stay exact at the documented limits",
          "[ch02][cpu]") {
  const std::int64_t max = 2147483647;  // 2^31 - 1 rows or columns
  for (const int tile : {ch02::TileShape::kTile, ch02::BigTileShape::kTile}) {
    INFO("tile " << tile);
    // One block per tile, a 1-D grid: at most 2^31 - 1 blocks, so the launch fits at either limit.
    CHECK(ch02::tile_count(max, 1, tile) == wb::ceil_div(max, tile));
    CHECK(ch02::tile_count(1, max, tile) == wb::ceil_div(max, tile));
    CHECK(ch02::tile_count(max, 1, tile) <= max);
    // The last block's tile in every order, and its first element, in 64 bits.
    const std::int64_t blocks = wb::ceil_div(max, tile);
    CHECK(ch02::tile_of(blocks - 1, 1).row == blocks - 1);
    CHECK(ch02::tile_of(blocks - 1, blocks).col == blocks - 1);
    CHECK(ch02::column_major_tile_of(blocks - 1, blocks).row == blocks - 1);
    CHECK(ch02::column_major_tile_of(blocks - 1, 1).col == blocks - 1);
    CHECK(ch02::grouped_tile_of(blocks - 1, 1, blocks, ch02::kGroupRows).row == blocks - 1);
    CHECK((blocks - 1) * tile < max);  // r0 of the last tile, inside the matrix
  }
}

TEST_CASE("the grouped order visits every tile exactly once, a band at a time", "[ch02][cpu]") {
  struct Case {
    std::int64_t across, down;
  };
  for (const Case c : {Case{1, 1}, Case{10, 3}, Case{3, 10}, Case{7, 8}, Case{5, 17},
                       Case{2049, 129}, Case{256, 256}}) {
    INFO(c.across << " tiles across, " << c.down << " down");
    std::set<std::pair<std::int64_t, std::int64_t>> seen;
    for (std::int64_t b = 0; b < c.across * c.down; ++b) {
      const ch02::TileCoord t = ch02::grouped_tile_of(b, c.across, c.down, ch02::kGroupRows);
      REQUIRE(t.row >= 0);
      REQUIRE(t.row < c.down);
      REQUIRE(t.col >= 0);
      REQUIRE(t.col < c.across);
      seen.insert({t.row, t.col});
    }
    CHECK(seen.size() == static_cast<std::size_t>(c.across * c.down));
  }
  // 10 across, 3 down: one group of 3 rows (fewer than kGroupRows), walked down each column.
  const ch02::TileCoord b4 = ch02::grouped_tile_of(4, 10, 3, ch02::kGroupRows);
  CHECK(b4.row == 1);
  CHECK(b4.col == 1);
  // 10 across, 20 down: blocks 0..7 are column 0 of rows 0..7; block 80 starts the second band.
  CHECK(ch02::grouped_tile_of(7, 10, 20, 8).row == 7);
  CHECK(ch02::grouped_tile_of(8, 10, 20, 8).col == 1);
  CHECK(ch02::grouped_tile_of(80, 10, 20, 8).row == 8);
  CHECK(ch02::grouped_tile_of(160, 10, 20, 8).row == 16);  // last band: 4 rows
  CHECK(ch02::grouped_tile_of(164, 10, 20, 8).col == 1);
}

TEST_CASE("argument checks run on the host and name the problem", "[ch02][cpu]") {
  // Fake addresses, never dereferenced.
  float* const p = reinterpret_cast<float*>(std::uintptr_t{0x10000000});
  float* const q = p + 4096;
  auto message = [](const ch02::TransposeArgs& a) -> std::string {
    try {
      ch02::validate(a, "test");
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(no exception)";
  };
  CHECK(message({p, q, 64, 64}) == "(no exception)");
  CHECK(message({nullptr, q, 4, 4}).find("in is a null pointer") != std::string::npos);
  CHECK(message({p, nullptr, 4, 4}).find("out is a null pointer") != std::string::npos);
  CHECK(message({p, q, 0, 4}).find("must be positive, got 0 x 4") != std::string::npos);
  CHECK(message({p, q, 4, -1}).find("must be positive") != std::string::npos);
  CHECK(message({p, p, 4, 4}).find("out-of-place") != std::string::npos);  // aliasing
  CHECK(message({p, p + 15, 4, 4}).find("overlap") != std::string::npos);  // partial overlap
  CHECK(message({p, p + 16, 4, 4}) == "(no exception)");                   // adjacent
  CHECK(message({p, q, std::int64_t{1} << 31, 1}).find("below 2^31") != std::string::npos);
  CHECK(ch02::can_vectorize({p, q, 64, 64}));
  CHECK_FALSE(ch02::can_vectorize({p, q, 64, 66}));      // rows of 66 floats: 3 in 4 misaligned
  CHECK_FALSE(ch02::can_vectorize({p + 1, q, 64, 64}));  // a view off a 16-byte boundary
  CHECK(ch02::min_bytes(2, 3) == 48.0);
}

TEST_CASE("the vendor row refuses a dimension above cuBLAS's measured limit, on the host",
          "[ch02][cpu]") {
  // cublasSgeam_64 accepted each dimension up to 2^31 - 32768 on the H100 and refused one more
  // (bench/results/h100/cublas-geam-limit.txt); the vendor row documents that limit and must
  // refuse a larger dimension itself, naming the limit and its record, before calling cuBLAS.
  // Fake addresses, never dereferenced (1 << 40 bytes apart: the views do not overlap).
  float* const p = reinterpret_cast<float*>(std::uintptr_t{1} << 40);
  float* const q = reinterpret_cast<float*>(std::uintptr_t{2} << 40);
  const std::int64_t limit = 2147450880;  // 2^31 - 32768
  REQUIRE(ch02::kCublasGeamMaxDim == limit);
  auto message = [](const std::function<void()>& call) -> std::string {
    try {
      call();
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(no exception)";
  };
  auto validated = [&](std::int64_t rows, std::int64_t cols) {
    return message([&] { ch02::validate_cublas({p, q, rows, cols}, "ch02::launch_cublas"); });
  };
  CHECK(validated(limit, 1) == "(no exception)");
  CHECK(validated(1, limit) == "(no exception)");
  for (const auto& shape : {std::pair<std::int64_t, std::int64_t>{limit + 1, 1},
                            std::pair<std::int64_t, std::int64_t>{1, limit + 1},
                            std::pair<std::int64_t, std::int64_t>{2147483647, 1}}) {
    // The launcher itself, which refuses before it touches cuBLAS: no GPU needed.
    const std::string got = message([&] {
      ch02::launch_cublas({p, q, shape.first, shape.second}, nullptr);
    });
    INFO("vendor-cublas at " << shape.first << " x " << shape.second << ": " << got);
    CHECK(got.find("ch02::launch_cublas") != std::string::npos);
    CHECK(got.find("at most 2147450880 (2^31 - 32768)") != std::string::npos);
    CHECK(got.find("bench/results/h100/cublas-geam-limit.txt") != std::string::npos);
    CHECK(got.find("got " + std::to_string(shape.first) + " x " + std::to_string(shape.second)) !=
          std::string::npos);
  }
  // The steps' own checks still come first: a null pointer is named as such.
  CHECK(validated(0, 1).find("must be positive") != std::string::npos);
  CHECK(message([&] {
          ch02::launch_cublas({nullptr, q, 4, 4}, nullptr);
        }).find("in is a null pointer") != std::string::npos);
}
