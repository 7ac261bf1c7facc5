// Chapter 03 limits tier: every step and the vendor row at the documented maximum of each
// dimension, the other two 1 (sgemm.h, "Size limits"). Hidden ([.limits]): `make
// chapter-03-limits` (scripts/limits.sh) runs each (step, test case) pair in its own process, so
// a sticky CUDA error in one cannot hide the others, and writes build/chapter-03.limits.log.
//
//   limits M   M = the step's max (2^31 - 1, or 65535 tiles of its rows), N = K = 1, beta 0 and 2;
//              a step whose max is below 2^31 - 1 must reject M = 2^31 - 1 naming the grid limit
//   limits N   N = the step's max (2^31 - 1 but for naive), M = K = 1, beta 0 and 2, plus
//              N = 2^31 - 4 with 16-byte aligned rows (the vector paths)
//   limits K   K = 2^31 - 1, M = N = 1: one output, a reduction over 2^31 - 1 values
//
// Memory: 16 GiB per case at most (two matrices of 2^31 - 1 floats). Time: the M and N cases are
// memory-bound passes of seconds. The K case is one output, so steps 1-8 walk all of K in one block
// (one thread for naive and coalesced), and every k tile costs the whole block's FMAs (on zeros
// but for one row and column) plus a global round trip: predicted on an H100 about 1 min for
// naive, coalesced and smem_tiles, 2 min for register_1d, 4 min for register_2d and vectorized,
// 5-7 min for double_buffer and warptile (2^28 k tiles of ~2,100 FFMA issue cycles each); step 9
// splits it 132 ways (seconds). Each case is still below limits.sh's 600 s time-out.
// Data are made and checked on the device (limits_data.h): small integers, exact in fp32.
//
// The test cases are tagged [.limits] and not [steps]: a Catch2 filter "[steps]" (the per-step
// CTest entries, the exercise check) would select a hidden test that carries the tag, and run
// minutes of 16 GiB cases in every everyday run. They still loop over the steps through
// wb::step_is_ready, so `--wb-step NAME` (which limits.sh passes) selects the step.
#include "limits_data.h"
#include "sgemm.h"

#include "wb/buffer.h"
#include "wb/catch.h"
#include "wb/check.h"
#include "wb/testing.h"

#include <chrono>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr std::int64_t kMax = 2147483647;  // 2^31 - 1
constexpr std::uint32_t kSaltA = 0x1234567u, kSaltB = 0x2345678u, kSaltC = 0x3456789u;

std::vector<ch03::Step> tested_steps() {
  std::vector<ch03::Step> all = ch03::steps();
  all.push_back(ch03::vendor_step());
  return all;
}

