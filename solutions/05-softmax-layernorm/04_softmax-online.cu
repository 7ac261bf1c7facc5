// Chapter 05, softmax step 4 — online softmax with 16-byte accesses, any column count.
//
// The idea, in two parts.
//  1. Online softmax (Milakov & Gimelshein 2018): carry the pair (m, l) = (max so far, sum of
//     exp(x - m) so far) and merge pairs with online_merge, which rescales each partial sum to the
//     new max. Max and sum then come out of ONE pass and ONE block-wide reduction (block_merge:
//     shuffles, one barrier pair) instead of two. Each thread first reduces its own registers to
//     (m_t, l_t) and keeps e = exp(x - m_t); after the merge one factor exp(m_t - m) / l turns
//     every e into its output, so each element costs one exp.
//  2. 16-byte vectors (chapter 01, step 3): each thread loads kVecPerThread float4 (or 8-bf16)
//     vectors, a warp's width apart, before it uses any; the row is split into a scalar head,
//     a vector body and a scalar tail because a row of an arbitrary matrix is not 16-byte aligned.
// A row that fits in 1024 threads x kVecPerThread vectors (16384 fp32 or 32768 bf16 columns)
// stays in registers: one read and one write. A longer row is streamed twice (the online pass,
// then a normalising pass that re-reads it): 1.5x the minimum bytes, but any column count, and
// still one pass fewer than computing the max and the sum separately.
//
// Prediction at 8192 x 8192 fp32 (floor ~0.18 ms): 512 threads per row, each with 64 bytes in
// flight (32 KB per block) and one barrier pair per row: DRAM should stay busy. Expect 90% of the
// copy ceiling or more, ~1.3x step 2. At 16384 x 1024: 64 threads per row, 32 blocks per SM,
// ~90%; about step 3's speed (both have their bytes in flight; this one has fewer instructions).
// Nsight Compute: l1tex__t_requests for loads drop 4x against step 3 (16-byte requests).
#include "kernels.cuh"

#include "wb/check.h"

namespace ch05 {
namespace {

template <class T, bool kResident>
__global__ void softmax_online_kernel(const T* __restrict__ gIn, T* __restrict__ gOut, int cols) {
  constexpr int kN = Vec<T>::kN;       // elements per 16-byte vector
  __shared__ OnlineSoftmax sPart[32];  // one state per warp for block_merge
  const int t = threadIdx.x;
  const T* gRow = gIn + static_cast<std::size_t>(blockIdx.x) * cols;  // (cols)
  T* gOutRow = gOut + static_cast<std::size_t>(blockIdx.x) * cols;    // (cols), same split
  const RowSplit s = split_row(reinterpret_cast<std::uintptr_t>(gRow), cols, sizeof(T));
  const T* gBody = gRow + s.head;  // (body, kN), 16-byte aligned
  T* gOutBody = gOutRow + s.head;
  const int cTail = s.head + kN * s.body + t;  // this thread's tail column, if t < s.tail
  // The head and tail (< kN scalars each) go to the first threads; -inf where there is none.
  const float xHead = t < s.head ? load_f32(gRow + t) : -INFINITY;
  const float xTail = t < s.tail ? load_f32(gRow + cTail) : -INFINITY;

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
    const OnlineSoftmax row = block_merge(OnlineSoftmax{mT, lT}, sPart, online_identity());
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
    if (t < s.tail) store_f32(gOutRow + cTail, eTail * f);
  } else {
    // Pass 1: one read of the row, chunk by chunk, merging each chunk's (m, l) into the thread's.
    const int chunk = blockDim.x * kVecPerThread;  // vectors per chunk
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
    const OnlineSoftmax row = block_merge(st, sPart, online_identity());
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
    if (t < s.tail) store_f32(gOutRow + cTail, exp_shifted(xTail, row.m) * inv);
  }
}

}  // namespace

void launch_softmax_online(const SoftmaxArgs& a, cudaStream_t stream) {
  const char* where = "ch05::launch_softmax_online";
  validate(a, where);
  validate_same_alignment(a.in, a.out, where);
  const OnlinePlan plan = plan_softmax_online(a.cols, dtype_bytes(a.dtype));
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
