// Chapter 05, step 5 — softmax-vectorized: step 4 with 16-byte accesses.
//
// The idea (chapter 01, step 3): load and store 16 bytes per instruction. Each thread of step 4
// loads kVecPerThread 16-byte vectors (4 fp32 or 8 bf16 values each, wb::load_vec), a warp's width
// apart, before it uses any: the same bytes in flight with a quarter (fp32) or an eighth (bf16) of
// the load instructions. A row of an arbitrary matrix does not start on a 16-byte boundary (row r
// starts at in + r * cols), so wb::split_row cuts each row into a scalar head, a body of whole
// vectors and a scalar tail; the first threads take the head and tail elements. The online merge
// is step 4's, unchanged.
// A row of up to kMaxThreads x kVecPerThread vectors (16384 fp32 or 32768 bf16 columns) stays in
// registers; a longer row is streamed twice, as in step 4. `in` and `out` must have the same
// address modulo 16 (one split serves both); other views are refused with a message that says so.
//
// Prediction at 8192 x 8192 fp32 (floor ~0.18 ms): 512 threads per row as in step 4, each with
// the same 64 bytes in flight in 4 loads instead of 16, and 32 registers instead of 64, so 4
// rows per SM instead of 2: >= 90% of the copy ceiling, ~1.1x step 4. In bf16 the gap is Little's
// law, not instructions: 64 bytes in flight per thread instead of 32, so expect ~85-90% of the
// ceiling, ~1.4x step 4.
// Nsight Compute: l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum falls 4x (fp32) or 8x (bf16)
// against step 4: each request is a 16-byte-per-thread, 512-byte warp access.
#include "kernels.cuh"

#include "wb/check.h"

