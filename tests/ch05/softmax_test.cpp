// Chapter 05 softmax GPU tests. Linked against the reference solutions (ch05_gpu_tests) and
// against the learner's exercises (ch05_check): the same tests judge both. Test cases that loop
// over the steps carry [steps] and skip a step with wb::step_is_ready, so
// `build/ch05_gpu_tests --wb-step softmax-online` runs one step's tests.
#include "softmax_layernorm.h"

#include "wb/buffer.h"
#include "wb/catch.h"
#include "wb/check.h"
#include "wb/launch.h"
#include "wb/random.h"
#include "wb/testing.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using wb::contains;

const ch05::DType kDTypes[] = {ch05::DType::f32, ch05::DType::bf16};

std::string label(const ch05::SoftmaxStep& step, ch05::DType t) {
  return std::string(step.name) + " (" + ch05::dtype_name(t) + ")";
}

// Runs one step at one shape with fresh inputs and checks everything the harness can check.
void check_step(const ch05::SoftmaxStep& step, ch05::DType t, const wb::Shape2D& shape,
                const ch05::LogitSpec& spec, const std::string& what,
                const ch05::SoftmaxViews& views = {}) {
  const std::uint64_t seed =
      wb::derive_seed(wb::base_seed(), label(step, t) + "/" + shape.str() + "/" + what);
  const ch05::SoftmaxProblem p = ch05::make_softmax_problem(shape, t, seed, spec);
  bool guards_ok = false;
  const wb::CompareReport report = ch05::run_softmax(step.launch, p, &guards_ok, views);
  INFO(report.describe(
      wb::failure_context(label(step, t), shape.str() + " (" + shape.why + "), " + what, seed)));
  CHECK(guards_ok);  // nothing written outside the output (nor before its view)
  CHECK(report.ok());
}

// The message of the std::invalid_argument its launcher throws (wb::message_of).
std::string message_of(const ch05::SoftmaxStep& step, const ch05::SoftmaxArgs& args) {
  return wb::message_of(step.launch, args);
}

bool vectorized(const ch05::SoftmaxStep& step) {
  return std::string(step.name) == "softmax-vectorized";
}

// The column counts where some step's size-dependent choice changes, and one either side:
//  - softmax-warp's kPerLane (1, 2, 4, ..., 32 values per lane): 32 * kPerLane and one more;
//  - threads_for / plan_row: the last row one warp holds and the first that needs two, and the
//    register limit and one past it (streaming), for softmax-online (16 scalars per thread) and
//    softmax-vectorized (4 vectors of 4 fp32 or 8 bf16 per thread);
//  - softmax-block: the last row whose shared memory fits the default 48 KiB and the first that
//    needs the opt-in, and the device's limit (one past it is refused: tested below).
std::vector<std::int64_t> dispatch_edge_cols() {
  std::set<std::int64_t> cols = {1};
  for (std::int64_t per_lane = 1; per_lane <= ch05::kWarpMaxCols / 32; per_lane *= 2) {
    cols.insert(32 * per_lane);
    cols.insert(32 * per_lane + 1);
  }
  const std::pair<int, int> configs[] = {
      {1, ch05::kScalarsPerThread},  // elements per unit, units per thread
      {4, ch05::kVecPerThread},
      {8, ch05::kVecPerThread}};
  for (const auto& [per_unit, per_thread] : configs) {
    cols.insert(std::int64_t{32} * per_thread * per_unit);
    cols.insert(std::int64_t{32} * per_thread * per_unit + 1);
    cols.insert(ch05::resident_cols(per_thread) * per_unit);
    cols.insert(ch05::resident_cols(per_thread) * per_unit + 1);
  }
  const std::int64_t default_smem_cols =
      static_cast<std::int64_t>(wb::kDefaultDynamicSmemBytes / sizeof(float)) -
      ch05::kSoftmaxBlockThreads;
  cols.insert(default_smem_cols);
  cols.insert(default_smem_cols + 1);
  cols.insert(ch05::softmax_block_max_cols());
  return {cols.begin(), cols.end()};
}

// launch_vendor_memcpy on views of freshly made buffers: true when the output view holds exactly
// the input's bits and nothing outside it was written.
template <class T>
bool copies_exactly(const std::vector<T>& host, const wb::Shape2D& shape, ch05::DType t,
                    const ch05::SoftmaxViews& v) {
  std::vector<T> padded(host.size() + static_cast<std::size_t>(v.in), wb::poison_value<T>());
  std::copy(host.begin(), host.end(), padded.begin() + v.in);
  wb::DeviceBuffer<T> in(padded), out(host.size() + static_cast<std::size_t>(v.out));
  out.poison();
  ch05::SoftmaxArgs args;
  args.in = in.data() + v.in;
  args.out = out.data() + v.out;
  args.rows = shape.rows;
  args.cols = shape.cols;
  args.dtype = t;
  ch05::launch_vendor_memcpy(args, nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  const std::vector<T> got = out.download();
  bool ok = out.guards_intact();
  for (int i = 0; i < v.out; ++i)
    ok = ok && wb::is_poison(got[static_cast<std::size_t>(i)]);
  return ok && std::memcmp(got.data() + v.out, host.data(), host.size() * sizeof(T)) == 0;
}

}  // namespace

