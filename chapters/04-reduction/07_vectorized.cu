// Chapter 04, step 7 — vectorized: float4 loads, the input split at a 128-byte line.
//
// The idea: step 6 keeps kUnroll = 4 scalar loads in flight per thread. Here each of the 4 loads
// is a float4 (LDG.E.128): 64 bytes in flight per thread instead of 16, and a quarter of the load
// instructions for the same bytes (chapter 01, step 3). The grid, the grid-stride loop and the
// tree are step 6's. A float4 load must be 16-byte aligned, and a warp's 512-byte load should
// start on a 128-byte cache line (one 16 bytes past a line touches five lines instead of four:
// 7% slower in bench/ch04_sweep.cu), so the input is split (split_vec4 in reduction.h) into up to
// 31 leading floats, the line-aligned float4 body and up to 3 trailing floats; the first threads
// of the grid add the head and the tail. The grid has the same blocks as step 6 at large n
// (machine_blocks), and further passes of the same kernel fold the ~8448 block partials.
//
// Prediction at 2^28 (first written for this kernel as the step after step 5, with one round of
// blocks): 64 bytes in flight per thread, far above Little's law's need, and almost no work per
// byte: the read ceiling, ~97-99% of it, level with CUB (which reads the same way). Against step
// 6: a few percent at most, if step 6 is already near the ceiling; Nsight Compute: a quarter of
// step 6's load instructions.
#include "reduction.h"

#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "vectorized",
    "Read \"Step 7: vectorized, float4 loads from a line-aligned body\" in README.md. Step 6 with "
    "float4 loads: split = split_vec4(address of gIn, count), kUnroll float4 loads in flight "
    "over the body; the first threads add head and tail; then block_reduce.");

namespace ch04 {
namespace {

template <class Op>
__global__ void __launch_bounds__(kThreads)
    reduce_vectorized_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                             std::int64_t count) {
  // WB_EXERCISE_BEGIN
  // TODO(step 7): read "Step 7: vectorized, float4 loads from a line-aligned body" in README.md,
  // then start from your step 6 (the launcher sizes the grid the same way, counting float4s).
  //   1. Static shared memory: __shared__ float sWarp[kWarps]. op = Op{}.
  //   2. split = split_vec4(reinterpret_cast<std::uintptr_t>(gIn), count) (reduction.h: split.head
  //      floats up to the first 128-byte line, split.body float4s, split.tail floats);
  //      gVec = reinterpret_cast<const float4*>(gIn + split.head) (16-byte aligned).
  //   3. stride = gridDim.x * blockDim.x; first = blockIdx.x * blockDim.x + threadIdx.x
  //      (std::int64_t). v = Op::identity().
  //   4. for (j = first; j + (kUnroll - 1) * stride < split.body; j += kUnroll * stride):
  //        float4 rX[kUnroll]; #pragma unroll: rX[u] = gVec[j + u * stride];     (loads first)
  //        #pragma unroll: v = op(v, op(op(rX[u].x, rX[u].y), op(rX[u].z, rX[u].w)));
  //      then one float4 at a time while j < split.body.
  //   5. if (first < split.head) v = op(v, gIn[first]);
  //      if (first < split.tail) v = op(v, gIn[split.head + kVec * split.body + first]).
  //   6. v = block_reduce(v, op, sWarp); thread 0 writes gOut[blockIdx.x].
  // When it is written, delete the WB_EXERCISE_TODO statement above and run
  // `make chapter-04-check`.
  // WB_EXERCISE_END
}

}  // namespace

void launch_vectorized(const ReduceArgs& a, cudaStream_t stream) {
  const void* kernel = reinterpret_cast<const void*>(reduce_vectorized_kernel<SumOp>);
  multipass(
      a, "ch04::launch_vectorized", stream,
      [kernel](std::int64_t count) { return machine_blocks(kernel, wb::ceil_div(count, kVec)); },
      [](auto op, const float* src, float* dst, std::int64_t count, unsigned blocks,
         cudaStream_t s) {
        reduce_vectorized_kernel<decltype(op)><<<blocks, kThreads, 0, s>>>(src, dst, count);
      });
}

}  // namespace ch04
