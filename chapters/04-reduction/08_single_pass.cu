// Chapter 04, step 8 — single pass: the last block to finish folds the partials.
//
// The idea: step 7 ends with two more launches that fold its 8448 partials (8448 -> 3 -> 1): a
// few microseconds of launches and tails. Here every block writes its partial, makes it visible
// to the whole GPU (__threadfence), and takes a ticket from a counter in the workspace with
// atomicInc. The block that draws the last ticket knows every other partial is written; it reads
// them (through L2, __ldcg, since L1 is not coherent between SMs) and writes the result. atomicInc
// wraps the counter back to 0 for the next run. Which block is last varies from run to run, but
// which thread adds which partials, and in what order, does not, so the result is bitwise
// deterministic. (Adding each partial straight into out with atomicAdd would also be one pass,
// with an order, and so a rounding, that changes from run to run.)
//
// The fold is one block reading 8448 floats: it must keep several loads in flight, like the main
// loop. A loop that adds one partial per iteration waits an L2 round trip 33 times in a row
// (~12 us in bench/ch04_sweep.cu, 3% of the whole reduction); here each thread issues kFoldLoads
// float4 loads before it adds any of them. Why only 4: registers are allocated per kernel, not
// per code path. 16 loads in flight took 46 registers per thread, for every block, although only
// the last block folds: 5 blocks per SM fit instead of 8 and the whole kernel slowed down
// (measured at d56825889729: 0.3604 ms, 0.996x CUB). With 4, the kernel keeps step 7's 32.
// (Keeping loads in flight is chapter 01's step 4 applied to the fold, not a new idea, and a fold
// without it lost to step 7's extra launches: README, step 8, says why the two stay one step.)
//
// Prediction at 2^28: one launch instead of three saves a few microseconds of ~360: ~1.01x step 7,
// and (bench/ch04_sweep.cu's "1-pass interleaved u8 waves 8" row) ~1.005x CUB.
#include "reduction.h"

#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "single_pass",
    "Read \"Step 8: single_pass, the last block folds the partials\" in README.md. The loop of "
    "step 7 and block_reduce; thread 0 writes gPartials[blockIdx.x], __threadfence(), takes a "
    "ticket with atomicInc(gCounter, gridDim.x - 1); the last block folds the gridDim.x "
    "partials with __ldcg, several float4 loads in flight, and writes gOut[0].");

namespace ch04 {
namespace {

// WB_EXERCISE_BEGIN
// TODO(step 8), part 1 (optional): a helper that folds the `count` partials of the grid in the
// last block. For example:
//   constexpr int kFoldLoads = 4;  // float4 loads each thread has in flight (header: why 4)
//   template <class Op>
//   __device__ float fold_partials(const float* gPartials, unsigned count, Op op);
// The partials start 16-byte aligned: read them as float4s with
// __ldcg (through L2: other SMs wrote them, and L1 is not coherent between SMs), several loads in
// flight per thread (README, step 8: one load per iteration waits an L2 round trip per partial),
// then the count % 4 leftovers one at a time. Give thread t a fixed share (float4s t, t +
// blockDim.x,
// ...) so the order of additions, hence the result, does not change from run to run.
// WB_EXERCISE_END

template <class Op>
__global__ void __launch_bounds__(kThreads)
    reduce_single_pass_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                              std::int64_t count, float* __restrict__ gPartials,
                              unsigned* __restrict__ gCounter) {
  // WB_EXERCISE_BEGIN
  // TODO(step 8), part 2: read "Step 8: single_pass, the last block folds the partials" in
  // README.md, then start from your step 7 (the launcher below launches the same grid once and
  // hands you gPartials, gridDim.x floats, and gCounter, zero before every run).
  //   1. Static shared memory: __shared__ float sWarp[kWarps] and __shared__ bool sIsLast.
  //   2. Step 7's kernel up to v = block_reduce(v, op, sWarp): thread 0 holds the block's result.
  //   3. Thread 0: gPartials[blockIdx.x] = v; __threadfence() (the partial is visible device-wide
  //      before the ticket); sIsLast = atomicInc(gCounter, gridDim.x - 1) == gridDim.x - 1
  //      (atomicInc with that limit wraps the counter back to 0 for the next run).
  //   4. __syncthreads(); if (!sIsLast) return;   (the whole block leaves together)
  //   5. __threadfence(); then fold the gridDim.x partials (part 1).
  //   6. __syncthreads() before reusing sWarp; v = block_reduce(v, op, sWarp); thread 0 writes
  //      gOut[0].
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-04-check`.
  // WB_EXERCISE_END
}

}  // namespace

void launch_single_pass(const ReduceArgs& a, cudaStream_t stream) {
  const void* kernel = reinterpret_cast<const void*>(reduce_single_pass_kernel<SumOp>);
  const int blocks = machine_blocks(kernel, wb::ceil_div(a.n, kVec));
  validate(a, a.n > 0 ? kCounterFloats + wb::ceil_div(blocks, kVec) * kVec : 0,
           "ch04::launch_single_pass");
  if (a.n == 0) {
    write_identity(a, stream);
    return;
  }
  unsigned* counter = reinterpret_cast<unsigned*>(a.workspace);  // zero between runs
  float* partials = a.workspace + kCounterFloats;                // (blocks)
  with_op(a.op, [&](auto op) {
    reduce_single_pass_kernel<decltype(op)>
        <<<blocks, kThreads, 0, stream>>>(a.in, a.out, a.n, partials, counter);
  });
  WB_CHECK_LAUNCH();
}

}  // namespace ch04
