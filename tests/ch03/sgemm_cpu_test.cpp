// Chapter 03 CPU tests: the ladder table, the index maths the warp-tiled kernels call (warp tiles,
// tile loads), the split-K size rule, the teaching maths, the argument checks and the checker
// itself (it must be able to fail), without a GPU.
#include "sgemm.h"
#include "warp_tiles.h"

#include "wb/catch.h"
#include "wb/chapter.h"
#include "wb/numeric.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

namespace {

namespace gemm = wb::gemm;

constexpr std::int64_t kMax = 2147483647;  // 2^31 - 1

// Every (warp, lane, i, j) of a block laid out as steps 7-9 lay it out (warp_tile_origin, then
// warp_tile_pos: the calls the kernels make) lands on a distinct element of the BM x BN block
// tile, and together they cover it.
void check_warp_tiling(const ch03::TileConfig& c) {
  INFO("configuration " << c.name);
  const int warp_cols = 32 / c.warp_rows;
  const int TM = c.WM / c.warp_rows, TN = c.WN / warp_cols;  // outputs per thread
  const int warps_n = c.BN / c.WN, warps = (c.BM / c.WM) * warps_n;
  REQUIRE(warps * 32 == c.threads);
  std::set<std::pair<int, int>> seen;
  for (int w = 0; w < warps; ++w) {
    const ch03::TilePos o = ch03::warp_tile_origin(w, warps_n, c.WM, c.WN);
    for (int lane = 0; lane < 32; ++lane) {
      for (int i = 0; i < TM; ++i) {
        for (int j = 0; j < TN; ++j) {
          const ch03::TilePos p = ch03::warp_tile_pos(lane, c.warp_rows, i, j);
          REQUIRE(p.row >= 0);
          REQUIRE(p.row < c.WM);
          REQUIRE(p.col >= 0);
          REQUIRE(p.col < c.WN);
          seen.insert({o.row + p.row, o.col + p.col});
        }
      }
    }
  }
  REQUIRE(seen.size() == static_cast<std::size_t>(c.BM) * c.BN);
}

// The float4 copies of a rows x cols tile by `threads` threads (tile_load_pos, as the kernels
// call it) cover the tile exactly once, and a thread's copies stay in one column.
void check_tile_loads(const char* what, int rows, int cols, int threads) {
  INFO(what << ": a " << rows << " x " << cols << " tile copied by " << threads << " threads");
  const int vecs = cols / 4, loads = rows * vecs / threads;
  REQUIRE(loads * threads == rows * vecs);
  std::set<std::pair<int, int>> seen;
  for (int tid = 0; tid < threads; ++tid) {
    for (int s = 0; s < loads; ++s) {
      const ch03::TilePos p = ch03::tile_load_pos(tid, s, threads, vecs);
      REQUIRE(p.row < rows);
      REQUIRE(p.col % 4 == 0);
      REQUIRE(p.col + 3 < cols);
      REQUIRE(p.col == ch03::tile_load_pos(tid, 0, threads, vecs).col);
      seen.insert({p.row, p.col});
    }
  }
  REQUIRE(seen.size() == static_cast<std::size_t>(rows) * vecs);
}

// The split of K that a plan describes: every split non-empty, whole k tiles but the last, the
// splits in order and together exactly [0, K), and nothing formed in int that could pass 2^31 - 1.
void check_plan(const ch03::SplitPlan& p, std::int64_t K, int BK) {
  INFO("K = " << K << ": " << p.splits << " splits of " << p.k_per_split);
  REQUIRE(p.splits >= 1);
  REQUIRE(p.splits <= 65535);
  REQUIRE((p.k_per_split % BK == 0 || (p.splits == 1 && p.k_per_split == K)));
  REQUIRE(p.k_per_split <= K);  // so it fits the kernel's int
  std::int64_t covered = 0;
  for (std::int64_t z = 0; z < p.splits; ++z) {
    const std::int64_t begin = z * p.k_per_split;  // blockIdx.z * k_per_split in the kernel
    REQUIRE(begin == covered);
    REQUIRE(begin < K);  // non-empty, so the kernel's int kb < K: no overflow
    const std::int64_t length = std::min(p.k_per_split, K - begin);  // the kernel's kn
    REQUIRE(length >= 1);
    covered += length;
  }
  REQUIRE(covered == K);
}

bool rejects(const ch03::Args& a) {
  try {
    gemm::validate(a, "t");
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the ladder table matches the step files and documents each step's limits",
          "[ch03][cpu]") {
  const wb::ChapterInfo* info = wb::chapter_info();
  REQUIRE(info != nullptr);
  const auto& steps = ch03::steps();
  REQUIRE(info->steps.size() == steps.size() + 1);  // the step files, then vendor-cublas
  for (std::size_t i = 0; i < steps.size(); ++i) {
    INFO("step " << steps[i].name);
    REQUIRE(info->steps[i] == steps[i].name);
    char file[64];
    std::snprintf(file, sizeof(file), "%02zu_%s.cu", i + 1, steps[i].name);
    REQUIRE(std::string(steps[i].file) == file);
    REQUIRE(std::string(steps[i].where) == std::string("ch03::launch_") + steps[i].name);
    REQUIRE(steps[i].launch != nullptr);
    for (const std::int64_t max : {steps[i].max.M, steps[i].max.N, steps[i].max.K}) {
      REQUIRE(max >= 65535);
      REQUIRE(max <= kMax);
    }
    REQUIRE(steps[i].max.K == kMax);  // no step puts K on the grid
  }
  REQUIRE(info->steps.back() == ch03::vendor_step().name);
  REQUIRE(std::string(ch03::best_step().name) == "split_k");
  REQUIRE(ch03::best_step().launch == steps.back().launch);
  // The grid-y limits: 65535 blocks of the step's rows (columns for naive).
  REQUIRE(steps[0].max.N == 8 * 65535);
  REQUIRE(steps[1].max.M == 8 * 65535);
  REQUIRE(steps[2].max.M == 32 * 65535);
  REQUIRE(steps.back().max.M == 65535 * ch03::Tuned::BM);
}

TEST_CASE("the tuned tile configuration and the compiled ones", "[ch03][cpu]") {
  using T = ch03::Tuned;
  STATIC_REQUIRE(T::kThreads == 256);
  STATIC_REQUIRE(T::TM == 16);
  STATIC_REQUIRE(T::TN == 8);
  STATIC_REQUIRE(T::BK == 16);
  STATIC_REQUIRE(T::kLoadsA == 2);
  STATIC_REQUIRE(T::kLoadsB == 4);
  STATIC_REQUIRE(T::smem_bytes(1) == 24832);  // step 7: one stage (static: under 48 KiB)
  STATIC_REQUIRE(T::smem_bytes(2) == 49664);  // steps 8 and 9: two stages (dynamic, opted in)
  const auto& configs = ch03::double_buffer_configs();
  REQUIRE(configs.size() == 9);
  REQUIRE(configs.front().step_uses_it);
  REQUIRE(configs.front().BM == T::BM);
  REQUIRE(configs.front().BN == T::BN);
  REQUIRE(configs.front().BK == T::BK);
  REQUIRE(configs.front().smem == T::smem_bytes(2));
  std::set<std::string> names;
  for (const ch03::TileConfig& c : configs) {
    names.insert(c.name);
    REQUIRE(c.smem == 2 * (c.BK * (c.BM + 4) + c.BK * c.BN) * sizeof(float));
    REQUIRE(c.smem <= 227 * 1024);  // what an H100 block may opt in to
    REQUIRE(c.step_uses_it == (&c == &configs.front()));
  }
  REQUIRE(names.size() == configs.size());
}

TEST_CASE("warp tiling covers the block tile exactly once, in every compiled configuration",
          "[ch03][cpu]") {
  for (const ch03::TileConfig& c : ch03::double_buffer_configs())
    check_warp_tiling(c);
}

TEST_CASE("the tile copies cover the A and B tiles exactly once, in every compiled configuration",
          "[ch03][cpu]") {
  for (const ch03::TileConfig& c : ch03::double_buffer_configs()) {
    INFO("configuration " << c.name);
    check_tile_loads("A (BM rows of BK)", c.BM, c.BK, c.threads);
    check_tile_loads("B (BK rows of BN)", c.BK, c.BN, c.threads);
  }
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

TEST_CASE("the split-K size rule", "[ch03][cpu]") {
  const int BK = ch03::Tuned::BK;
  const std::int64_t slots = 132;  // an H100: 132 SMs, one 8-warp block of the tuned tile each
  auto tiles = [](std::int64_t M, std::int64_t N) {
    return wb::ceil_div(M, std::int64_t{128}) * wb::ceil_div(N, std::int64_t{256});
  };
  // The ladder's sizes: only 1024^3 has too few tiles.
  const ch03::SplitPlan p1024 = ch03::plan_split_k(tiles(1024, 1024), 1024, slots, BK);
  REQUIRE(tiles(1024, 1024) == 32);
  REQUIRE(p1024.splits == 4);
  REQUIRE(p1024.k_per_split == 256);
  REQUIRE(ch03::plan_split_k(1, kMax - 1, 1, BK).k_per_split == kMax - 1);  // was 2^31: overflow
  REQUIRE(ch03::plan_split_k(tiles(2048, 2048), 2048, slots, BK).splits == 1);
  REQUIRE(ch03::plan_split_k(tiles(4096, 4096), 4096, slots, BK).splits == 1);
  REQUIRE(ch03::plan_split_k(tiles(8192, 8192), 8192, slots, BK).splits == 1);
  REQUIRE(ch03::plan_split_k(tiles(4096, 1024), 8192, slots, BK).splits == 1);  // 128 tiles
  // Half a wave of tiles: 2 splits; a third: 3. Never more blocks than slots.
  REQUIRE(ch03::plan_split_k(66, 4096, slots, BK).splits == 2);
  REQUIRE(ch03::plan_split_k(44, 4096, slots, BK).splits == 3);
  for (std::int64_t t = 1; t <= 200; ++t) {
    const ch03::SplitPlan p = ch03::plan_split_k(t, 1 << 20, slots, BK);
    check_plan(p, 1 << 20, BK);
    REQUIRE((p.splits == 1 || t * p.splits <= slots));
    REQUIRE((t * 2 > slots) == (p.splits == 1));
  }
  // Short K is not split below kMinKPerSplit = 256 per split.
  REQUIRE(ch03::plan_split_k(1, 300, slots, BK).splits == 1);
  REQUIRE(ch03::plan_split_k(1, 511, slots, BK).splits == 1);
  REQUIRE(ch03::plan_split_k(1, 512, slots, BK).splits == 2);
  REQUIRE(ch03::plan_split_k(1, 3000, slots, BK).splits == 11);
  REQUIRE(ch03::plan_split_k(4, 1000, slots, BK).splits == 3);
  // One output at K = 2^31 - 1: 132 splits of 16,268,816, the last one shorter; exact in 64 bits.
  const ch03::SplitPlan big = ch03::plan_split_k(1, kMax, slots, BK);
  REQUIRE(big.splits == 132);
  REQUIRE(big.k_per_split == 16268816);
  check_plan(big, kMax, BK);
  // Every plan at every K near the limits and the edges is a partition of [0, K).
  for (const std::int64_t K :
       {std::int64_t{1}, std::int64_t{7}, std::int64_t{8}, std::int64_t{9}, std::int64_t{255},
        std::int64_t{257}, std::int64_t{1023}, kMax - 8, kMax - 1, kMax}) {
    for (const std::int64_t want : {1, 2, 3, 5, 8, 13, 132, 1000, 65535})
      check_plan(ch03::plan_for_splits(K, want, BK), K, BK);
  }
  // A forced count never leaves an empty split: K = 9 in 3 parts of whole tiles of 8 is 2 parts.
  REQUIRE(ch03::plan_for_splits(9, 3, 8).splits == 2);
  REQUIRE(ch03::plan_for_splits(1, 8, 8).splits == 1);
  REQUIRE(ch03::plan_for_splits(300, 7, 8).splits == 7);
}

TEST_CASE("tile counts stay exact at K = 2^31 - 1", "[ch03][cpu]") {
  // The bug this chapter once shipped: (K + BK - 1) / BK in int wraps at K = 2^31 - 1 (K + 7 is
  // above INT_MAX), so the tile count came out negative and the kernel ran one k tile. Here, the
  // same sum in 64 bits shows how far above INT_MAX it lands, and wb::ceil_div (what the kernels
  // call, in int) gets the count right.
  const int K = INT_MAX;
  REQUIRE(static_cast<std::int64_t>(K) + 8 - 1 > INT_MAX);
  REQUIRE(wb::ceil_div(K, 8) == 268435456);  // 2^28 tiles of 8
  REQUIRE(wb::ceil_div(K, 32) == 67108864);
  REQUIRE(wb::ceil_div(K, 1) == K);
  // The last tile's k0 = (tiles - 1) * BK stays below K, and the kernels test K - k0 (> 0).
  REQUIRE((wb::ceil_div(K, 8) - 1) * 8 < K);
  REQUIRE(K - (wb::ceil_div(K, 8) - 1) * 8 == 7);
}

TEST_CASE("arithmetic intensity of a BM x BN tile, FLOPs and bytes", "[ch03][cpu]") {
  REQUIRE(ch03::tile_intensity(1, 1) == 0.25);
  REQUIRE(ch03::tile_intensity(32, 32) == 8.0);
  REQUIRE(ch03::tile_intensity(64, 64) == 16.0);
  REQUIRE(ch03::tile_intensity(128, 128) == 32.0);
  REQUIRE(std::fabs(ch03::tile_intensity(128, 256) - 128.0 * 256 / 768) < 1e-12);
  REQUIRE(gemm::flops(4096, 4096, 4096) == 2.0 * 4096.0 * 4096.0 * 4096.0);
  REQUIRE(gemm::min_bytes(2, 3, 5, 4, false) == 4.0 * (10 + 15 + 6));
  REQUIRE(gemm::min_bytes(2, 3, 5, 4, true) == 4.0 * (10 + 15 + 12));
}

TEST_CASE("argument checks run before any GPU work", "[ch03][cpu]") {
  float A[64], B[64], C[64];
  const ch03::Args ok{2, 3, 4, 1.0f, A, 4, B, 3, 0.0f, C, 3};
  REQUIRE_NOTHROW(gemm::validate(ok, "t"));
  auto with = [&](auto change) {
    ch03::Args a = ok;
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

TEST_CASE("the grid check names M and the largest M the tile allows", "[ch03][cpu]") {
  try {
    gemm::tile_grid(65535 * 128 + 1, 1, 128, 256, "t");
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    INFO(m);
    REQUIRE(m.find("M = 8388481") != std::string::npos);
    REQUIRE(m.find("the limit is 65535") != std::string::npos);
    REQUIRE(m.find("M <= 8388480") != std::string::npos);
  }
  REQUIRE(gemm::tile_grid(65535 * 128, 1, 128, 256, "t").y == 65535u);
  REQUIRE(gemm::tile_grid(1, kMax, 128, 256, "t").x == 8388608u);  // N = 2^31 - 1 fits along x
}

TEST_CASE("the vendor row refuses M or N above cuBLAS's limit, naming it, before any GPU work",
          "[ch03][cpu]") {
  // Fake addresses 2^40 bytes apart (never dereferenced): the check comes before cuBLAS is called.
  float* const a = reinterpret_cast<float*>(std::uintptr_t{1} << 40);
  float* const b = reinterpret_cast<float*>(std::uintptr_t{2} << 40);
  float* const c = reinterpret_cast<float*>(std::uintptr_t{3} << 40);
  const std::int64_t over = gemm::kCublasGemmMaxMN + 1;
  REQUIRE(gemm::kCublasGemmMaxMN == (std::int64_t{1} << 31) - 65408);
  REQUIRE(ch03::vendor_step().max.M == gemm::kCublasGemmMaxMN);
  REQUIRE(ch03::vendor_step().max.N == gemm::kCublasGemmMaxMN);
  REQUIRE(ch03::vendor_step().max.K == kMax);
  for (const auto& [M, N] :
       {std::pair<std::int64_t, std::int64_t>{over, 1}, {1, over}, {kMax, 1}, {1, kMax}}) {
    const ch03::Args args{M, N, 1, 1.0f, a, 1, b, N, 0.0f, c, N};
    try {
      gemm::launch_cublas<float>(args, nullptr);
      FAIL("expected std::invalid_argument at M x N = " << M << " x " << N);
    } catch (const std::invalid_argument& e) {
      const std::string m = e.what();
      INFO(m);
      REQUIRE(m.find("wb::gemm::launch_cublas<fp32>") != std::string::npos);
      REQUIRE(m.find("at most 2147418240") != std::string::npos);
      REQUIRE(m.find("cublasGemmEx_64 fails above") != std::string::npos);
      REQUIRE(m.find("got M x N = " + std::to_string(M) + " x " + std::to_string(N)) !=
              std::string::npos);
    }
  }
}

TEST_CASE("the reference, the padding and the checker (which must be able to fail)",
          "[ch03][cpu]") {
  const gemm::Problem<float> p = gemm::make_problem<float>({5, 6, 7, "small"}, 42, 1.5f, -0.5f, 3);
  REQUIRE(p.lda == 10);
  REQUIRE(p.ldc == 9);
  REQUIRE(std::isnan(p.A[7]));      // padding of A is NaN
  REQUIRE(wb::is_poison(p.C[6]));   // padding of C is poisoned
  REQUIRE(!wb::is_poison(p.C[0]));  // beta != 0: C is an input
  const gemm::Problem<float> q =
      gemm::make_problem<float>({5, 6, 7, "small"}, 42, 1.0f, 0.0f, 1, true);
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
  REQUIRE(gemm::reference_entry(p, 1, 2, &scale) == 1.5 * sum - 0.5 * c);
  REQUIRE(scale == 1.5 * mag + 0.5 * std::fabs(c));

  // The exact answer rounded to fp32 passes, fully and sampled...
  std::vector<float> C = p.C;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 6; ++j)
      C[i * p.ldc + j] = static_cast<float>(gemm::reference_entry(p, i, j, nullptr));
  REQUIRE(gemm::check_output(p, C, {}, 1).ok());
  REQUIRE(gemm::check_output(p, C, {20, true}, 1).ok());
  // ...a visible error fails...
  std::vector<float> bad = C;
  bad[4 * p.ldc + 5] += 1e-3f * std::fabs(bad[4 * p.ldc + 5]) + 1e-3f;
  REQUIRE_FALSE(gemm::check_output(p, bad, {}, 1).ok());
  REQUIRE_FALSE(gemm::check_output(p, bad, {0, true}, 1).ok());  // the corner is an edge entry
  // ...and so does a write into the padding.
  bad = C;
  bad[2 * p.ldc + 7] = 1.0f;
  const gemm::RunReport r = gemm::check_output(p, bad, {}, 1);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.padding_hit == 1);
  // An unwritten entry with beta == 0 is seen even when the sample misses it.
  std::vector<float> qc = q.C;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 6; ++j)
      qc[i * q.ldc + j] = static_cast<float>(gemm::reference_entry(q, i, j, nullptr));
  REQUIRE(gemm::check_output(q, qc, {3, false}, 1).ok());
  qc[0] = wb::poison_value<float>();
  REQUIRE_FALSE(gemm::check_output(q, qc, {3, false}, 1).ok());
  REQUIRE(gemm::check_output(q, qc, {3, false}, 1).unwritten_all == 1);
}
