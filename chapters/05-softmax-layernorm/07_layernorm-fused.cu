// Chapter 05, step 7 — layernorm-fused: the four kernels of step 6 in one, the row in registers.
//
// The idea: fusion, as softmax's step 2 did it. A block owns a row; thread t loads h = x +
// residual for columns t, t + T, t + 2T, ... (T = blockDim.x, kScalarsPerThread of them) into
// registers, so h never goes to global memory. The statistics are step 6's two passes, now over
// registers: a block-wide sum gives the mean (wb::block_allreduce with wb::Sum: shuffles, one
// barrier pair), then a second block-wide sum of (h - mean)^2 gives the variance. Then every
// thread normalises its registers and writes. 3N floats cross DRAM instead of 7N.
//
// Prediction at 8192 x 8192 (floor ~0.27 ms): 7/3 = 2.3x less traffic than step 6, so ~2.2x
// faster if the kernel streams as fast. Each thread issues 16 scalar loads of x and 16 of the
// residual before the first use, 128 bytes in flight, enough for Little's law; expect ~80-85%
// of the copy ceiling. At 16384 x 1024: 64 threads per row, ~75-80%.
// Limit: cols <= resident_cols(kScalarsPerThread) = 1024 x 16 = 16384.
// Nsight Compute: dram__bytes_read.sum = 2N x 4 bytes; one launch; two barrier pairs per row.
#include "kernels.cuh"

#include "wb/check.h"
#include "wb/exercise.h"

#include <string>

WB_EXERCISE_TODO("layernorm-fused",
                 "read \"Step 7: layernorm-fused\" in README.md; rH[i] = x + residual at c = t + "
                 "i * blockDim.x (0 past cols); mean = wb::block_allreduce(sum, wb::Sum{}, 0.0f, "
                 "sPart) / cols; the same for the sum of (rH[i] - mean)^2 over the valid i; rstd = "
                 "rsqrtf(var + eps); write (rH[i] - mean) * rstd * gamma[c] + beta[c]");

namespace ch05 {
namespace {

__global__ void layernorm_fused_kernel(const float* __restrict__ gX, const float* __restrict__ gR,
                                       const float* __restrict__ gGamma,
                                       const float* __restrict__ gBeta, float* __restrict__ gOut,
                                       int cols, float eps) {
  __shared__ float sPart[wb::kWarpSize];  // one partial sum per warp for wb::block_allreduce
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * cols;  // row start
  const int t = threadIdx.x;
  // WB_EXERCISE_BEGIN
  // TODO(step 7): read "Step 7: layernorm-fused" in README.md, and start from
  // 06_layernorm-naive.cu. One block owns row blockIdx.x (its elements at base + c); t =
  // threadIdx.x, T = blockDim.x (threads_for picked it so T * kScalarsPerThread >= cols). sPart
  // is static shared memory, one float per warp, for wb::block_allreduce (wb/device/warp.cuh),
  // which holds the barriers; call it twice, it leaves sPart ready for reuse.
  //   1. float rH[kScalarsPerThread]; #pragma unroll over i: c = t + i * T;
  //      rH[i] = c < cols ? gX[base + c] + gR[base + c] : 0; sum += rH[i].
  //   2. mean = wb::block_allreduce(sum, wb::Sum{}, 0.0f, sPart) / cols.
  //   3. sq = sum of (rH[i] - mean)^2 over the i with c < cols (padding must not count);
  //      rstd = rsqrtf(wb::block_allreduce(sq, wb::Sum{}, 0.0f, sPart) / cols + eps).
  //   4. for c < cols: gOut[base + c] = (rH[i] - mean) * rstd * gGamma[c] + gBeta[c].
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
