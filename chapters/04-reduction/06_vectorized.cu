// Chapter 04, exercise 6 — vectorized loads, many inputs per thread, a grid sized to the machine.
//
// Read "Step 6" in README.md first. The launcher below already sizes the grid to the machine
// (machine_blocks); your kernel walks the whole input with a grid-stride loop of float4
// loads, kUnroll in flight per thread, adds the unaligned head and tail, and ends with step 5's
// two shuffle levels. When it is written, delete the WB_EXERCISE_TODO line and run
// `make chapter-04-check`.
#include "reduction.h"

#include "wb/exercise.h"

WB_EXERCISE_TODO("vectorized",
                 "split = split_vec4(address of gIn, count); gVec = float4s from gIn + split.head; "
                 "grid-stride over split.body with kUnroll loads into float4 rX[kUnroll] before "
                 "any add; the first threads add head and tail; then step 5's block reduction");

namespace ch04 {
namespace {

template <class Op>
__global__ void __launch_bounds__(kThreads)
    reduce_vectorized_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                             std::int64_t count) {
  // TODO(exercise 6):
  //   1. split = split_vec4(reinterpret_cast<std::uintptr_t>(gIn), count);
  //      gVec = reinterpret_cast<const float4*>(gIn + split.head)   (16-byte aligned).
  //   2. stride = gridDim.x * blockDim.x; first = blockIdx.x * blockDim.x + threadIdx.x
  //      (std::int64_t). v = Op::identity().
  //   3. for (j = first; j + (kUnroll - 1) * stride < split.body; j += kUnroll * stride):
  //        float4 rX[kUnroll]; #pragma unroll: rX[u] = gVec[j + u * stride];     (loads first)
  //        #pragma unroll: v = op(v, op(op(rX[u].x, rX[u].y), op(rX[u].z, rX[u].w)));
  //      then one float4 at a time while j < split.body.
  //   4. if (first < split.head) fold gIn[first];
  //      if (first < split.tail) fold gIn[split.head + kVec * split.body + first].
  //   5. Step 5's two warp_reduce levels (sWarp[kWarps]); thread 0 writes gOut[blockIdx.x].
}

}  // namespace

void launch_vectorized(const ReduceArgs& a, cudaStream_t stream) {
  const void* kernel = reinterpret_cast<const void*>(reduce_vectorized_kernel<SumOp>);
  multipass(
      a, "ch04::launch_vectorized", stream,
      [kernel](std::int64_t count) { return machine_blocks(kernel, ceil_div(count, kVec)); },
      [](auto op, const float* src, float* dst, std::int64_t count, unsigned blocks,
         cudaStream_t s) {
        reduce_vectorized_kernel<decltype(op)><<<blocks, kThreads, 0, s>>>(src, dst, count);
      });
}

}  // namespace ch04
