// Chapter 01 GPU tests. Linked against the reference solutions (ch01_gpu_tests) and against the
// learner's exercises (ch01_check): the same tests judge both.
#include "coalescing.h"

#include "wb/catch.h"
#include "wb/random.h"
#include "wb/testing.h"
#include "wb/view_testing.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace {

// Runs one step at one shape with fresh inputs and checks everything the harness can check.
// `copies`: the step is the vendor-memcpy row, whose output must equal the input bit for bit.
void check_step(const ch01::Step& step, const wb::Shape2D& shape, int in_offset = 0,
                int out_offset = 0, bool copies = false) {
  wb::check_view_step(step.name, step.launch, shape, ch01::make_problem, ch01::run_once,
                      ch01::tolerance(), in_offset, out_offset, copies);
}

// The message of the std::invalid_argument its launcher throws (wb::message_of).
std::string message_of(const ch01::Step& step, const ch01::ScaleRowsArgs& args) {
  return wb::message_of(step.launch, args);
}

}  // namespace

TEST_CASE("every step matches the fp64 reference at the edge shapes", "[ch01][gpu][steps]") {
  for (const ch01::Step& step : ch01::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (const wb::Shape2D& shape : wb::edge_shapes_2d())
      check_step(step, shape);
  }
}

TEST_CASE("every step is correct on views that do not start on a 16-byte boundary",
          "[ch01][gpu][steps]") {
  const wb::Shape2D shape{37, 53, "odd rows and columns"};
  for (const ch01::Step& step : ch01::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (int offset = 1; offset < 4; ++offset)
      check_step(step, shape, offset, offset);
  }
}

TEST_CASE("scalar steps accept views whose alignments differ; vectorized steps refuse them clearly",
          "[ch01][gpu][steps]") {
  const wb::Shape2D shape{19, 23, "odd rows and columns"};
  for (const ch01::Step& step : ch01::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    const std::string name = step.name;
    if (name == "naive" || name == "coalesced") {
      check_step(step, shape, 1, 0);
    } else {
      const ch01::Problem p = ch01::make_problem(shape, 1);
      INFO("step " << name);
      try {
        ch01::run_and_compare(step.launch, p, nullptr, 1, 0);
        FAIL("expected std::invalid_argument for in % 16 != out % 16");
      } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        CHECK(what.find("modulo 16") != std::string::npos);
        CHECK(what.find("coalesced") != std::string::npos);
      }
    }
  }
}

TEST_CASE("bad inputs get a clear exception from every step", "[ch01][gpu][steps]") {
  // Fake addresses, never dereferenced: every call below is rejected before anything is launched.
  float* const p = reinterpret_cast<float*>(std::uintptr_t{0x10000000});
  float* const q = p + 4096;
  float* const s = p + 8192;
  for (const ch01::Step& step : ch01::steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    INFO("step " << step.name);
    CHECK(message_of(step, {nullptr, s, q, 4, 4}).find("in is a null pointer") !=
          std::string::npos);
    CHECK(message_of(step, {p, nullptr, q, 4, 4}).find("scale is a null pointer") !=
          std::string::npos);
    CHECK(message_of(step, {p, s, nullptr, 4, 4}).find("out is a null pointer") !=
          std::string::npos);
    CHECK(message_of(step, {p, s, q, 0, 4}).find("must be positive, got 0 x 4") !=
          std::string::npos);
    CHECK(message_of(step, {p, s, q, 4, 0}).find("must be positive, got 4 x 0") !=
          std::string::npos);
    CHECK(message_of(step, {p, s, p, 4, 4}).find("overlap") != std::string::npos);
    // Each message names the launcher that refused the call.
    CHECK(message_of(step, {nullptr, s, q, 4, 4}).find(std::string("ch01::launch_") + step.name) !=
          std::string::npos);
  }
}

// The vendor row is the yardstick, not a scale: it must copy `in` to `out` exactly, at the same
// shapes and views as the steps (a wrong baseline is no baseline).
TEST_CASE("the vendor row cudaMemcpy copies every element at the edge shapes",
          "[ch01][gpu][steps]") {
  if (!wb::step_is_ready("vendor-memcpy")) return;
  const ch01::Step memcpy_row{"vendor-memcpy", "scale_rows.cpp", ch01::launch_vendor_memcpy};
  for (const wb::Shape2D& shape : wb::edge_shapes_2d())
    for (const int offset : {0, 1, 3})
      check_step(memcpy_row, shape, offset, offset, /*copies=*/true);
  // It refuses overlapping buffers like the steps (the same validate()), before any copy.
  float* const a = reinterpret_cast<float*>(std::uintptr_t{0x10000000});
  CHECK_THROWS_AS(ch01::launch_vendor_memcpy({a, a + 64, a, 4, 4}, nullptr), std::invalid_argument);
}