float* floats(wb::DeviceAllocation& a) {
  return static_cast<float*>(a.get());
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A shape above the step's documented limit must be rejected before anything runs, naming the
// grid limit. Fake addresses 2^40 bytes apart (never dereferenced; the views do not overlap).
void expect_rejected(const ch03::Step& step, std::int64_t M, std::int64_t N) {
  float* const a = reinterpret_cast<float*>(std::uintptr_t{1} << 40);
  float* const b = reinterpret_cast<float*>(std::uintptr_t{2} << 40);
  float* const c = reinterpret_cast<float*>(std::uintptr_t{3} << 40);
  const ch03::Args args{M, N, 1, 1.0f, a, 1, b, N, 0.0f, c, N};
  std::string message = "(no exception)";
  try {
    step.launch(args, nullptr);
  } catch (const std::invalid_argument& e) {
    message = e.what();
  }
  INFO("step " << step.name << ", M x N x K = " << M << " x " << N << " x 1: " << message);
  CHECK(message.find("the limit is 65535") != std::string::npos);
  CHECK(message.find(step.where) != std::string::npos);
  std::printf("[limits] %s: M x N x K = %lld x %lld x 1 rejected as documented: %s\n", step.name,
              static_cast<long long>(M), static_cast<long long>(N), message.c_str());
}

// Runs `step` on C (n entries, contiguous) = alpha * X * y + beta * C, where X holds value(i,
// kSaltX) and the single other input 3 (so C = 3 value(i, kSaltX) + beta value(i, kSaltC)), and
// checks every entry on the device.
void run_and_check_line(const ch03::Step& step, const ch03::Args& args, float* C, std::int64_t n,
                        const std::string& what) {
  const float beta = args.beta;
  if (beta == 0.0f) {
    ch03_limits::fill_constant(C, n, std::numeric_limits<float>::quiet_NaN());  // C unread
  } else {
    ch03_limits::fill_values(C, n, kSaltC);
  }
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  const auto start = std::chrono::steady_clock::now();
  step.launch(args, nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  const double secs = seconds_since(start);
  const ch03_limits::Mismatch m = ch03_limits::check_values(C, n, 3.0f, kSaltA, beta, kSaltC);
  INFO("step " << step.name << ", " << what << ": " << m.count << " of " << n
               << " entries wrong; the first at " << m.first << ": expected " << m.expected
               << ", got " << m.got);
  CHECK(m.count == 0u);
  std::printf("[limits] %s: %s: %s (%.2f s)\n", step.name, what.c_str(),
              m.count == 0 ? "every entry exact" : "WRONG", secs);
}

}  // namespace

TEST_CASE("limits M", "[ch03][gpu][.limits]") {
  for (const ch03::Step& step : tested_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    if (step.max.M < kMax) expect_rejected(step, kMax, 1);
    const std::int64_t M = step.max.M;
    // A: M x 1 (lda 1), B: 1 x 1 holding 3, C: M x 1 (ldc 1).
    wb::DeviceAllocation A(M * sizeof(float)), B(sizeof(float)), C(M * sizeof(float));
    ch03_limits::fill_values(floats(A), M, kSaltA);
    ch03_limits::fill_constant(floats(B), 1, 3.0f);
    for (const float beta : {0.0f, 2.0f}) {
      const ch03::Args args{M, 1, 1, 1.0f, floats(A), 1, floats(B), 1, beta, floats(C), 1};
      run_and_check_line(step, args, floats(C), M,
                         "M x N x K = " + std::to_string(M) + " x 1 x 1, beta " +
                             std::to_string(static_cast<int>(beta)));
    }
  }
}

TEST_CASE("limits N", "[ch03][gpu][.limits]") {
  for (const ch03::Step& step : tested_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    if (step.max.N < kMax) expect_rejected(step, 1, kMax);
    const std::int64_t N = step.max.N;
    // A: 1 x 1 holding 3 (lda 4, so the rows of A never stop the 16-byte paths), B: 1 x N,
    // C: 1 x N.
    wb::DeviceAllocation A(4 * sizeof(float)), B(N * sizeof(float)), C(N * sizeof(float));
    ch03_limits::fill_constant(floats(A), 4, 3.0f);
    ch03_limits::fill_values(floats(B), N, kSaltA);
    for (const float beta : {0.0f, 2.0f}) {
      const ch03::Args args{1, N, 1, 1.0f, floats(A), 4, floats(B), N, beta, floats(C), N};
      run_and_check_line(step, args, floats(C), N,
                         "M x N x K = 1 x " + std::to_string(N) + " x 1, beta " +
                             std::to_string(static_cast<int>(beta)));
    }
    if (N % 4 != 0) {  // the largest N whose rows are 16-byte aligned: the vector paths
      const std::int64_t N4 = N / 4 * 4;
      const ch03::Args args{1, N4, 1, 1.0f, floats(A), 4, floats(B), N4, 2.0f, floats(C), N4};
      run_and_check_line(
          step, args, floats(C), N4,
          "M x N x K = 1 x " + std::to_string(N4) + " x 1, beta 2, 16-byte aligned rows");
    }
  }
}

TEST_CASE("limits K", "[ch03][gpu][.limits]") {
  for (const ch03::Step& step : tested_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    const std::int64_t K = step.max.K;
    // A: 1 x K (lda K) of +-1, B: K x 1 (ldb 1) of 0 and 1, C: one entry holding 5.
    wb::DeviceAllocation A(K * sizeof(float)), B(K * sizeof(float)), C(sizeof(float));
    ch03_limits::fill_k_case(floats(A), floats(B), K);
    ch03_limits::fill_constant(floats(C), 1, 5.0f);
    const std::int64_t sum = ch03_limits::k_case_sum(K);
    const double expected = 2.0 * static_cast<double>(sum) - 5.0;  // alpha 2, beta -1
    const ch03::Args args{1, 1, K, 2.0f, floats(A), K, floats(B), 1, -1.0f, floats(C), 1};
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    const auto start = std::chrono::steady_clock::now();
    step.launch(args, nullptr);
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    const double secs = seconds_since(start);
    float got = 0;
    WB_CUDA_CHECK(cudaMemcpy(&got, floats(C), sizeof(float), cudaMemcpyDeviceToHost));
    INFO("step " << step.name << ", M x N x K = 1 x 1 x " << K << ": expected " << expected
                 << " (2 * " << sum << " - 5), got " << got);
    CHECK(static_cast<double>(got) == expected);
    std::printf("[limits] %s: M x N x K = 1 x 1 x %lld: %s (expected %.0f, got %.0f; %.2f s)\n",
                step.name, static_cast<long long>(K),
                static_cast<double>(got) == expected ? "exact" : "WRONG", expected,
                static_cast<double>(got), secs);
  }
}
