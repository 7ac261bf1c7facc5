// Chapter 03 GPU tests. Linked against the reference solutions (ch03_gpu_tests) and against the
// learner's exercises (ch03_check): the same tests judge both.
//
// Shapes are kept small enough for the fp64 reference of every entry (the largest is
// 1000x777x513, 0.4 GFLOP of fp64 on the host) and for compute-sanitizer's racecheck; the
// known-bad test at 4096^3 and 4097^3 checks sampled entries plus a poison scan of all of C.
#include "sgemm.h"

#include "wb/catch.h"
#include "wb/random.h"
#include "wb/testing.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace {

// 1, 31, 33, primes, non-square, non-multiples of every tile (32, 64, 128, 8, 16) and K below,
// at and above a k tile.
const std::vector<ch03::GemmShape>& edge_shapes() {
  static const std::vector<ch03::GemmShape> shapes = {
      {1, 1, 1, "a single element"},
      {33, 31, 17, "either side of a warp, K not a multiple of 8"},
      {31, 33, 1, "K = 1"},
      {1, 1, 300, "one output, a long reduction"},
      {1, 129, 7, "one row, one past 128 columns"},
      {129, 1, 9, "one column, one past 128 rows"},
      {97, 257, 61, "primes, wide"},
      {257, 97, 131, "primes, tall"},
      {127, 129, 33, "either side of a 128 tile"},
      {64, 64, 8, "exactly one 64 tile and one k tile"},
      {130, 258, 16, "two k tiles, one past two 128 tiles"},
      {3, 517, 250, "few rows, many columns"},
  };
  return shapes;
}

std::uint64_t seed_for(const std::string& label) {
  return wb::derive_seed(wb::base_seed(), label);
}

void check(const ch03::Step& step, const ch03::Problem& p, const std::string& variant,
           ch03::Sampling sampling = {}, int offset = 0) {
  const ch03::RunReport r = ch03::run_and_check(step.launch, p, sampling, p.seed, offset);
  const std::string where =
      wb::failure_context(step.name, p.shape.str() + " (" + p.shape.why + ")", p.seed) + ", " +
      variant;
  INFO(r.describe(where));
  CHECK(r.ok());
}

