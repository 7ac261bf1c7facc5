// Chapter 05, known-bad variant: layernorm-fused with a wrong statistics merge. DO NOT USE: it
// exists to be caught.
//
// Merging two partial (n, mean, m2) the "obvious" way: mean = (mean_a + mean_b) / 2 and
// m2 = m2_a + m2_b. Both are wrong unless the parts have equal counts and equal means: the mean
// must be weighted by the counts, and m2 misses delta^2 * n_a * n_b / n, the spread BETWEEN the
// parts' means. It is right only when every part has the same count and the same mean (a
// constant row whose width is a multiple of the block, say); on random rows the mean drifts and
// the variance comes out too small.
// tests/ch05/layernorm_test.cpp proves the harness catches it.
#include "kernels.cuh"

#include "wb/check.h"

namespace ch05::known_bad {
namespace {

// BUG (deliberate): no count weighting, no delta^2 term.
__device__ Welford merge_no_delta(Welford a, Welford b) {
  return Welford{a.n + b.n, 0.5f * (a.mean + b.mean), a.m2 + b.m2};
}

__device__ Welford warp_merge_no_delta(Welford w) {
  for (int offset = 16; offset > 0; offset /= 2) {
    const Welford other{__shfl_xor_sync(kFullMask, w.n, offset),
                        __shfl_xor_sync(kFullMask, w.mean, offset),
                        __shfl_xor_sync(kFullMask, w.m2, offset)};
    w = merge_no_delta(w, other);
  }
  return w;
}

__global__ void layernorm_no_delta_kernel(const float* __restrict__ gX,
                                          const float* __restrict__ gR,
                                          const float* __restrict__ gGamma,
                                          const float* __restrict__ gBeta, float* __restrict__ gOut,
                                          int cols, float eps) {
  __shared__ Welford sPart[32];
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * cols;
  const int t = threadIdx.x, lane = t % 32, warp = t / 32, warps = blockDim.x / 32;
  float rH[kScalarsPerThread];
  float sum = 0.0f, n = 0.0f;
  for (int i = 0; i < kScalarsPerThread; ++i) {
    const int c = t + i * blockDim.x;
    rH[i] = c < cols ? gX[base + c] + gR[base + c] : 0.0f;
    sum += rH[i];
    n += c < cols ? 1.0f : 0.0f;
  }
  const float meanT = n > 0.0f ? sum / n : 0.0f;
  float m2T = 0.0f;
  for (int i = 0; i < kScalarsPerThread; ++i) {
    const float d = t + i * static_cast<int>(blockDim.x) < cols ? rH[i] - meanT : 0.0f;
    m2T += d * d;
  }
  Welford w = warp_merge_no_delta(Welford{n, meanT, m2T});
  if (lane == 0) sPart[warp] = w;
  __syncthreads();
  w = warp_merge_no_delta(lane < warps ? sPart[lane] : Welford{0.0f, 0.0f, 0.0f});
  const float rstd = rsqrtf(w.m2 / cols + eps);
  for (int i = 0; i < kScalarsPerThread; ++i) {
    const int c = t + i * blockDim.x;
    if (c < cols) gOut[base + c] = (rH[i] - w.mean) * rstd * gGamma[c] + gBeta[c];
  }
}

}  // namespace

void launch_layernorm_no_delta(const LayerNormArgs& a, cudaStream_t stream) {
  const char* where = "ch05::known_bad::launch_layernorm_no_delta";
  validate(a, where);
  WB_REQUIRE_ARG(a.cols <= resident_cols(kScalarsPerThread), where, "at most 16384 columns");
  layernorm_no_delta_kernel<<<static_cast<unsigned>(a.rows), threads_for(a.cols, kScalarsPerThread),
                              0, stream>>>(a.x, a.residual, a.gamma, a.beta, a.out,
                                           static_cast<int>(a.cols), a.eps);
  WB_CHECK_LAUNCH();
}

}  // namespace ch05::known_bad
