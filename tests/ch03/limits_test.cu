// Chapter 03 limits tier: every step and the vendor row at the documented maximum of each
// dimension, the other two 1 (sgemm.h, "Size limits"). Hidden ([.limits]); `make
// chapter-03-limits` (scripts/limits.sh) runs each (step, test case) pair in its own process, so
// a sticky CUDA error in one cannot hide the others, and writes build/chapter-03.limits.log.
//
//   limits M   M = the step's max (2^31 - 1, or 65535 tiles of its rows), N = K = 1, beta 0 and 2;
//              a step whose max is below 2^31 - 1 must reject M = 2^31 - 1 naming the grid limit
//   limits N   N = the step's max (2^31 - 1 but for naive), M = K = 1, beta 0 and 2, plus
//              N = 2^31 - 4 with 16-byte aligned rows (the vector paths)
//   limits K   K = 2^31 - 1, M = N = 1: one output, a reduction over 2^31 - 1 values
//
// Memory: 16 GiB per case (two arrays of 2^31 - 1 floats), 24 GiB for "limits N" (B and two
// outputs: C, and C4 for the 16-byte-aligned row). Under 60 GiB always; an H100 has ~79 GiB.
//
// Time. The M and N cases are memory-bound passes: at most a few seconds each on the H100
// (bench/results/h100/chapter-03.limits.log). The K case is where the time goes, and not in
// making or checking data (device fills and checks of 2^31 floats: milliseconds): it is one
// output, so the grid has one block, and that block walks all of K computing its WHOLE tile of C
// (BM x BN FMAs per k, on zeros but for one row and one column). Measured on the H100 at the full
// K (chapter-03.limits.log): naive 159 s, coalesced 163 s (one thread: a load round trip per k),
// split_k 7.5 s, vendor-cublas 0.5 s. The six tiled steps, timed at K = 2^25 alone and scaled by
// 64 (chapter-03.limits-k-timing.txt, WB_LIMITS_K below): smem_tiles ~83 s, register_1d ~200 s,
// register_2d ~364 s, vectorized ~339 s, warptile ~419 s, double_buffer ~408 s: about 30 minutes
// one process per case (limits.sh), more than one 10-minute call of the lent H100. The hidden
// test case "[limits_together]" (below; not run by limits.sh) runs the K case of several steps at
// once, one block each on a stream of its own; on the H100 that did NOT save time (at K = 2^25
// the six together took up to twice their times alone), so the tier's record is one process per
// step. The together case stays as a quick timing run at a smaller K (WB_LIMITS_K).
//
// Inputs are made and outputs checked on the device (wb/device/limits.cuh), from small integers:
// every result is exact in fp32 whatever the order of the sum, so it is right only if it is equal
// bit for bit. The test cases are tagged [.limits] and not [steps]: a Catch2 filter "[steps]" (the
// per-step CTest entries, the exercise check) also selects hidden test cases that carry the tag,
// and these need 16 GiB each. They honour --wb-step through wb::step_is_ready all the same.
#include "sgemm.h"

#include "wb/buffer.h"
#include "wb/catch.h"
#include "wb/check.h"
#include "wb/device/limits.cuh"
#include "wb/testing.h"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::int64_t kMax = 2147483647;  // 2^31 - 1

// A 32-bit integer hash (lowbias32): neighbouring indices get unrelated values.
__host__ __device__ std::uint32_t mix(std::uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

// value(i) = an integer in [-1023, 1023] from a hash of i: a wrong index reads another value.
struct Values {
  std::uint32_t salt;
  __device__ float operator()(std::int64_t i) const {
    return static_cast<float>(static_cast<int>(mix(static_cast<std::uint32_t>(i) ^ salt) % 2047u) -
                              1023);
  }
};

struct Constant {
  float v;
  __device__ float operator()(std::int64_t) const { return v; }
};

// What the M and N cases must produce: C_i = 3 x_i + beta c_i (the one other input holds 3).
struct Expected {
  Values x, c;
  float beta;
  __device__ float operator()(std::int64_t i) const {
    return 3.0f * x(i) + (beta != 0.0f ? beta * c(i) : 0.0f);
  }
};

// The K case: A[k] = +-1 (hash), B[k] = 1 for about one k in 256 and for the first and last 256,
// else 0. So sum_k |A[k] B[k]| < 2^24: every partial sum in every order (split-K, cuBLAS's) is an
// integer below 2^24, exact in fp32.
struct KSign {
  __device__ float operator()(std::int64_t k) const {
    return (mix(static_cast<std::uint32_t>(k) ^ 0x68e31da4u) & 1u) != 0 ? 1.0f : -1.0f;
  }
};
struct KSelected {
  std::int64_t K;
  __device__ float operator()(std::int64_t k) const {
    return k < 256 || k >= K - 256 || (mix(static_cast<std::uint32_t>(k) ^ 0xb5297a4du) & 255u) == 0
               ? 1.0f
               : 0.0f;
  }
};

__global__ void k_case_sum_kernel(std::int64_t K, unsigned long long* sum) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  long long mine = 0;
  for (std::int64_t k = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < K;
       k += stride)
    mine += static_cast<long long>(KSign{}(k)*KSelected{K}(k));
  atomicAdd(sum, static_cast<unsigned long long>(mine));  // two's complement: a signed sum
}

