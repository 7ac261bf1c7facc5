// Chapter 03 GPU tests. Linked against the reference solutions (ch03_gpu_tests) and against the
// learner's exercises (ch03_check): the same tests judge both. Test cases tagged [steps] loop over
// the steps and the vendor row (cuBLAS, tested like every step) and skip a step that is not
// selected (--wb-step NAME) or still an unfinished exercise.
//
// Shapes are kept small enough for the fp64 reference of every entry (the largest is
// 1000x777x513, 0.4 GFLOP of fp64 on the host) and for compute-sanitizer's racecheck. The size
// limits are tested at the limits themselves in limits_test.cu (make chapter-03-limits), the
// known-bad variant in known_bad_test.cpp.
#include "sgemm.h"
#include "warp_tiles.h"

#include "wb/buffer.h"
#include "wb/catch.h"
#include "wb/exercise.h"
#include "wb/random.h"
#include "wb/testing.h"

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace gemm = wb::gemm;

// The ladder's steps, then the vendor row.
std::vector<ch03::Step> tested_steps() {
  std::vector<ch03::Step> all = ch03::steps();
  all.push_back(ch03::vendor_step());
  return all;
}

std::uint64_t seed_for(const std::string& label) {
  return wb::derive_seed(wb::base_seed(), label);
}

void check(const std::string& name, ch03::Launcher launch, const gemm::Problem<float>& p,
           const std::string& variant, gemm::Sampling sampling = {}, int offset = 0) {
  const gemm::RunReport r = gemm::run_and_check(launch, p, sampling, p.seed, offset);
  const std::string where =
      wb::failure_context(name, p.shape.str() + " (" + p.shape.why + ")", p.seed) + ", " + variant;
  INFO(r.describe(where));
  CHECK(r.ok());
}

// The two kinds of problem every launch path is run on: beta = 0 with packed rows (C poisoned,
// so an unwritten entry shows), and alpha = -1.25, beta = 0.75 with every leading dimension
// padded by 3 (NaN in the padding of A and B, poison in C's): odd (scalar paths), or rounded up
// to a multiple of 4 (the 16-byte paths at odd M, N, K).
void check_edge_shapes(const std::string& name, ch03::Launcher launch, bool both_ld_kinds) {
  for (const gemm::Shape& shape : gemm::edge_shapes()) {
    const gemm::Problem<float> p =
        gemm::make_problem<float>(shape, seed_for(name + "/" + shape.str()), 1.0f, 0.0f);
    check(name, launch, p, "alpha 1, beta 0, packed rows");
    for (const bool align : {false, true}) {
      if (!align && !both_ld_kinds) continue;
      const gemm::Problem<float> q = gemm::make_problem<float>(
          shape, seed_for(name + "/ld/" + shape.str()), -1.25f, 0.75f, 3, align);
      check(name, launch, q,
            std::string("alpha -1.25, beta 0.75, lda/ldb/ldc = ") + std::to_string(q.lda) + "/" +
                std::to_string(q.ldb) + "/" + std::to_string(q.ldc));
    }
  }
}

