// Chapter 08 CPU tests: the index maths the kernels call (the mask, the causal tile ranges, the
// S-to-P register reuse, K's ldmatrix registers), the FLOP and byte counts, the fp64 reference and
// the naive attention of the tolerance rule on cases worked by hand, and every launcher's argument
// checks (which run before anything touches a GPU). No GPU needed.
#include "attention.h"

#include "wb/catch.h"
#include "wb/mma_layout.h"
#include "wb/swizzle.h"

#include <cmath>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// |a - b| <= rel |b| (Catch2's Approx is spelled differently in versions 2 and 3; this is neither).
bool near(double a, double b, double rel) {
  return std::abs(a - b) <= rel * std::abs(b);
}

// Brute force: does some (row, key) of rows [q0, q0 + Br) n [0, Sq), keys [k0, k0 + Bc) see?
bool any_visible(std::int64_t q0, int Br, std::int64_t k0, int Bc, std::int64_t Sq, std::int64_t Sk,
                 bool causal, bool* all) {
  bool any = false;
  *all = true;
  for (std::int64_t i = q0; i < q0 + Br && i < Sq; ++i) {
    for (std::int64_t j = k0; j < k0 + Bc; ++j) {
      const bool v = ch08::visible(i, j, Sq, Sk, causal);
      any = any || v;
      *all = *all && v;
    }
  }
  return any;
}

}  // namespace

TEST_CASE("the causal mask is aligned bottom-right", "[ch08][cpu]") {
  using ch08::visible;
  // Square: the usual lower triangle, j <= i.
  CHECK(visible(0, 0, 4, 4, true));
  CHECK_FALSE(visible(0, 1, 4, 4, true));
  CHECK(visible(3, 3, 4, 4, true));
  // One query against a cache of 5 keys (a decoder step): it sees all of them.
  for (int j = 0; j < 5; ++j)
    CHECK(visible(0, j, 1, 5, true));
  // Sq 5 > Sk 2: rows 0..2 see nothing, row 3 sees key 0, row 4 both keys.
  for (int i = 0; i < 3; ++i)
    CHECK_FALSE((visible(i, 0, 5, 2, true) || visible(i, 1, 5, 2, true)));
  CHECK(visible(3, 0, 5, 2, true));
  CHECK_FALSE(visible(3, 1, 5, 2, true));
  CHECK((visible(4, 0, 5, 2, true) && visible(4, 1, 5, 2, true)));
  // Without the mask every key below Sk, none past it.
  CHECK(visible(0, 4, 3, 5, false));
  CHECK_FALSE(visible(0, 5, 3, 5, false));
  // 64-bit: i + Sk - Sq near 2^31 does not wrap.
  const std::int64_t big = 2147483647;
  CHECK(visible(big - 1, big - 1, big, big, true));
  CHECK_FALSE(visible(0, 1, big, big, true));
}

TEST_CASE("key_tiles and tile_needs_mask agree with the mask tile by tile", "[ch08][cpu]") {
  // For every block of Br query rows and every key tile: the tiles a block visits are exactly
  // those holding a visible pair, and a tile it computes without the mask has every pair visible.
  const std::vector<std::int64_t> lengths = {1, 2, 17, 63, 64, 65, 127, 128, 129, 200};
  for (const int Br : {32, 64}) {
    for (const int Bc : {32, 64}) {
      for (const std::int64_t Sq : lengths) {
        for (const std::int64_t Sk : lengths) {
          for (const bool causal : {false, true}) {
            for (std::int64_t q0 = 0; q0 < Sq; q0 += Br) {
              const int tiles = ch08::key_tiles(q0, Br, Bc, Sq, Sk, causal);
              const std::int64_t all_tiles = (Sk + Bc - 1) / Bc;
              INFO("Br " << Br << " Bc " << Bc << " Sq " << Sq << " Sk " << Sk << " causal "
                         << causal << " q0 " << q0 << " tiles " << tiles);
              REQUIRE(tiles <= all_tiles);
              for (std::int64_t t = 0; t < all_tiles; ++t) {
                bool all = false;
                const bool any = any_visible(q0, Br, t * Bc, Bc, Sq, Sk, causal, &all);
                INFO("tile " << t);
                CHECK(any == (t < tiles));
                if (t < tiles && !ch08::tile_needs_mask(q0, t * Bc, Bc, Sq, Sk, causal)) CHECK(all);
              }
            }
          }
        }
      }
    }
  }
}