// sum_k A[k] B[k] of the K case, exactly (int64), on the device.
std::int64_t k_case_sum(std::int64_t K) {
  wb::DeviceAllocation mem(sizeof(unsigned long long));
  auto* sum = static_cast<unsigned long long*>(mem.get());
  WB_CUDA_CHECK(cudaMemset(sum, 0, sizeof(*sum)));
  k_case_sum_kernel<<<132 * 16, 256>>>(K, sum);
  WB_CHECK_LAUNCH();
  unsigned long long h = 0;
  WB_CUDA_CHECK(cudaMemcpy(&h, sum, sizeof(h), cudaMemcpyDeviceToHost));
  return static_cast<std::int64_t>(h);
}

constexpr Values kX{0x1234567u}, kC{0x3456789u};

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
// limit: the grid's for a step, cuBLAS's for the vendor row. Fake addresses 2^40 bytes apart (never
// dereferenced; the views do not overlap).
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
  // The steps are limited by the grid; the vendor row by cuBLAS (wb::gemm::kCublasGemmMaxMN).
  const bool vendor = std::string(step.name) == ch03::vendor_step().name;
  CHECK(message.find(vendor ? "cublasGemmEx_64 fails above" : "the limit is 65535") !=
        std::string::npos);
  CHECK(message.find(step.where) != std::string::npos);
  std::printf("[limits] %s: M x N x K = %lld x %lld x 1 rejected as documented: %s\n", step.name,
              static_cast<long long>(M), static_cast<long long>(N), message.c_str());
}

// Runs `step` on `args` whose output is the n floats of `C` (a row or a column: contiguous),
// C = 3 x + beta c, and checks every entry and C's guards on the device.
void run_line(const ch03::Step& step, ch03::Args args, wb::GuardedOutput& C, std::int64_t n,
              const std::string& what) {
  C.poison();
  if (args.beta != 0.0f) wb::fill_on_device(C.data(), n, kC);  // else C is not read
  args.C = C.data();
  const auto start = std::chrono::steady_clock::now();
  step.launch(args, nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  const double secs = seconds_since(start);
  const wb::DeviceMismatches got = wb::check_on_device(C.data(), n, Expected{kX, kC, args.beta});
  const bool guards_ok = C.guards_intact();
  std::printf("[limits] %s: %s: %s%s (%.2f s)\n", step.name, what.c_str(), got.describe().c_str(),
              guards_ok ? "" : "; WROTE OUTSIDE C", secs);
  INFO("step " << step.name << ", " << what << ": " << got.describe());
  CHECK(got.count == 0);
  CHECK(guards_ok);
}

std::string shape(std::int64_t M, std::int64_t N, std::int64_t K) {
  return "M x N x K = " + std::to_string(M) + " x " + std::to_string(N) + " x " + std::to_string(K);
}

}  // namespace

TEST_CASE("limits M", "[ch03][gpu][.limits]") {
  for (const ch03::Step& step : tested_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    if (step.max.M < kMax) expect_rejected(step, kMax, 1);
    const std::int64_t M = step.max.M;
    // A: M x 1 (lda 1) of value(i), B: 1 x 1 holding 3, C: M x 1 (ldc 1).
    INFO("M = " << M << " needs " << 8.0 * M / (1 << 30) << " GiB");
    REQUIRE(wb::device_memory_free(8.0 * static_cast<double>(M)));
    wb::DeviceAllocation A(M * sizeof(float)), B(sizeof(float));
    wb::GuardedOutput C(M, 0);
    wb::fill_on_device(floats(A), M, kX);
    wb::fill_on_device(floats(B), 1, Constant{3.0f});
    for (const float beta : {0.0f, 2.0f}) {
      const ch03::Args args{M, 1, 1, 1.0f, floats(A), 1, floats(B), 1, beta, nullptr, 1};
      run_line(step, args, C, M, shape(M, 1, 1) + ", beta " + std::to_string(int(beta)));
    }
  }
}

