// Chapter 05, exercise 2 — softmax-block: fuse the three kernels of step 1 into one.
//
// Read "Softmax step 2" in README.md first, and start from 01_softmax-naive.cu. One block of
// kSoftmaxBlockThreads threads owns one row. Read the row from global memory ONCE into the
// dynamic shared memory sRow, find its max and its sum there with block_max_smem and
// block_sum_smem (kernels.cuh), and write exp(x - m) / l. The launcher below is complete: it
// checks that the row fits in shared memory and raises the limit above 48 KB.
// When it is written, delete the WB_EXERCISE_TODO line and run `make chapter-05-check`.
#include "kernels.cuh"

#include "wb/check.h"
#include "wb/exercise.h"

#include <string>

WB_EXERCISE_TODO("softmax-block",
                 "one loop loads the row into sRow and keeps a running max; block_max_smem; a "
                 "second loop turns sRow into exp_shifted(x, m) and sums; block_sum_smem; a third "
                 "loop writes sRow[c] * inverse_or_zero(l)");

namespace ch05 {
namespace {

template <class T>
__global__ void softmax_block_kernel(const T* __restrict__ gIn, T* __restrict__ gOut, int cols) {
  extern __shared__ float sMem[];
  float* sRow = sMem;         // (cols): the row, then its exps
  float* sRed = sMem + cols;  // (kSoftmaxBlockThreads): reduction scratch
  const std::size_t row = blockIdx.x;
  const T* gRow = gIn + row * cols;  // (cols)
  // TODO(exercise 2):
  //   1. for c = threadIdx.x; c < cols; c += blockDim.x: x = load_f32(gRow + c); sRow[c] = x;
  //      m = fmaxf(m, x)   (start m at -INFINITY).
  //   2. m = block_max_smem(m, sRed).
  //   3. same loop: e = exp_shifted(sRow[c], m); sRow[c] = e; l += e.  Then
  //      inv = inverse_or_zero(block_sum_smem(l, sRed)).
  //   4. same loop: store_f32(gOut + row * cols + c, sRow[c] * inv).
  (void)sRow;
  (void)sRed;
  (void)gRow;
  (void)gOut;
}

}  // namespace

void launch_softmax_block(const SoftmaxArgs& a, cudaStream_t stream) {
  const char* where = "ch05::launch_softmax_block";
  validate(a, where);
  const std::int64_t limit = softmax_block_max_cols();
  WB_REQUIRE_ARG(a.cols <= limit, where,
                 "cols = " + std::to_string(a.cols) +
                     " does not fit: softmax-block keeps the row " + "in shared memory, (cols + " +
                     std::to_string(kSoftmaxBlockThreads) +
                     ") * 4 bytes per block, so this device takes at most " +
                     std::to_string(limit) + " columns; use softmax-online for longer rows");
  const std::size_t smem = static_cast<std::size_t>(a.cols + kSoftmaxBlockThreads) * sizeof(float);
  with_dtype(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    allow_dynamic_smem(softmax_block_kernel<T>, smem);
    softmax_block_kernel<T><<<static_cast<unsigned>(a.rows), kSoftmaxBlockThreads, smem, stream>>>(
        static_cast<const T*>(a.in), static_cast<T*>(a.out), static_cast<int>(a.cols));
    WB_CHECK_LAUNCH();
  });
}

}  // namespace ch05
