// Chapter 04, step 6 — grid stride: a grid sized to the machine, many inputs per thread.
//
// The idea: steps 1-5 give every thread one or two floats, so at 2^28 the kernel is half a million
// tiny blocks, each paying its tree and its barrier for 2 KiB of input, with loads in flight only
// at its start (README, section 2: bandwidth per SM = resident blocks x bytes per block / block
// lifetime). Instead, launch only as many blocks as the GPU holds, 8 rounds of them
// (machine_blocks: kWaves x SMs x the resident blocks per SM from the occupancy calculator), and
// let each thread walk the input with a grid-stride loop: thread t of a grid of G threads adds
// inputs t, t + G, t + 2G, ... The tree then runs once per block instead of once per 512 inputs,
// and every thread has loads in flight for the whole kernel: each iteration issues kUnroll = 4
// independent loads before it adds any of them (chapter 01's step 4). Further passes of the same
// kernel fold the block partials (8448 -> 9 -> 1 at 2^28). The tree at the end is step 5's, as
// block_reduce in reduction.h.
//
// Prediction at 2^28: 8 blocks of 256 threads per SM, each thread 4 x 4 bytes in flight, 32.8 KB
// per SM at all times: twice the ~16 KB Little's law asks for. Expect most of the read ceiling,
// ~93% (~0.37 ms), ~1.3x step 5. Nsight Compute: DRAM busy for the whole first pass, warps
// stalled on memory (long scoreboard), far fewer instructions than step 5.
#include "reduction.h"

namespace ch04 {
namespace {

template <class Op>
__global__ void __launch_bounds__(kThreads)
    reduce_grid_stride_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                              std::int64_t count) {
  // WB_EXERCISE_BEGIN
  __shared__ float sWarp[kWarps];  // (kWarps) one partial result per warp
  const Op op;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;  // G threads
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;

  float v = Op::identity();
  std::int64_t j = first;
  for (; j + (kUnroll - 1) * stride < count; j += kUnroll * stride) {
    float rX[kUnroll];  // all kUnroll loads are issued before the first one is used
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      rX[u] = gIn[j + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      v = op(v, rX[u]);
  }
  for (; j < count; j += stride)  // the last few inputs, one at a time
    v = op(v, gIn[j]);

  v = block_reduce(v, op, sWarp);  // step 5's tree: thread 0 holds the block's result
  if (threadIdx.x == 0) gOut[blockIdx.x] = v;
  // WB_EXERCISE_END
}

}  // namespace

void launch_grid_stride(const ReduceArgs& a, cudaStream_t stream) {
  const void* kernel = reinterpret_cast<const void*>(reduce_grid_stride_kernel<SumOp>);
  multipass(
      a, "ch04::launch_grid_stride", stream,
      [kernel](std::int64_t count) { return machine_blocks(kernel, count); },
      [](auto op, const float* src, float* dst, std::int64_t count, unsigned blocks,
         cudaStream_t s) {
        reduce_grid_stride_kernel<decltype(op)><<<blocks, kThreads, 0, s>>>(src, dst, count);
      });
}

}  // namespace ch04
