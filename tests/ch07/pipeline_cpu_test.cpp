// Chapter 07 CPU tests: the pipeline arithmetic the kernels and the lesson use (k-tiles, stages,
// ring bytes, blocks per SM, Little's law), the edge rule of the asynchronous copy
// (wb::tile::chunk_bytes_inside), the grouped block order on GEMM grids (wb::grouped_tile_of),
// the swizzle's 8-row period that step 8's copies rely on, and the ladder. No GPU needed.
#include "pipeline.h"

#include "wb/catch.h"
#include "wb/chunks.h"
#include "wb/swizzle.h"
#include "wb/tile_order.h"

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

TEST_CASE("k_tiles counts whole and partial k-tiles without overflow", "[ch07][cpu]") {
  CHECK(ch07::k_tiles(1, 32) == 1);
  CHECK(ch07::k_tiles(31, 32) == 1);
  CHECK(ch07::k_tiles(32, 32) == 1);
  CHECK(ch07::k_tiles(33, 32) == 2);
  CHECK(ch07::k_tiles(4096, 32) == 128);
  CHECK(ch07::k_tiles(2147483647, 32) == 67108864);  // (K + 31) / 32 would overflow int
  CHECK(ch07::k_tiles(2147483647, 64) == 33554432);
}

// Step 8 (TileWalk) puts pass i of a thread's copies at pass 0's shared offset plus
// i x kPassRows rows, a constant, because kPassRows is a multiple of 8: the swizzle repeats
// every 8 rows, for every row length the chapter's tiles use (BK = 32 or 64 for A, BN = 128 or
// 256 for B), and for no shorter period with more than one chunk per row.
template <int kCols>
void check_swizzle_period() {
  using L = wb::smem::Swizzled<kCols>;
  for (int r = 0; r < 8; ++r)
    for (int c = 0; c < kCols; c += 8)
      for (int j = 1; j <= 16; ++j)
        CHECK(L::offset(r + 8 * j, c) == L::offset(r, c) + 8 * j * L::kRowStride);
  bool four_rows_repeat = true;  // a period of 4 rows would not do: the swizzle needs all 8
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < kCols; c += 8)
      four_rows_repeat = four_rows_repeat && L::offset(r + 4, c) == L::offset(r, c) + 4 * kCols;
  CHECK_FALSE(four_rows_repeat);
}

TEST_CASE("the swizzle repeats every 8 rows (step 8's constant pass offsets)", "[ch07][cpu]") {
  check_swizzle_period<32>();
  check_swizzle_period<64>();
  check_swizzle_period<128>();
  check_swizzle_period<256>();
}

TEST_CASE("the ring: stage of each tile, bytes, and what fits on an H100 SM", "[ch07][cpu]") {
  // Tile t goes to stage t % S, and the tile copied at iteration t (t + S - 1) lands in the stage
  // multiplied at iteration t - 1, never in the one being multiplied now.
  for (int stages = 2; stages <= 5; ++stages) {
    for (int t = 1; t < 50; ++t) {
      CHECK(ch07::stage_of(t + stages - 1, stages) == ch07::stage_of(t - 1, stages));
      CHECK(ch07::stage_of(t + stages - 1, stages) != ch07::stage_of(t, stages));
    }
  }
  CHECK(ch07::stage_bytes(128, 128, 32) == 16384);
  CHECK(ch07::stage_bytes(128, 256, 32) == 24576);
  CHECK(ch07::ring_bytes(128, 128, 32, 4) == 65536);  // above 48 KB: dynamic, opted in
  CHECK(ch07::ring_bytes(128, 256, 32, 4) == 98304);
  // 228 KB per SM, 1 KB reserved per block: 4 stages of 128 x 128 x 32 leave room for 3 blocks,
  // 5 stages for 2; 128 x 256 x 32 with 4 stages for 2.
  CHECK(ch07::blocks_per_sm_by_smem(ch07::ring_bytes(128, 128, 32, 4)) == 3);
  CHECK(ch07::blocks_per_sm_by_smem(ch07::ring_bytes(128, 128, 32, 5)) == 2);
  CHECK(ch07::blocks_per_sm_by_smem(ch07::ring_bytes(128, 256, 32, 4)) == 2);
  // The lesson's Little's law: ~74 bytes/ns per SM at the mma.sync peak with 64 FLOP per byte,
  // times ~800 ns of latency under load: ~59 KB in flight per SM.
  const double per_sm = 627.3e12 / 132 / 64 * 1e-9;  // bytes per ns per SM
  CHECK(per_sm == Approx(74.25).epsilon(0.01));
  CHECK(ch07::bytes_in_flight(per_sm, 800) == Approx(59400).epsilon(0.01));
}

