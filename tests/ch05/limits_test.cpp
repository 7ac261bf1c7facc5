// Chapter 05 limits tier: every step (and the vendor row) at the documented maximum of each
// dimension, 2^31 - 1 rows (with 1 column) and 2^31 - 1 columns (with 1 row), in fp32 and bf16.
// A step whose documented column limit is smaller (softmax-block, softmax-warp and the resident
// LayerNorm steps) must refuse with its documented message instead. Hidden ([.limits]): run by
// `make chapter-05-limits`, which runs every (step, test case) pair in its own process
// (scripts/limits.sh), so a sticky CUDA error in one cannot hide the others.
//
// Memory per case (H100: ~79 GiB): softmax fp32 at the row limit needs in, out (8 GiB each) and
// softmax-naive's workspace (2 floats per row, 16 GiB): 32 GiB; at the column limit 16 GiB.
// bf16 halves the matrices. LayerNorm needs x, residual, out (8 GiB each) plus, at the column
// limit, gamma and beta (8 GiB each), plus layernorm-naive's workspace (h and 2 floats per row):
// 48 GiB at either limit.
// Time: the naive steps at 2^31 - 1 columns stream the row with one block of 256 threads (several
// passes of 8 GiB); expect seconds to tens of seconds per case.
#include "limits_device.h"

#include "softmax_layernorm.h"

#include "wb/catch.h"
#include "wb/check.h"
#include "wb/testing.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using ch05::limits::kMaxDim;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string shape_text(std::int64_t rows, std::int64_t cols, const char* dtype) {
  return std::to_string(rows) + " x " + std::to_string(cols) + " " + dtype;
}

// The step must refuse rows x cols with the message its header documents.
template <class Launch, class Args>
void expect_rejection(const char* name, Launch launch, const Args& args, std::int64_t max_cols,
                      const std::string& shape) {
  std::string message = "(no exception)";
  try {
    launch(args, nullptr);
  } catch (const std::invalid_argument& e) {
    message = e.what();
  }
  INFO(name << " at " << shape << ": " << message);
  CHECK(message.find(name) != std::string::npos);
  CHECK(message.find("at most " + std::to_string(max_cols) + " columns") != std::string::npos);
  std::printf("[limits] %s %s: refused as documented (at most %lld columns)\n", name, shape.c_str(),
              static_cast<long long>(max_cols));
}