TEST_CASE("S's accumulator registers are P's A registers in the same lane", "[ch08][cpu]") {
  // p_source(r) names the S tile (of the two covering a k16 step) and the accumulators that hold
  // elements 2r and 2r + 1 of the A fragment: same row, key offset 8 * tile + column.
  for (int lane = 0; lane < 32; ++lane) {
    for (int r = 0; r < 4; ++r) {
      const ch08::PSource src = ch08::p_source(r);
      for (int e = 0; e < 2; ++e) {
        const wb::mma::Coord a = wb::mma::a_frag(lane, 2 * r + e);
        const wb::mma::Coord c = wb::mma::c_frag(lane, src.c + e);
        INFO("lane " << lane << " register " << r << " half " << e);
        CHECK(a.row == c.row);
        CHECK(a.col == 8 * src.tile + c.col);
      }
    }
  }
}

TEST_CASE("ldmatrix .x4 without .trans on K gives the B fragments of Q K^T", "[ch08][cpu]") {
  // The 16 x 16 tile is (key, d); tile h covers keys 8h .. 8h + 7. B (k = d, n = key) register
  // b_reg, half e of lane must hold K[8h + b_frag.col][b_frag.row].
  for (int lane = 0; lane < 32; ++lane) {
    for (int h = 0; h < 2; ++h) {
      for (int b_reg = 0; b_reg < 2; ++b_reg) {
        for (int e = 0; e < 2; ++e) {
          const wb::mma::Coord got =
              wb::mma::ldmatrix_elem(lane, ch08::k_ldmatrix_reg(h, b_reg), e, false);
          const wb::mma::Coord want = wb::mma::b_frag(lane, 2 * b_reg + e);
          INFO("lane " << lane << " tile " << h << " register " << b_reg << " half " << e);
          CHECK(got.row == 8 * h + want.col);  // key
          CHECK(got.col == want.row);          // d
        }
      }
    }
  }
}

TEST_CASE("ldmatrix .x4 across then down on K gives each key tile's B fragment in one pair",
          "[ch08][cpu]") {
  // Step 11: the lanes address the (key, d) tile across then down; B register b_reg of key tile
  // h is then register k_pair_reg(h, b_reg) = 2 h + b_reg, and must hold K[8h + n][k].
  for (int lane = 0; lane < 32; ++lane) {
    for (int h = 0; h < 2; ++h) {
      for (int b_reg = 0; b_reg < 2; ++b_reg) {
        for (int e = 0; e < 2; ++e) {
          const wb::mma::Coord got = wb::mma::ldmatrix_elem(lane, ch08::k_pair_reg(h, b_reg), e,
                                                            false, wb::mma::X4Order::kAcross);
          const wb::mma::Coord want = wb::mma::b_frag(lane, 2 * b_reg + e);
          INFO("lane " << lane << " tile " << h << " register " << b_reg << " half " << e);
          CHECK(got.row == 8 * h + want.col);  // key
          CHECK(got.col == want.row);          // d
        }
      }
    }
  }
  // The pair is consecutive and starts even, as mma's B operand needs it without a move.
  for (int h = 0; h < 2; ++h) {
    CHECK(ch08::k_pair_reg(h, 0) % 2 == 0);
    CHECK(ch08::k_pair_reg(h, 1) == ch08::k_pair_reg(h, 0) + 1);
  }
}

TEST_CASE("the swizzled K and V and Q tiles serve each ldmatrix in one pass", "[ch08][cpu]") {
  // Rows of 64 (d 64) and 128 (d 128) 16-bit elements: for any 8 consecutive rows at one logical
  // chunk, the physical 16-byte slots within the 128-byte bank line are all different, and each
  // row's chunks are a permutation.
  auto check = [](auto layout, int cols) {
    using L = decltype(layout);
    for (int row0 = 0; row0 < 64; row0 += 8) {
      for (int chunk = 0; chunk < cols / 8; ++chunk) {
        std::set<int> slots;
        for (int r = row0; r < row0 + 8; ++r)
          slots.insert((L::offset(r, 8 * chunk) * 2 / wb::smem::kChunkBytes) % 8);
        CHECK(slots.size() == 8);
      }
    }
    for (int r = 0; r < 64; ++r) {
      std::set<int> chunks;
      for (int c = 0; c < cols; c += 8)
        chunks.insert(L::offset(r, c) - r * cols);
      CHECK(static_cast<int>(chunks.size()) == cols / 8);
    }
  };
  check(wb::smem::Swizzled<64>{}, 64);
  check(wb::smem::Swizzled<128>{}, 128);
}

TEST_CASE("FLOPs and bytes are counted as FlashAttention counts them", "[ch08][cpu]") {
  CHECK(ch08::flops(4, 16, 4096, 4096, 128, false) == 4.0 * 4 * 16 * 4096.0 * 4096 * 128);
  CHECK(ch08::flops(4, 16, 4096, 4096, 128, true) == 2.0 * 4 * 16 * 4096.0 * 4096 * 128);
  // Q and O at H heads, K and V at Hkv heads, 2 bytes each; lse 4 bytes per row.
  CHECK(ch08::min_bytes(2, 8, 2, 100, 300, 64, 2) ==
        2.0 * 2 * 8 * 100 * 64 * 2 + 2.0 * 2 * 2 * 300 * 64 * 2 + 4.0 * 2 * 8 * 100);
  CHECK(ch08::naive_workspace_floats(2, 3, 5, 7) == 2 * 30 * 7 + 2 * 30);
  CHECK(ch08::effective_scale(0.0f, 64) == 0.125f);
  CHECK(ch08::effective_scale(0.3f, 64) == 0.3f);
}

