// Chapter 05, step 8 — layernorm-welford: the mean and the variance from ONE reduction.
//
// The idea: step 7 reduces twice over the block (the sum for the mean, then the sum of squared
// deviations), because the second needs the first's result. Welford's state (count, mean, m2)
// merges exactly (Chan, Golub & LeVeque: wb::welford_merge, in wb/online.h), so the block can
// reduce the states once and get both. Each thread first computes its own (n, mean, m2) exactly,
// by two passes over its registers, then one wb::block_allreduce with wb::WelfordMerge (shuffles,
// one barrier pair) gives the row's statistics. It is the online softmax's trick (step 4) for a
// different pair of statistics.
//
// Prediction at 8192 x 8192 (floor ~0.27 ms): the same bytes and loads as step 7, one barrier
// pair and 10 shuffle rounds fewer per row, and a few more instructions per merge (3 values per
// shuffle, a division). The reductions are a small part of a row's time at 8192 columns: expect
// 1.00-1.05x step 7. At 16384 x 1024, where a row is 64 threads and the fixed per-row work weighs
// more: 1.03-1.08x.
// Limit: cols <= resident_cols(kScalarsPerThread) = 1024 x 16 = 16384.
// Nsight Compute: smsp__average_warps_issue_stalled_barrier_per_issue_active falls against step 7.
#include "kernels.cuh"

#include "wb/check.h"

#include <string>

namespace ch05 {
namespace {

__global__ void layernorm_welford_kernel(const float* __restrict__ gX, const float* __restrict__ gR,
                                         const float* __restrict__ gGamma,
                                         const float* __restrict__ gBeta, float* __restrict__ gOut,
                                         int cols, float eps) {
  __shared__ Welford sPart[wb::kWarpSize];  // one state per warp for wb::block_allreduce
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * cols;  // row start
  const int t = threadIdx.x;
  // WB_EXERCISE_BEGIN
  float rH[kScalarsPerThread];  // registers: h at columns t + i * blockDim.x
  float sum = 0.0f, n = 0.0f;
#pragma unroll
  for (int i = 0; i < kScalarsPerThread; ++i) {
    const int c = t + i * blockDim.x;
    rH[i] = c < cols ? gX[base + c] + gR[base + c] : 0.0f;
    sum += rH[i];
    n += c < cols ? 1.0f : 0.0f;
  }
  // This thread's statistics, two-pass over its registers, then one merge over the block.
  const float meanT = n > 0.0f ? sum / n : 0.0f;
  float m2T = 0.0f;
#pragma unroll
  for (int i = 0; i < kScalarsPerThread; ++i) {
    const float d = t + i * static_cast<int>(blockDim.x) < cols ? rH[i] - meanT : 0.0f;
    m2T += d * d;
  }
  const Welford row = wb::block_allreduce(Welford{n, meanT, m2T}, wb::WelfordMerge{},
                                          wb::welford_identity(), sPart);
  const float rstd = rsqrtf(row.m2 / cols + eps);
#pragma unroll
  for (int i = 0; i < kScalarsPerThread; ++i) {
    const int c = t + i * blockDim.x;
    if (c < cols) gOut[base + c] = (rH[i] - row.mean) * rstd * gGamma[c] + gBeta[c];
  }
  // WB_EXERCISE_END
}

}  // namespace

void launch_layernorm_welford(const LayerNormArgs& a, cudaStream_t stream) {
  const char* where = "ch05::launch_layernorm_welford";
  validate(a, where);
  const std::int64_t limit = resident_cols(kScalarsPerThread);
  WB_REQUIRE_ARG(a.cols <= limit, where,
                 "cols = " + std::to_string(a.cols) +
                     " is too long: layernorm-welford holds a row in registers, 1024 threads x " +
                     std::to_string(kScalarsPerThread) + " values, so at most " +
                     std::to_string(limit) + " columns");
  const int threads = threads_for(a.cols, kScalarsPerThread);
  layernorm_welford_kernel<<<static_cast<unsigned>(a.rows), threads, 0, stream>>>(
      a.x, a.residual, a.gamma, a.beta, a.out, static_cast<int>(a.cols), a.eps);
  WB_CHECK_LAUNCH();
}

}  // namespace ch05
