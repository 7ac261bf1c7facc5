// Chapter 05, step 3 — softmax-warp: one warp per row, the row in registers, warp shuffles.
//
// The idea: give a row to a warp instead of a block. A row of up to 1024 columns fits in one
// warp's registers (32 lanes x 32 values), and once a warp owns the row its reductions are the
// warp's own: 5-step butterflies of __shfl_xor_sync (chapter 04, step 5; wb::warp_allreduce), with
// no shared memory and no __syncthreads at all. Registers and shuffles are what "a warp owns the
// row" means, not two further ideas. Lane l loads x[l], x[l + 32], x[l + 64], ... into a register
// array: every load instruction is still one coalesced 128-byte warp access, and all kPerLane
// loads are issued before the first is used.
//
// Prediction at 16384 x 1024 fp32 (64 MiB in + 64 MiB out = 0.134 GB, floor ~45 us): each
// thread has 32 independent 4-byte loads in flight, 128 B, 4x what chapter 01's step 2 had, so
// Little's law is satisfied even at half occupancy. Expect ~85-90% of the copy ceiling,
// ~1.4x step 2. Not available at 8192 columns (the limit below).
// Limit: cols <= kWarpMaxCols = 1024; kPerLane (a power of two, 1..32) is picked at launch so a
// short row does not pay for 32 registers. The tests run both sides of every kPerLane boundary.
// Nsight Compute: smsp__inst_executed.sum drops (no barrier rounds, no shared-memory traffic).
#include "kernels.cuh"

#include "wb/check.h"

#include <string>

namespace ch05 {
namespace {

constexpr int kWarpsPerBlock = 8;

template <class T, int kPerLane>
__global__ void softmax_warp_kernel(const T* __restrict__ gIn, T* __restrict__ gOut,
                                    std::int64_t rows, int cols) {
  const int lane = threadIdx.x % wb::kWarpSize;
  // One warp per row; 64-bit, so the last block's spare warps can pass 2^31 - 1 rows safely.
  const std::int64_t row =
      static_cast<std::int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / wb::kWarpSize;
  if (row >= rows) return;           // the whole warp leaves together: the shuffles stay full-warp
  const T* gRow = gIn + row * cols;  // (cols)
  T* gOutRow = gOut + row * cols;    // (cols)
  // WB_EXERCISE_BEGIN
  float rX[kPerLane];  // registers: element lane + 32 * i of the row
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    const int c = lane + 32 * i;
    rX[i] = c < cols ? load_f32(gRow + c) : -INFINITY;  // -inf: neutral for the max and the sum
  }
  float m = -INFINITY;
#pragma unroll
  for (int i = 0; i < kPerLane; ++i)
    m = fmaxf(m, rX[i]);
  m = wb::warp_allreduce(m, wb::Max{});
  float l = 0.0f;
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    rX[i] = exp_shifted(rX[i], m);
    l += rX[i];
  }
  const float inv = inverse_or_zero(wb::warp_allreduce(l, wb::Sum{}));
#pragma unroll
  for (int i = 0; i < kPerLane; ++i) {
    const int c = lane + 32 * i;
    if (c < cols) store_f32(gOutRow + c, rX[i] * inv);
  }
  // WB_EXERCISE_END
}

template <class T, int kPerLane>
void launch(const SoftmaxArgs& a, cudaStream_t stream) {
  const unsigned grid = static_cast<unsigned>(wb::ceil_div(a.rows, kWarpsPerBlock));
  softmax_warp_kernel<T, kPerLane><<<grid, wb::kWarpSize * kWarpsPerBlock, 0, stream>>>(
      static_cast<const T*>(a.in), static_cast<T*>(a.out), a.rows, static_cast<int>(a.cols));
  WB_CHECK_LAUNCH();
}

}  // namespace

void launch_softmax_warp(const SoftmaxArgs& a, cudaStream_t stream) {
  const char* where = "ch05::launch_softmax_warp";
  validate(a, where);
  WB_REQUIRE_ARG(a.cols <= kWarpMaxCols, where,
                 "cols = " + std::to_string(a.cols) + " is too long: softmax-warp holds a row in " +
                     "one warp's registers, 32 lanes x 32 values, so at most " +
                     std::to_string(kWarpMaxCols) + " columns; use softmax-online for longer rows");
  with_dtype(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const std::int64_t per_lane = wb::ceil_div(a.cols, wb::kWarpSize);
    if (per_lane <= 1) {
      launch<T, 1>(a, stream);
    } else if (per_lane <= 2) {
      launch<T, 2>(a, stream);
    } else if (per_lane <= 4) {
      launch<T, 4>(a, stream);
    } else if (per_lane <= 8) {
      launch<T, 8>(a, stream);
    } else if (per_lane <= 16) {
      launch<T, 16>(a, stream);
    } else {
      launch<T, 32>(a, stream);
    }
  });
}

}  // namespace ch05
