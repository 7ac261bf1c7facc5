// Chapter 04, exercise 3 — first add during load: each thread loads two inputs and adds them.
//
// Read "Step 3" in README.md first. Start from your step 2. The launcher below already gives each
// block 2 x kThreads inputs (half the blocks); your kernel must load both. When it is written,
// delete the WB_EXERCISE_TODO line and run `make chapter-04-check`.
#include "reduction.h"

#include "wb/exercise.h"

WB_EXERCISE_TODO("first_add",
                 "i = blockIdx.x * (2 * blockDim.x) + tid; v = gIn[i] (or identity past the end), "
                 "then fold in gIn[i + blockDim.x] when that is < count; store v in sX[tid] and "
                 "run step 2's tree");

namespace ch04 {
namespace {

template <class Op>
__global__ void reduce_first_add_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                        std::int64_t count) {
  // TODO(exercise 3):
  //   1. i = blockIdx.x * (2 * blockDim.x) + tid, in std::int64_t.
  //   2. v = i < count ? gIn[i] : Op::identity();
  //      if (i + blockDim.x < count) v = op(v, gIn[i + blockDim.x]);   <- both loads coalesced
  //   3. sX[tid] = v; __syncthreads(); then step 2's loop and write.
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
