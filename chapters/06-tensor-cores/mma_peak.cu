// Chapter 06 ceiling: the mma.sync peak, measured by a kernel that issues independent
// mma.sync.m16n8k16 from registers only.
//
// cuBLAS is not the right ceiling for this chapter on an H100: it uses Hopper's wgmma
// (warpgroup-wide, operands straight from shared memory, asynchronous), which mma.sync cannot
// reach. What mma.sync itself can do is measured here: every warp keeps kChains independent
// accumulator tiles (so the tensor pipe never waits for the previous result of a chain), the
// fragments never change, nothing touches memory until the end. A is all 1 and B all 1/16, so
// every mma adds exactly 16 * 1/16 = 1 to each accumulator: after `iters` rounds each of a lane's
// 4 * kChains accumulators holds `iters` exactly (fp32 counts exactly up to 2^24), and the
// checked output proves the counted FLOPs were all done.
#include "hgemm.h"

#include "wb/check.h"
#include "wb/device.h"
#include "wb/device/mma.cuh"
#include "wb/timing.h"

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace ch06::peak {
namespace {

template <class T>
__device__ T from_float(float x);
template <>
__device__ __half from_float<__half>(float x) {
  return __float2half_rn(x);
}
template <>
__device__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}

template <class T>
__global__ void __launch_bounds__(kThreads) mma_peak_kernel(float* out, int iters) {
  const std::uint32_t one = wb::mma::pack2(from_float<T>(1.0f), from_float<T>(1.0f));
  const std::uint32_t sixteenth = wb::mma::pack2(from_float<T>(0.0625f), from_float<T>(0.0625f));
  const std::uint32_t rA[4] = {one, one, one, one};
  float rC[kChains][4] = {};
  for (int i = 0; i < iters; ++i) {
#pragma unroll
    for (int c = 0; c < kChains; ++c)
      wb::mma::mma_m16n8k16<T>(rC[c], rA, sixteenth, sixteenth);
  }
  float sum = 0.0f;
#pragma unroll
  for (int c = 0; c < kChains; ++c)
    sum += rC[c][0] + rC[c][1] + rC[c][2] + rC[c][3];
  out[blockIdx.x * blockDim.x + threadIdx.x] = sum;
}

// 4 blocks of 8 warps per SM; 4096 rounds of 8 mma per warp (~2 ms on an H100).
constexpr int kBlocksPerSm = 4;
constexpr int kIters = 4096;

}  // namespace

template <class T>
void launch(float* out, int blocks, int iters, cudaStream_t stream) {
  mma_peak_kernel<T><<<blocks, kThreads, 0, stream>>>(out, iters);
  WB_CHECK_LAUNCH();
}

template <class T>
double measure_tflops() {
  const int blocks = kBlocksPerSm * wb::device_info().sm_count;
  float* out = nullptr;
  const std::size_t n = static_cast<std::size_t>(blocks) * kThreads;
  WB_CUDA_CHECK(cudaMalloc(&out, n * sizeof(float)));
  try {
    launch<T>(out, blocks, kIters, nullptr);
    std::vector<float> got(n);
    WB_CUDA_CHECK(cudaMemcpy(got.data(), out, n * sizeof(float), cudaMemcpyDeviceToHost));
    const float want = static_cast<float>(4 * kChains) * kIters;
    for (std::size_t i = 0; i < n; ++i) {
      if (got[i] != want) {
        throw std::runtime_error("ch06::peak: thread " + std::to_string(i) + " summed " +
                                 std::to_string(got[i]) + ", expected " + std::to_string(want));
      }
    }
    const wb::TimingResult t =
        wb::time_on_stream([&](cudaStream_t s) { launch<T>(out, blocks, kIters, s); });
    WB_CUDA_CHECK(cudaFree(out));
    return flops(blocks, kIters) / (t.median_ms * 1e-3) / 1e12;
  } catch (...) {
    cudaFree(out);
    throw;
  }
}

template void launch<__half>(float*, int, int, cudaStream_t);
template void launch<__nv_bfloat16>(float*, int, int, cudaStream_t);
template double measure_tflops<__half>();
template double measure_tflops<__nv_bfloat16>();

}  // namespace ch06::peak
