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

#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "warp_shuffle",
    "Read \"Step 5: warp_shuffle, reduce inside each warp in registers\" in README.md. v = "
    "wb::warp_reduce(v, op); lane 0 writes sWarp[warp]; __syncthreads(); warp 0 loads "
    "sWarp[lane] (identity for lane >= kWarps), wb::warp_reduce again, lane 0 writes "
    "gOut[blockIdx.x].");

namespace ch04 {
namespace {

template <class Op>
__global__ void reduce_warp_shuffle_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                           std::int64_t count) {
  // WB_EXERCISE_BEGIN
  // TODO(step 5): read "Step 5: warp_shuffle, reduce inside each warp in registers" in README.md,
  // then start from your step 4 (same launcher: 256 threads per 512 inputs).
  //   1. Static shared memory: __shared__ float sWarp[kWarps], one partial per warp (no sX array
  //      any more). lane = tid % kWarpSize, warp = tid / kWarpSize.
  //   2. Load and first add as in step 3, into a register v.
  //   3. v = wb::warp_reduce(v, op) (common/include/wb/device/warp.cuh: the five __shfl_down_sync
  //      of README section 2; write them out yourself once first, as the lesson suggests);
  //      if (lane == 0) sWarp[warp] = v; __syncthreads();
  //   4. if (warp == 0): v = lane < kWarps ? sWarp[lane] : Op::identity();
  //                      v = wb::warp_reduce(v, op); if (lane == 0) gOut[blockIdx.x] = v;
  // Every lane of a warp must call warp_reduce (its mask is all 32 lanes): no early return for
  // threads past the end; they carry the identity.
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-04-check`.
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
