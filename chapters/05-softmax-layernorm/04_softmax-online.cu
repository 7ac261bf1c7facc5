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
#include "wb/exercise.h"

WB_EXERCISE_TODO("softmax-online",
                 "read \"Step 4: softmax-online\" and \"The online softmax\" in README.md; "
                 "resident: rX[i] at c = t + i * blockDim.x (-INFINITY past cols), mT = max, "
                 "rX = exp_shifted(rX, mT), lT = sum; row = wb::block_allreduce({mT, lT}, "
                 "wb::OnlineMerge{}, online_identity(), sPart); write rX * exp_shifted(mT, row.m) "
                 "* inverse_or_zero(row.l). Streaming: the same per chunk, merged with "
                 "online_merge, then a second pass");

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
  // TODO(step 4): read "Step 4: softmax-online" and "The online softmax" in README.md. One
  // block owns row blockIdx.x; t = threadIdx.x, T = blockDim.x (plan_row picked it). sPart is
  // static shared memory, one OnlineSoftmax per warp, used only by wb::block_allreduce (which
  // holds the block's one barrier pair); you write no barrier yourself.
  if constexpr (kResident) {
    // The row fits in registers (cols <= T * kScalarsPerThread):
    //   1. float rX[kScalarsPerThread]; #pragma unroll over i: c = t + i * T;
    //      rX[i] = c < cols ? load_f32(gRow + c) : -INFINITY.
    //   2. mT = max of rX; then rX[i] = exp_shifted(rX[i], mT) and lT = sum of the new rX.
    //      (A thread with no columns has mT = -inf and lT = 0: exp_shifted makes that safe.)
    //   3. row = wb::block_allreduce(OnlineSoftmax{mT, lT}, wb::OnlineMerge{}, online_identity(),
    //      sPart): every thread gets the row's (m, l).
    //   4. f = exp_shifted(mT, row.m) * inverse_or_zero(row.l); for c < cols:
    //      store_f32(gOutRow + c, rX[i] * f).
  } else {
    // A row too long for registers (cols > 16384), streamed in chunks of T * kScalarsPerThread
    // columns. Count in 64 bits: std::int64_t chunk, c0 and c (c0 + chunk passes 2^31 - 1 on the
    // longest rows).
    //   1. st = online_identity().
    //   2. for c0 = 0; c0 < cols; c0 += chunk: load the chunk's columns c = c0 + t + i * T as in
    //      the resident case; mC = their max, lC = sum of exp_shifted(x, mC);
    //      st = online_merge(st, OnlineSoftmax{mC, lC}).
    //   3. row = wb::block_allreduce(st, wb::OnlineMerge{}, online_identity(), sPart);
    //      inv = inverse_or_zero(row.l).
    //   4. the same chunk loop again: for c < cols, store_f32(gOutRow + c,
    //      exp_shifted(load_f32(gRow + c), row.m) * inv).
  }
  (void)t;
  (void)sPart;
  (void)gRow;
  (void)gOutRow;
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
