/// @file view_testing.h
/// @brief The Catch2 check of one step of a float-in, float-out chapter (01, 02) at one shape:
/// fresh inputs seeded by step and shape, a run on views offset inside their buffers, the guards,
/// and the comparison with the fp64 reference (or, for a vendor-memcpy row, with the input bit for
/// bit), with a failure message naming the step, the shape, the seed and the offsets.
///
/// Header-only; test programs link Catch2 (wb/catch.h).
#pragma once

#include "wb/catch.h"
#include "wb/compare.h"
#include "wb/random.h"
#include "wb/shapes.h"
#include "wb/testing.h"

#include <cstdint>
#include <string>
#include <vector>

namespace wb {

/// Runs `launch` once at `shape` on a problem from `make_problem` (seed "<step>/<shape>" derived
/// from the run's base seed) through `run_once` (views offset by `in_offset` and `out_offset`
/// floats) and CHECKs that nothing was written outside the output and that the output matches the
/// problem's reference under `tolerance`. `copies`: the step is a vendor-memcpy row, whose output
/// must equal the input bit for bit.
template <class Launcher, class Problem>
void check_view_step(const char* step, Launcher launch, const Shape2D& shape,
                     Problem (*make_problem)(const Shape2D&, std::uint64_t),
                     std::vector<float> (*run_once)(Launcher, const Problem&, bool*, int, int),
                     const Tolerance& tolerance, int in_offset, int out_offset, bool copies) {
  const std::uint64_t seed = derive_seed(base_seed(), std::string(step) + "/" + shape.str());
  const Problem problem = make_problem(shape, seed);
  bool guards_ok = false;
  const std::vector<float> out = run_once(launch, problem, &guards_ok, in_offset, out_offset);
  const CompareReport report =
      copies ? compare(out, std::vector<double>(problem.in.begin(), problem.in.end()),
                       Tolerance{0.0, 0.0, "a copy rounds nothing"})
             : compare(out, problem.ref, tolerance);
  std::string where = failure_context(step, shape.str() + " (" + shape.why + ")", seed);
  if (in_offset != 0 || out_offset != 0) {
    where += ", views offset by " + std::to_string(in_offset) + "/" + std::to_string(out_offset) +
             " floats";
  }
  INFO(report.describe(where));
  CHECK(guards_ok);  // nothing written outside the output
  CHECK(report.ok());
}

}  // namespace wb
