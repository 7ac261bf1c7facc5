// Chapter 05 limits tier: the device-side patterns and checks described in limits_device.h.
#include "limits_device.h"

#include "wb/check.h"
#include "wb/numeric.h"

#include <cuda_bf16.h>
#include <cuda_runtime_api.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <vector>

namespace ch05::limits {
namespace {

constexpr std::size_t kGuardBytes = 256;
constexpr std::int64_t kSoftmaxPeriod = 251;    // one unmasked entry per 251 columns
constexpr std::int64_t kLayerNormPeriod = 509;  // one +1, -1 pair per 509 columns
constexpr double kU = 5.9604644775390625e-08;   // 2^-24
constexpr unsigned kPoison32 = wb::NumericTraits<float>::poison_bits;
constexpr unsigned short kPoison16 = wb::NumericTraits<__nv_bfloat16>::poison_bits;

// ---- the patterns (host and device) ----------------------------------------------------------

__host__ __device__ bool masked_row(std::int64_t r) {
  // About half the rows, by the top bit of a multiplicative hash; row 0 never.
  return ((static_cast<std::uint64_t>(r) * 0x9E3779B97F4A7C15ull) >> 63) != 0;
}
__host__ __device__ bool softmax_unmasked(std::int64_t r, std::int64_t c) {
  return !masked_row(r) && c % kSoftmaxPeriod == 0;
}
__host__ __device__ float softmax_input(std::int64_t r, std::int64_t c) {
  return softmax_unmasked(r, c) ? static_cast<float>(r % 7 - 3) : -INFINITY;
}
// fl(1 / K), K the number of unmasked entries of an unmasked row (an integer below 2^24).
__host__ __device__ float softmax_inverse_count(std::int64_t cols) {
  return 1.0f / static_cast<float>((cols - 1) / kSoftmaxPeriod + 1);
}
__host__ __device__ float softmax_expected(std::int64_t r, std::int64_t c, std::int64_t cols) {
  return softmax_unmasked(r, c) ? softmax_inverse_count(cols) : 0.0f;
}

__host__ __device__ float layernorm_h(std::int64_t c, std::int64_t cols) {
  if (c % kLayerNormPeriod == 0 && c + 1 < cols) return 1.0f;
  if (c % kLayerNormPeriod == 1) return -1.0f;
  return 0.0f;
}
__host__ __device__ float layernorm_s(std::int64_t r, std::int64_t c) {
  return static_cast<float>((r + c) % 5 - 2);
}
__host__ __device__ float layernorm_gamma(std::int64_t c) {
  return static_cast<float>(1 + c % 3);
}
__host__ __device__ float layernorm_beta(std::int64_t c) {
  return static_cast<float>(c % 7 - 3);
}
// rho = 1 / sqrt(Q / cols + eps) in fp64, Q = the number of nonzero h in a row.
__host__ __device__ double layernorm_rho(std::int64_t cols, float eps) {
  const std::int64_t pairs = cols >= 2 ? (cols - 2) / kLayerNormPeriod + 1 : 0;
  return 1.0 / sqrt(static_cast<double>(2 * pairs) / static_cast<double>(cols) + eps);
}
__host__ __device__ double layernorm_expected(std::int64_t c, std::int64_t cols, double rho) {
  return layernorm_h(c, cols) * rho * layernorm_gamma(c) + layernorm_beta(c);
}
// Whether `v` is within the bound of limits_device.h (exactly beta where h = 0).
__host__ __device__ bool layernorm_ok(float v, std::int64_t c, std::int64_t cols, double rho) {
  const double y = layernorm_expected(c, cols, rho);
  if (layernorm_h(c, cols) == 0.0f) return static_cast<double>(v) == y;
  const double bound = 8.0 * kU * (rho * fabs(layernorm_gamma(c)) + fabs(layernorm_beta(c)));
  return fabs(static_cast<double>(v) - y) <= bound;  // false for NaN
}

// ---- kernels ----------------------------------------------------------------------------------

struct Counters {
  unsigned long long wrong;
  unsigned long long unwritten;
  long long first_bad;
};

// A grid that covers the GPU a few times over; every kernel below strides over n in 64 bits.
constexpr unsigned kGrid = 132 * 16;
constexpr unsigned kThreads = 256;

__device__ std::int64_t first_index() {
  return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ std::int64_t grid_stride() {
  return static_cast<std::int64_t>(gridDim.x) * blockDim.x;
}

__device__ float as_float(float v) {
  return v;
}
__device__ float as_float(__nv_bfloat16 v) {
  return __bfloat162float(v);
}
__device__ bool poisoned(float v) {
  return __float_as_uint(v) == kPoison32;
}
__device__ bool poisoned(__nv_bfloat16 v) {
  return __bfloat16_as_ushort(v) == kPoison16;
}
__device__ float rounded_like(float v, float) {
  return v;
}
__device__ float rounded_like(float v, __nv_bfloat16) {
  return __bfloat162float(__float2bfloat16_rn(v));
}

__global__ void poison_kernel(void* p, std::int64_t words, int word_bytes) {
  for (std::int64_t i = first_index(); i < words; i += grid_stride()) {
    if (word_bytes == 4) {
      static_cast<unsigned*>(p)[i] = kPoison32;
    } else {
      static_cast<unsigned short*>(p)[i] = kPoison16;
    }
  }
}

template <class T>
__global__ void fill_softmax_kernel(T* in, std::int64_t rows, std::int64_t cols) {
  const std::int64_t n = rows * cols;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const float x = softmax_input(i / cols, i % cols);
    if constexpr (sizeof(T) == 4) {
      in[i] = x;
    } else {
      in[i] = __float2bfloat16_rn(x);  // -inf and small integers are exact in bf16
    }
  }
}

__global__ void fill_layernorm_kernel(float* x, float* residual, float* gamma, float* beta,
                                      std::int64_t rows, std::int64_t cols) {
  const std::int64_t n = rows * cols;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const std::int64_t r = i / cols, c = i % cols;
    x[i] = layernorm_h(c, cols) + layernorm_s(r, c);
    residual[i] = -layernorm_s(r, c);
  }
  for (std::int64_t c = first_index(); c < cols; c += grid_stride()) {
    gamma[c] = layernorm_gamma(c);
    beta[c] = layernorm_beta(c);
  }
}

// Mode 0: softmax result; 1: a copy of the softmax input; 2: LayerNorm result.
template <class T>
__global__ void check_kernel(const T* out, std::int64_t rows, std::int64_t cols, int mode,
                             float eps, Counters* counters) {
  const std::int64_t n = rows * cols;
  const double rho = mode == 2 ? layernorm_rho(cols, eps) : 0.0;
  unsigned long long wrong = 0, unwritten = 0;
  long long first = LLONG_MAX;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const T v = out[i];
    const std::int64_t r = i / cols, c = i % cols;
    bool ok = true;
    if (poisoned(v)) {
      ++unwritten;
      ok = false;
    } else if (mode == 0) {
      ok = as_float(v) == rounded_like(softmax_expected(r, c, cols), T{});
    } else if (mode == 1) {
      ok = as_float(v) == rounded_like(softmax_input(r, c), T{});
    } else {
      ok = layernorm_ok(as_float(v), c, cols, rho);
    }
    if (!ok) {
      if (!poisoned(v)) ++wrong;
      if (i < first) first = i;
    }
  }
  if (wrong != 0) atomicAdd(&counters->wrong, wrong);
  if (unwritten != 0) atomicAdd(&counters->unwritten, unwritten);
  if (first != LLONG_MAX) atomicMin(&counters->first_bad, first);
}

