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
#include "wb/exercise.h"

#include <string>

WB_EXERCISE_TODO("layernorm-welford",
                 "read \"Step 8: layernorm-welford\" and \"Welford statistics\" in README.md; "
                 "rH[i] as in step 7 plus the count n of valid columns; thread mean and m2 by two "
                 "passes over rH; row = wb::block_allreduce(Welford{n, mean, m2}, "
                 "wb::WelfordMerge{}, wb::welford_identity(), sPart); rstd = rsqrtf(row.m2 / cols "
                 "+ eps); write (rH[i] - row.mean) * rstd * gamma[c] + beta[c]");

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
  // TODO(step 8): read "Step 8: layernorm-welford" and "Welford statistics" in README.md, and
  // start from your step 7. Same row, same registers, same indices (c = t + i * T); sPart now
  // holds one Welford state per warp (static shared memory) and there is ONE wb::block_allreduce.
  //   1. rH[i] = c < cols ? gX[base + c] + gR[base + c] : 0; sum += rH[i]; n += (c < cols) as a
  //      float: count only the valid columns, or padding shifts the mean.
  //   2. meanT = n > 0 ? sum / n : 0; m2T = sum of (rH[i] - meanT)^2 over the valid i.
  //   3. row = wb::block_allreduce(Welford{n, meanT, m2T}, wb::WelfordMerge{},
  //      wb::welford_identity(), sPart);  rstd = rsqrtf(row.m2 / cols + eps).
  //   4. for c < cols: gOut[base + c] = (rH[i] - row.mean) * rstd * gGamma[c] + gBeta[c].
  (void)gX;
  (void)gR;
  (void)gGamma;
  (void)gBeta;
  (void)gOut;
  (void)eps;
  (void)&sPart;
  (void)base;
  (void)t;
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
