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

namespace ch04 {
namespace {

// WB_EXERCISE_BEGIN
/// float4 loads each thread of the folding block has in flight: kThreads x 4 x 4 = 4096 partials
/// per round, 3 rounds for the 8448 partials of 2^28. More would cost registers (see above).
constexpr int kFoldLoads = 4;

// This thread's share of `count` partials (16-byte aligned): float4 i of round r goes to thread
// i mod blockDim, so the order of additions is fixed by count alone.
template <class Op>
__device__ float fold_partials(const float* gPartials, unsigned count, Op op) {
  const float4* gVec = reinterpret_cast<const float4*>(gPartials);
  const unsigned vectors = count / kVec;
  float v = Op::identity();
  for (unsigned base = 0; base < vectors; base += kFoldLoads * blockDim.x) {
    float4 rX[kFoldLoads];  // all issued before the first is used
#pragma unroll
    for (int u = 0; u < kFoldLoads; ++u) {
      const unsigned i = base + u * blockDim.x + threadIdx.x;
      const float id = Op::identity();
      rX[u] = i < vectors ? __ldcg(gVec + i) : make_float4(id, id, id, id);
    }
#pragma unroll
    for (int u = 0; u < kFoldLoads; ++u)
      v = op(v, op(op(rX[u].x, rX[u].y), op(rX[u].z, rX[u].w)));
  }
  for (unsigned b = kVec * vectors + threadIdx.x; b < count; b += blockDim.x)
    v = op(v, __ldcg(gPartials + b));
  return v;
}
// WB_EXERCISE_END

template <class Op>
__global__ void __launch_bounds__(kThreads)
    reduce_single_pass_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                              std::int64_t count, float* __restrict__ gPartials,
                              unsigned* __restrict__ gCounter) {
  // WB_EXERCISE_BEGIN
  __shared__ float sWarp[kWarps];  // (kWarps) one partial result per warp
  __shared__ bool sIsLast;
  const Op op;
  const VecSplit split = split_vec4(reinterpret_cast<std::uintptr_t>(gIn), count);
  const float4* gVec = reinterpret_cast<const float4*>(gIn + split.head);  // (body), aligned
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;

  float v = Op::identity();
  std::int64_t j = first;
  for (; j + (kUnroll - 1) * stride < split.body; j += kUnroll * stride) {
    float4 rX[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      rX[u] = gVec[j + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      v = op(v, op(op(rX[u].x, rX[u].y), op(rX[u].z, rX[u].w)));
  }
  for (; j < split.body; j += stride) {
    const float4 x = gVec[j];
    v = op(v, op(op(x.x, x.y), op(x.z, x.w)));
  }
  if (first < split.head) v = op(v, gIn[first]);
  if (first < split.tail) v = op(v, gIn[split.head + kVec * split.body + first]);

  v = block_reduce(v, op, sWarp);
  if (threadIdx.x == 0) {
    gPartials[blockIdx.x] = v;
    __threadfence();  // the partial is visible device-wide before the ticket is taken
    const unsigned ticket = atomicInc(gCounter, gridDim.x - 1);  // last ticket wraps it to 0
    sIsLast = ticket == gridDim.x - 1;
  }
  __syncthreads();
  if (!sIsLast) return;

  __threadfence();  // every partial counted by the ticket is visible to this block
  v = fold_partials(gPartials, gridDim.x, op);  // fixed order: deterministic
  __syncthreads();                              // sWarp is reused
  v = block_reduce(v, op, sWarp);
  if (threadIdx.x == 0) gOut[0] = v;
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