// ---- host side ---------------------------------------------------------------------------------

template <class T>
Check run_check(const Buffer& out, std::int64_t rows, std::int64_t cols, int mode, float eps) {
  Counters* d_counters = nullptr;
  WB_CUDA_CHECK(cudaMalloc(&d_counters, sizeof(Counters)));
  const Counters init{0, 0, LLONG_MAX};
  WB_CUDA_CHECK(cudaMemcpy(d_counters, &init, sizeof(Counters), cudaMemcpyHostToDevice));
  const T* data = static_cast<const T*>(out.data());
  check_kernel<T><<<kGrid, kThreads>>>(data, rows, cols, mode, eps, d_counters);
  WB_CUDA_CHECK(cudaGetLastError());
  Counters got{};
  WB_CUDA_CHECK(cudaMemcpy(&got, d_counters, sizeof(Counters), cudaMemcpyDeviceToHost));
  WB_CUDA_CHECK(cudaFree(d_counters));

  Check check;
  check.wrong = got.wrong;
  check.unwritten = got.unwritten;
  // The guards: kGuardBytes on each side, still the poison pattern.
  std::vector<unsigned char> lo(kGuardBytes), hi(kGuardBytes);
  const unsigned char* bytes = static_cast<const unsigned char*>(out.data());
  const std::size_t n_bytes = static_cast<std::size_t>(rows * cols) * sizeof(T);
  WB_CUDA_CHECK(cudaMemcpy(lo.data(), bytes - kGuardBytes, kGuardBytes, cudaMemcpyDeviceToHost));
  WB_CUDA_CHECK(cudaMemcpy(hi.data(), bytes + n_bytes, kGuardBytes, cudaMemcpyDeviceToHost));
  for (std::size_t i = 0; i < kGuardBytes; i += sizeof(T)) {
    T a, b;
    std::memcpy(&a, &lo[i], sizeof(T));
    std::memcpy(&b, &hi[i], sizeof(T));
    check.guards_ok = check.guards_ok && wb::is_poison(a) && wb::is_poison(b);
  }
  if (got.first_bad != LLONG_MAX) {
    const std::int64_t i = got.first_bad;
    check.first_bad = i;
    T v;
    WB_CUDA_CHECK(cudaMemcpy(&v, data + i, sizeof(T), cudaMemcpyDeviceToHost));
    check.actual = wb::NumericTraits<T>::to_double(v);
    const std::int64_t r = i / cols, c = i % cols;
    if (mode == 0) {
      check.expected = wb::NumericTraits<T>::to_double(
          wb::NumericTraits<T>::from_double(softmax_expected(r, c, cols)));
    } else if (mode == 1) {
      check.expected = softmax_input(r, c);
    } else {
      check.expected = layernorm_expected(c, cols, layernorm_rho(cols, eps));
    }
  }
  return check;
}

}  // namespace

