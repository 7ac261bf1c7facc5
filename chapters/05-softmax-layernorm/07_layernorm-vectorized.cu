// Chapter 05, exercise 7 — layernorm-vectorized: exercise 6 with 16-byte accesses.
//
// Read "LayerNorm step 3" in README.md first, and start from your exercise 6. The row is split
// (split_row, as in chapter 01 step 3) into a scalar head, a float4 body and a scalar tail; thread
// t owns body float4s t, t + T, t + 2T, ... (kVecPerThread of them) and, if t < head or t < tail,
// one head or tail column. gamma and beta are float4-aligned for this row only when
// gamma + s.head is: write a small load4(p, aligned, r) helper that does one load_vec
// or four scalar loads.
// When it is written, delete the WB_EXERCISE_TODO line and run `make chapter-05-check`.
#include "kernels.cuh"

#include "wb/check.h"
#include "wb/exercise.h"

#include <string>

WB_EXERCISE_TODO(
    "layernorm-vectorized",
    "float rH[kVecPerThread][4] from load_vec of x and residual at base + s.head + 4 v "
    "(v = t + k * blockDim.x < s.body), plus hHead and hTail scalars; the same "
    "statistics as exercise 6; store_vec the normalised float4s");

namespace ch05 {
namespace {

__global__ void layernorm_vectorized_kernel(const float* __restrict__ gX,
                                            const float* __restrict__ gR,
                                            const float* __restrict__ gGamma,
                                            const float* __restrict__ gBeta,
                                            float* __restrict__ gOut, int cols, float eps) {
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * cols;
  const int t = threadIdx.x;
  const RowSplit s = split_row(reinterpret_cast<std::uintptr_t>(gX + base), cols, 4);
  const int cTail = s.head + 4 * s.body + t;  // this thread's tail column, if t < s.tail
  // TODO(exercise 7):
  //   0. __shared__ Welford sPart[32];  (one state per warp for block_merge)
  //   1. float rH[kVecPerThread][4]: for k, v = t + k * blockDim.x < s.body: load_vec x and
  //      residual at base + s.head + 4 * v, add; keep sum and n (4 per vector).
  //   2. hHead = t < s.head ? x + residual at base + t : 0; hTail likewise at base + cTail; add
  //      them to sum and n.
  //   3. meanT, m2T over the valid values; row = block_merge(...) as in exercise 6; rstd.
  //   4. aligned = (address of gGamma + s.head | address of gBeta + s.head) % 16 == 0;
  //      for each valid v: load4 (your helper) gamma and beta at c = s.head + 4 v, compute,
  //      store_vec at gOut + base + c; then the head and tail scalars.
  (void)gR;
  (void)gGamma;
  (void)gBeta;
  (void)gOut;
  (void)eps;
  (void)cTail;
}

}  // namespace

void launch_layernorm_vectorized(const LayerNormArgs& a, cudaStream_t stream) {
  const char* where = "ch05::launch_layernorm_vectorized";
  validate(a, where);
  validate_same_alignment(a.x, a.out, where);
  validate_same_alignment(a.x, a.residual, where);
  const std::int64_t limit = resident_cols(kVecPerThread * 4);
  WB_REQUIRE_ARG(a.cols <= limit, where,
                 "cols = " + std::to_string(a.cols) +
                     " is too long: layernorm-vectorized holds a " +
                     "row in registers, 1024 threads x " + std::to_string(kVecPerThread) +
                     " float4s, so at most " + std::to_string(limit) + " columns");
  const int threads = threads_for(ceil_div(a.cols, 4), kVecPerThread);
  layernorm_vectorized_kernel<<<static_cast<unsigned>(a.rows), threads, 0, stream>>>(
      a.x, a.residual, a.gamma, a.beta, a.out, static_cast<int>(a.cols), a.eps);
  WB_CHECK_LAUNCH();
}

}  // namespace ch05
