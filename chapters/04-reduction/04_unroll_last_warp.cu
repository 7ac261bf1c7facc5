// Chapter 04, step 4 — unroll the last warp: the last 6 levels without __syncthreads.
//
// The idea: once s <= 32 only the first warp works, yet every level of step 3 still costs a
// block-wide barrier that all 8 warps must reach. Here the block-wide loop stops at s = 64; then
// warp 0 alone adds sX[tid + 32] and finishes in an unrolled loop over 16, 8, 4, 2, 1, with
// __syncwarp() (a barrier for the 32 lanes of one warp, a few cycles) between writing its value
// and its neighbour reading it. The classic version of this step drops even __syncwarp and uses
// a `volatile` pointer, relying on the lanes of a warp running in lockstep; since Volta they need
// not, so that code is a data race (racecheck reports it). The change from step 3 is the end of
// the loop.
//
// Prediction at 2^28: 5 of 8 barriers go, but step 3 is expected to be mostly waiting on memory
// by then. Expect a small gain, ~1.1x step 3.
#include "reduction.h"

#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "unroll_last_warp",
    "Read \"Step 4: unroll_last_warp, the last levels without block barriers\" in README.md. Loop "
    "while s > kWarpSize; then in warp 0: v = op(sX[tid], sX[tid + 32]); for s = 16..1 (#pragma "
    "unroll): sX[tid] = v; __syncwarp(); v = op(v, sX[tid + s]); __syncwarp().");

namespace ch04 {
namespace {

template <class Op>
__global__ void reduce_unroll_last_warp_kernel(const float* __restrict__ gIn,
                                               float* __restrict__ gOut, std::int64_t count) {
  // WB_EXERCISE_BEGIN
  // TODO(step 4): read "Step 4: unroll_last_warp, the last levels without block barriers" in
  // README.md, then start from your step 3 (same launcher: 256 threads per 512 inputs).
  //   1. Static shared memory: __shared__ float sX[kThreads]; load and first add as in step 3;
  //      sX[tid] = v; __syncthreads().
  //   2. for (unsigned s = blockDim.x / 2; s > kWarpSize; s /= 2) { as in step 3, with its
  //      __syncthreads() }: 64 values are left in sX[0..63].
  //   3. if (tid < kWarpSize) (warp 0 alone):
  //        v = op(sX[tid], sX[tid + kWarpSize]);
  //        #pragma unroll
  //        for (int s = kWarpSize / 2; s > 0; s /= 2) {
  //          sX[tid] = v; __syncwarp(); v = op(v, sX[tid + s]); __syncwarp();
  //        }
  //        thread 0 writes v to gOut[blockIdx.x].
  // Then run `make chapter-04-mine-sanitize`: racecheck must stay clean, so keep both __syncwarp
  // calls. When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-04-check`.

  // WB_EXERCISE_END
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