std::string Check::describe() const {
  std::ostringstream s;
  s << wrong << " wrong and " << unwritten << " unwritten elements, guards "
    << (guards_ok ? "intact" : "OVERWRITTEN");
  if (first_bad >= 0)
    s << "; first at flat index " << first_bad << ": expected " << expected << ", got " << actual;
  return s.str();
}

Buffer::Buffer(std::int64_t elements, int elem_bytes, bool guarded)
    : elements_(elements), elem_bytes_(elem_bytes), guard_(guarded ? kGuardBytes : 0) {
  const std::size_t bytes = static_cast<std::size_t>(elements) * elem_bytes + 2 * guard_;
  WB_CUDA_CHECK(cudaMalloc(&base_, bytes));
}

Buffer::~Buffer() {
  cudaFree(base_);  // no check: a destructor must not throw, and a sticky error is reported anyway
}

void* Buffer::data() const {
  return static_cast<unsigned char*>(base_) + guard_;
}

void Buffer::poison() {
  const std::int64_t words =
      (elements_ * elem_bytes_ + 2 * static_cast<std::int64_t>(guard_)) / elem_bytes_;
  poison_kernel<<<kGrid, kThreads>>>(base_, words, elem_bytes_);
  WB_CUDA_CHECK(cudaGetLastError());
}

double gib(double bytes) {
  return bytes / (1024.0 * 1024.0 * 1024.0);
}

void fill_softmax(void* in, DType t, std::int64_t rows, std::int64_t cols) {
  if (t == DType::f32) {
    fill_softmax_kernel<<<kGrid, kThreads>>>(static_cast<float*>(in), rows, cols);
  } else {
    fill_softmax_kernel<<<kGrid, kThreads>>>(static_cast<__nv_bfloat16*>(in), rows, cols);
  }
  WB_CUDA_CHECK(cudaGetLastError());
}

Check check_softmax(const Buffer& out, DType t, std::int64_t rows, std::int64_t cols) {
  return t == DType::f32 ? run_check<float>(out, rows, cols, 0, 0.0f)
                         : run_check<__nv_bfloat16>(out, rows, cols, 0, 0.0f);
}

Check check_copy(const Buffer& out, DType t, std::int64_t rows, std::int64_t cols) {
  return t == DType::f32 ? run_check<float>(out, rows, cols, 1, 0.0f)
                         : run_check<__nv_bfloat16>(out, rows, cols, 1, 0.0f);
}

void fill_layernorm(float* x, float* residual, float* gamma, float* beta, std::int64_t rows,
                    std::int64_t cols) {
  fill_layernorm_kernel<<<kGrid, kThreads>>>(x, residual, gamma, beta, rows, cols);
  WB_CUDA_CHECK(cudaGetLastError());
}

Check check_layernorm(const Buffer& out, std::int64_t rows, std::int64_t cols, float eps) {
  return run_check<float>(out, rows, cols, 2, eps);
}

}  // namespace ch05::limits