TEST_CASE("every softmax step matches the fp64 reference at every shape it accepts, fp32 and bf16",
          "[ch05][gpu][steps]") {
  for (const ch05::SoftmaxStep& step : ch05::softmax_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (ch05::DType t : kDTypes) {
      int tested = 0;
      for (const wb::Shape2D& shape : ch05::test_shapes()) {
        if (shape.cols > step.max_cols(t)) continue;  // refused with a clear error: tested below
        check_step(step, t, shape, {}, "logits |x| in [0.5, 4)");
        ++tested;
      }
      INFO(label(step, t));
      CHECK(tested >= 10);  // every step, even the one limited to 1024 columns, sees >= 10 shapes
    }
  }
}

TEST_CASE("softmax steps at both sides of every size-dependent choice, fp32 and bf16",
          "[ch05][gpu][steps]") {
  const std::vector<std::int64_t> edges = dispatch_edge_cols();
  for (const ch05::SoftmaxStep& step : ch05::softmax_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (ch05::DType t : kDTypes) {
      for (std::int64_t cols : edges) {
        if (cols > step.max_cols(t)) continue;  // the first column past the limit: tested below
        // 3 rows: rows 1 and 2 start off a 16-byte boundary whenever cols is odd.
        check_step(step, t, {3, cols, "an edge of a size-dependent choice"}, {},
                   "logits |x| in [0.5, 4)");
      }
    }
  }
}

TEST_CASE("softmax steps stay finite and accurate on logits of magnitude 80 to 100",
          "[ch05][gpu][steps]") {
  // exp(100) overflows fp32 (max ~3.4e38 = exp(88.7)): only the max subtraction keeps this finite.
  ch05::LogitSpec large;
  large.lo = 80.0;
  large.hi = 100.0;
  const wb::Shape2D shapes[] = {{33, 31, "either side of a warp"},
                                {64, 1000, "cols 1000"},
                                {2, 16385, "one past the register limit: streaming"},
                                {3, 65536, "cols 65536"}};
  for (const ch05::SoftmaxStep& step : ch05::softmax_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (ch05::DType t : kDTypes) {
      for (const wb::Shape2D& shape : shapes) {
        if (shape.cols <= step.max_cols(t)) check_step(step, t, shape, large, "logits |x| 80..100");
      }
    }
  }
}

TEST_CASE("softmax steps handle masked (-inf) entries and a fully masked row (which yields zeros)",
          "[ch05][gpu][steps]") {
  ch05::LogitSpec masked;
  masked.masked = 0.25;
  masked.mask_first_row = true;
  const wb::Shape2D shapes[] = {{7, 1, "one column, row 0 fully masked"},
                                {31, 33, "either side of a warp"},
                                {17, 4097, "cols 4097"},
                                {2, 16385, "one past the register limit: streaming"},
                                {3, 65536, "cols 65536"}};
  for (const ch05::SoftmaxStep& step : ch05::softmax_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (ch05::DType t : kDTypes) {
      for (const wb::Shape2D& shape : shapes) {
        if (shape.cols <= step.max_cols(t))
          check_step(step, t, shape, masked, "25% masked, row 0 all -inf");
      }
    }
  }
}

TEST_CASE("softmax steps on views that start 1 to 3 elements into their allocation",
          "[ch05][gpu][steps]") {
  // in and out at different offsets (no 16-byte vector lines up with both), and at the same one.
  const ch05::SoftmaxViews different[] = {{1, 3}, {3, 2}, {2, 1}};
  const ch05::SoftmaxViews same[] = {{1, 1}, {2, 2}, {3, 3}};
  const wb::Shape2D shapes[] = {{31, 33, "either side of a warp"},
                                {17, 4097, "cols 4097"},
                                {2, 16385, "one past the register limit: streaming"}};
  for (const ch05::SoftmaxStep& step : ch05::softmax_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    for (ch05::DType t : kDTypes) {
      for (const wb::Shape2D& shape : shapes) {
        if (shape.cols > step.max_cols(t)) continue;
        for (const ch05::SoftmaxViews& v : same) {
          check_step(step, t, shape, {},
                     "in at +" + std::to_string(v.in) + ", out at +" + std::to_string(v.out), v);
        }
        for (const ch05::SoftmaxViews& v : different) {
          const std::string what =
              "in at +" + std::to_string(v.in) + ", out at +" + std::to_string(v.out);
          if (!vectorized(step)) {
            check_step(step, t, shape, {}, what, v);
            continue;
          }
          // The vectorized step needs one split for both: it refuses, with its documented message.
          const ch05::SoftmaxProblem p = ch05::make_softmax_problem(shape, t, 1);
          std::string message = "(no exception)";
          try {
            ch05::run_softmax(step.launch, p, nullptr, v);
          } catch (const std::invalid_argument& e) {
            message = e.what();
          }
          INFO(label(step, t) << ", " << what << ": " << message);
          CHECK(contains(message, "ch05::launch_softmax_vectorized"));
          CHECK(contains(message, "same address modulo 16"));
          CHECK(contains(message, "use a scalar step for such views"));
        }
      }
    }
  }
}

