// Chapter 04 GPU tests. Linked against the reference solutions (ch04_gpu_tests) and against the
// learner's exercises (ch04_check): the same tests judge both.
#include "reduction.h"
#include "tested.h"

#include "wb/buffer.h"
#include "wb/catch.h"
#include "wb/random.h"
#include "wb/shapes.h"
#include "wb/testing.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using wb::contains;

// wb::edge_lengths_1d() plus the tile edges of this chapter: 256 and 512 inputs per block
// (steps 1-5), 1024 per block-iteration of step 6 and 4096 of steps 7 and 8, and a prime that
// needs 3 passes of step 1.
// (Longer lengths, 16777259 and 2^28, are in the [large] test.)
std::vector<std::int64_t> lengths() {
  std::vector<std::int64_t> n = wb::edge_lengths_1d();
  for (std::int64_t extra : {255, 256, 257, 511, 513, 1023, 1025, 4095, 4097, 131101})
    n.push_back(extra);
  return n;
}

const char* op_name(ch04::Op op) {
  return op == ch04::Op::kSum ? "sum" : "max";
}

std::string context(const ch04::Step& step, const ch04::Problem& p, ch04::Op op, int offset,
                    const char* inputs) {
  std::string where = wb::failure_context(std::string(step.name) + " (" + op_name(op) + ")",
                                          "n = " + std::to_string(p.n) + ", " + inputs, p.seed);
  if (offset != 0) where += ", input view " + std::to_string(offset) + " floats into its buffer";
  return where;
}

// Runs one step on one problem and checks everything the harness can check.
void check_step(const ch04::Step& step, const ch04::Problem& p, ch04::Op op, const char* inputs,
                int offset = 0) {
  const ch04::RunResult r = ch04::run_once(step.launch, p, op, offset);
  const wb::CompareReport report = ch04::compare_result(r.value, p, op);
  INFO(report.describe(context(step, p, op, offset, inputs)));
  CHECK(r.out_guards_ok);  // nothing written around the 1-float output
  CHECK(report.ok());
  if (op == ch04::Op::kMax) CHECK(static_cast<double>(r.value) == p.ref_max);  // max is exact
}

ch04::Problem problem(std::int64_t n, const std::string& label,
                      ch04::Inputs kind = ch04::Inputs::kRandom) {
  return ch04::make_problem(n, wb::derive_seed(wb::base_seed(), label + "/" + std::to_string(n)),
                            kind);
}

// The message of the std::invalid_argument its launcher throws (wb::message_of).
std::string message_of(const ch04::Step& step, const ch04::ReduceArgs& args) {
  return wb::message_of(step.launch, args);
}

}  // namespace

TEST_CASE("every step matches the fp64 reference, sum and max, at the edge lengths",
          "[ch04][gpu][steps]") {
  for (const std::int64_t n : lengths()) {
    const ch04::Problem p = problem(n, "random");
    for (const ch04_tests::Tested& t : ch04_tests::tested()) {
      if (!wb::step_is_ready(t.step.name)) continue;
      check_step(t.step, p, ch04::Op::kSum, "random inputs");
      if (t.has_max) check_step(t.step, p, ch04::Op::kMax, "random inputs");
    }
  }
}

TEST_CASE("with integer inputs every partial sum is exact, so every step returns the exact sum",
          "[ch04][gpu][steps]") {
  // Integers in [-4, 4] \ {0}: each partial sum is an integer far below 2^24, exact in fp32 in
  // any order. A step that drops or repeats a single input is off by at least 1.
  for (const std::int64_t n : lengths()) {
    const ch04::Problem p = problem(n, "integers", ch04::Inputs::kIntegers);
    for (const ch04_tests::Tested& t : ch04_tests::tested()) {
      if (!wb::step_is_ready(t.step.name)) continue;
      const ch04::RunResult r = ch04::run_once(t.step.launch, p, ch04::Op::kSum);
      INFO(context(t.step, p, ch04::Op::kSum, 0, "integer inputs")
           << ": expected " << p.ref_sum << ", got " << r.value);
      CHECK(static_cast<double>(r.value) == p.ref_sum);
    }
  }
}

TEST_CASE("every step is correct when the input does not start on a 16-byte boundary",
          "[ch04][gpu][steps]") {
  for (const std::int64_t n : {std::int64_t{1}, std::int64_t{3}, std::int64_t{33},
                               std::int64_t{4099}, std::int64_t{65539}}) {
    const ch04::Problem random = problem(n, "misaligned");
    const ch04::Problem integers = problem(n, "misaligned-int", ch04::Inputs::kIntegers);
    for (const ch04_tests::Tested& t : ch04_tests::tested()) {
      if (!wb::step_is_ready(t.step.name)) continue;
      for (int offset = 1; offset < 4; ++offset) {
        check_step(t.step, random, ch04::Op::kSum, "random inputs", offset);
        if (t.has_max) check_step(t.step, random, ch04::Op::kMax, "random inputs", offset);
        const ch04::RunResult r = ch04::run_once(t.step.launch, integers, ch04::Op::kSum, offset);
        INFO(context(t.step, integers, ch04::Op::kSum, offset, "integer inputs")
             << ": expected " << integers.ref_sum << ", got " << r.value);
        CHECK(static_cast<double>(r.value) == integers.ref_sum);
      }
    }
  }
}

