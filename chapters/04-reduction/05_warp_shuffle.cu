// Chapter 04, exercise 5 — warp shuffles: reduce inside each warp in registers.
//
// Read "Step 5" in README.md first, and warp_reduce in reduction.h. Start from your step 4: keep
// the load and first add; replace the shared-memory tree with two levels of warp_reduce. When it
// is written, delete the WB_EXERCISE_TODO line and run `make chapter-04-check`.
#include "reduction.h"

#include "wb/exercise.h"

WB_EXERCISE_TODO("warp_shuffle",
                 "v = warp_reduce(v, op); lane 0 writes sWarp[warp]; __syncthreads(); warp 0 "
                 "loads sWarp[lane] (identity for lane >= kWarps), warp_reduce again, lane 0 "
                 "writes gOut[blockIdx.x]");

namespace ch04 {
namespace {

template <class Op>
__global__ void reduce_warp_shuffle_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                           std::int64_t count) {
  // TODO(exercise 5):
  //   __shared__ float sWarp[kWarps];   lane = tid % kWarpSize, warp = tid / kWarpSize.
  //   1. Load and first add as in step 3 (v in a register; no sX array any more).
  //   2. v = warp_reduce(v, op); if (lane == 0) sWarp[warp] = v; __syncthreads();
  //   3. if (warp == 0): v = lane < kWarps ? sWarp[lane] : Op::identity();
  //                      v = warp_reduce(v, op); if (lane == 0) gOut[blockIdx.x] = v;
  //   Every lane of a warp must call warp_reduce (its mask is all 32 lanes): no early return.
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
