// Chapter 04, known-bad variant: step 5 with a wrong shuffle width. DO NOT USE: it exists to be
// caught.
//
// Its warp reduction is a 16-lane segmented reduction (width 16, offsets 8, 4, 2, 1), as code that
// reduces one 16-wide row per half-warp would use, pasted where a full-warp reduction belongs:
// the shuffles stay inside each 16-lane segment, so lane 0 ends with the sum of lanes 0..15 and
// the values of lanes 16..31 never reach it. The behaviour is well defined, so the error is
// deterministic: the result is exact whenever no warp holds data in lanes 16..31 (n <= 16) and,
// with positive inputs, too small by at least the smallest input for every n > 16.
// tests/ch04/reduction_test.cpp proves the harness catches it.
#include "reduction.h"

namespace ch04::known_bad {
namespace {

template <class Op>
__device__ float half_warp_reduce(float v, Op op) {
#pragma unroll
  // BUG (deliberate): a half-warp reduction. (Width 16 with offset 16 would be no better: a lane
  // whose source lies outside its segment gets its own value back, and would double it.)
  for (int offset = kWarpSize / 4; offset > 0; offset /= 2)
    v = op(v, __shfl_down_sync(wb::kFullMask, v, offset, kWarpSize / 2));
  return v;
}

template <class Op>
__global__ void reduce_half_warp_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                        std::int64_t count) {
  __shared__ float sWarp[kWarps];
  const Op op;
  const unsigned tid = threadIdx.x, lane = tid % kWarpSize, warp = tid / kWarpSize;
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * (2 * blockDim.x) + tid;
  float v = i < count ? gIn[i] : Op::identity();
  if (i + blockDim.x < count) v = op(v, gIn[i + blockDim.x]);
  v = half_warp_reduce(v, op);
  if (lane == 0) sWarp[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < kWarps ? sWarp[lane] : Op::identity();
    v = half_warp_reduce(v, op);  // harmless here: the kWarps = 8 values sit in lanes 0..7
    if (lane == 0) gOut[blockIdx.x] = v;
  }
}

}  // namespace

void launch_warp_shuffle_half_warp(const ReduceArgs& a, cudaStream_t stream) {
  multipass(
      a, "ch04::known_bad::launch_warp_shuffle_half_warp", stream,
      [](std::int64_t count) { return pass_blocks(count, 2 * kThreads); },
      [](auto op, const float* src, float* dst, std::int64_t count, unsigned blocks,
         cudaStream_t s) {
        reduce_half_warp_kernel<decltype(op)><<<blocks, kThreads, 0, s>>>(src, dst, count);
      });
}

}  // namespace ch04::known_bad