TEST_CASE("n = 0 writes the identity: 0 for the sum, -infinity for the max", "[ch04][gpu][steps]") {
  const ch04::Problem empty = ch04::make_problem(0, 1);
  for (const ch04_tests::Tested& t : ch04_tests::tested()) {
    if (!wb::step_is_ready(t.step.name)) continue;
    INFO("step " << t.step.name);
    const ch04::RunResult sum = ch04::run_once(t.step.launch, empty, ch04::Op::kSum);
    CHECK(sum.out_guards_ok);
    CHECK(sum.value == 0.0f);
    CHECK_FALSE(std::signbit(sum.value));
    if (!t.has_max) continue;
    const ch04::RunResult max = ch04::run_once(t.step.launch, empty, ch04::Op::kMax);
    CHECK(max.out_guards_ok);
    CHECK(std::isinf(max.value));
    CHECK(max.value < 0.0f);
  }
}

TEST_CASE("the single-pass step is deterministic and leaves its counter at zero",
          "[ch04][gpu][steps]") {
  if (!wb::step_is_ready("single_pass")) return;
  const ch04::Problem p = problem(3000017, "deterministic");
  wb::DeviceBuffer<float> in(p.in), out(1);
  ch04::Workspace ws(p.n);
  ch04::ReduceArgs args{in.data(), out.data(), p.n, ws.data(), ws.floats(), ch04::Op::kSum};
  std::vector<float> results;
  for (int run = 0; run < 5; ++run) {
    ch04::launch_single_pass(args, nullptr);
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    results.push_back(out.download()[0]);
    unsigned counter = 1;
    WB_CUDA_CHECK(cudaMemcpy(&counter, ws.data(), sizeof(counter), cudaMemcpyDeviceToHost));
    CHECK(counter == 0u);  // atomicInc wrapped it: the next run starts from zero
  }
  for (const float r : results) {
    CHECK(std::memcmp(&r, &results[0], sizeof(float)) == 0);  // bit for bit
  }
  CHECK(ch04::compare_result(results[0], p, ch04::Op::kSum).ok());
}

TEST_CASE("bad inputs get a clear exception from every step", "[ch04][gpu][steps]") {
  // Fake addresses, never dereferenced: every call below is rejected before anything runs.
  const std::int64_t n = 100000;  // needs a workspace in every step
  float* const in = reinterpret_cast<float*>(std::uintptr_t{0x10000000});  // (n)
  float* const out = in + 2 * n;                                           // (1)
  float* const ws = in + 4 * n;  // (workspace_floats_for(n)), 16-byte aligned
  const std::int64_t wsn = ch04::workspace_floats_for(n);
  for (const ch04_tests::Tested& t : ch04_tests::tested()) {
    const ch04::Step& step = t.step;
    if (!wb::step_is_ready(step.name)) continue;
    INFO("step " << step.name);
    CHECK(contains(message_of(step, {nullptr, out, n, ws, wsn}), "in is a null pointer"));
    CHECK(contains(message_of(step, {in, nullptr, n, ws, wsn}), "out is a null pointer"));
    CHECK(contains(message_of(step, {in, out, -1, ws, wsn}), "n must be in 0 .. 2^31 - 1"));
    CHECK(contains(message_of(step, {in, out, ch04::kMaxN + 1, ws, wsn}), "n must be in"));
    CHECK(contains(message_of(step, {in, in + 5, n, ws, wsn}), "out overlaps in"));
    const float* odd = reinterpret_cast<const float*>(std::uintptr_t{0x10000002});
    CHECK(contains(message_of(step, {odd, out, n, ws, wsn}), "4-byte aligned"));
    // Each message names the launcher that refused the call.
    const std::string launcher =
        t.has_max ? std::string("ch04::launch_") + step.name : std::string("ch04::launch_cub");
    CHECK(contains(message_of(step, {nullptr, out, n, ws, wsn}), launcher));
    if (!t.has_max) {  // the vendor row needs no workspace, and computes the sum only
      CHECK(contains(message_of(step, {in, out, n, ws, wsn, ch04::Op::kMax}), "sum only"));
      continue;
    }
    CHECK(contains(message_of(step, {in, out, n, nullptr, 0}), "workspace is a null pointer"));
    CHECK(contains(message_of(step, {in, out, n, ws, 3}), "workspace too small"));
    CHECK(contains(message_of(step, {in, out, n, in + 64, wsn}), "workspace overlaps in"));
  }
}

TEST_CASE("every step at n = 16777259 and 2^28 (1 GiB), sum and max, random and integer inputs",
          "[ch04][gpu][.large]") {
  // Hidden from the default run (compute-sanitizer would take minutes on these); ctest runs it
  // as ch04.gpu.large, and the benchmark checks 2^28 again before timing it.
  for (const std::int64_t n : {std::int64_t{16777259}, std::int64_t{1} << 28}) {
    {
      const ch04::Problem p = problem(n, "large");
      for (const ch04_tests::Tested& t : ch04_tests::tested()) {
        if (!wb::step_is_ready(t.step.name)) continue;
        check_step(t.step, p, ch04::Op::kSum, "random inputs");
        if (t.has_max) check_step(t.step, p, ch04::Op::kMax, "random inputs");
      }
    }
    const ch04::Problem ints = problem(n, "large-int", ch04::Inputs::kIntegers);
    for (const ch04_tests::Tested& t : ch04_tests::tested()) {
      if (!wb::step_is_ready(t.step.name)) continue;
      const ch04::RunResult r = ch04::run_once(t.step.launch, ints, ch04::Op::kSum);
      INFO(context(t.step, ints, ch04::Op::kSum, 0, "integer inputs")
           << ": expected " << ints.ref_sum << ", got " << r.value);
      CHECK(static_cast<double>(r.value) == ints.ref_sum);
    }
  }
}
