// Chapter 05, step 1 — softmax-naive: three kernels, intermediates in global memory.
//
// The idea: write the formula as it reads. Kernel 1 finds each row's max m_r and stores it in
// global memory; kernel 2 reads the row again and stores l_r = sum_c exp(x - m_r); kernel 3 reads
// the row a third time and writes exp(x - m_r) / l_r. Each kernel is a reasonable block-per-row
// kernel (coalesced, a shared-memory tree reduction); what is naive is the split.
//
// Prediction at 8192 x 8192 fp32 (minimum 512 MiB = 0.537 GB, floor ~0.18 ms at ~3.0 TB/s):
// the row crosses DRAM four times (three reads and one write) instead of twice, so at best 2x the
// floor, ~0.36 ms, i.e. 50% of the copy ceiling. The max and the sum kernels only read, and a
// read-only stream runs a little below copy speed, so expect 40-50%. At 16384 x 1024 the rows
// are 4 KB and the block-per-row kernels have little work per block: expect nearer 40%.
// Nsight Compute: dram__bytes_read.sum = 3x the input size; three launches per softmax.
//
// Column indices are 64-bit: a block strides over its row with c += blockDim.x, and with an int c
// that sum passes 2^31 - 1 on a row of 2^31 - 1 columns (the documented maximum): signed overflow,
// in practice a wrap to about -2^31, so `c < cols` stays true and the next load lands 2^31
// elements before the row (cudaErrorIllegalAddress). Every loop of the chapter that can walk a
// row that long counts in 64 bits.
#include "kernels.cuh"

#include "wb/check.h"

namespace ch05 {
namespace {

// (rows) -> gMax: one block per row, each thread strides over the row, then a tree reduction.
template <class T>
__global__ void softmax_naive_max_kernel(const T* __restrict__ gIn, float* __restrict__ gMax,
                                         int cols) {
  __shared__ float sRed[kNaiveThreads];
  const T* gRow = gIn + static_cast<std::size_t>(blockIdx.x) * cols;  // (cols)
  float m = -INFINITY;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    m = fmaxf(m, load_f32(gRow + c));
  m = block_reduce_smem(m, wb::Max{}, sRed);
  if (threadIdx.x == 0) gMax[blockIdx.x] = m;
}

// (rows) -> gSum: reads the row again and the max back from global memory.
template <class T>
__global__ void softmax_naive_sum_kernel(const T* __restrict__ gIn, const float* __restrict__ gMax,
                                         float* __restrict__ gSum, int cols) {
  __shared__ float sRed[kNaiveThreads];
  const T* gRow = gIn + static_cast<std::size_t>(blockIdx.x) * cols;
  const float m = gMax[blockIdx.x];
  float l = 0.0f;
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    l += exp_shifted(load_f32(gRow + c), m);
  l = block_reduce_smem(l, wb::Sum{}, sRed);
  if (threadIdx.x == 0) gSum[blockIdx.x] = l;
}

// (rows, cols) -> gOut: reads the row a third time and writes it once.
template <class T>
__global__ void softmax_naive_normalise_kernel(const T* __restrict__ gIn,
                                               const float* __restrict__ gMax,
                                               const float* __restrict__ gSum, T* __restrict__ gOut,
                                               int cols) {
  const std::size_t row = blockIdx.x;
  const float m = gMax[row];
  const float inv = inverse_or_zero(gSum[row]);  // 0 for a fully masked row: its output is 0
  for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x)
    store_f32(gOut + row * cols + c, exp_shifted(load_f32(gIn + row * cols + c), m) * inv);
}

}  // namespace

void launch_softmax_naive(const SoftmaxArgs& a, cudaStream_t stream) {
  const char* where = "ch05::launch_softmax_naive";
  validate(a, where);
  WB_REQUIRE_ARG(a.workspace != nullptr, where,
                 "workspace is a null pointer: the naive step keeps each row's max and sum in "
                 "global memory and needs 2 * rows floats");
  float* gMax = a.workspace;           // (rows)
  float* gSum = a.workspace + a.rows;  // (rows)
  const int cols = static_cast<int>(a.cols);
  const unsigned grid = static_cast<unsigned>(a.rows);  // one block per row (grid x: 2^31 - 1)
  with_dtype(a.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = static_cast<const T*>(a.in);
    softmax_naive_max_kernel<T><<<grid, kNaiveThreads, 0, stream>>>(in, gMax, cols);
    WB_CHECK_LAUNCH();
    softmax_naive_sum_kernel<T><<<grid, kNaiveThreads, 0, stream>>>(in, gMax, gSum, cols);
    WB_CHECK_LAUNCH();
    softmax_naive_normalise_kernel<T>
        <<<grid, kNaiveThreads, 0, stream>>>(in, gMax, gSum, static_cast<T*>(a.out), cols);
    WB_CHECK_LAUNCH();
  });
}

}  // namespace ch05
