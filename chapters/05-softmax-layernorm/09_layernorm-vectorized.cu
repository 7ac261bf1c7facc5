// Chapter 05, step 9 — layernorm-vectorized: step 8 with 16-byte accesses.
//
// The idea: the same Welford kernel, but each thread loads kVecPerThread float4s of x and of the
// residual (a warp's width apart, so each load is one 512-byte warp access) instead of 16
// scalars: a quarter of the load and store instructions for the same bytes. As in chapter 01
// step 3 the row is split into a scalar head, a float4 body and a scalar tail (wb::split_row),
// since row r starts at x + r * cols. gamma and beta are read as float4 where their columns
// happen to be 16-byte aligned for this row's split, and as scalars otherwise (they are L1/L2
// hits anyway). x, residual and out must have the same address modulo 16 (one split serves all
// three); other views are refused with a message that says so.
//
// Prediction at 8192 x 8192 (floor ~0.27 ms): the same bytes as step 8 with 4x fewer memory
// instructions, and fewer registers (the loads of x and the residual arrive in 4 registers
// each, not 16 addresses' worth): expect ~90-95% of the copy ceiling, 1.05-1.1x step 8.
// Limit: cols <= resident_cols(kVecPerThread * 4) = 1024 x 16 = 16384.
// Nsight Compute: l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum drops ~4x against step 8.
#include "kernels.cuh"

#include "wb/check.h"
#include "wb/exercise.h"

#include <string>

WB_EXERCISE_TODO("layernorm-vectorized",
                 "read \"Step 9: layernorm-vectorized\" in README.md and start from your step 8: "
                 "float rH[kVecPerThread][4] from load_vec of x and residual at base + s.head + 4 "
                 "v (v = t + k * blockDim.x < s.body), plus hHead and hTail; the same statistics "
                 "and merge; store_vec the normalised float4s, gamma and beta through load4");

namespace ch05 {
namespace {

// 4 consecutive floats at p: one float4 load when p is 16-byte aligned, four scalars otherwise.
__device__ __forceinline__ void load4(const float* p, bool aligned, float (&r)[4]) {
  if (aligned) {
    load_vec(p, r);
  } else {
#pragma unroll
    for (int j = 0; j < 4; ++j)
      r[j] = p[j];
  }
}

__global__ void layernorm_vectorized_kernel(const float* __restrict__ gX,
                                            const float* __restrict__ gR,
                                            const float* __restrict__ gGamma,
                                            const float* __restrict__ gBeta,
                                            float* __restrict__ gOut, int cols, float eps) {
  __shared__ Welford sPart[wb::kWarpSize];  // one state per warp for wb::block_allreduce
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * cols;  // row start
  const int t = threadIdx.x;
  const wb::RowSplit s = wb::split_row(reinterpret_cast<std::uintptr_t>(gX + base), cols, 4);
  // Thread t < s.head owns head column t, thread t < s.tail owns tail column cTail =
  // tail_col(cols, s, t) (used only under that test), and body vector v covers columns
  // s.head + 4v .. s.head + 4v + 3.
  const int cTail = t < s.tail ? tail_col(cols, s, t) : 0;
  // WB_EXERCISE_BEGIN
  // TODO(step 9): read "Step 9: layernorm-vectorized" in README.md, and start from your step 8.
  // The lines above split the row at x's address (s.head scalars, s.body float4s, s.tail
  // scalars) and give this thread's tail column cTail. Thread t owns body float4s v = t + k * T
  // (T = blockDim.x), i.e. columns s.head + 4v + j, j < 4. Same shared memory and barrier as
  // step 8 (sPart, one wb::block_allreduce).
  //   1. float rH[kVecPerThread][4]: for each k with v = t + k * T < s.body, load_vec x and
  //      residual at gX + base + s.head + 4 * v (and gR likewise), add them; sum += each; n += 4.
  //   2. hHead = t < s.head ? gX[base + t] + gR[base + t] : 0; hTail likewise at base + cTail
  //      when t < s.tail; add them to sum and n (1 each, only when they exist).
  //   3. meanT = sum / n (0 when n == 0); m2T over the valid body values, hHead and hTail;
  //      row = wb::block_allreduce(Welford{n, meanT, m2T}, wb::WelfordMerge{},
  //      wb::welford_identity(), sPart); rstd = rsqrtf(row.m2 / cols + eps).
  //   4. aligned = ((address of gGamma + s.head) | (address of gBeta + s.head)) % 16 == 0;
  //      for each valid v: c = s.head + 4 * v; load4(gGamma + c, aligned, rG) and beta likewise
  //      (load4 is above); rY[j] = (rH[k][j] - row.mean) * rstd * rG[j] + rB[j];
  //      store_vec(gOut + base + c, rY). Then the head (column t) and tail (column cTail)
  //      scalars.
  (void)gR;
  (void)gGamma;
  (void)gBeta;
  (void)gOut;
  (void)eps;
  (void)&sPart;
  (void)cTail;
  // WB_EXERCISE_END
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
                     " is too long: layernorm-vectorized holds a row in registers, 1024 threads "
                     "x " +
                     std::to_string(kVecPerThread) + " float4s, so at most " +
                     std::to_string(limit) + " columns");
  const int threads = threads_for(wb::ceil_div(a.cols, 4), kVecPerThread);
  layernorm_vectorized_kernel<<<static_cast<unsigned>(a.rows), threads, 0, stream>>>(
      a.x, a.residual, a.gamma, a.beta, a.out, static_cast<int>(a.cols), a.eps);
  WB_CHECK_LAUNCH();
}

}  // namespace ch05
