// Chapter 04, exercise 2 — sequential addressing: make the first s threads the active ones.
//
// Read "Step 2" in README.md first. Start from 01_naive.cu: the load and the final write are the
// same; only the loop over tree levels changes. When it is written, delete the WB_EXERCISE_TODO
// line and run `make chapter-04-check`.
#include "reduction.h"

#include "wb/exercise.h"

WB_EXERCISE_TODO("sequential",
                 "loop s from blockDim.x / 2 down to 1 (halving); if tid < s, fold sX[tid + s] "
                 "into sX[tid]; __syncthreads() after every level");

namespace ch04 {
namespace {

template <class Op>
__global__ void reduce_sequential_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                         std::int64_t count) {
  // TODO(exercise 2):
  //   1. Load as in 01_naive.cu: sX[tid] = gIn[i] or Op::identity() past the end; __syncthreads().
  //   2. for (unsigned s = blockDim.x / 2; s > 0; s /= 2):
  //        if (tid < s) sX[tid] = op(sX[tid], sX[tid + s]);   then __syncthreads().
  //   3. Thread 0 writes sX[0] to gOut[blockIdx.x].
}

}  // namespace

void launch_sequential(const ReduceArgs& a, cudaStream_t stream) {
  multipass(
      a, "ch04::launch_sequential", stream,
      [](std::int64_t count) { return pass_blocks(count, kThreads); },
      [](auto op, const float* src, float* dst, std::int64_t count, unsigned blocks,
         cudaStream_t s) {
        reduce_sequential_kernel<decltype(op)><<<blocks, kThreads, 0, s>>>(src, dst, count);
      });
}

}  // namespace ch04
