// Chapter 05, step 4 — softmax-online: one online (max, sum) reduction instead of two.
//
// The idea (Milakov & Gimelshein 2018): carry the pair (m, l) = (max so far, sum of exp(x - m) so
// far) and merge pairs with wb::online_merge, which rescales each partial sum to the new max. The
// max and the sum then come out of ONE pass over the data and ONE block-wide reduction
// (wb::block_allreduce with wb::OnlineMerge: shuffles, one barrier pair) instead of two. Each
// thread first reduces its own registers to (m_t, l_t), keeping e = exp(x - m_t); after the merge
// one factor exp(m_t - m) / l turns every e into its output, so each element costs one exp.
// The block-per-row layout is step 2's, so any row length works; the reductions are step 3's
// shuffles. Accesses stay scalar (4-byte fp32 or 2-byte bf16 loads); step 5 widens them.
//
// A row of up to resident_cols(kScalarsPerThread) = 1024 x 16 = 16384 columns stays in registers:
// one read and one write. A longer row is streamed twice (the online pass, merging chunk after
// chunk into the thread's state, then a normalising pass that re-reads it): 1.5x the minimum
// bytes, but any column count, and still one pass fewer than computing the max and the sum
// separately. plan_row picks the block size and the path; the tests run both sides of each
// choice.
//
// Registers: plan_row may launch 1024 threads, and a 1024-thread block can give each thread at
// most 64 of the SM's 65536 registers. Left alone, nvcc gave this kernel 71 (77 when streaming),
// so every launch of more than 896 threads (rows over 14336 columns) would fail with
// cudaErrorLaunchOutOfResources: the launch fails, not the kernel, and only at those sizes.
// __launch_bounds__(kMaxThreads) makes the compiler fit 64 (63-64 resident, 32 streaming, no
// spills); the tests run rows of 16384 columns (1024 threads) and one past (streaming).
//
// Prediction at 8192 x 8192 fp32 (floor ~0.18 ms): 512 threads per row at 64 registers, so 2
// rows per SM; each thread has 16 independent 4-byte loads in flight (64 B, half of
// softmax-warp's) and one barrier pair per row, against step 2's 2 x 8 barrier rounds: ~75-85%
// of the copy ceiling, ~1.2x step 2. At 16384 x 1024: 64 threads per row, below softmax-warp
// (~75-85%). In bf16 the same loads carry half the bytes: ~55-65% of the ceiling, the problem
// step 5 fixes.
// Nsight Compute: smsp__average_warps_issue_stalled_barrier_per_issue_active falls against step 2.
//
// The streaming loop counts its chunk start c0 in 64 bits: on a row of 2^31 - 1 columns the last
// chunk starts at 2^31 - 16384, and c0 + 16384 would pass 2^31 - 1 in int.
#include "kernels.cuh"

#include "wb/check.h"

namespace ch05 {
namespace {

template <class T, bool kResident>
__global__ void __launch_bounds__(kMaxThreads)
    softmax_online_kernel(const T* __restrict__ gIn, T* __restrict__ gOut, int cols) {
  __shared__ OnlineSoftmax sPart[wb::kWarpSize];  // one state per warp for wb::block_allreduce
  const int t = threadIdx.x;
  const T* gRow = gIn + static_cast<std::size_t>(blockIdx.x) * cols;  // (cols)
  T* gOutRow = gOut + static_cast<std::size_t>(blockIdx.x) * cols;    // (cols)
  // WB_EXERCISE_BEGIN
  if constexpr (kResident) {
    float rX[kScalarsPerThread];  // registers: columns t, t + T, t + 2T, ... (T = blockDim.x)
#pragma unroll
    for (int i = 0; i < kScalarsPerThread; ++i) {
      const int c = t + i * blockDim.x;
      rX[i] = c < cols ? load_f32(gRow + c) : -INFINITY;  // -inf: neutral for the max and the sum
    }
    // This thread's own (m_t, l_t), keeping e = exp(x - m_t) in place of x.
    float mT = -INFINITY;
#pragma unroll
    for (int i = 0; i < kScalarsPerThread; ++i)
      mT = fmaxf(mT, rX[i]);
    float lT = 0.0f;
#pragma unroll
    for (int i = 0; i < kScalarsPerThread; ++i) {
      rX[i] = exp_shifted(rX[i], mT);
      lT += rX[i];
    }
    const OnlineSoftmax row =
        wb::block_allreduce(OnlineSoftmax{mT, lT}, wb::OnlineMerge{}, online_identity(), sPart);
    const float f = exp_shifted(mT, row.m) * inverse_or_zero(row.l);  // e * f = exp(x - m) / l
#pragma unroll
    for (int i = 0; i < kScalarsPerThread; ++i) {
      const int c = t + i * blockDim.x;
      if (c < cols) store_f32(gOutRow + c, rX[i] * f);
    }
  } else {
    // Pass 1: one read of the row, chunk by chunk, merging each chunk's (m, l) into the thread's.
    const std::int64_t chunk = static_cast<std::int64_t>(blockDim.x) * kScalarsPerThread;
    OnlineSoftmax st = online_identity();
    for (std::int64_t c0 = 0; c0 < cols; c0 += chunk) {
      float rX[kScalarsPerThread];
      float mC = -INFINITY;
#pragma unroll
      for (int i = 0; i < kScalarsPerThread; ++i) {
        const std::int64_t c = c0 + t + i * blockDim.x;
        rX[i] = c < cols ? load_f32(gRow + c) : -INFINITY;
        mC = fmaxf(mC, rX[i]);
      }
      float lC = 0.0f;
#pragma unroll
      for (int i = 0; i < kScalarsPerThread; ++i)
        lC += exp_shifted(rX[i], mC);
      st = online_merge(st, OnlineSoftmax{mC, lC});
    }
    const OnlineSoftmax row = wb::block_allreduce(st, wb::OnlineMerge{}, online_identity(), sPart);
    const float inv = inverse_or_zero(row.l);
    // Pass 2: read the row again and write exp(x - m) / l.
    for (std::int64_t c0 = 0; c0 < cols; c0 += chunk) {
#pragma unroll
      for (int i = 0; i < kScalarsPerThread; ++i) {
        const std::int64_t c = c0 + t + i * blockDim.x;
        if (c < cols) store_f32(gOutRow + c, exp_shifted(load_f32(gRow + c), row.m) * inv);
      }
    }
  }
  // WB_EXERCISE_END
}

}  // namespace

void launch_softmax_online(const SoftmaxArgs& a, cudaStream_t stream) {
  const char* where = "ch05::launch_softmax_online";
  validate(a, where);
  const RowPlan plan = plan_row(a.cols, kScalarsPerThread);
  with_dtype(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto kernel =
        plan.resident ? softmax_online_kernel<T, true> : softmax_online_kernel<T, false>;
    kernel<<<static_cast<unsigned>(a.rows), plan.threads, 0, stream>>>(
        static_cast<const T*>(a.in), static_cast<T*>(a.out), static_cast<int>(a.cols));
    WB_CHECK_LAUNCH();
  });
}

}  // namespace ch05
