// Device-side data for chapter 03's limits tier: see limits_data.h.
#include "limits_data.h"

#include "wb/check.h"

#include <algorithm>

namespace ch03_limits {
namespace {

constexpr std::uint32_t kSaltSign = 0x68e31da4u, kSaltSelect = 0xb5297a4du;

// A 32-bit integer hash (lowbias32): neighbouring i give unrelated values.
__host__ __device__ std::uint32_t mix(std::uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

__device__ float value(std::int64_t i, std::uint32_t salt) {
  return static_cast<float>(static_cast<int>(mix(static_cast<std::uint32_t>(i) ^ salt) % 2047u) -
                            1023);
}

__device__ int k_sign(std::int64_t k) {
  return (mix(static_cast<std::uint32_t>(k) ^ kSaltSign) & 1u) != 0 ? 1 : -1;
}

__device__ int k_selected(std::int64_t k, std::int64_t K) {
  return k < 256 || k >= K - 256 || (mix(static_cast<std::uint32_t>(k) ^ kSaltSelect) & 255u) == 0;
}

// Grid-stride loops: the index is 64-bit, the grid a fixed size.
__device__ std::int64_t first_index() {
  return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ std::int64_t grid_stride() {
  return static_cast<std::int64_t>(gridDim.x) * blockDim.x;
}

__global__ void fill_values_kernel(float* p, std::int64_t n, std::uint32_t salt) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride())
    p[i] = value(i, salt);
}

__global__ void fill_constant_kernel(float* p, std::int64_t n, float v) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride())
    p[i] = v;
}

__global__ void fill_k_case_kernel(float* A, float* B, std::int64_t K) {
  for (std::int64_t k = first_index(); k < K; k += grid_stride()) {
    A[k] = static_cast<float>(k_sign(k));
    B[k] = static_cast<float>(k_selected(k, K));
  }
}

__global__ void k_case_sum_kernel(std::int64_t K, unsigned long long* sum) {
  long long local = 0;
  for (std::int64_t k = first_index(); k < K; k += grid_stride())
    local += k_sign(k) * k_selected(k, K);
  atomicAdd(sum, static_cast<unsigned long long>(local));  // two's complement: a signed sum
}

__global__ void check_values_kernel(const float* C, std::int64_t n, float scale,
                                    std::uint32_t salt_x, float beta, std::uint32_t salt_c,
                                    unsigned long long* count, unsigned long long* first) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const float expected =
        scale * value(i, salt_x) + (beta != 0.0f ? beta * value(i, salt_c) : 0.0f);
    if (!(C[i] == expected)) {  // NaN (an unwritten entry) differs too
      atomicAdd(count, 1ull);
      atomicMin(first, static_cast<unsigned long long>(i));
    }
  }
}

constexpr int kThreads = 256;
constexpr int kBlocks = 132 * 16;

}  // namespace

void fill_values(float* p, std::int64_t n, std::uint32_t salt) {
  fill_values_kernel<<<kBlocks, kThreads>>>(p, n, salt);
  WB_CHECK_LAUNCH();
}

void fill_constant(float* p, std::int64_t n, float v) {
  fill_constant_kernel<<<kBlocks, kThreads>>>(p, n, v);
  WB_CHECK_LAUNCH();
}

void fill_k_case(float* A, float* B, std::int64_t K) {
  fill_k_case_kernel<<<kBlocks, kThreads>>>(A, B, K);
  WB_CHECK_LAUNCH();
}

std::int64_t k_case_sum(std::int64_t K) {
  unsigned long long* d = nullptr;
  WB_CUDA_CHECK(cudaMalloc(&d, sizeof(*d)));
  WB_CUDA_CHECK(cudaMemset(d, 0, sizeof(*d)));
  k_case_sum_kernel<<<kBlocks, kThreads>>>(K, d);
  WB_CHECK_LAUNCH();
  unsigned long long h = 0;
  WB_CUDA_CHECK(cudaMemcpy(&h, d, sizeof(h), cudaMemcpyDeviceToHost));
  WB_CUDA_CHECK(cudaFree(d));
  return static_cast<std::int64_t>(h);
}

Mismatch check_values(const float* C, std::int64_t n, float scale, std::uint32_t salt_x, float beta,
                      std::uint32_t salt_c) {
  unsigned long long* d = nullptr;
  WB_CUDA_CHECK(cudaMalloc(&d, 2 * sizeof(*d)));
  const unsigned long long init[2] = {0, ~0ull};
  WB_CUDA_CHECK(cudaMemcpy(d, init, sizeof(init), cudaMemcpyHostToDevice));
  check_values_kernel<<<kBlocks, kThreads>>>(C, n, scale, salt_x, beta, salt_c, d, d + 1);
  WB_CHECK_LAUNCH();
  unsigned long long h[2];
  WB_CUDA_CHECK(cudaMemcpy(h, d, sizeof(h), cudaMemcpyDeviceToHost));
  WB_CUDA_CHECK(cudaFree(d));
  Mismatch m;
  m.count = h[0];
  if (m.count > 0) {
    m.first = static_cast<std::int64_t>(h[1]);
    WB_CUDA_CHECK(cudaMemcpy(&m.got, C + m.first, sizeof(float), cudaMemcpyDeviceToHost));
    // The expected value, from the same formula on the host.
    auto host_value = [](std::int64_t i, std::uint32_t salt) {
      return static_cast<float>(
          static_cast<int>(mix(static_cast<std::uint32_t>(i) ^ salt) % 2047u) - 1023);
    };
    m.expected = scale * host_value(m.first, salt_x) +
                 (beta != 0.0f ? beta * host_value(m.first, salt_c) : 0.0f);
  }
  return m;
}

}  // namespace ch03_limits
