// Chapter 05, step 6 — layernorm-naive: add, mean, variance and normalise as four kernels.
//
// The idea: one kernel per line of the formula, as a framework without fusion runs it.
//   1. add:       h = x + residual              reads 2N, writes N   (N = rows * cols floats)
//   2. mean:      mean_r = sum_c h / cols        reads N
//   3. variance:  rstd_r = 1/sqrt(var_r + eps)   reads N (two-pass: sum of (h - mean_r)^2)
//   4. normalise: out = (h - mean_r) * rstd_r * gamma + beta   reads N, writes N
// 7N floats cross DRAM where 3N suffice (read x and residual, write out).
//
// Prediction at 8192 x 8192 (minimum 3 x 256 MiB = 0.805 GB, floor ~0.27 ms at ~3.0 TB/s):
// 7/3 of the minimum bytes, all streamed at near copy speed, so ~0.63 ms, ~43% of the copy
// ceiling. At 16384 x 1024 the same ratio, a little lower for the short rows of the reductions.
// Nsight Compute: four launches; dram__bytes_read.sum + dram__bytes_write.sum = 7N x 4 bytes.
//
// Column indices are 64-bit, for the reason 01_softmax-naive.cu gives: with an int c, c +=
// blockDim.x wraps on a row of 2^31 - 1 columns.
#include "kernels.cuh"

#include "wb/check.h"

namespace ch05 {
namespace {

// (rows, cols) -> gH, one block per row.
__global__ void layernorm_naive_add_kernel(const float* __restrict__ gX,
                                           const float* __restrict__ gR, float* __restrict__ gH,
                                           int cols) {
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * cols;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    gH[base + c] = gX[base + c] + gR[base + c];
}

// (rows) -> gMean.
__global__ void layernorm_naive_mean_kernel(const float* __restrict__ gH, float* __restrict__ gMean,
                                            int cols) {
  __shared__ float sRed[kNaiveThreads];
  const float* gRow = gH + static_cast<std::size_t>(blockIdx.x) * cols;
  float sum = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    sum += gRow[c];
  sum = block_reduce_smem(sum, wb::Sum{}, sRed);
  if (threadIdx.x == 0) gMean[blockIdx.x] = sum / cols;
}

// (rows) -> gRstd, from the row and its mean (two-pass variance: no cancellation).
__global__ void layernorm_naive_variance_kernel(const float* __restrict__ gH,
                                                const float* __restrict__ gMean,
                                                float* __restrict__ gRstd, int cols, float eps) {
  __shared__ float sRed[kNaiveThreads];
  const float* gRow = gH + static_cast<std::size_t>(blockIdx.x) * cols;
  const float mean = gMean[blockIdx.x];
  float sq = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float d = gRow[c] - mean;
    sq += d * d;
  }
  sq = block_reduce_smem(sq, wb::Sum{}, sRed);
  if (threadIdx.x == 0) gRstd[blockIdx.x] = rsqrtf(sq / cols + eps);
}

// (rows, cols) -> gOut.
__global__ void layernorm_naive_normalise_kernel(const float* __restrict__ gH,
                                                 const float* __restrict__ gMean,
                                                 const float* __restrict__ gRstd,
                                                 const float* __restrict__ gGamma,
                                                 const float* __restrict__ gBeta,
                                                 float* __restrict__ gOut, int cols) {
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * cols;
  const float mean = gMean[blockIdx.x], rstd = gRstd[blockIdx.x];
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    gOut[base + c] = (gH[base + c] - mean) * rstd * gGamma[c] + gBeta[c];
}

}  // namespace

void launch_layernorm_naive(const LayerNormArgs& a, cudaStream_t stream) {
  const char* where = "ch05::launch_layernorm_naive";
  validate(a, where);
  WB_REQUIRE_ARG(a.workspace != nullptr, where,
                 "workspace is a null pointer: the naive step keeps h = x + residual, the means "
                 "and the rstds in global memory (layernorm_naive_workspace(rows, cols) floats)");
  float* gH = a.workspace;              // (rows, cols)
  float* gMean = gH + a.rows * a.cols;  // (rows)
  float* gRstd = gMean + a.rows;        // (rows)
  const int cols = static_cast<int>(a.cols);
  const unsigned grid = static_cast<unsigned>(a.rows);  // one block per row
  layernorm_naive_add_kernel<<<grid, kNaiveThreads, 0, stream>>>(a.x, a.residual, gH, cols);
  WB_CHECK_LAUNCH();
  layernorm_naive_mean_kernel<<<grid, kNaiveThreads, 0, stream>>>(gH, gMean, cols);
  WB_CHECK_LAUNCH();
  layernorm_naive_variance_kernel<<<grid, kNaiveThreads, 0, stream>>>(gH, gMean, gRstd, cols,
                                                                      a.eps);
  WB_CHECK_LAUNCH();
  layernorm_naive_normalise_kernel<<<grid, kNaiveThreads, 0, stream>>>(gH, gMean, gRstd, a.gamma,
                                                                       a.beta, a.out, cols);
  WB_CHECK_LAUNCH();
}

}  // namespace ch05
