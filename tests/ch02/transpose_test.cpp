// Chapter 02 GPU tests. Linked against the reference solutions (ch02_gpu_tests) and against the
// learner's exercises (ch02_check): the same tests judge both.
#include "transpose.h"

#include "wb/buffer.h"
#include "wb/catch.h"
#include "wb/check.h"
#include "wb/random.h"
#include "wb/testing.h"
#include "wb/view_testing.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace {

// Runs one step at one shape with fresh inputs and checks everything the harness can check.
// `copies`: the step is the vendor-memcpy row, whose output must equal the input bit for bit.
void check_step(const ch02::Step& step, const wb::Shape2D& shape, int in_offset = 0,
                int out_offset = 0, bool copies = false) {
  wb::check_view_step(step.name, step.launch, shape, ch02::make_problem, ch02::run_once,
                      ch02::tolerance(), in_offset, out_offset, copies);
}

// The workbook's edge shapes plus this chapter's own: 4097 x 3001 (one past a power of two by a
// prime), a single row and a single column longer than a tile, and shapes where step 5 takes its
// 16-byte path (multiples of 4) with and without partial edge tiles.
std::vector<wb::Shape2D> transpose_shapes() {
  std::vector<wb::Shape2D> shapes = wb::edge_shapes_2d();
  shapes.push_back({4097, 3001, "one past 4096 rows, a prime number of columns"});
  shapes.push_back({1, 4099, "a single row: the output is a single column"});
  shapes.push_back({4099, 1, "a single column: the output is a single row"});
  shapes.push_back({64, 96, "whole tiles only, 16-byte rows: step 5's wide path everywhere"});
  shapes.push_back({36, 68, "16-byte rows, partial edge tiles: both of step 5's paths"});
  shapes.push_back({1024, 1028, "many whole tiles and a 4-column edge"});
  return shapes;
}

// Every step, then the vendor rows that run the transpose (cublasSgeam): the tests hold the
// baseline to the same shapes and views as the steps.
std::vector<ch02::Step> tested_steps() {
  std::vector<ch02::Step> all = ch02::steps();
  for (const ch02::Step& vendor : ch02::vendor_steps())
    all.push_back(vendor);
  return all;
}

// The launcher a step's error messages name: "ch02::launch_<step>", or "ch02::launch_cublas" for
// vendor-cublas.
std::string launcher_name(const ch02::Step& step) {
  const std::string name = step.name;
  return "ch02::launch_" + (name.rfind("vendor-", 0) == 0 ? name.substr(7) : name);
}

// The message of the std::invalid_argument its launcher throws (wb::message_of).
std::string message_of(const ch02::Step& step, const ch02::TransposeArgs& args) {
  return wb::message_of(step.launch, args);
}

}  // namespace

TEST_CASE("every step matches the reference exactly at the edge shapes", "[ch02][gpu][steps]") {
  for (const ch02::Step& step : tested_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (const wb::Shape2D& shape : transpose_shapes())
      check_step(step, shape);
  }
}

TEST_CASE("every step is correct on views that do not start on a 16-byte boundary",
          "[ch02][gpu][steps]") {
  const std::vector<wb::Shape2D> shapes = {{37, 53, "odd rows and columns"},
                                           {64, 64, "16-byte rows, but the views are offset"}};
  for (const ch02::Step& step : tested_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (const wb::Shape2D& shape : shapes) {
      for (int offset = 1; offset < 4; ++offset) {
        check_step(step, shape, offset, offset);
        check_step(step, shape, offset, 0);
        check_step(step, shape, 0, offset);
      }
    }
  }
}

TEST_CASE("bad inputs get a clear exception from every step", "[ch02][gpu][steps]") {
  // Fake addresses, never dereferenced: every call below is rejected before anything is launched.
  float* const p = reinterpret_cast<float*>(std::uintptr_t{0x10000000});
  float* const q = p + 4096;
  for (const ch02::Step& step : tested_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    INFO("step " << step.name);
    CHECK(message_of(step, {nullptr, q, 4, 4}).find("in is a null pointer") != std::string::npos);
    CHECK(message_of(step, {p, nullptr, 4, 4}).find("out is a null pointer") != std::string::npos);
    CHECK(message_of(step, {p, q, 0, 4}).find("must be positive, got 0 x 4") != std::string::npos);
    CHECK(message_of(step, {p, q, 4, 0}).find("must be positive, got 4 x 0") != std::string::npos);
    CHECK(message_of(step, {p, p, 4, 4}).find("out-of-place") != std::string::npos);
    CHECK(message_of(step, {p, p + 8, 4, 4}).find("overlap") != std::string::npos);
    // Each message names the launcher that refused the call.
    CHECK(message_of(step, {nullptr, q, 4, 4}).find(launcher_name(step)) != std::string::npos);
  }
}

// The copy the ladder compares with is not a transpose: it must copy `in` to `out` exactly, at the
// same shapes and views as the steps.
TEST_CASE("the vendor row cudaMemcpy copies every element at the edge shapes",
          "[ch02][gpu][steps]") {
  if (!wb::step_is_ready("vendor-memcpy")) return;
  const ch02::Step memcpy_row{"vendor-memcpy", "transpose.cpp", ch02::launch_vendor_memcpy};
  for (const wb::Shape2D& shape : transpose_shapes())
    for (const int offset : {0, 1, 3})
      check_step(memcpy_row, shape, offset, offset, /*copies=*/true);
  // It refuses overlapping buffers like the steps (the same validate()), before any copy.
  float* const a = reinterpret_cast<float*>(std::uintptr_t{0x10000000});
  CHECK_THROWS_AS(ch02::launch_vendor_memcpy({a, a + 8, 4, 4}, nullptr), std::invalid_argument);
}