std::string message_of(const ch03::Step& step, const ch03::SgemmArgs& args) {
  try {
    step.launch(args, nullptr);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

TEST_CASE("every step matches the fp64 reference at the edge shapes (beta = 0, C poisoned)",
          "[ch03][gpu]") {
  for (const ch03::Step& step : ch03::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (const ch03::GemmShape& shape : edge_shapes()) {
      const ch03::Problem p = ch03::make_problem(
          shape, seed_for(std::string(step.name) + "/" + shape.str()), 1.0f, 0.0f);
      check(step, p, "alpha 1, beta 0, packed rows");
    }
  }
}

TEST_CASE("every step computes alpha A B + beta C with padded leading dimensions", "[ch03][gpu]") {
  // beta != 0: C is a random input (its guard zones and padding still poisoned). pad 3 leaves
  // the leading dimensions odd (scalar paths); align_ld rounds them to multiples of 4 so the
  // 16-byte paths run at odd M, N, K. A's and B's padding hold NaN: reading them spoils the result.
  for (const ch03::Step& step : ch03::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (const ch03::GemmShape& shape : edge_shapes()) {
      for (const bool align : {false, true}) {
        const ch03::Problem p =
            ch03::make_problem(shape, seed_for(std::string(step.name) + "/ld/" + shape.str()),
                               -1.25f, 0.75f, 3, align);
        check(step, p,
              std::string("alpha -1.25, beta 0.75, lda/ldb/ldc = ") + std::to_string(p.lda) + "/" +
                  std::to_string(p.ldb) + "/" + std::to_string(p.ldc));
      }
    }
  }
}

TEST_CASE("every step is correct on views that do not start on a 16-byte boundary", "[ch03][gpu]") {
  const ch03::GemmShape shape{37, 136, 44, "rows a multiple of 4 floats, pointers shifted"};
  for (const ch03::Step& step : ch03::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (int offset = 1; offset < 4; ++offset) {
      const ch03::Problem p = ch03::make_problem(
          shape, seed_for(std::string(step.name) + "/offset/" + std::to_string(offset)), 1.0f,
          offset == 2 ? 0.5f : 0.0f);
      check(step, p, "views offset by " + std::to_string(offset) + " floats", {}, offset);
    }
  }
}

TEST_CASE("every step is correct at the issue's larger shapes", "[ch03][gpu]") {
  // One problem per shape for all steps (its fp64 reference is computed once).
  for (const ch03::GemmShape& shape : {ch03::GemmShape{1000, 777, 513, "the issue's odd shape"},
                                       ch03::GemmShape{4097, 129, 65, "one past 4096 rows"}}) {
    const ch03::Problem p = ch03::make_problem(shape, seed_for("large/" + shape.str()), 1.0f,
                                               shape.M == 1000 ? -0.5f : 0.0f);
    for (const ch03::Step& step : ch03::steps()) {
      if (!wb::step_is_ready(step.name)) continue;
      check(step, p, shape.M == 1000 ? "beta -0.5" : "beta 0");
    }
  }
}

TEST_CASE("bad inputs get a clear exception from every step", "[ch03][gpu]") {
  // Fake addresses, never dereferenced: every call below is rejected before anything is launched.
  float* const a = reinterpret_cast<float*>(std::uintptr_t{0x10000000});
  float* const b = a + (1 << 20);
  float* const c = a + (2 << 20);
  const ch03::SgemmArgs ok{8, 8, 8, 1.0f, a, 8, b, 8, 0.0f, c, 8};
  auto with = [&](auto change) {
    ch03::SgemmArgs x = ok;
    change(x);
    return x;
  };
  for (const ch03::Step& step : ch03::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    INFO("step " << step.name);
    auto says = [&](const ch03::SgemmArgs& x, const std::string& text) {
      const std::string m = message_of(step, x);
      INFO("message: " << m);
      CHECK(m.find(text) != std::string::npos);
      CHECK(m.find(std::string("ch03::launch_") + step.name) != std::string::npos);
    };
    says(with([](auto& x) { x.A = nullptr; }), "A is a null pointer");
    says(with([](auto& x) { x.B = nullptr; }), "B is a null pointer");
    says(with([](auto& x) { x.C = nullptr; }), "C is a null pointer");
    says(with([](auto& x) { x.M = 0; }), "must be positive, got M x N x K = 0 x 8 x 8");
    says(with([](auto& x) { x.N = 0; }), "must be positive, got M x N x K = 8 x 0 x 8");
    says(with([](auto& x) { x.K = 0; }), "must be positive, got M x N x K = 8 x 8 x 0");
    says(with([](auto& x) { x.lda = 7; }), "lda must be >= K");
    says(with([](auto& x) { x.ldb = 7; }), "ldb must be >= N");
    says(with([](auto& x) { x.ldc = 7; }), "ldc must be >= N");
    says(with([&](auto& x) { x.C = a + 8; }), "A and C overlap");
  }
}

TEST_CASE("the harness catches the known-bad variant (shared-memory tiles without the tail)",
          "[ch03][gpu][known-bad]") {
  const ch03::Launcher bad = ch03::known_bad::launch_smem_tiles_no_tail;
  const ch03::Sampling sampling{2000, true};  // plus the whole last row and column
  // At 4096^3 every tile is whole: the bug is invisible and the same code is right...
  const ch03::Problem nice =
      ch03::make_problem({4096, 4096, 4096, "tile multiple"}, seed_for("known-bad/4096"), 1, 0);
  const ch03::RunReport good = ch03::run_and_check(bad, nice, sampling, nice.seed);
  INFO(good.describe("known-bad no-tail at 4096^3"));
  CHECK(good.ok());
  // ...and at 4097^3 the harness must see the unwritten last row and column and the missing
  // product k = 4096 in every other entry.
  const ch03::Problem odd =
      ch03::make_problem({4097, 4097, 4097, "one past"}, seed_for("known-bad/4097"), 1, 0);
  const ch03::RunReport r = ch03::run_and_check(bad, odd, sampling, odd.seed);
  INFO(r.describe("known-bad no-tail at 4097^3"));
  CHECK_FALSE(r.ok());
  CHECK(r.unwritten_all == 4097u + 4096u);  // the last row and the last column
  CHECK(r.compare.mismatched > 0);          // the K tail is missing everywhere else
  CHECK(r.guards_ok);                       // it writes too little, never outside
}
