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

#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "first_add",
    "Read \"Step 3: first_add, the first level of the tree during the load\" in README.md. i = "
    "blockIdx.x * (2 * blockDim.x) + tid; v = gIn[i] (or identity past the end), then fold in "
    "gIn[i + blockDim.x] when that is < count; store v in sX[tid] and run the tree of step 2.");

namespace ch04 {
namespace {

template <class Op>
__global__ void reduce_first_add_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                        std::int64_t count) {
  // WB_EXERCISE_BEGIN
  // TODO(step 3): read "Step 3: first_add, the first level of the tree during the load" in
  // README.md, then start from your step 2. The launcher below runs one block of 256 threads per
  // 512 inputs.
  //   1. Static shared memory: __shared__ float sX[kThreads], as in step 2; op, tid as in step 2.
  //   2. i = blockIdx.x * (2 * blockDim.x) + tid, in std::int64_t.
  //   3. v = i < count ? gIn[i] : Op::identity();
  //      if (i + blockDim.x < count) v = op(v, gIn[i + blockDim.x]);   <- both loads coalesced
  //   4. sX[tid] = v; __syncthreads(); then step 2's loop (with its __syncthreads()) and write.
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-04-check`.
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
