// Chapter 04, step 5 — warp shuffles: reduce inside each warp in registers.
//
// The idea: `__shfl_down_sync` lets a lane read another lane's register directly. Each warp folds
// its 32 values in 5 shuffles, with no shared memory and no barrier:
//
//     for (int offset = 16; offset > 0; offset /= 2)
//       v = op(v, __shfl_down_sync(0xffffffff, v, offset));   // lane 0 ends with the result
//
// That loop is wb::warp_reduce (common/include/wb/device/warp.cuh), where this step's idea lives
// for every later kernel. Lane 0 of each warp writes its result to sWarp[warp]; after one
// __syncthreads, warp 0 folds the 8 warp results with a second warp_reduce. One block-wide
// barrier instead of step 4's three, and 8 shared-memory words instead of 256. The change from
// step 4 is the whole tree.
//
// Prediction at 2^28: the tree's instructions and shared-memory traffic shrink ~4x; what is
// left is the load and its latency, so the step moves toward the bound set by bytes in flight
// (two 4-byte loads per thread). Expect ~1.1-1.2x step 4, ~85% of the read ceiling.
#include "reduction.h"

namespace ch04 {
namespace {

template <class Op>
__global__ void reduce_warp_shuffle_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                           std::int64_t count) {
  // WB_EXERCISE_BEGIN
  __shared__ float sWarp[kWarps];  // (kWarps) one partial result per warp
  const Op op;
  const unsigned tid = threadIdx.x, lane = tid % kWarpSize, warp = tid / kWarpSize;
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * (2 * blockDim.x) + tid;
  float v = i < count ? gIn[i] : Op::identity();
  if (i + blockDim.x < count) v = op(v, gIn[i + blockDim.x]);
  v = wb::warp_reduce(v, op);  // lane 0: this warp's 32 values
  if (lane == 0) sWarp[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < kWarps ? sWarp[lane] : Op::identity();
    v = wb::warp_reduce(v, op);  // lane 0: the block's kWarps warp results
    if (lane == 0) gOut[blockIdx.x] = v;
  }
  // WB_EXERCISE_END
}

}  // namespace

void launch_warp_shuffle(const ReduceArgs& a, cudaStream_t stream) {
  multipass(
      a, "ch04::launch_warp_shuffle", stream,
      [](std::int64_t count) { return pass_blocks(count, 2 * kThreads); },
      [](auto op, const float* src, float* dst, std::int64_t count, unsigned blocks,
         cudaStream_t s) {
        reduce_warp_shuffle_kernel<decltype(op)><<<blocks, kThreads, 0, s>>>(src, dst, count);
      });
}

}  // namespace ch04
