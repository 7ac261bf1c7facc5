// Chapter 05, known-bad variant: softmax WITHOUT the max subtraction. DO NOT USE: it exists to be
// caught.
//
// It is softmax-warp with the max removed: out = exp(x) / sum exp(x). Mathematically the same
// function (exp(x - m) / sum exp(x - m) cancels the factor exp(-m)), and for logits of magnitude
// up to ~80 it even passes the tolerance. But expf overflows to +inf for x > 88.72 in fp32, and
// inf / inf is NaN: a row with one large logit turns into NaN. Attention scores and LLM logits
// reach such values. tests/ch05/softmax_test.cpp proves the harness catches it at magnitudes
// 80..100, and that it is indistinguishable from a correct softmax on small logits.
#include "kernels.cuh"

#include "wb/check.h"

#include <string>

namespace ch05::known_bad {
namespace {

constexpr int kWarpsPerBlock = 8;
constexpr int kPerLane = 32;

template <class T>
__global__ void softmax_no_max_kernel(const T* __restrict__ gIn, T* __restrict__ gOut,
                                      std::int64_t rows, int cols) {
  const int lane = threadIdx.x % wb::kWarpSize;
  const std::int64_t row =
      static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / wb::kWarpSize;
  if (row >= rows) return;
  const T* gRow = gIn + row * cols;
  float rE[kPerLane];
  float l = 0.0f;
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    const int c = lane + 32 * i;
    rE[i] = c < cols ? expf(load_f32(gRow + c)) : 0.0f;  // BUG (deliberate): no max subtracted
    l += rE[i];
  }
  const float inv = inverse_or_zero(wb::warp_allreduce(l, wb::Sum{}));
  T* gOutRow = gOut + row * cols;
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    const int c = lane + 32 * i;
    if (c < cols) store_f32(gOutRow + c, rE[i] * inv);
  }
}

}  // namespace

void launch_softmax_no_max(const SoftmaxArgs& a, cudaStream_t stream) {
  const char* where = "ch05::known_bad::launch_softmax_no_max";
  validate(a, where);
  WB_REQUIRE_ARG(a.cols <= kWarpMaxCols, where,
                 "at most " + std::to_string(kWarpMaxCols) + " columns");
  with_dtype(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    softmax_no_max_kernel<T><<<static_cast<unsigned>(wb::ceil_div(a.rows, kWarpsPerBlock)),
                               wb::kWarpSize * kWarpsPerBlock, 0, stream>>>(
        static_cast<const T*>(a.in), static_cast<T*>(a.out), a.rows, static_cast<int>(a.cols));
    WB_CHECK_LAUNCH();
  });
}

}  // namespace ch05::known_bad
