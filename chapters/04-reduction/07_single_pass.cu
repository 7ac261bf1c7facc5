// Chapter 04, exercise 7 — single pass: the last block to finish folds the partials.
//
// Read "Step 7" in README.md first. Start from your step 6: the loads and the block reduction are
// the same. The launcher below passes a counter (zero between runs) and room for one partial per
// block. When it is written, delete the WB_EXERCISE_TODO line and run `make chapter-04-check`.
#include "reduction.h"

#include "wb/exercise.h"

WB_EXERCISE_TODO("single_pass",
                 "after step 6's block reduction, thread 0 stores gPartials[blockIdx.x], "
                 "__threadfence(), ticket = atomicInc(gCounter, gridDim.x - 1); the block whose "
                 "ticket is gridDim.x - 1 reads all partials with __ldcg (many loads in flight), "
                 "reduces them in a fixed order and writes gOut[0]");

namespace ch04 {
namespace {

template <class Op>
__global__ void __launch_bounds__(kThreads)
    reduce_single_pass_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                              std::int64_t count, float* __restrict__ gPartials,
                              unsigned* __restrict__ gCounter) {
  // TODO(exercise 7):
  //   1. Steps 1-5 of exercise 6: v = this block's result in thread 0.
  //   2. __shared__ bool sIsLast. Thread 0: gPartials[blockIdx.x] = v; __threadfence();
  //      sIsLast = atomicInc(gCounter, gridDim.x - 1) == gridDim.x - 1;  (wraps the counter to 0)
  //   3. __syncthreads(); if (!sIsLast) return;   (the whole block leaves together)
  //   4. __threadfence(); then fold the gridDim.x partials with __ldcg (L2, not L1: other SMs
  //      wrote them). Keep many loads in flight, as in the main loop: one load per iteration
  //      waits an L2 round trip per partial (README, step 7). The partials are 16-byte aligned.
  //   5. __syncthreads() before reusing sWarp; block reduction again; thread 0 writes gOut[0].
}

}  // namespace

void launch_single_pass(const ReduceArgs& a, cudaStream_t stream) {
  const void* kernel = reinterpret_cast<const void*>(reduce_single_pass_kernel<SumOp>);
  const int blocks = machine_blocks(kernel, ceil_div(a.n, kVec));
  validate(a, a.n > 0 ? kCounterFloats + ceil_div(blocks, kVec) * kVec : 0,
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
