// Chapter 05, known-bad variant: layernorm-welford with a wrong statistics merge. DO NOT USE: it
// exists to be caught.
//
// Merging two partial (n, mean, m2) the "obvious" way: mean = (mean_a + mean_b) / 2 and
// m2 = m2_a + m2_b. Both are wrong unless the parts have equal counts and equal means: the mean
// must be weighted by the counts, and m2 misses delta^2 * n_a * n_b / n, the spread BETWEEN the
// parts' means. It is right only when every part has the same count and the same mean (a
// constant row whose width is a multiple of the block, say); on random rows the mean drifts and
// the variance comes out too small. The kernel is step 8's with MergeNoDelta in place of
// wb::WelfordMerge: the diff is the bug.
// tests/ch05/layernorm_test.cpp proves the harness catches it.
#include "kernels.cuh"

#include "wb/check.h"

#include <string>

namespace ch05::known_bad {
namespace {

// BUG (deliberate): no count weighting, no delta^2 term.
struct MergeNoDelta {
  __device__ Welford operator()(Welford a, Welford b) const {
    return Welford{a.n + b.n, 0.5f * (a.mean + b.mean), a.m2 + b.m2};
  }
};

__global__ void layernorm_no_delta_kernel(const float* __restrict__ gX,
                                          const float* __restrict__ gR,
                                          const float* __restrict__ gGamma,
                                          const float* __restrict__ gBeta, float* __restrict__ gOut,
                                          int cols, float eps) {
  __shared__ Welford sPart[wb::kWarpSize];
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * cols;
  const int t = threadIdx.x;
  float rH[kScalarsPerThread];
  float sum = 0.0f, n = 0.0f;
#pragma unroll
  for (int i = 0; i < kScalarsPerThread; ++i) {
    const int c = t + i * blockDim.x;
    rH[i] = c < cols ? gX[base + c] + gR[base + c] : 0.0f;
    sum += rH[i];
    n += c < cols ? 1.0f : 0.0f;
  }
  const float meanT = n > 0.0f ? sum / n : 0.0f;
  float m2T = 0.0f;
#pragma unroll
  for (int i = 0; i < kScalarsPerThread; ++i) {
    const float d = t + i * static_cast<int>(blockDim.x) < cols ? rH[i] - meanT : 0.0f;
    m2T += d * d;
  }
  const Welford row =
      wb::block_allreduce(Welford{n, meanT, m2T}, MergeNoDelta{}, wb::welford_identity(), sPart);
  const float rstd = rsqrtf(row.m2 / cols + eps);
#pragma unroll
  for (int i = 0; i < kScalarsPerThread; ++i) {
    const int c = t + i * blockDim.x;
    if (c < cols) gOut[base + c] = (rH[i] - row.mean) * rstd * gGamma[c] + gBeta[c];
  }
}

}  // namespace

void launch_layernorm_no_delta(const LayerNormArgs& a, cudaStream_t stream) {
  const char* where = "ch05::known_bad::launch_layernorm_no_delta";
  validate(a, where);
  const std::int64_t limit = resident_cols(kScalarsPerThread);
  WB_REQUIRE_ARG(a.cols <= limit, where, "at most " + std::to_string(limit) + " columns");
  layernorm_no_delta_kernel<<<static_cast<unsigned>(a.rows), threads_for(a.cols, kScalarsPerThread),
                              0, stream>>>(a.x, a.residual, a.gamma, a.beta, a.out,
                                           static_cast<int>(a.cols), a.eps);
  WB_CHECK_LAUNCH();
}

}  // namespace ch05::known_bad