TEST_CASE("bad softmax inputs get a clear exception naming the step and the rule",
          "[ch05][gpu][steps]") {
  // Fake addresses, never dereferenced: every call below is rejected before anything launches.
  void* const p = reinterpret_cast<void*>(std::uintptr_t{0x10000000});
  void* const q = reinterpret_cast<void*>(std::uintptr_t{0x20000000});
  float* const ws = reinterpret_cast<float*>(std::uintptr_t{0x30000000});
  const auto f32 = ch05::DType::f32;
  for (const ch05::SoftmaxStep& step : ch05::softmax_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    INFO("step " << step.name);
    CHECK(contains(message_of(step, {nullptr, q, 4, 4, f32, ws}), "in is a null pointer"));
    CHECK(contains(message_of(step, {p, nullptr, 4, 4, f32, ws}), "out is a null pointer"));
    CHECK(contains(message_of(step, {p, q, 0, 4, f32, ws}), "must be positive, got 0 x 4"));
    CHECK(contains(message_of(step, {p, q, 4, 0, f32, ws}), "must be positive, got 4 x 0"));
    CHECK(contains(message_of(step, {p, q, std::int64_t{1} << 31, 1, f32, ws}), "below 2^31"));
    CHECK(contains(message_of(step, {p, q, 1, std::int64_t{1} << 31, f32, ws}), "below 2^31"));
    CHECK(contains(message_of(step, {p, p, 4, 4, f32, ws}), "overlap"));
    CHECK(contains(message_of(step, {nullptr, q, 4, 4, f32, ws}), "ch05::launch_softmax_"));
    CHECK(contains(message_of(step, {static_cast<char*>(p) + 1, q, 4, 4, ch05::DType::bf16, ws}),
                   "aligned to their element size"));
    // Rows longer than the step's limit: the message names the step and its limit.
    for (ch05::DType t : kDTypes) {
      const std::int64_t limit = step.max_cols(t);
      if (limit >= (std::int64_t{1} << 31)) continue;
      const std::string m = message_of(step, {p, q, 1, limit + 1, t, ws});
      CHECK(contains(m, step.name));
      CHECK(contains(m, "at most " + std::to_string(limit) + " columns"));
      CHECK(contains(m, "softmax-online"));  // and says which step takes such rows
    }
    // The naive step needs its workspace; the vectorized step one alignment for in and out.
    if (std::string(step.name) == "softmax-naive")
      CHECK(contains(message_of(step, {p, q, 4, 4, f32, nullptr}), "workspace"));
    if (vectorized(step)) {
      void* const q4 = reinterpret_cast<void*>(std::uintptr_t{0x20000004});
      CHECK(contains(message_of(step, {p, q4, 4, 4, f32, ws}), "modulo 16"));
    }
  }
}

TEST_CASE(
    "the vendor row (cudaMemcpy of the softmax's bytes) copies exactly, on every shape and "
    "view",
    "[ch05][gpu][steps]") {
  if (!wb::step_is_ready("vendor-memcpy")) return;
  const ch05::SoftmaxViews views[] = {{0, 0}, {1, 3}, {2, 2}};
  for (ch05::DType t : kDTypes) {
    for (const wb::Shape2D& shape : ch05::test_shapes()) {
      const ch05::SoftmaxProblem p = ch05::make_softmax_problem(
          shape, t, wb::derive_seed(wb::base_seed(), "memcpy/" + shape.str()));
      for (const ch05::SoftmaxViews& v : views) {
        INFO("vendor-memcpy (" << ch05::dtype_name(t) << ") at " << shape.str() << ", in at +"
                               << v.in << ", out at +" << v.out);
        if (t == ch05::DType::f32) {
          CHECK(copies_exactly(p.in_f32, shape, t, v));
        } else {
          CHECK(copies_exactly(p.in_bf16, shape, t, v));
        }
      }
    }
  }
}
