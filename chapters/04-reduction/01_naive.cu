// Chapter 04, step 1 — naive: an interleaved tree in shared memory, with divergent branches.
//
// The idea: each block loads kThreads = 256 inputs into shared memory and halves them 8 times.
// At level s (1, 2, 4, ..., 128) the threads whose index is a multiple of 2s add the value s
// slots to their right. The active threads are spread over every warp, so all 8 warps execute
// every level, most of their lanes masked off, and `tid % (2 * s)` is a true integer division
// (s is not a compile-time constant). One pass leaves one partial per block; the launcher repeats
// passes until one value is left (run_passes in reduction.h).
//
// Prediction at n = 2^28 (1 GiB read; floor ~0.33 ms at ~3.2 TB/s of reads): the work per input
// is ~15 instructions of tree and modulo per element on every warp, and each SM must retire
// ~7900 blocks of 8 barrier-separated levels. Expect instruction issue, not DRAM, to set the time:
// ~2.5 ms, ~13% of the read ceiling. Nsight Compute: smsp__inst_executed far above later steps,
// and about 50% of lanes active per instruction (smsp__thread_inst_executed_per_inst_executed).
#include "reduction.h"

namespace ch04 {
namespace {

template <class Op>
__global__ void reduce_naive_kernel(const float* __restrict__ gIn, float* __restrict__ gOut,
                                    std::int64_t count) {
  __shared__ float sX[kThreads];  // (kThreads) this block's values, folded in place
  const Op op;
  const unsigned tid = threadIdx.x;
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + tid;
  sX[tid] = i < count ? gIn[i] : Op::identity();
  __syncthreads();
  for (unsigned s = 1; s < blockDim.x; s *= 2) {
    if (tid % (2 * s) == 0) sX[tid] = op(sX[tid], sX[tid + s]);  // active lanes: every 2s-th
    __syncthreads();
  }
  if (tid == 0) gOut[blockIdx.x] = sX[0];
}

}  // namespace

void launch_naive(const ReduceArgs& a, cudaStream_t stream) {
  multipass(
      a, "ch04::launch_naive", stream,
      [](std::int64_t count) { return pass_blocks(count, kThreads); },  // one input per thread
      [](auto op, const float* src, float* dst, std::int64_t count, unsigned blocks,
         cudaStream_t s) {
        reduce_naive_kernel<decltype(op)><<<blocks, kThreads, 0, s>>>(src, dst, count);
      });
}

}  // namespace ch04
