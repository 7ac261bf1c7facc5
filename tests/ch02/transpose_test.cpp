// Chapter 02 GPU tests. Linked against the reference solutions (ch02_gpu_tests) and against the
// learner's exercises (ch02_check): the same tests judge both.
#include "transpose.h"

#include "wb/buffer.h"
#include "wb/catch.h"
#include "wb/check.h"
#include "wb/random.h"
#include "wb/testing.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace {

// Runs one step at one shape with fresh inputs and checks everything the harness can check.
void check_step(const ch02::Step& step, const wb::Shape2D& shape, int in_offset = 0,
                int out_offset = 0) {
  const std::uint64_t seed =
      wb::derive_seed(wb::base_seed(), std::string(step.name) + "/" + shape.str());
  const ch02::Problem problem = ch02::make_problem(shape, seed);
  bool guards_ok = false;
  const wb::CompareReport report =
      ch02::run_and_compare(step.launch, problem, &guards_ok, in_offset, out_offset);
  std::string where = wb::failure_context(step.name, shape.str() + " (" + shape.why + ")", seed);
  if (in_offset != 0 || out_offset != 0) {
    where += ", views offset by " + std::to_string(in_offset) + "/" + std::to_string(out_offset) +
             " floats";
  }
  INFO(report.describe(where));
  CHECK(guards_ok);  // nothing written outside the output
  CHECK(report.ok());
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

std::string message_of(const ch02::Step& step, const ch02::TransposeArgs& args) {
  try {
    step.launch(args, nullptr);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
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
  const wb::Tolerance exact{0.0, 0.0, "a copy rounds nothing"};
  for (const wb::Shape2D& shape : transpose_shapes()) {
    for (const int offset : {0, 1, 3}) {
      const std::uint64_t seed = wb::derive_seed(wb::base_seed(), "vendor-memcpy/" + shape.str());
      const ch02::Problem p = ch02::make_problem(shape, seed);
      bool guards_ok = false;
      const std::vector<float> got =
          ch02::run_once(ch02::launch_vendor_memcpy, p, &guards_ok, offset, offset);
      const wb::CompareReport report =
          wb::compare(got, std::vector<double>(p.in.begin(), p.in.end()), exact);
      INFO(report.describe(wb::failure_context("vendor-memcpy", shape.str(), seed) +
                           ", views offset by " + std::to_string(offset) + " floats"));
      CHECK(guards_ok);
      CHECK(report.ok());
    }
  }
  float* const a = reinterpret_cast<float*>(std::uintptr_t{0x10000000});
  CHECK_THROWS_AS(ch02::launch_vendor_memcpy({a, a + 8, 4, 4}, nullptr), std::invalid_argument);
}

// Not a test on its own: the driver that tests/ch02's CTest "ch02.known-bad.racecheck" runs under
// compute-sanitizer racecheck (scripts/expect-sanitizer-error.sh), which passes only when racecheck
// reports the missing barrier's hazard. Hidden ([.]) because without racecheck its result depends
// on warp timing: it usually comes out right, which is exactly why a race needs a sanitizer.
TEST_CASE("known-bad: the padded tile without its barrier (run under racecheck)",
          "[ch02][gpu][known-bad][.][known-bad-race]") {
  const wb::Shape2D shape{96, 64, "whole tiles"};
  const ch02::Problem problem =
      ch02::make_problem(shape, wb::derive_seed(wb::base_seed(), "no-barrier"));
  bool guards_ok = false;
  const wb::CompareReport report =
      ch02::run_and_compare(ch02::known_bad::launch_padded_tile_no_barrier, problem, &guards_ok);
  CHECK(guards_ok);  // it reads too early, but never writes outside the output
  WARN("without racecheck this run " << (report.ok() ? "happened to be right" : "was wrong"));
}