TEST_CASE("chunk_bytes_inside: whole, straddling and outside chunks", "[ch07][cpu]") {
  using wb::tile::chunk_bytes_inside;
  CHECK(chunk_bytes_inside(0, 0, 1, 8) == 16);
  CHECK(chunk_bytes_inside(0, 0, 1, 1) == 2);    // K = 1: one element, 14 bytes zero-filled
  CHECK(chunk_bytes_inside(0, 8, 1, 13) == 10);  // 5 of 8 elements inside
  CHECK(chunk_bytes_inside(0, 16, 1, 13) == 0);  // past the last column
  CHECK(chunk_bytes_inside(1, 0, 1, 13) == 0);   // past the last row
  CHECK(chunk_bytes_inside(5, 2147483640, 6, 2147483647) == 14);  // 64-bit columns at 2^31 - 1
  CHECK(chunk_bytes_inside(5, 2147483648LL, 6, 2147483647) == 0);
  // Over a whole row of chunks the bytes inside add up to the row's bytes.
  for (int cols = 1; cols <= 40; ++cols) {
    int total = 0;
    for (int gc = 0; gc < 48; gc += 8)
      total += chunk_bytes_inside(0, gc, 1, cols);
    CHECK(total == 2 * cols);
  }
}

TEST_CASE("the grouped block order visits every tile of a GEMM grid once", "[ch07][cpu]") {
  // Grids of (ceil(N / BN), ceil(M / BM)) blocks as the launchers make them, the kernel's linear
  // block number y * gridDim.x + x, and the chapter's band height.
  const std::vector<std::pair<int, int>> grids = {{1, 1},  {1, 9},  {9, 1},  {32, 32},
                                                  {33, 7}, {8, 17}, {5, 65}, {64, 64}};
  for (const auto& [across, down] : grids) {
    std::set<std::pair<std::int64_t, std::int64_t>> seen;
    for (std::int64_t b = 0; b < std::int64_t{across} * down; ++b) {
      const wb::TileCoord t = wb::grouped_tile_of(b, across, down, ch07::kGroupRows);
      CHECK(t.row >= 0);
      CHECK(t.row < down);
      CHECK(t.col >= 0);
      CHECK(t.col < across);
      seen.insert({t.row, t.col});
    }
    INFO(across << " x " << down);
    CHECK(seen.size() == static_cast<std::size_t>(across) * down);
  }
  // At 8192^3 with 128 x 128 tiles (64 x 64 blocks) the first 264 blocks (two per SM) cover 8
  // tile rows and 33 tile columns in the grouped order, against 5 rows and all 64 columns in
  // row-major order (README "Step 6": the bytes each wave reads from DRAM).
  std::set<std::int64_t> rows, cols, rm_rows, rm_cols;
  for (std::int64_t b = 0; b < 264; ++b) {
    const wb::TileCoord t = wb::grouped_tile_of(b, 64, 64, ch07::kGroupRows);
    rows.insert(t.row);
    cols.insert(t.col);
    const wb::TileCoord r = wb::tile_of(b, 64);
    rm_rows.insert(r.row);
    rm_cols.insert(r.col);
  }
  CHECK(rows.size() == 8);
  CHECK(cols.size() == 33);
  CHECK(rm_rows.size() == 5);
  CHECK(rm_cols.size() == 64);
}

TEST_CASE("the ladder and the compiled configurations", "[ch07][cpu]") {
  std::vector<std::string> names;
  for (const ch07::Step& s : ch07::steps())
    names.push_back(s.name);
  CHECK(names == std::vector<std::string>{"sync", "async", "double_buffer", "multistage",
                                          "fragment_buffer", "rasterize", "tuned", "hoist",
                                          "retuned"});
  // The first configuration of each list is the step's own.
  CHECK(std::string(ch07::tuning::multistage_configs().front().name) ==
        "multistage/128x128x64 w64x64 3 stages");
  CHECK(std::string(ch07::tuning::rasterize_configs().front().name) ==
        "rasterize/128x128x64 w64x64 3 stages");
  CHECK(std::string(ch07::tuning::hoist_configs().front().name) ==
        "hoist/128x128x32 w64x64 4 stages");
  CHECK(ch07::tuning::all_configs().size() == ch07::tuning::multistage_configs().size() +
                                                  ch07::tuning::rasterize_configs().size() +
                                                  ch07::tuning::hoist_configs().size());
  for (const ch07::tuning::Config& c : ch07::tuning::all_configs())
    CHECK(std::string(c.name).rfind(std::string(c.step) + "/", 0) == 0);
  // Steps 7 and 9 pick their configuration by name; an unknown name is a clear error.
  CHECK(std::string(ch07::tuning::find(ch07::tuning::hoist_configs(),
                                       "hoist/128x128x32 w64x64 5 stages", "test")
                        .name) == "hoist/128x128x32 w64x64 5 stages");
  CHECK_THROWS_WITH(ch07::tuning::find(ch07::tuning::rasterize_configs(), "no such", "where"),
                    "where: no compiled configuration no such");
}
