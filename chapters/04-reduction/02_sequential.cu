// Chapter 04, step 2 — sequential addressing: the first s threads are the active ones.
//
// The idea: at level s (128, 64, ..., 1) thread tid < s adds sX[tid + s] to sX[tid]. The active
// threads are contiguous, so whole warps either work or skip the level: at s >= 32 no warp is
// divergent, and warps with nothing to do retire from the level at once. The `%` disappears.
// Consecutive lanes read consecutive words (sX[tid], sX[tid + s]), so there are no shared-memory
// bank conflicts either. The change from step 1 is the loop and the condition.
//
// Prediction at 2^28: the tree costs ~4x fewer instructions, so instruction issue stops being
// the limit; now each thread has a single 4-byte load in flight (8 KB per SM at full occupancy,
// below the ~16 KB Little's law asks for at ~3.1 TB/s x ~0.7 us / 132 SMs: README section 2) and
// then waits at 8 barriers. Expect ~0.8 ms, ~40% of the read ceiling, ~3x step 1.
#include "reduction.h"

#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "sequential",
    "Read \"Step 2: sequential, the first s threads do the work\" in README.md. Loop s from "
    "blockDim.x / 2 down to 1 (halving); if tid < s, fold sX[tid + s] into sX[tid]; "
    "__syncthreads() after every level.");

namespace ch04 {
namespace {

template <class Op>
__global__ void reduce_sequential_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                         std::int64_t count) {
  // WB_EXERCISE_BEGIN
  // TODO(step 2): read "Step 2: sequential, the first s threads do the work" in README.md, then
  // start from 01_naive.cu: the load and the write are the same; only the loop over tree levels
  // changes. The launcher below runs one block of kThreads = 256 threads per 256 inputs.
  //   1. Static shared memory: __shared__ float sX[kThreads], one value per thread, folded in
  //      place. op is an Op{} (SumOp or MaxOp); tid = threadIdx.x;
  //      i = blockIdx.x * blockDim.x + tid in std::int64_t (count reaches 2^31 - 1).
  //   2. Load as in 01_naive.cu: sX[tid] = i < count ? gIn[i] : Op::identity(); __syncthreads().
  //   3. for (unsigned s = blockDim.x / 2; s > 0; s /= 2):
  //        if (tid < s) sX[tid] = op(sX[tid], sX[tid + s]);   then __syncthreads() (every level,
  //        the last included: all threads reach it).
  //   4. Thread 0 writes sX[0] to gOut[blockIdx.x].
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-04-check`.
  // WB_EXERCISE_END
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