namespace ch05 {
namespace {

template <class T, bool kResident>
__global__ void softmax_vectorized_kernel(const T* __restrict__ gIn, T* __restrict__ gOut,
                                          int cols) {
  constexpr int kN = Vec<T>::kN;                  // elements per 16-byte vector
  __shared__ OnlineSoftmax sPart[wb::kWarpSize];  // one state per warp for wb::block_allreduce
  const int t = threadIdx.x;
  const T* gRow = gIn + static_cast<std::size_t>(blockIdx.x) * cols;  // (cols)
  T* gOutRow = gOut + static_cast<std::size_t>(blockIdx.x) * cols;    // (cols), same split
  const wb::RowSplit s = wb::split_row(reinterpret_cast<std::uintptr_t>(gRow), cols, sizeof(T));
  const T* gBody = gRow + s.head;  // (body, kN), 16-byte aligned
  T* gOutBody = gOutRow + s.head;  // (body, kN)
  // Thread t < s.head owns head column t; thread t < s.tail owns tail column tail_col(cols, s, t)
  // (computed only under that test: cols - s.tail + t stays below cols, so it cannot overflow).
  const float xHead = t < s.head ? load_f32(gRow + t) : -INFINITY;
  const float xTail = t < s.tail ? load_f32(gRow + tail_col(cols, s, t)) : -INFINITY;
  // WB_EXERCISE_BEGIN
  if constexpr (kResident) {
    float rX[kVecPerThread][kN];  // registers: vectors t, t + T, t + 2T, ... (T = blockDim.x)
#pragma unroll
    for (int k = 0; k < kVecPerThread; ++k) {
      const int v = t + k * blockDim.x;
      if (v < s.body) {
        load_vec(gBody + static_cast<std::size_t>(v) * kN, rX[k]);
      } else {
#pragma unroll
        for (int j = 0; j < kN; ++j)
          rX[k][j] = -INFINITY;
      }
    }
    // This thread's own (m_t, l_t), keeping e = exp(x - m_t) in place of x.
    float mT = fmaxf(xHead, xTail);
#pragma unroll
    for (int k = 0; k < kVecPerThread; ++k) {
#pragma unroll
      for (int j = 0; j < kN; ++j)
        mT = fmaxf(mT, rX[k][j]);
    }
    const float eHead = exp_shifted(xHead, mT), eTail = exp_shifted(xTail, mT);
    float lT = eHead + eTail;
#pragma unroll
    for (int k = 0; k < kVecPerThread; ++k) {
#pragma unroll
      for (int j = 0; j < kN; ++j) {
        rX[k][j] = exp_shifted(rX[k][j], mT);
        lT += rX[k][j];
      }
    }
    const OnlineSoftmax row =
        wb::block_allreduce(OnlineSoftmax{mT, lT}, wb::OnlineMerge{}, online_identity(), sPart);
    const float f = exp_shifted(mT, row.m) * inverse_or_zero(row.l);  // e * f = exp(x - m) / l
#pragma unroll
    for (int k = 0; k < kVecPerThread; ++k) {
      const int v = t + k * blockDim.x;
      if (v < s.body) {
#pragma unroll
        for (int j = 0; j < kN; ++j)
          rX[k][j] *= f;
        store_vec(gOutBody + static_cast<std::size_t>(v) * kN, rX[k]);
      }
    }
    if (t < s.head) store_f32(gOutRow + t, eHead * f);
    if (t < s.tail) store_f32(gOutRow + tail_col(cols, s, t), eTail * f);
  } else {
    // Pass 1: one read of the row, chunk by chunk, merging each chunk's (m, l) into the thread's.
    const int chunk = blockDim.x * kVecPerThread;  // vectors per chunk (body < 2^29: int is safe)
    OnlineSoftmax st = online_push(online_push(online_identity(), xHead), xTail);
    for (int v0 = 0; v0 < s.body; v0 += chunk) {
      float rX[kVecPerThread][kN];
      float mC = -INFINITY;
#pragma unroll
      for (int k = 0; k < kVecPerThread; ++k) {
        const int v = v0 + t + k * blockDim.x;
        if (v < s.body) {
          load_vec(gBody + static_cast<std::size_t>(v) * kN, rX[k]);
        } else {
#pragma unroll
          for (int j = 0; j < kN; ++j)
            rX[k][j] = -INFINITY;
        }
#pragma unroll
        for (int j = 0; j < kN; ++j)
          mC = fmaxf(mC, rX[k][j]);
      }
      float lC = 0.0f;
#pragma unroll
      for (int k = 0; k < kVecPerThread; ++k) {
#pragma unroll
        for (int j = 0; j < kN; ++j)
          lC += exp_shifted(rX[k][j], mC);
      }
      st = online_merge(st, OnlineSoftmax{mC, lC});
    }
    const OnlineSoftmax row = wb::block_allreduce(st, wb::OnlineMerge{}, online_identity(), sPart);
    const float inv = inverse_or_zero(row.l);
    // Pass 2: read the row again and write exp(x - m) / l.
    for (int v0 = 0; v0 < s.body; v0 += chunk) {
#pragma unroll
      for (int k = 0; k < kVecPerThread; ++k) {
        const int v = v0 + t + k * blockDim.x;
        if (v < s.body) {
          float rX[kN];
          load_vec(gBody + static_cast<std::size_t>(v) * kN, rX);
#pragma unroll
          for (int j = 0; j < kN; ++j)
            rX[j] = exp_shifted(rX[j], row.m) * inv;
          store_vec(gOutBody + static_cast<std::size_t>(v) * kN, rX);
        }
      }
    }
    if (t < s.head) store_f32(gOutRow + t, exp_shifted(xHead, row.m) * inv);
    if (t < s.tail) store_f32(gOutRow + tail_col(cols, s, t), exp_shifted(xTail, row.m) * inv);
  }
  // WB_EXERCISE_END
}

}  // namespace

void launch_softmax_vectorized(const SoftmaxArgs& a, cudaStream_t stream) {
  const char* where = "ch05::launch_softmax_vectorized";
  validate(a, where);
  validate_same_alignment(a.in, a.out, where);
  const int per_vec = wb::kVecBytes / dtype_bytes(a.dtype);
  const RowPlan plan = plan_row(wb::ceil_div(a.cols, per_vec), kVecPerThread);
  with_dtype(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const auto kernel =
        plan.resident ? softmax_vectorized_kernel<T, true> : softmax_vectorized_kernel<T, false>;
    kernel<<<static_cast<unsigned>(a.rows), plan.threads, 0, stream>>>(
        static_cast<const T*>(a.in), static_cast<T*>(a.out), static_cast<int>(a.cols));
    WB_CHECK_LAUNCH();
  });
}

}  // namespace ch05
