// Chapter 04, step 7 — single pass: the last block to finish folds the partials.
//
// The idea: step 6 ends with a second launch that reduces ~8000 partials: a few microseconds of
// launch and tail. Here every block writes its partial, makes it visible to the whole GPU
// (__threadfence), and takes a ticket from a counter in the workspace with atomicInc. The block
// that draws the last ticket knows every other partial is written; it reads them (through L2,
// __ldcg, since L1 is not coherent between SMs) in index order and writes the result. atomicInc
// wraps the counter back to 0 for the next run. Which block is last varies from run to run, but
// the order it adds the partials in does not, so the result is bitwise deterministic. (Adding
// each partial straight into out with atomicAdd would also be one pass, with an order, and so a
// rounding, that changes from run to run.) The change from step 6 is the end of the kernel.
//
// Prediction at 2^28: one launch instead of two saves a few microseconds of ~330: ~1.01x step 6.
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
    reduce_single_pass_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                              std::int64_t count, float* __restrict__ gPartials,
                              unsigned* __restrict__ gCounter) {
  __shared__ float sWarp[kWarps];  // (kWarps) one partial result per warp
  __shared__ bool sIsLast;
  const Op op;
  const VecSplit split = split_vec4(reinterpret_cast<std::uintptr_t>(gIn), count);
  const float4* gVec = reinterpret_cast<const float4*>(gIn + split.head);  // (body), aligned
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;

  float v = Op::identity();
  std::int64_t j = first;
  for (; j + (kUnroll - 1) * stride < split.body; j += kUnroll * stride) {
    float4 rX[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      rX[u] = gVec[j + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      v = op(v, op(op(rX[u].x, rX[u].y), op(rX[u].z, rX[u].w)));
  }
  for (; j < split.body; j += stride) {
    const float4 x = gVec[j];
    v = op(v, op(op(x.x, x.y), op(x.z, x.w)));
  }
  if (first < split.head) v = op(v, gIn[first]);
  if (first < split.tail) v = op(v, gIn[split.head + kVec * split.body + first]);

  v = block_reduce(v, op, sWarp);
  if (threadIdx.x == 0) {
    gPartials[blockIdx.x] = v;
    __threadfence();  // the partial is visible device-wide before the ticket is taken
    const unsigned ticket = atomicInc(gCounter, gridDim.x - 1);  // last ticket wraps it to 0
    sIsLast = ticket == gridDim.x - 1;
  }
  __syncthreads();
  if (!sIsLast) return;

  __threadfence();  // every partial counted by the ticket is visible to this block
  v = Op::identity();
#pragma unroll 4
  for (unsigned b = threadIdx.x; b < gridDim.x; b += blockDim.x)  // fixed order: deterministic
    v = op(v, __ldcg(gPartials + b));
  __syncthreads();  // sWarp is reused
  v = block_reduce(v, op, sWarp);
  if (threadIdx.x == 0) gOut[0] = v;
}

}  // namespace

void launch_single_pass(const ReduceArgs& a, cudaStream_t stream) {
  const void* kernel = reinterpret_cast<const void*>(reduce_single_pass_kernel<SumOp>);
  const int blocks = machine_blocks(kernel, ceil_div(a.n, kVec));
  validate(a, a.n > 0 ? kCounterFloats + ceil_div(blocks, kVec) * kVec : 0,
           "ch04::launch_single_pass");
  if (a.n == 0) {
    write_identity(a, stream);
    return;
  }
  unsigned* counter = reinterpret_cast<unsigned*>(a.workspace);  // zero between runs
  float* partials = a.workspace + kCounterFloats;                // (blocks)
  with_op(a.op, [&](auto op) {
    reduce_single_pass_kernel<decltype(op)>
        <<<blocks, kThreads, 0, stream>>>(a.in, a.out, a.n, partials, counter);
  });
  WB_CHECK_LAUNCH();
}

}  // namespace ch04
