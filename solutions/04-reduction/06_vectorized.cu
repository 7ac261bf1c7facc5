// Chapter 04, step 6 — vectorized loads, many inputs per thread, a grid sized to the machine.
//
// The idea: steps 1-5 give every thread one or two floats, so the kernel is half a million tiny
// blocks, each paying its tree and its barriers for 2 KB of input. Instead, size the grid to the
// machine (machine_blocks: kWaves = 8 rounds of SMs x resident blocks, from the occupancy
// calculator) and let each thread walk the input with a grid-stride loop, loading kUnroll = 4
// float4s (64 bytes) before it adds any of them. The tree then runs once per block instead of
// once per 512 inputs. A float4 load must be 16-byte aligned, and a warp's 512-byte load should
// start on a 128-byte cache line, so the input is split (split_vec4 in reduction.h) into up to 31
// leading floats, the line-aligned float4 body and up to 3 trailing floats; the first threads of
// the grid add the head and the tail. The ~1000 block partials are folded by a second pass of
// the same kernel with one block. (Why 8 rounds of blocks rather than one that stays resident:
// see kWaves in reduction.h.)
//
// Prediction at 2^28: 64 bytes in flight per thread, far above Little's law's need, and almost
// no work per byte: the read ceiling. Expect ~97-99% of it, ~1.2x step 5, and level with CUB
// (which reads the same way).
#include "reduction.h"

namespace ch04 {
namespace {

template <class Op>
__device__ float block_reduce(float v, Op op, float* sWarp) {
  const unsigned lane = threadIdx.x % kWarpSize, warp = threadIdx.x / kWarpSize;
  v = warp_reduce(v, op);
  if (lane == 0) sWarp[warp] = v;
  __syncthreads();
  v = threadIdx.x < kWarps ? sWarp[lane] : Op::identity();
  return warp_reduce(v, op);  // thread 0: the block's result
}

template <class Op>
__global__ void __launch_bounds__(kThreads)
    reduce_vectorized_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                             std::int64_t count) {
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
}

}  // namespace

void launch_vectorized(const ReduceArgs& a, cudaStream_t stream) {
  const void* kernel = reinterpret_cast<const void*>(reduce_vectorized_kernel<SumOp>);
  multipass(
      a, "ch04::launch_vectorized", stream,
      [kernel](std::int64_t count) { return machine_blocks(kernel, ceil_div(count, kVec)); },
      [](auto op, const float* src, float* dst, std::int64_t count, unsigned blocks,
         cudaStream_t s) {
        reduce_vectorized_kernel<decltype(op)><<<blocks, kThreads, 0, s>>>(src, dst, count);
      });
}

}  // namespace ch04