std::string message_of(ch03::Launcher launch, const ch03::Args& args) {
  try {
    launch(args, nullptr);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

// The arguments of `p` at fake device addresses 2^40 bytes apart: for the calls that only
// validate and never launch (split_k_plan).
ch03::Args fake_args(const gemm::Problem<float>& p) {
  return {p.shape.M,
          p.shape.N,
          p.shape.K,
          p.alpha,
          reinterpret_cast<const float*>(std::uintptr_t{1} << 40),
          p.lda,
          reinterpret_cast<const float*>(std::uintptr_t{2} << 40),
          p.ldb,
          p.beta,
          reinterpret_cast<float*>(std::uintptr_t{3} << 40),
          p.ldc};
}

template <int S>
void split_k_fixed(const ch03::Args& a, cudaStream_t stream) {
  ch03::launch_split_k_with(a, stream, S);
}

}  // namespace

TEST_CASE("every step matches the fp64 reference at the edge shapes", "[ch03][gpu][steps]") {
  for (const ch03::Step& step : tested_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    check_edge_shapes(step.name, step.launch, true);
  }
}

TEST_CASE("every step is correct on views that do not start on a 16-byte boundary",
          "[ch03][gpu][steps]") {
  const gemm::Shape shape{37, 136, 44, "rows a multiple of 4 floats, pointers shifted"};
  for (const ch03::Step& step : tested_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (int offset = 1; offset < 4; ++offset) {
      const gemm::Problem<float> p = gemm::make_problem<float>(
          shape, seed_for(std::string(step.name) + "/offset/" + std::to_string(offset)), 1.0f,
          offset == 2 ? 0.5f : 0.0f);
      check(step.name, step.launch, p, "views offset by " + std::to_string(offset) + " floats", {},
            offset);
    }
  }
}

TEST_CASE("every step is correct at two larger odd shapes", "[ch03][gpu][steps]") {
  // One problem per shape for all steps (its fp64 reference is computed once).
  for (const gemm::Shape& shape : {gemm::Shape{1000, 777, 513, "odd, 8 x 4 tiles of 128 x 256"},
                                   gemm::Shape{4097, 129, 65, "one past 4096 rows"}}) {
    const gemm::Problem<float> p = gemm::make_problem<float>(
        shape, seed_for("large/" + shape.str()), 1.0f, shape.M == 1000 ? -0.5f : 0.0f);
    for (const ch03::Step& step : tested_steps()) {
      if (!wb::step_is_ready(step.name)) continue;
      check(step.name, step.launch, p, shape.M == 1000 ? "beta -0.5" : "beta 0");
    }
  }
}

TEST_CASE("every compiled tile configuration of step 8 matches the reference at the edge shapes",
          "[ch03][gpu][steps]") {
  // The sweep times these; the ladder runs only the first. Each is run through both of its
  // kernels (16-byte and scalar paths).
  if (!wb::step_is_ready("double_buffer")) return;
  for (const ch03::TileConfig& config : ch03::double_buffer_configs())
    check_edge_shapes(std::string("double_buffer ") + config.name, config.launch, true);
}

TEST_CASE("step 9 matches the reference with every number of splits and with its size rule",
          "[ch03][gpu][steps]") {
  if (!wb::step_is_ready("split_k")) return;
  // With one split step 9 calls step 8's launcher: a learner's step 9 needs their step 8.
  if (wb::is_unfinished("double_buffer"))
    FAIL(
        "split_k with one split runs step 8 (launch_double_buffer), and 08_double_buffer.cu is "
        "still marked WB_EXERCISE_TODO: finish step 8 first");
  // Forced split counts: every path of the launcher (no workspace, 2 .. 8 partials) at every edge
  // shape. plan_for_splits gives fewer splits when K is short (K = 1: always one).
  const struct {
    int splits;
    ch03::Launcher launch;
  } forced[] = {{1, split_k_fixed<1>},
                {2, split_k_fixed<2>},
                {3, split_k_fixed<3>},
                {5, split_k_fixed<5>},
                {8, split_k_fixed<8>}};
  for (const auto& f : forced)
    check_edge_shapes("split_k with " + std::to_string(f.splits) + " splits", f.launch, false);
  // Shapes where the size rule itself splits (few tiles, long K), whatever the GPU's size: one
  // tile and K = 3000 (min(slots, 11) splits), 2 x 2 tiles and K = 1000 (3 splits of 336).
  for (const gemm::Shape& shape : {gemm::Shape{100, 200, 3000, "one tile, long K"},
                                   gemm::Shape{129, 257, 1000, "2 x 2 tiles, K = 1000"},
                                   gemm::Shape{257, 513, 2049, "3 x 3 tiles, K one past 2048"}}) {
    for (const float beta : {0.0f, 0.75f}) {
      const gemm::Problem<float> p = gemm::make_problem<float>(
          shape, seed_for("split_k/rule/" + shape.str()), 1.5f, beta, 1, beta != 0.0f);
      const ch03::SplitPlan plan = ch03::split_k_plan(fake_args(p));  // sizes decide
      INFO("the size rule chose " << plan.splits << " splits of " << plan.k_per_split);
      CHECK(plan.splits > 1);
      check("split_k", ch03::launch_split_k, p,
            "the size rule's " + std::to_string(plan.splits) + " splits, beta " +
                std::to_string(beta));
    }
  }
}

TEST_CASE("bad inputs get a clear exception from every step", "[ch03][gpu][steps]") {
  // Fake addresses 2^40 bytes apart, never dereferenced: every call below is rejected before
  // anything is launched, and even the largest views here do not overlap.
  float* const a = reinterpret_cast<float*>(std::uintptr_t{1} << 40);
  float* const b = reinterpret_cast<float*>(std::uintptr_t{2} << 40);
  float* const c = reinterpret_cast<float*>(std::uintptr_t{3} << 40);
  const ch03::Args ok{8, 8, 8, 1.0f, a, 8, b, 8, 0.0f, c, 8};
  auto with = [&](auto change) {
    ch03::Args x = ok;
    change(x);
    return x;
  };
  for (const ch03::Step& step : tested_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    INFO("step " << step.name);
    auto says = [&](const ch03::Args& x, const std::string& text) {
      const std::string m = message_of(step.launch, x);
      INFO("message: " << m);
      CHECK(m.find(text) != std::string::npos);
      CHECK(m.find(step.where) != std::string::npos);
    };
    says(with([](auto& x) { x.A = nullptr; }), "A is a null pointer");
    says(with([](auto& x) { x.B = nullptr; }), "B is a null pointer");
    says(with([](auto& x) { x.C = nullptr; }), "C is a null pointer");
    says(with([](auto& x) { x.M = 0; }), "must be positive, got M x N x K = 0 x 8 x 8");
    says(with([](auto& x) { x.N = 0; }), "must be positive, got M x N x K = 8 x 0 x 8");
    says(with([](auto& x) { x.K = 0; }), "must be positive, got M x N x K = 8 x 8 x 0");
    says(with([](auto& x) { x.M = std::int64_t{1} << 31; }), "at most 2^31 - 1");
    says(with([](auto& x) { x.K = std::int64_t{1} << 31; }), "at most 2^31 - 1");
    says(with([](auto& x) { x.lda = 7; }), "lda must be >= K");
    says(with([](auto& x) { x.ldb = 7; }), "ldb must be >= N");
    says(with([](auto& x) { x.ldc = 7; }), "ldc must be >= N");
    says(with([&](auto& x) { x.C = a + 8; }), "A and C overlap");
    // One past each documented limit below 2^31 - 1 is rejected, naming the grid's limit (the
    // limits tier runs each step at the limit itself).
    if (step.max.M < (std::int64_t{1} << 31) - 1)
      says(with([&](auto& x) { x.M = step.max.M + 1; }), "the limit is 65535");
    if (step.max.N < (std::int64_t{1} << 31) - 1)
      says(with([&](auto& x) {
             x.N = step.max.N + 1;
             x.ldb = x.ldc = x.N;
           }),
           "the limit is 65535");
  }
}

namespace {

// C after one launch of `launch` on the problem's inputs (C uploaded fresh each time).
std::vector<float> output_of(ch03::Launcher launch, const gemm::Problem<float>& p) {
  wb::DeviceBuffer<float> A(p.A), B(p.B), C(p.C);
  launch({p.shape.M, p.shape.N, p.shape.K, p.alpha, A.data(), p.lda, B.data(), p.ldb, p.beta,
          C.data(), p.ldc},
         nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  return C.download();
}

}  // namespace

TEST_CASE("step 9's size-dependent dispatch: both sides of its rule at the edge shapes",
          "[ch03][gpu][steps]") {
  // launch_split_k has two paths, chosen by size: one split -> launch_double_buffer (step 8's
  // kernel and tile); 2 or more -> the split kernel, a workspace and the reduction. Each side of
  // each boundary of the rule is run here against the fp64 reference, and where the rule does not
  // split the output must be step 8's bit for bit (the same kernel on the same inputs).
  if (!wb::step_is_ready("split_k")) return;
  if (wb::is_unfinished("double_buffer"))
    FAIL("split_k with one split runs step 8 (launch_double_buffer), still unfinished");
  const std::int64_t BK = ch03::Tuned::BK, BN = ch03::Tuned::BN;
  // The wave boundary: the fewest tiles of C (one row of tiles, M = 33) that the rule does not
  // split on this GPU (tiles * 2 > slots), and one tile fewer. K = 520: two splits at most.
  auto plan_at = [](std::int64_t M, std::int64_t N, std::int64_t K) {
    const gemm::Problem<float> probe =
        gemm::make_problem<float>(gemm::Shape{1, 1, 1, "probe"}, 1, 1.0f, 0.0f);
    ch03::Args a = fake_args(probe);  // never launched: only the sizes matter
    a.M = M;
    a.N = a.ldb = a.ldc = N;
    a.K = a.lda = K;
    return ch03::split_k_plan(a);
  };
  std::int64_t t1 = 1;
  while (plan_at(33, t1 * BN, 520).splits > 1)
    ++t1;
  REQUIRE(t1 > 1);
  const struct {
    gemm::Shape shape;
    int splits;  // what the rule must choose
  } cases[] = {
      {{33, (t1 - 1) * BN - 3, 520, "one tile fewer than the wave boundary"}, 2},
      {{33, t1 * BN - 3, 520, "the fewest tiles the rule does not split"}, 1},
      {{1, 1, 2 * 256 - 1, "one tile, K one short of two splits of 256"}, 1},
      {{1, 1, 2 * 256, "one tile, K exactly two splits of 256"}, 2},
      {{31, 17, 2 * 256 + BK + 1, "one tile, K past two splits by a k tile and one"}, 2},
  };
  for (const auto& c : cases) {
    const gemm::Shape& shape = c.shape;
    for (const float beta : {0.0f, 0.75f}) {
      const gemm::Problem<float> p = gemm::make_problem<float>(
          shape, seed_for("split_k/dispatch/" + shape.str()), -1.25f, beta, 3, beta != 0.0f);
      const ch03::SplitPlan plan = ch03::split_k_plan(fake_args(p));
      const std::string variant = "the size rule's " + std::to_string(plan.splits) +
                                  " split(s), beta " + std::to_string(beta);
      INFO(shape.str() << " (" << shape.why << "): " << variant);
      CHECK(plan.splits == c.splits);
      check("split_k", ch03::launch_split_k, p, variant);
      if (plan.splits == 1) {
        const std::vector<float> mine = output_of(ch03::launch_split_k, p);
        const std::vector<float> step8 = output_of(ch03::launch_double_buffer, p);
        REQUIRE(mine.size() == step8.size());
        CHECK(std::memcmp(mine.data(), step8.data(), mine.size() * sizeof(float)) == 0);
      }
    }
  }
}