TEST_CASE("the fp64 reference on cases worked by hand", "[ch08][cpu]") {
  // One key: softmax of one score is 1, so O = v_0 and lse = the score.
  ch08::Problem<__half> one = ch08::make_problem<__half>({1, 1, 1, 3, 1, 64, false}, 11);
  std::vector<double> o(64);
  double lse = 0;
  for (std::int64_t row = 0; row < 3; ++row) {
    ch08::reference_row(one, row, o.data(), &lse);
    double s = 0;
    for (int c = 0; c < 64; ++c)
      s += static_cast<double>(__half2float(one.Q[row * 64 + c])) * __half2float(one.K[c]);
    CHECK(near(lse, s * one.scale, 1e-12));
    for (int c = 0; c < 64; ++c)
      CHECK(near(o[c], __half2float(one.V[c]), 1e-12));
  }
  // Equal keys: equal weights, O = mean of V, lse = score + log(n).
  ch08::Problem<__half> eq = ch08::make_problem<__half>({1, 1, 1, 1, 5, 64, false}, 12);
  for (int j = 1; j < 5; ++j)
    for (int c = 0; c < 64; ++c)
      eq.K[j * 64 + c] = eq.K[c];
  ch08::reference_row(eq, 0, o.data(), &lse);
  double s = 0;
  for (int c = 0; c < 64; ++c)
    s += static_cast<double>(__half2float(eq.Q[c])) * __half2float(eq.K[c]);
  CHECK(near(lse, s * eq.scale + std::log(5.0), 1e-12));
  for (int c = 0; c < 64; ++c) {
    double mean = 0;
    for (int j = 0; j < 5; ++j)
      mean += __half2float(eq.V[j * 64 + c]) / 5.0;
    CHECK(near(o[c], mean, 1e-12));
  }
  // A row with no visible key (causal, Sq 4 > Sk 2: rows 0 and 1): O = 0, lse = +inf.
  ch08::Problem<__nv_bfloat16> none =
      ch08::make_problem<__nv_bfloat16>({1, 1, 1, 4, 2, 128, true}, 13);
  std::vector<double> o128(128);
  ch08::reference_row(none, 1, o128.data(), &lse);
  CHECK(lse == INFINITY);
  for (double x : o128)
    CHECK(x == 0.0);
  ch08::naive_same_precision_row(none, 0, o128.data(), &lse);
  CHECK(lse == INFINITY);
  ch08::reference_row(none, 2, o128.data(), &lse);  // sees key 0 only: O = v_0
  CHECK(std::isfinite(lse));
  for (int c = 0; c < 128; ++c)
    CHECK(near(o128[c], __bfloat162float(none.V[c]), 1e-12));
}

TEST_CASE("large scores stay finite and the naive attention's error is what the rule scales",
          "[ch08][cpu]") {
  // Raw scores of +-50 and beyond: exp would overflow without the maximum subtracted.
  ch08::InputSpec large;
  large.qk_lo = 1.5;
  large.qk_hi = 2.5;
  const ch08::Problem<__half> p =
      ch08::make_problem<__half>({1, 2, 1, 9, 300, 128, false}, 14, large);
  const ch08::Reference ref = ch08::make_reference(p);
  REQUIRE(ref.o.size() == p.rows.size() * 128);
  double max_score = 0, naive_err = 0;
  for (std::size_t k = 0; k < p.rows.size(); ++k) {
    CHECK(std::isfinite(ref.lse[k]));
    max_score = std::max(max_score, std::abs(ref.lse[k]) / p.scale);
    for (int c = 0; c < 128; ++c) {
      CHECK(std::isfinite(ref.o[k * 128 + c]));
      naive_err = std::max(naive_err, std::abs(ref.naive_o[k * 128 + c] - ref.o[k * 128 + c]));
    }
  }
  CHECK(max_score > 50);  // the draw really gives large raw scores
  // S rounded to fp16 at |s| ~ 5 after scaling: an error in the exponent near 2^-11 * 5, so the
  // naive attention's O is off by about that fraction of |v| <= 2, and surely not by more than 1.
  CHECK(naive_err > 0.0);
  CHECK(naive_err < 1.0);
  CHECK(near(ch08::allowed_error(0.01, 1.0 / 2048, 2.0), 0.02 + 2.0 / 2048, 1e-12));
}

