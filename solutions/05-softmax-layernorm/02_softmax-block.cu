// Chapter 05, step 2 — softmax-block: one fused kernel, one block per row, the row staged in
// shared memory.
//
// The idea: one kernel instead of three. A block reads its row from global memory once, keeps it
// in shared memory (dynamic, cols floats), and does the max, the exps and the sum there, with the
// same shared-memory tree reductions as step 1. The row then crosses DRAM twice (one read, one
// write) instead of four times, and the max and sum never leave the chip.
//
// Prediction at 8192 x 8192 fp32 (floor ~0.18 ms): half the DRAM bytes of step 1, so ~2x faster
// if the kernel still streams at the rate step 1 did. But each thread has one scalar load in
// flight per loop iteration, and a block with 33 KiB of shared memory leaves room for 6 blocks
// (48 warps) per SM; between its load phase and its store phase a block keeps DRAM idle while it
// runs 2 x 8 barrier rounds. Expect ~65-75% of the copy ceiling, ~1.6x step 1. At 16384 x 1024
// the rows are short and the barriers weigh more: ~60%.
// Limit: the row must fit in shared memory: (cols + kSoftmaxBlockThreads) * 4 bytes <= the
// device's opt-in maximum (227 KiB on an H100, so at most 57856 columns). Above 48 KiB the
// launcher opts in (wb::allow_dynamic_smem): the tests run both sides of that line.
// Nsight Compute: dram__bytes_read.sum = the input size (1x, not 3x); one launch.
#include "kernels.cuh"

#include "wb/check.h"

#include <string>

namespace ch05 {
namespace {

// Shared memory (dynamic, (cols + kSoftmaxBlockThreads) floats):
//   sRow[0, cols)                         the row, then its exps
//   sRed[0, kSoftmaxBlockThreads)         the tree reductions' scratch, right after it
template <class T>
__global__ void softmax_block_kernel(const T* __restrict__ gIn, T* __restrict__ gOut, int cols) {
  extern __shared__ float sMem[];
  float* sRow = sMem;         // (cols)
  float* sRed = sMem + cols;  // (kSoftmaxBlockThreads)
  const std::size_t row = blockIdx.x;
  const T* gRow = gIn + row * cols;  // (cols)
  T* gOutRow = gOut + row * cols;    // (cols)
  // WB_EXERCISE_BEGIN
  float m = -INFINITY;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) {
    const float x = load_f32(gRow + c);  // the only read of the row from global memory
    sRow[c] = x;
    m = fmaxf(m, x);
  }
  m = block_reduce_smem(m, wb::Max{}, sRed);

  float l = 0.0f;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) {
    const float e = exp_shifted(sRow[c], m);
    sRow[c] = e;  // a thread only ever touches its own elements of sRow: no barrier needed
    l += e;
  }
  const float inv = inverse_or_zero(block_reduce_smem(l, wb::Sum{}, sRed));

  for (int c = threadIdx.x; c < cols; c += blockDim.x)
    store_f32(gOutRow + c, sRow[c] * inv);
  // WB_EXERCISE_END
}

}  // namespace

void launch_softmax_block(const SoftmaxArgs& a, cudaStream_t stream) {
  const char* where = "ch05::launch_softmax_block";
  validate(a, where);
  const std::int64_t limit = softmax_block_max_cols();
  WB_REQUIRE_ARG(a.cols <= limit, where,
                 "cols = " + std::to_string(a.cols) +
                     " does not fit: softmax-block keeps the row in shared memory, (cols + " +
                     std::to_string(kSoftmaxBlockThreads) +
                     ") * 4 bytes per block, so this device takes at most " +
                     std::to_string(limit) + " columns; use softmax-online for longer rows");
  const std::size_t smem = static_cast<std::size_t>(a.cols + kSoftmaxBlockThreads) * sizeof(float);
  with_dtype(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    wb::allow_dynamic_smem(softmax_block_kernel<T>, smem, where);
    softmax_block_kernel<T><<<static_cast<unsigned>(a.rows), kSoftmaxBlockThreads, smem, stream>>>(
        static_cast<const T*>(a.in), static_cast<T*>(a.out), static_cast<int>(a.cols));
    WB_CHECK_LAUNCH();
  });
}

}  // namespace ch05
