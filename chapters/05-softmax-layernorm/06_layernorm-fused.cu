// Chapter 05, exercise 6 — layernorm-fused: the four kernels of step 5 in one.
//
// Read "LayerNorm step 2" and "Welford" in README.md first, and start from
// 05_layernorm-naive.cu. One block owns one row (the launcher picks the block size so that
// kScalarsPerThread values per thread cover it). Thread t keeps h = x + residual for columns
// t, t + T, t + 2T, ... (T = blockDim.x) in float rH[kScalarsPerThread]: h never goes to global
// memory. One block_merge of Welford statistics gives the mean and the variance together.
// When it is written, delete the WB_EXERCISE_TODO line and run `make chapter-05-check`.
#include "kernels.cuh"

#include "wb/check.h"
#include "wb/exercise.h"

#include <string>

WB_EXERCISE_TODO("layernorm-fused",
                 "rH[i] = x + residual at c = t + i * blockDim.x (0 past cols, and count n); "
                 "thread mean and m2 by two passes over rH; row = block_merge(Welford{n, mean, "
                 "m2}, sPart, Welford{0, 0, 0}); rstd = rsqrtf(row.m2 / cols + eps); write "
                 "(rH[i] - row.mean) * rstd * gamma[c] + beta[c]");

namespace ch05 {
namespace {

__global__ void layernorm_fused_kernel(const float* __restrict__ gX, const float* __restrict__ gR,
                                       const float* __restrict__ gGamma,
                                       const float* __restrict__ gBeta, float* __restrict__ gOut,
                                       int cols, float eps) {
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * cols;
  const int t = threadIdx.x;
  // TODO(exercise 6):
  //   0. __shared__ Welford sPart[32];  (one state per warp for block_merge)
  //   1. float rH[kScalarsPerThread]; #pragma unroll over i: c = t + i * blockDim.x;
  //      rH[i] = c < cols ? gX[base + c] + gR[base + c] : 0; sum += rH[i]; n += (c < cols).
  //   2. meanT = n > 0 ? sum / n : 0; m2T = sum of (rH[i] - meanT)^2 over the valid i.
  //   3. row = block_merge(Welford{n, meanT, m2T}, sPart, Welford{0, 0, 0});
  //      rstd = rsqrtf(row.m2 / cols + eps).
  //   4. gOut[base + c] = (rH[i] - row.mean) * rstd * gGamma[c] + gBeta[c] for c < cols.
  (void)gX;
  (void)gR;
  (void)gGamma;
  (void)gBeta;
  (void)gOut;
  (void)eps;
  (void)base;
  (void)t;
}

}  // namespace

void launch_layernorm_fused(const LayerNormArgs& a, cudaStream_t stream) {
  const char* where = "ch05::launch_layernorm_fused";
  validate(a, where);
  const std::int64_t limit = resident_cols(kScalarsPerThread);
  WB_REQUIRE_ARG(a.cols <= limit, where,
                 "cols = " + std::to_string(a.cols) + " is too long: layernorm-fused holds a row " +
                     "in registers, 1024 threads x " + std::to_string(kScalarsPerThread) +
                     " values, so at most " + std::to_string(limit) + " columns");
  const int threads = threads_for(a.cols, kScalarsPerThread);
  layernorm_fused_kernel<<<static_cast<unsigned>(a.rows), threads, 0, stream>>>(
      a.x, a.residual, a.gamma, a.beta, a.out, static_cast<int>(a.cols), a.eps);
  WB_CHECK_LAUNCH();
}

}  // namespace ch05