TEST_CASE("a large problem's check covers every head's first and last rows", "[ch08][cpu]") {
  const ch08::Problem<__half> p = ch08::make_problem<__half>({2, 3, 1, 4097, 1000, 64, true}, 15);
  const std::set<std::int64_t> rows(p.rows.begin(), p.rows.end());
  CHECK(rows.size() == p.rows.size());
  CHECK(p.rows.size() >= 12);
  CHECK(p.rows.size() <= 256);
  for (std::int64_t bh = 0; bh < 6; ++bh) {
    CHECK(rows.count(bh * 4097) == 1);
    CHECK(rows.count(bh * 4097 + 4096) == 1);
  }
  const ch08::Problem<__half> small = ch08::make_problem<__half>({3, 2, 2, 17, 65, 64, false}, 16);
  CHECK(small.rows.size() == 3 * 2 * 17);  // small: every row
}

TEST_CASE("every launcher rejects bad arguments before touching the GPU and names itself",
          "[ch08][cpu]") {
  // Fake, aligned addresses, never dereferenced: every call below must throw before any launch.
  auto run = [](auto tag) {
    using T = decltype(tag);
    T* const base = reinterpret_cast<T*>(std::uintptr_t{0x10000000});
    const ch08::Args<T> ok = [&] {
      ch08::Args<T> a;
      a.B = 2;
      a.H = 4;
      a.Hkv = 2;
      a.Sq = 8;
      a.Sk = 8;
      a.d = 64;
      a.Q = base;
      a.K = base + (1 << 20);
      a.V = base + (2 << 20);
      a.O = base + (3 << 20);
      a.lse = reinterpret_cast<float*>(base + (4 << 20));
      return a;
    }();
    auto with = [&](auto change) {
      ch08::Args<T> x = ok;
      change(x);
      return x;
    };
    for (const ch08::Step& step : ch08::steps()) {
      const std::string name =
          std::string("ch08::launch_") + step.name + "<" + ch08::type_name<T>() + ">";
      auto says = [&](const ch08::Args<T>& x, const std::string& text) {
        std::string m = "(no exception)";
        try {
          step.launcher<T>()(x, nullptr);
        } catch (const std::invalid_argument& e) {
          m = e.what();
        }
        INFO("step " << step.name << ", " << ch08::type_name<T>() << ": " << m);
        CHECK(m.find(text) != std::string::npos);
        CHECK(m.find(name) != std::string::npos);
      };
      says(with([](auto& x) { x.Q = nullptr; }), "Q is a null pointer");
      says(with([](auto& x) { x.K = nullptr; }), "K is a null pointer");
      says(with([](auto& x) { x.V = nullptr; }), "V is a null pointer");
      says(with([](auto& x) { x.O = nullptr; }), "O is a null pointer");
      says(with([](auto& x) { x.lse = nullptr; }), "lse is a null pointer");
      says(with([](auto& x) { x.Sq = 0; }), "every size must be positive");
      says(with([](auto& x) { x.Sk = -1; }), "every size must be positive");
      says(with([](auto& x) { x.B = 0; }), "every size must be positive");
      says(with([](auto& x) {
             x.H = 65536;
             x.Hkv = 65536;
           }),
           "at most 65535");
      says(with([](auto& x) { x.Sk = ch08::kMaxLength + 1; }), "at most 2^30");
      says(with([](auto& x) { x.Sq = std::int64_t{1} << 40; }), "at most 2^30");
      says(with([](auto& x) { x.Hkv = 3; }), "Hkv must divide H");
      says(with([](auto& x) { x.d = 96; }), "head dimension d must be 64 or 128");
      says(with([](auto& x) { x.d = 256; }), "got 256");
      says(with([](auto& x) { x.scale = -1.0f; }), "scale must be finite and positive");
      says(with([](auto& x) { x.scale = INFINITY; }), "scale must be finite and positive");
      says(with([&](auto& x) { x.Q = base + 1; }), "16-byte aligned");
      says(with([&](auto& x) { x.O = base + (3 << 20) + 4; }), "16-byte aligned");
      says(with([&](auto& x) { x.O = base + 64; }), "O and Q overlap");
      says(with([&](auto& x) { x.O = base + (1 << 20) + 8; }), "O and K overlap");
      says(with([&](auto& x) { x.lse = reinterpret_cast<float*>(base + (3 << 20)); }),
           "lse and O overlap");
    }
    // The naive step also needs its workspace.
    std::string m;
    try {
      ch08::launch_naive<T>(ok, nullptr);
    } catch (const std::invalid_argument& e) {
      m = e.what();
    }
    CHECK(m.find("workspace is a null pointer") != std::string::npos);
  };
  run(__half{});
  run(__nv_bfloat16{});
}