TEST_CASE("limits N", "[ch03][gpu][.limits]") {
  for (const ch03::Step& step : tested_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    if (step.max.N < kMax) expect_rejected(step, 1, kMax);
    const std::int64_t N = step.max.N;
    // A: 1 x 1 holding 3 (lda 4, so A never stops the 16-byte paths), B: 1 x N of value(j),
    // C: 1 x N.
    INFO("N = " << N << " needs " << 8.0 * N / (1 << 30) << " GiB");
    REQUIRE(wb::device_memory_free(8.0 * static_cast<double>(N)));
    wb::DeviceAllocation A(4 * sizeof(float)), B(N * sizeof(float));
    wb::GuardedOutput C(N, 0);
    wb::fill_on_device(floats(A), 4, Constant{3.0f});
    wb::fill_on_device(floats(B), N, kX);
    for (const float beta : {0.0f, 2.0f}) {
      const ch03::Args args{1, N, 1, 1.0f, floats(A), 4, floats(B), N, beta, nullptr, N};
      run_line(step, args, C, N, shape(1, N, 1) + ", beta " + std::to_string(int(beta)));
    }
    if (N % 4 != 0) {  // the largest N whose rows are 16-byte aligned: the vector paths
      const std::int64_t N4 = N / 4 * 4;
      wb::GuardedOutput C4(N4, 0);
      const ch03::Args args{1, N4, 1, 1.0f, floats(A), 4, floats(B), N4, 2.0f, nullptr, N4};
      run_line(step, args, C4, N4, shape(1, N4, 1) + ", beta 2, 16-byte aligned rows");
    }
  }
}

namespace {

// The K case of one step: A of +-1 and B of 0 and 1 (K each, shared by every step), C one entry
// holding 5; C = 2 A B - C.
ch03::Args k_case_args(wb::DeviceAllocation& A, wb::DeviceAllocation& B, float* C, std::int64_t K) {
  return ch03::Args{1, 1, K, 2.0f, floats(A), K, floats(B), 1, -1.0f, C, 1};
}

void report_k_case(const ch03::Step& step, wb::GuardedOutput& C, std::int64_t K, std::int64_t sum,
                   double secs) {
  const float expected = static_cast<float>(2 * sum - 5);  // alpha 2, beta -1: exact
  std::vector<float> got;
  const bool guards_ok = C.read_small(got);  // waits for nothing but the default stream
  const bool exact = std::memcmp(&got[0], &expected, sizeof(float)) == 0;
  const std::string what =
      exact ? "exact" : "got " + std::to_string(got[0]) + ", expected " + std::to_string(expected);
  std::printf("[limits] %s: %s, alpha 2, beta -1: %s (expected 2 * %lld - 5)%s (%.2f s)\n",
              step.name, shape(1, 1, K).c_str(), what.c_str(), static_cast<long long>(sum),
              guards_ok ? "" : "; WROTE OUTSIDE C", secs);
  INFO("step " << step.name << ", " << shape(1, 1, K) << ": " << what);
  CHECK(exact);
  CHECK(guards_ok);
}

}  // namespace

TEST_CASE("limits K", "[ch03][gpu][.limits]") {
  for (const ch03::Step& step : tested_steps()) {
    if (!wb::step_is_ready(step.name)) continue;
    const std::int64_t K = step.max.K;
    // A: 1 x K (lda K) of +-1, B: K x 1 (ldb 1) of 0 and 1, C: one entry holding 5.
    INFO("K = " << K << " needs " << 8.0 * K / (1 << 30) << " GiB");
    REQUIRE(wb::device_memory_free(8.0 * static_cast<double>(K)));
    wb::DeviceAllocation A(K * sizeof(float)), B(K * sizeof(float));
    wb::GuardedOutput C(1, 0);
    wb::fill_on_device(floats(A), K, KSign{});
    wb::fill_on_device(floats(B), K, KSelected{K});
    C.poison();
    wb::fill_on_device(C.data(), 1, Constant{5.0f});
    const std::int64_t sum = k_case_sum(K);
    const auto start = std::chrono::steady_clock::now();
    step.launch(k_case_args(A, B, C.data(), K), nullptr);
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    report_k_case(step, C, K, sum, seconds_since(start));
  }
}

