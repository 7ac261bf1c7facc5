// Chapter 04, step 3 — first add during load: each thread loads two inputs and adds them.
//
// The idea: in step 2 half the threads go idle at the first level of the tree. Let each thread
// do that first level while loading: it reads gIn[i] and gIn[i + kThreads] (both coalesced, one
// block-width apart) and stores their sum. A block now covers 2 x kThreads inputs, so there are
// half as many blocks, half as many tree levels in total, and two independent loads in flight
// per thread. The change from step 2 is the index and the load.
//
// Prediction at 2^28: twice the bytes in flight per thread (16 KB per SM) and half the tree work
// per input. Expect ~0.45 ms, ~75% of the read ceiling, ~1.8x step 2.
#include "reduction.h"

namespace ch04 {
namespace {

template <class Op>
__global__ void reduce_first_add_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                        std::int64_t count) {
  // WB_EXERCISE_BEGIN
  __shared__ float sX[kThreads];  // (kThreads) this block's values, folded in place
  const Op op;
  const unsigned tid = threadIdx.x;
  // This block covers inputs [blockIdx.x * 2 kThreads, (blockIdx.x + 1) * 2 kThreads).
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * (2 * blockDim.x) + tid;
  float v = i < count ? gIn[i] : Op::identity();
  if (i + blockDim.x < count) v = op(v, gIn[i + blockDim.x]);  // the first level of the tree
  sX[tid] = v;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s /= 2) {
    if (tid < s) sX[tid] = op(sX[tid], sX[tid + s]);
    __syncthreads();
  }
  if (tid == 0) gOut[blockIdx.x] = sX[0];
  // WB_EXERCISE_END
}

}  // namespace

void launch_first_add(const ReduceArgs& a, cudaStream_t stream) {
  multipass(
      a, "ch04::launch_first_add", stream,
      [](std::int64_t count) { return pass_blocks(count, 2 * kThreads); },  // two per thread
      [](auto op, const float* src, float* dst, std::int64_t count, unsigned blocks,
         cudaStream_t s) {
        reduce_first_add_kernel<decltype(op)><<<blocks, kThreads, 0, s>>>(src, dst, count);
      });
}

}  // namespace ch04
