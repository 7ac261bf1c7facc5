// Chapter 04, exercise 4 — unroll the last warp: finish the tree in warp 0 with __syncwarp.
//
// Read "Step 4" in README.md first. Start from your step 3. Stop the block-wide loop at s = 64;
// then only warp 0 works, and a warp-wide barrier (__syncwarp) replaces __syncthreads. When it is
// written, delete the WB_EXERCISE_TODO line and run `make chapter-04-check`, then
// `make chapter-04-sanitize` (racecheck must stay clean: do not drop the __syncwarp calls).
#include "reduction.h"

#include "wb/exercise.h"

WB_EXERCISE_TODO("unroll_last_warp",
                 "loop while s > kWarpSize; then in warp 0: v = sX[tid] + sX[tid + 32]; for s = "
                 "16..1 (#pragma unroll): sX[tid] = v; __syncwarp(); v += sX[tid + s]; "
                 "__syncwarp()");

namespace ch04 {
namespace {

template <class Op>
__global__ void reduce_unroll_last_warp_kernel(const float* __restrict__ gIn,
                                               float* __restrict__ gOut, std::int64_t count) {
  // TODO(exercise 4):
  //   1. Load and first add as in step 3; sX[tid] = v; __syncthreads().
  //   2. for (unsigned s = blockDim.x / 2; s > kWarpSize; s /= 2) { as in step 3 }
  //   3. if (tid < kWarpSize):
  //        v = op(sX[tid], sX[tid + kWarpSize]);
  //        #pragma unroll
  //        for (int s = kWarpSize / 2; s > 0; s /= 2) {
  //          sX[tid] = v; __syncwarp(); v = op(v, sX[tid + s]); __syncwarp();
  //        }
  //        thread 0 writes v to gOut[blockIdx.x].
}

}  // namespace

void launch_unroll_last_warp(const ReduceArgs& a, cudaStream_t stream) {
  multipass(
      a, "ch04::launch_unroll_last_warp", stream,
      [](std::int64_t count) { return pass_blocks(count, 2 * kThreads); },
      [](auto op, const float* src, float* dst, std::int64_t count, unsigned blocks,
         cudaStream_t s) {
        reduce_unroll_last_warp_kernel<decltype(op)><<<blocks, kThreads, 0, s>>>(src, dst, count);
      });
}

}  // namespace ch04
