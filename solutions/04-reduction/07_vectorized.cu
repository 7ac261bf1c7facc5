// Chapter 04, step 7 — vectorized: float4 loads, the input split at a 128-byte line.
//
// The idea: step 6 keeps kUnroll = 4 scalar loads in flight per thread. Here each of the 4 loads
// is a float4 (LDG.E.128): 64 bytes in flight per thread instead of 16, and a quarter of the load
// instructions for the same bytes (chapter 01, step 3). The grid, the grid-stride loop and the
// tree are step 6's. A float4 load must be 16-byte aligned, and a warp's 512-byte load should
// start on a 128-byte cache line (one 16 bytes past a line touches five lines instead of four:
// 7% slower in bench/ch04_sweep.cu), so the input is split (split_vec4 in reduction.h) into up to
// 31 leading floats, the line-aligned float4 body and up to 3 trailing floats; the first threads
// of the grid add the head and the tail. The grid has the same blocks as step 6 at large n
// (machine_blocks), and further passes of the same kernel fold the ~8448 block partials.
//
// Prediction at 2^28 (first written for this kernel as the step after step 5, with one round of
// blocks): 64 bytes in flight per thread, far above Little's law's need, and almost no work per
// byte: the read ceiling, ~97-99% of it, level with CUB (which reads the same way). Against step
// 6: a few percent at most, if step 6 is already near the ceiling; Nsight Compute: a quarter of
// step 6's load instructions.
#include "reduction.h"

namespace ch04 {
namespace {

template <class Op>
__global__ void __launch_bounds__(kThreads)
    reduce_vectorized_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                             std::int64_t count) {
  // WB_EXERCISE_BEGIN
  __shared__ float sWarp[kWarps];  // (kWarps) one partial result per warp
  const Op op;
  const VecSplit split = split_vec4(reinterpret_cast<std::uintptr_t>(gIn), count);
  const float4* gVec = reinterpret_cast<const float4*>(gIn + split.head);  // (body), aligned
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;

  float v = Op::identity();
  std::int64_t j = first;
  for (; j + (kUnroll - 1) * stride < split.body; j += kUnroll * stride) {
    float4 rX[kUnroll];  // all kUnroll loads are issued before the first one is used
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      rX[u] = gVec[j + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      v = op(v, op(op(rX[u].x, rX[u].y), op(rX[u].z, rX[u].w)));
  }
  for (; j < split.body; j += stride) {  // the last few float4s, one at a time
    const float4 x = gVec[j];
    v = op(v, op(op(x.x, x.y), op(x.z, x.w)));
  }
  if (first < split.head) v = op(v, gIn[first]);
  if (first < split.tail) v = op(v, gIn[split.head + kVec * split.body + first]);

  v = block_reduce(v, op, sWarp);
  if (threadIdx.x == 0) gOut[blockIdx.x] = v;
  // WB_EXERCISE_END
}

}  // namespace

void launch_vectorized(const ReduceArgs& a, cudaStream_t stream) {
  const void* kernel = reinterpret_cast<const void*>(reduce_vectorized_kernel<SumOp>);
  multipass(
      a, "ch04::launch_vectorized", stream,
      [kernel](std::int64_t count) { return machine_blocks(kernel, wb::ceil_div(count, kVec)); },
      [](auto op, const float* src, float* dst, std::int64_t count, unsigned blocks,
         cudaStream_t s) {
        reduce_vectorized_kernel<decltype(op)><<<blocks, kThreads, 0, s>>>(src, dst, count);
      });
}

}  // namespace ch04
