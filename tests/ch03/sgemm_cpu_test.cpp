// Chapter 03 CPU tests: the teaching math (tile intensity, the warp-tile mapping), the argument
// checks, the tolerance, and the checker itself (it must be able to fail), without a GPU.
#include "sgemm.h"

#include "wb/catch.h"
#include "wb/numeric.h"

#include <cmath>
#include <set>
#include <stdexcept>
#include <utility>

namespace {

// Every (warp, lane, i, j) of a block laid out as step 7 lays it out lands on a distinct element of
// the BM x BN block tile, and together they cover it.
void check_warp_tiling(int BM, int BN, int WM, int WN, int warp_rows) {
  const int warp_cols = 32 / warp_rows;
  const int TM = WM / warp_rows, TN = WN / warp_cols;  // outputs per thread
  const int warps_n = BN / WN, warps = (BM / WM) * warps_n;
  std::set<std::pair<int, int>> seen;
  for (int w = 0; w < warps; ++w) {
    const int wm0 = (w / warps_n) * WM, wn0 = (w % warps_n) * WN;
    for (int lane = 0; lane < 32; ++lane) {
      for (int i = 0; i < TM; ++i) {
        for (int j = 0; j < TN; ++j) {
          const ch03::WarpTilePos p = ch03::warp_tile_pos(lane, warp_rows, i, j);
          REQUIRE(p.row >= 0);
          REQUIRE(p.row < WM);
          REQUIRE(p.col >= 0);
          REQUIRE(p.col < WN);
          seen.insert({wm0 + p.row, wn0 + p.col});
        }
      }
    }
  }
  REQUIRE(seen.size() == static_cast<std::size_t>(BM) * BN);
}

bool rejects(const ch03::SgemmArgs& a) {
  try {
    ch03::validate(a, "t");
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}

}  // namespace

TEST_CASE("warp tiling covers the block tile exactly once", "[ch03][cpu]") {
  check_warp_tiling(128, 128, 32, 64, 4);  // the chosen configuration
  check_warp_tiling(128, 128, 64, 32, 8);
  check_warp_tiling(128, 256, 64, 64, 4);
  check_warp_tiling(256, 128, 64, 64, 4);
  check_warp_tiling(64, 128, 32, 64, 4);
}

TEST_CASE("a warp's 16-byte shared loads for one k are neighbours (no bank conflicts)",
          "[ch03][cpu]") {
  // For one sub-tile (i = 0 or j = 0), the float4 each lane reads starts at column p.col (B) or
  // row p.row (A). Distinct starts must be consecutive 16-byte vectors: 4 * warp_cols floats of B
  // and 4 * warp_rows floats of A, each a single contiguous run.
  for (int warp_rows : {4, 8}) {
    const int warp_cols = 32 / warp_rows;
    std::set<int> a_starts, b_starts;
    for (int lane = 0; lane < 32; ++lane) {
      a_starts.insert(ch03::warp_tile_pos(lane, warp_rows, 0, 0).row);
      b_starts.insert(ch03::warp_tile_pos(lane, warp_rows, 0, 0).col);
    }
    REQUIRE(a_starts.size() == static_cast<std::size_t>(warp_rows));
    REQUIRE(b_starts.size() == static_cast<std::size_t>(warp_cols));
    REQUIRE(*a_starts.rbegin() == 4 * (warp_rows - 1));
    REQUIRE(*b_starts.rbegin() == 4 * (warp_cols - 1));
    for (int s : b_starts)
      REQUIRE(s % 4 == 0);
  }
}

TEST_CASE("arithmetic intensity of a BM x BN tile", "[ch03][cpu]") {
  REQUIRE(ch03::tile_intensity(1, 1) == 0.25);
  REQUIRE(ch03::tile_intensity(32, 32) == 8.0);
  REQUIRE(ch03::tile_intensity(64, 64) == 16.0);
  REQUIRE(ch03::tile_intensity(128, 128) == 32.0);
  REQUIRE(std::fabs(ch03::tile_intensity(128, 256) - 128.0 * 256 / 768) < 1e-12);
  REQUIRE(ch03::flops(4096, 4096, 4096) == 2.0 * 4096.0 * 4096.0 * 4096.0);
  REQUIRE(ch03::min_bytes(2, 3, 5, false) == 4.0 * (10 + 15 + 6));
  REQUIRE(ch03::min_bytes(2, 3, 5, true) == 4.0 * (10 + 15 + 12));
  REQUIRE(ch03::ceil_div(4097, 128) == 33);
}

TEST_CASE("the tolerance is gamma_{K+3} of fp32", "[ch03][cpu]") {
  const double u = std::ldexp(1.0, -24);
  for (std::int64_t K : {1, 17, 513, 4096}) {
    const double k = static_cast<double>(K + 3);
    REQUIRE(std::fabs(ch03::tolerance(K).rel - k * u / (1 - k * u)) < 1e-18);
    REQUIRE(ch03::tolerance(K).abs == 0.0);
  }
}

TEST_CASE("argument checks run before any GPU work", "[ch03][cpu]") {
  float A[64], B[64], C[64];
  const ch03::SgemmArgs ok{2, 3, 4, 1.0f, A, 4, B, 3, 0.0f, C, 3};
  REQUIRE_NOTHROW(ch03::validate(ok, "t"));
  auto with = [&](auto change) {
    ch03::SgemmArgs a = ok;
    change(a);
    return a;
  };
  REQUIRE(rejects(with([](auto& a) { a.A = nullptr; })));
  REQUIRE(rejects(with([](auto& a) { a.B = nullptr; })));
  REQUIRE(rejects(with([](auto& a) { a.C = nullptr; })));
  REQUIRE(rejects(with([](auto& a) { a.M = 0; })));
  REQUIRE(rejects(with([](auto& a) { a.N = 0; })));
  REQUIRE(rejects(with([](auto& a) { a.K = 0; })));
  REQUIRE(rejects(with([](auto& a) { a.K = -1; })));
  REQUIRE(rejects(with([](auto& a) { a.lda = 3; })));  // < K
  REQUIRE(rejects(with([](auto& a) { a.ldb = 2; })));  // < N
  REQUIRE(rejects(with([](auto& a) { a.ldc = 2; })));  // < N
  REQUIRE(rejects(with([](auto& a) { a.M = std::int64_t{1} << 31; })));
  REQUIRE(rejects(with([&](auto& a) { a.C = A + 4; })));     // C overlaps A
  REQUIRE(rejects(with([&](auto& a) { a.C = B; })));         // C overlaps B
  REQUIRE_FALSE(rejects(with([&](auto& a) { a.B = A; })));   // A and B may alias (both read)
  REQUIRE_FALSE(rejects(with([](auto& a) { a.lda = 7; })));  // a longer row is a view: fine
}

TEST_CASE("the grid check names the limit", "[ch03][cpu]") {
  float A[4], B[4], C[4];
  ch03::SgemmArgs a{65535 * 128 + 1, 1, 1, 1.0f, A, 1, B, 1, 0.0f, C, 1};
  try {
    ch03::tile_grid(a, 128, 128, "t");
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    REQUIRE(std::string(e.what()).find("65535") != std::string::npos);
  }
  a.M = 65535 * 128;
  REQUIRE(ch03::tile_grid(a, 128, 128, "t").y == 65535u);
}

TEST_CASE("the reference, the padding and the checker (which must be able to fail)",
          "[ch03][cpu]") {
  const ch03::Problem p = ch03::make_problem({5, 6, 7, "small"}, 42, 1.5f, -0.5f, 3);
  REQUIRE(p.lda == 10);
  REQUIRE(p.ldc == 9);
  REQUIRE(std::isnan(p.A[7]));      // padding of A is NaN
  REQUIRE(wb::is_poison(p.C[6]));   // padding of C is poisoned
  REQUIRE(!wb::is_poison(p.C[0]));  // beta != 0: C is an input
  const ch03::Problem q = ch03::make_problem({5, 6, 7, "small"}, 42, 1.0f, 0.0f, 1, true);
  REQUIRE(q.lda == 8);
  REQUIRE(q.ldb == 8);
  REQUIRE(wb::is_poison(q.C[0]));  // beta == 0: C is output only

  // Element (1, 2) by hand.
  double sum = 0, mag = 0;
  for (int k = 0; k < 7; ++k) {
    const double t = static_cast<double>(p.A[1 * p.lda + k]) * p.B[k * p.ldb + 2];
    sum += t;
    mag += std::fabs(t);
  }
  const double c = p.C[1 * p.ldc + 2];
  double scale = 0;
  REQUIRE(ch03::reference_entry(p, 1, 2, &scale) == 1.5 * sum - 0.5 * c);
  REQUIRE(scale == 1.5 * mag + 0.5 * std::fabs(c));

  // The exact answer rounded to fp32 passes, fully and sampled...
  std::vector<float> C = p.C;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 6; ++j)
      C[i * p.ldc + j] = static_cast<float>(ch03::reference_entry(p, i, j, nullptr));
  REQUIRE(ch03::check_output(p, C, {}, 1).ok());
  REQUIRE(ch03::check_output(p, C, {20, true}, 1).ok());
  // ...a visible error fails...
  std::vector<float> bad = C;
  bad[4 * p.ldc + 5] += 1e-3f * std::fabs(bad[4 * p.ldc + 5]) + 1e-3f;
  REQUIRE_FALSE(ch03::check_output(p, bad, {}, 1).ok());
  REQUIRE_FALSE(ch03::check_output(p, bad, {0, true}, 1).ok());  // the corner is an edge entry
  // ...and so does a write into the padding.
  bad = C;
  bad[2 * p.ldc + 7] = 1.0f;
  const ch03::RunReport r = ch03::check_output(p, bad, {}, 1);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.padding_hit == 1);
  // An unwritten entry with beta == 0 is seen even when the sample misses it.
  std::vector<float> qc = q.C;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 6; ++j)
      qc[i * q.ldc + j] = static_cast<float>(ch03::reference_entry(q, i, j, nullptr));
  REQUIRE(ch03::check_output(q, qc, {3, false}, 1).ok());
  qc[0] = wb::poison_value<float>();
  REQUIRE_FALSE(ch03::check_output(q, qc, {3, false}, 1).ok());
  REQUIRE(ch03::check_output(q, qc, {3, false}, 1).unwritten_all == 1);
}