// The K case of every ready step at once, each on a stream of its own, sharing A and B: steps
// 1-8 each run one block (one SM). Meant to take about as long as the slowest instead of the sum;
// on the H100 it does not (at K = 2^25 the six tiled steps together took up to twice their times
// alone: see the top), so the limits tier's record is limits.sh's one process per step. Kept as
// a quick timing run at a smaller K (WB_LIMITS_K) and as a smoke test. A fault in one step loses
// them all (the per-step processes of limits.sh are the isolation). Each step is checked and
// printed as it finishes, so a run cut short by a time limit still says which got through K.
// Hidden under its own tag, so limits.sh does not run it:
//   build/ch03_gpu_tests "[limits_together]"                      every step
//   build/ch03_gpu_tests --wb-step warptile --wb-step ... "[limits_together]"   some of them
// WB_LIMITS_K=<k> runs the together case at a smaller K: a timing run (each step's time, checked
// all the same) from which to predict the full case's, never a record of the limits tier.
std::int64_t together_k() {
  const char* text = std::getenv("WB_LIMITS_K");
  if (text == nullptr || *text == '\0') return kMax;
  char* end = nullptr;
  const long long k = std::strtoll(text, &end, 10);
  if (*end != '\0' || k < 1 || k > kMax)
    throw std::invalid_argument(std::string("WB_LIMITS_K must be 1 .. 2^31 - 1, got ") + text);
  std::printf("[limits] WB_LIMITS_K = %lld: a timing run at a smaller K, not the limits tier\n", k);
  return k;
}

TEST_CASE("limits K of every step at once", "[ch03][gpu][.limits_together]") {
  const std::int64_t K = together_k();
  std::vector<ch03::Step> ready;
  for (const ch03::Step& step : tested_steps())
    if (wb::step_is_ready(step.name) && step.max.K == kMax) ready.push_back(step);
  REQUIRE(wb::device_memory_free(8.0 * static_cast<double>(K)));
  wb::DeviceAllocation A(K * sizeof(float)), B(K * sizeof(float));
  wb::fill_on_device(floats(A), K, KSign{});
  wb::fill_on_device(floats(B), K, KSelected{K});
  const std::int64_t sum = k_case_sum(K);
  std::vector<wb::GuardedOutput> C;
  std::vector<cudaStream_t> streams(ready.size());
  std::vector<cudaEvent_t> begin(ready.size()), end(ready.size());
  C.reserve(ready.size());
  for (std::size_t i = 0; i < ready.size(); ++i) {
    C.emplace_back(1, 0);
    C[i].poison();
    wb::fill_on_device(C[i].data(), 1, Constant{5.0f});
    WB_CUDA_CHECK(cudaStreamCreateWithFlags(&streams[i], cudaStreamNonBlocking));
    WB_CUDA_CHECK(cudaEventCreate(&begin[i]));
    WB_CUDA_CHECK(cudaEventCreate(&end[i]));
  }
  for (std::size_t i = 0; i < ready.size(); ++i) {
    WB_CUDA_CHECK(cudaEventRecord(begin[i], streams[i]));
    ready[i].launch(k_case_args(A, B, C[i].data(), K), streams[i]);
    WB_CUDA_CHECK(cudaEventRecord(end[i], streams[i]));
  }
  // Check each step as soon as it finishes, so that a run cut short by a time limit still records
  // which steps got through K, how fast, and whether they were right. The streams are
  // non-blocking, so the check (kernels and copies on the legacy default stream) does not wait for
  // the steps still running (GuardedOutput::read_small allocates nothing: cudaFree would).
  const auto start = std::chrono::steady_clock::now();
  std::vector<bool> done(ready.size(), false);
  for (std::size_t left = ready.size(); left > 0;) {
    for (std::size_t i = 0; i < ready.size(); ++i) {
      if (done[i]) continue;
      const cudaError_t e = cudaEventQuery(end[i]);
      if (e == cudaErrorNotReady) continue;
      WB_CUDA_CHECK(e);
      done[i] = true;
      --left;
      float ms = 0;
      WB_CUDA_CHECK(cudaEventElapsedTime(&ms, begin[i], end[i]));
      std::printf("[limits] %s: K = %lld finished after %.0f s\n", ready[i].name,
                  static_cast<long long>(K), seconds_since(start));
      report_k_case(ready[i], C[i], K, sum, ms * 1e-3);
      std::fflush(stdout);
    }
    if (left > 0) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  for (std::size_t i = 0; i < ready.size(); ++i) {
    WB_CUDA_CHECK(cudaEventDestroy(begin[i]));
    WB_CUDA_CHECK(cudaEventDestroy(end[i]));
    WB_CUDA_CHECK(cudaStreamDestroy(streams[i]));
  }
}
