// Chapter 07 GPU tests. Linked against the reference solutions (ch07_gpu_tests) and against the
// learner's exercises (ch07_check): the same tests judge both.
//
// Every step and cuBLAS ("vendor-cublas", a step for testing) run in fp16 and bf16 against the
// fp64 reference of every entry of C (wb::gemm::run_and_check), with the tolerance derived in
// wb/gemm.h, at the GEMM layer's edge shapes and at the pipeline's own: K below one k-tile, below
// all the stages (K < kStages x BK: the prologue issues empty groups), K = 1, K not a multiple of
// the k tile, K an exact multiple of the ring. Every compiled tile and stage configuration runs
// the same shapes. Shapes are small enough for the full reference and for compute-sanitizer.
#include "pipeline.h"

#include "wb/catch.h"
#include "wb/gemm.h"
#include "wb/gemm_testing.h"
#include "wb/testing.h"

#include <string>
#include <vector>

namespace {

using wb::gemm::Shape;
using wb::gemm::testing::TestStep;

// The steps as the tests see them: the ladder, then cuBLAS. `where` is what their exceptions
// name: step 1 is chapter 06's launcher, step 7 runs a configuration of step 6 and step 9 one of
// step 8, so they name those.
const std::vector<TestStep>& test_steps() {
  static const std::vector<TestStep> all = [] {
    std::vector<TestStep> v;
    for (const ch07::Step& s : ch07::steps()) {
      const std::string name = s.name;
      const std::string where = name == "sync"      ? "ch06::launch_warptile"
                                : name == "tuned"   ? "ch07::launch_rasterize"
                                : name == "retuned" ? "ch07::launch_hoist"
                                                    : "ch07::launch_" + name;
      v.push_back({name, where, s.fp16, s.bf16});
    }
    v.push_back({"vendor-cublas", "wb::gemm::launch_cublas", wb::gemm::launch_cublas<__half>,
                 wb::gemm::launch_cublas<__nv_bfloat16>});
    return v;
  }();
  return all;
}

// The pipeline's shapes: k-tiles of 32 (64 in one configuration) and rings of 2 to 5 stages, so
// K = 1 .. 320 covers K below one tile, below the prologue, between, and past the ring, with M and
// N off every tile.
const std::vector<Shape>& pipeline_shapes() {
  static const std::vector<Shape> shapes = {
      {67, 129, 1, "K = 1: one partial k-tile, every other prologue group empty"},
      {129, 67, 31, "K < one k-tile of 32"},
      {65, 130, 33, "two k-tiles, the second with one column"},
      {130, 257, 95, "K < 3 stages x 32, not a multiple of 32"},
      {257, 129, 96, "K = 3 stages x 32 exactly"},
      {31, 260, 127, "K < 4 stages x 32"},
      {129, 33, 160, "K = 5 stages x 32: the ring wraps once"},
      {200, 136, 161, "K = 5 x 32 + 1"},
      {136, 264, 320, "K = 10 k-tiles: the ring wraps twice or more"},
      {17, 520, 200, "K not a multiple of 64 either"},
  };
  return shapes;
}

std::vector<Shape> all_shapes() {
  std::vector<Shape> shapes = wb::gemm::edge_shapes();
  for (const Shape& s : pipeline_shapes())
    shapes.push_back(s);
  return shapes;
}

}  // namespace

TEST_CASE("every step matches the fp64 reference at the edge and pipeline shapes (beta = 0, C NaN)",
          "[ch07][gpu][steps]") {
  // beta == 0: C starts as the poison pattern, a NaN (wb::gemm::testing::check_steps_packed).
  wb::gemm::testing::check_steps_packed(test_steps(), all_shapes());
}

TEST_CASE("every step computes alpha A B + beta C with odd and with 16-byte leading dimensions",
          "[ch07][gpu][steps]") {
  // pad 3 leaves the leading dimensions odd: the synchronous copy path, where commit and wait
  // have nothing to wait for and the barriers alone must hold. align_ld rounds them up to 16
  // bytes so cp.async (with its zero-filled edge chunks) runs at odd M, N, K.
  wb::gemm::testing::check_steps_leading_dims(test_steps(), all_shapes());
}

TEST_CASE("every step is correct on views offset by 1 to 7 elements (no 16-byte alignment)",
          "[ch07][gpu][steps]") {
  // Rows are multiples of 8 elements, so only the shifted pointers forbid cp.async.
  const Shape shape{37, 136, 100, "rows a multiple of 16 bytes, pointers shifted"};
  wb::gemm::testing::check_steps_offset_views(test_steps(), shape);
}

TEST_CASE("every step is correct at the larger odd shapes", "[ch07][gpu][steps]") {
  // One problem per shape and type for all steps (its fp64 reference is computed once).
  const std::vector<wb::gemm::testing::LargeCase> cases = {
      {{1000, 777, 513, "odd in every dimension"}, 1.5f, -0.5f, 0, false},
      {{1000, 777, 513, "odd in every dimension, 16-byte rows"}, 1.5f, -0.5f, 0, true},
      {{4097, 129, 65, "one past 4096 rows"}, 1.0f, 0.0f, 0, true},
      {{255, 257, 4099, "a long K: the ring wraps ~26 times"}, -0.75f, 0.25f, 5, true},
      {{520, 1030, 200, "more than one band of 8 tile rows (step 6), a partial last band"},
       1.0f,
       0.0f,
       0,
       true},
  };
  wb::gemm::testing::check_steps_large(test_steps(), cases);
}

TEST_CASE("every compiled tile and stage configuration matches the reference",
          "[ch07][gpu][steps]") {
  // Step 4's stage counts and step 6's sweep, as the ladder's own configurations are: beta 0 with
  // packed rows, and beta != 0 with 16-byte leading dimensions, at the edge and pipeline shapes.
  wb::gemm::testing::check_configs(ch07::tuning::all_configs(), all_shapes());
}

TEST_CASE("bad inputs get a clear exception naming the step", "[ch07][gpu][steps]") {
  wb::gemm::testing::check_steps_reject_bad_inputs(test_steps());
}
