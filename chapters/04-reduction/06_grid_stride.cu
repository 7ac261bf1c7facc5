// Chapter 04, step 6 — grid stride: a grid sized to the machine, many inputs per thread.
//
// The idea: steps 1-5 give every thread one or two floats, so at 2^28 the kernel is half a million
// tiny blocks, each paying its tree and its barrier for 2 KiB of input, with loads in flight only
// at its start (README, section 2: bandwidth per SM = resident blocks x bytes per block / block
// lifetime). Instead, launch only as many blocks as the GPU holds, 8 rounds of them
// (machine_blocks: kWaves x SMs x the resident blocks per SM from the occupancy calculator), and
// let each thread walk the input with a grid-stride loop: thread t of a grid of G threads adds
// inputs t, t + G, t + 2G, ... The tree then runs once per block instead of once per 512 inputs,
// and every thread has loads in flight for the whole kernel: each iteration issues kUnroll = 4
// independent loads before it adds any of them (chapter 01's step 4). Further passes of the same
// kernel fold the block partials (8448 -> 9 -> 1 at 2^28). The tree at the end is step 5's, as
// block_reduce in reduction.h.
//
// Prediction at 2^28: 8 blocks of 256 threads per SM, each thread 4 x 4 bytes in flight, 32.8 KB
// per SM at all times: twice the ~16 KB Little's law asks for. Expect most of the read ceiling,
// ~93% (~0.37 ms), ~1.3x step 5. Nsight Compute: DRAM busy for the whole first pass, warps
// stalled on memory (long scoreboard), far fewer instructions than step 5.
#include "reduction.h"

#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "grid_stride",
    "Read \"Step 6: grid_stride, a grid sized to the machine\" in README.md. stride = gridDim.x * "
    "blockDim.x; each thread folds inputs first, first + stride, ... with kUnroll loads into "
    "float rX[kUnroll] before adding; then block_reduce (reduction.h); thread 0 writes "
    "gOut[blockIdx.x].");

namespace ch04 {
namespace {

template <class Op>
__global__ void __launch_bounds__(kThreads)
    reduce_grid_stride_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                              std::int64_t count) {
  // WB_EXERCISE_BEGIN
  // TODO(step 6): read "Step 6: grid_stride, a grid sized to the machine" in README.md, then start
  // from your step 5. The launcher below launches machine_blocks(...) blocks of 256 threads, a few
  // thousand whatever the input length, so each thread must fold many inputs.
  //   1. Static shared memory: __shared__ float sWarp[kWarps], for block_reduce. op = Op{}.
  //   2. stride = gridDim.x * blockDim.x (the grid's thread count G) and
  //      first = blockIdx.x * blockDim.x + threadIdx.x, both std::int64_t. v = Op::identity().
  //   3. for (j = first; j + (kUnroll - 1) * stride < count; j += kUnroll * stride):
  //        float rX[kUnroll]; #pragma unroll: rX[u] = gIn[j + u * stride];     (loads first...)
  //        #pragma unroll: v = op(v, rX[u]);                                   (...then adds)
  //      then one input at a time while j < count: v = op(v, gIn[j]); j += stride.
  //   4. v = block_reduce(v, op, sWarp) (reduction.h: step 5's two warp_reduce levels, one
  //      __syncthreads inside; every thread must call it); thread 0 writes gOut[blockIdx.x].
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-04-check`.
  // WB_EXERCISE_END
}

}  // namespace

void launch_grid_stride(const ReduceArgs& a, cudaStream_t stream) {
  const void* kernel = reinterpret_cast<const void*>(reduce_grid_stride_kernel<SumOp>);
  multipass(
      a, "ch04::launch_grid_stride", stream,
      [kernel](std::int64_t count) { return machine_blocks(kernel, count); },
      [](auto op, const float* src, float* dst, std::int64_t count, unsigned blocks,
         cudaStream_t s) {
        reduce_grid_stride_kernel<decltype(op)><<<blocks, kThreads, 0, s>>>(src, dst, count);
      });
}

}  // namespace ch04
