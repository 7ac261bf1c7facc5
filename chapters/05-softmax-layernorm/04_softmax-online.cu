// Chapter 05, exercise 4 — softmax-online: one online (max, sum) reduction, 16-byte accesses.
//
// Read "Softmax step 4" and "The online softmax" in README.md first. One block owns one row;
// the launcher picks the block size and whether the row stays in registers (plan_softmax_online).
// The row is split (split_row) into a scalar head, a body of 16-byte vectors (Vec<T>::kN elements
// each: load_vec / store_vec) and a scalar tail; thread t owns body vectors t, t + T, t + 2T, ...
// (T = blockDim.x) and, if t < head or t < tail, one head or tail element.
// The head/tail and row pointers are set up for you below.
// When it is written, delete the WB_EXERCISE_TODO line and run `make chapter-05-check`.
#include "kernels.cuh"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO("softmax-online",
                 "resident: load kVecPerThread vectors into float rX[kVecPerThread][kN] (-INFINITY "
                 "past the body); mT = max, rX = exp_shifted(rX, mT), lT = sum; row = "
                 "block_merge({mT, lT}, sPart, online_identity()); write rX * exp_shifted(mT, "
                 "row.m) * inverse_or_zero(row.l). Streaming: the same per chunk, merged with "
                 "online_merge, then a second pass");

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
  const float xHead = t < s.head ? load_f32(gRow + t) : -INFINITY;
  const float xTail = t < s.tail ? load_f32(gRow + cTail) : -INFINITY;

  if constexpr (kResident) {
    // TODO(exercise 4), the row fits in registers:
    //   1. float rX[kVecPerThread][kN]; for k: v = t + k * blockDim.x; if v < s.body
    //      load_vec(gBody + v * kN, rX[k]), else fill rX[k] with -INFINITY.
    //   2. mT = max of xHead, xTail and all of rX. eHead = exp_shifted(xHead, mT), eTail likewise;
    //      rX[k][j] = exp_shifted(rX[k][j], mT); lT = eHead + eTail + sum of rX.
    //   3. row = block_merge(OnlineSoftmax{mT, lT}, sPart, online_identity()).
    //   4. f = exp_shifted(mT, row.m) * inverse_or_zero(row.l); store_vec(gOutBody + v * kN, rX[k]
    //      scaled by f) for v < s.body; head and tail: eHead * f, eTail * f.
  } else {
    // TODO(exercise 4), a row too long for registers (cols > 16384 fp32):
    //   1. st = online_push(online_push(online_identity(), xHead), xTail).
    //   2. for v0 = 0; v0 < s.body; v0 += blockDim.x * kVecPerThread: load the chunk as in the
    //      resident case, mC = its max, lC = sum of exp_shifted(x, mC); st = online_merge(st,
    //      {mC, lC}).
    //   3. row = block_merge(st, sPart, online_identity()); inv = inverse_or_zero(row.l).
    //   4. loop over the chunks again: load, exp_shifted(x, row.m) * inv, store_vec; then head and
    //      tail.
  }
  (void)sPart;
  (void)gBody;
  (void)gOutBody;
  (void)xHead;
  (void)xTail;
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