void softmax_at_limit(std::int64_t rows, std::int64_t cols, ch05::DType t) {
  const std::string shape = shape_text(rows, cols, ch05::dtype_name(t));
  const int eb = ch05::dtype_bytes(t);
  std::vector<ch05::SoftmaxStep> steps = ch05::softmax_steps();
  steps.push_back({"vendor-memcpy", "", ch05::launch_vendor_memcpy,
                   [](ch05::DType) { return std::int64_t{kMaxDim}; }});
  for (const ch05::SoftmaxStep& step : steps) {
    if (!wb::step_is_ready(step.name)) continue;
    ch05::SoftmaxArgs args;
    args.rows = rows;
    args.cols = cols;
    args.dtype = t;
    if (cols > step.max_cols(t)) {
      // Fake, non-overlapping addresses: the launcher refuses before it touches anything.
      args.in = reinterpret_cast<const void*>(std::uintptr_t{1} << 40);
      args.out = reinterpret_cast<void*>(std::uintptr_t{1} << 41);
      args.workspace = reinterpret_cast<float*>(std::uintptr_t{1} << 42);
      expect_rejection(step.name, step.launch, args, step.max_cols(t), shape);
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    const bool naive = std::string(step.name) == "softmax-naive";
    ch05::limits::Buffer in(rows * cols, eb, false), out(rows * cols, eb, true);
    ch05::limits::Buffer workspace(naive ? 2 * rows : 1, 4, false);
    ch05::limits::fill_softmax(in.data(), t, rows, cols);
    out.poison();
    args.in = in.data();
    args.out = out.data();
    args.workspace = static_cast<float*>(workspace.data());
    step.launch(args, nullptr);
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    const bool copy = std::string(step.name) == "vendor-memcpy";
    const ch05::limits::Check check = copy ? ch05::limits::check_copy(out, t, rows, cols)
                                           : ch05::limits::check_softmax(out, t, rows, cols);
    const double bytes = 2.0 * static_cast<double>(rows * cols) * eb + (naive ? 8.0 * rows : 0.0);
    std::printf("[limits] %s %s: %s (%.1f GiB on the device, %.1f s, checked on the device: %s)\n",
                step.name, shape.c_str(), check.ok() ? "passed" : "FAILED",
                ch05::limits::gib(bytes), seconds_since(start), check.describe().c_str());
    INFO(step.name << " at " << shape << ": " << check.describe());
    CHECK(check.ok());
  }
}

void layernorm_at_limit(std::int64_t rows, std::int64_t cols) {
  const std::string shape = shape_text(rows, cols, "fp32");
  const float eps = 1e-5f;
  for (const ch05::LayerNormStep& step : ch05::layernorm_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    ch05::LayerNormArgs args;
    args.rows = rows;
    args.cols = cols;
    args.eps = eps;
    if (cols > step.max_cols) {
      float* const fake = reinterpret_cast<float*>(std::uintptr_t{1} << 40);
      args.x = fake;
      args.residual = fake + (std::int64_t{1} << 36);
      args.gamma = fake + (std::int64_t{2} << 36);
      args.beta = fake + (std::int64_t{3} << 36);
      args.out = fake + (std::int64_t{4} << 36);
      args.workspace = fake + (std::int64_t{5} << 36);
      expect_rejection(step.name, step.launch, args, step.max_cols, shape);
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    const bool naive = std::string(step.name) == "layernorm-naive";
    const std::int64_t n = rows * cols;
    ch05::limits::Buffer x(n, 4, false), residual(n, 4, false), gamma(cols, 4, false),
        beta(cols, 4, false), out(n, 4, true);
    ch05::limits::Buffer workspace(naive ? ch05::layernorm_naive_workspace(rows, cols) : 1, 4,
                                   false);
    ch05::limits::fill_layernorm(
        static_cast<float*>(x.data()), static_cast<float*>(residual.data()),
        static_cast<float*>(gamma.data()), static_cast<float*>(beta.data()), rows, cols);
    out.poison();
    args.x = static_cast<const float*>(x.data());
    args.residual = static_cast<const float*>(residual.data());
    args.gamma = static_cast<const float*>(gamma.data());
    args.beta = static_cast<const float*>(beta.data());
    args.out = static_cast<float*>(out.data());
    args.workspace = static_cast<float*>(workspace.data());
    step.launch(args, nullptr);
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    const ch05::limits::Check check = ch05::limits::check_layernorm(out, rows, cols, eps);
    const double bytes =
        4.0 * (3.0 * static_cast<double>(n) + 2.0 * static_cast<double>(cols)) +
        (naive ? 4.0 * static_cast<double>(ch05::layernorm_naive_workspace(rows, cols)) : 0.0);
    std::printf("[limits] %s %s: %s (%.1f GiB on the device, %.1f s, checked on the device: %s)\n",
                step.name, shape.c_str(), check.ok() ? "passed" : "FAILED",
                ch05::limits::gib(bytes), seconds_since(start), check.describe().c_str());
    INFO(step.name << " at " << shape << ": " << check.describe());
    CHECK(check.ok());
  }
}

}  // namespace

TEST_CASE("softmax at the row limit fp32", "[.limits]") {
  softmax_at_limit(kMaxDim, 1, ch05::DType::f32);
}
TEST_CASE("softmax at the row limit bf16", "[.limits]") {
  softmax_at_limit(kMaxDim, 1, ch05::DType::bf16);
}
TEST_CASE("softmax at the column limit fp32", "[.limits]") {
  softmax_at_limit(1, kMaxDim, ch05::DType::f32);
}
TEST_CASE("softmax at the column limit bf16", "[.limits]") {
  softmax_at_limit(1, kMaxDim, ch05::DType::bf16);
}
TEST_CASE("layernorm at the row limit", "[.limits]") {
  layernorm_at_limit(kMaxDim, 1);
}
TEST_CASE("layernorm at the column limit", "[.limits]") {
  layernorm_at_limit(1, kMaxDim);
}
