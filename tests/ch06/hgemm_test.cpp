// Chapter 06 GPU tests. Linked against the reference solutions (ch06_gpu_tests) and against the
// learner's exercises (ch06_check): the same tests judge both.
//
// Every step and cuBLAS ("vendor-cublas", a step for testing) run in fp16 and bf16 against the
// fp64 reference of every entry of C (wb::gemm::run_and_check), with the tolerance derived in
// wb/gemm.h. Shapes are small enough for the full reference and for compute-sanitizer's racecheck;
// the largest, 255 x 257 x 4099, is 0.27 G multiply-adds on the host, computed once per type.
#include "hgemm.h"

#include "wb/buffer.h"
#include "wb/catch.h"
#include "wb/gemm.h"
#include "wb/gemm_testing.h"
#include "wb/random.h"
#include "wb/testing.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using wb::gemm::Problem;
using wb::gemm::Shape;
using wb::gemm::testing::check_step;
using wb::gemm::testing::for_each_half_type;
using wb::gemm::testing::seed_for;
using wb::gemm::testing::TestStep;

// The steps as the tests see them: the chapter's steps, then cuBLAS as "vendor-cublas". `where`
// is what their exceptions must name.
const std::vector<TestStep>& test_steps() {
  static const std::vector<TestStep> all = [] {
    std::vector<TestStep> v;
    for (const ch06::Step& s : ch06::steps())
      v.push_back({s.name, std::string("ch06::launch_") + s.name, s.fp16, s.bf16});
    v.push_back({"vendor-cublas", "wb::gemm::launch_cublas", wb::gemm::launch_cublas<__half>,
                 wb::gemm::launch_cublas<__nv_bfloat16>});
    return v;
  }();
  return all;
}

}  // namespace

TEST_CASE("every step matches the fp64 reference at the edge shapes (beta = 0, C full of NaN)",
          "[ch06][gpu][steps]") {
  // beta == 0: C starts as the poison pattern, a NaN (wb::gemm::testing::check_steps_packed).
  wb::gemm::testing::check_steps_packed(test_steps(), wb::gemm::edge_shapes());
}

TEST_CASE("every step computes alpha A B + beta C with odd and with 16-byte leading dimensions",
          "[ch06][gpu][steps]") {
  // pad 3 leaves the leading dimensions odd (scalar copy path, 2-byte epilogue); align_ld rounds
  // them up to multiples of 8 elements so the 16-byte paths run at odd M, N, K.
  wb::gemm::testing::check_steps_leading_dims(test_steps(), wb::gemm::edge_shapes());
}

TEST_CASE("every step is correct on views offset by 1 to 7 elements (no 16-byte alignment)",
          "[ch06][gpu][steps]") {
  // Rows are multiples of 8 elements, so only the shifted pointers forbid the 16-byte path.
  const Shape shape{37, 136, 48, "rows a multiple of 16 bytes, pointers shifted"};
  wb::gemm::testing::check_steps_offset_views(test_steps(), shape);
}

TEST_CASE("every step is correct at the larger odd shapes", "[ch06][gpu][steps]") {
  // One problem per shape and type for all steps (its fp64 reference is computed once).
  const std::vector<wb::gemm::testing::LargeCase> cases = {
      {{1000, 777, 513, "odd in every dimension"}, 1.5f, -0.5f, 0, false},
      {{4097, 129, 65, "one past 4096 rows"}, 1.0f, 0.0f, 0, false},
      {{255, 257, 4099, "a long K that is not a multiple of 16 or 32"}, -0.75f, 0.25f, 5, true},
  };
  wb::gemm::testing::check_steps_large(test_steps(), cases);
}

TEST_CASE("every compiled configuration matches the reference at the edge shapes",
          "[ch06][gpu][steps]") {
  // Step 5's padded layout and every warp-tile configuration of step 6, as the ladder's own
  // configuration is: beta 0 with packed rows, and beta != 0 with 16-byte leading dimensions.
  wb::gemm::testing::check_configs(ch06::tuning::all_configs(), wb::gemm::edge_shapes());
}

TEST_CASE("bad inputs get a clear exception naming the step", "[ch06][gpu][steps]") {
  wb::gemm::testing::check_steps_reject_bad_inputs(test_steps());
}

TEST_CASE("the type-erased front runs fp16 and bf16 and rejects every other combination",
          "[ch06][gpu][steps]") {
  const Shape shape{33, 31, 17, "either side of a warp"};
  for (const ch06::Step& step : ch06::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    INFO("step " << step.name);
    // The supported combinations compute the right thing through the front.
    const Problem<__half> ph = wb::gemm::make_problem<__half>(shape, seed_for("any/fp16"), 1, 0);
    const Problem<__nv_bfloat16> pb =
        wb::gemm::make_problem<__nv_bfloat16>(shape, seed_for("any/bf16"), 1, 0);
    static const ch06::Step* current = nullptr;  // the launchers below are plain functions
    current = &step;
    check_step<__half>(
        step.name,
        +[](const ch06::Args<__half>& a, cudaStream_t s) {
          ch06::launch_any(*current,
                           {a.M, a.N, a.K, a.alpha, ch06::DType::kF16, a.A, a.lda,
                            ch06::DType::kF16, a.B, a.ldb, a.beta, ch06::DType::kF16, a.C, a.ldc},
                           s);
        },
        ph, "through launch_any, all fp16");
    check_step<__nv_bfloat16>(
        step.name,
        +[](const ch06::Args<__nv_bfloat16>& a, cudaStream_t s) {
          ch06::launch_any(*current,
                           {a.M, a.N, a.K, a.alpha, ch06::DType::kBF16, a.A, a.lda,
                            ch06::DType::kBF16, a.B, a.ldb, a.beta, ch06::DType::kBF16, a.C, a.ldc},
                           s);
        },
        pb, "through launch_any, all bf16");
    // Every other combination is refused before anything runs, with the step and the types.
    using D = ch06::DType;
    const std::vector<std::vector<D>> bad = {
        {D::kF16, D::kBF16, D::kF16},  {D::kBF16, D::kF16, D::kBF16}, {D::kF16, D::kF16, D::kF32},
        {D::kBF16, D::kBF16, D::kF32}, {D::kF32, D::kF32, D::kF32},   {D::kF16, D::kF16, D::kBF16}};
    void* const fake = reinterpret_cast<void*>(std::uintptr_t{0x10000000});
    for (const auto& types : bad) {
      ch06::AnyArgs x{8, 8, 8, 1.0f, types[0], fake, 8, types[1], fake, 8, 0.0f, types[2], fake, 8};
      std::string m = "(no exception)";
      try {
        ch06::launch_any(step, x, nullptr);
      } catch (const std::invalid_argument& e) {
        m = e.what();
      }
      INFO("message: " << m);
      CHECK(m.find(std::string("ch06::launch_") + step.name) != std::string::npos);
      CHECK(m.find(std::string("unsupported type combination A ") + ch06::dtype_name(types[0]) +
                   ", B " + ch06::dtype_name(types[1]) + ", C " + ch06::dtype_name(types[2])) !=
            std::string::npos);
    }
  }
}

TEST_CASE("the mma.sync peak kernel does every FLOP it is credited with", "[ch06][gpu]") {
  // A all 1, B all 1/16: each mma adds exactly 1 to each accumulator, so each thread's sum is
  // 4 * kChains * iters; a kernel whose loop the compiler shortened would fall short.
  for_each_half_type([&](auto tag) {
    using T = decltype(tag);
    const int blocks = 3, iters = 1000;
    wb::DeviceBuffer<float> out(static_cast<std::size_t>(blocks) * ch06::peak::kThreads);
    out.poison();
    ch06::peak::launch<T>(out.data(), blocks, iters, nullptr);
    const std::vector<float> got = out.download();
    std::size_t wrong = 0;
    for (float v : got)
      wrong += v != static_cast<float>(4 * ch06::peak::kChains * iters);
    INFO(wb::gemm::type_name<T>() << ": first value " << got[0]);
    CHECK(wrong == 0);
    CHECK(out.guards_intact());
  });
  CHECK(ch06::peak::flops(3, 1000) == 3.0 * 8 * 1000 * ch06::peak::kChains * 4096);
}
