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

#include <string>

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
  float rH[kVecPerThread][4];  // registers: h for the body's float4s t, t + T, t + 2T, ...
  float sum = 0.0f, n = 0.0f;
#pragma unroll
  for (int k = 0; k < kVecPerThread; ++k) {
    const int v = t + k * blockDim.x;
    if (v < s.body) {
      float rX[4], rR[4];
      load_vec(gX + base + s.head + 4 * v, rX);
      load_vec(gR + base + s.head + 4 * v, rR);
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        rH[k][j] = rX[j] + rR[j];
        sum += rH[k][j];
      }
      n += 4.0f;
    }
  }
  const float hHead = t < s.head ? gX[base + t] + gR[base + t] : 0.0f;
  const float hTail = t < s.tail ? gX[base + cTail] + gR[base + cTail] : 0.0f;
  sum += hHead + hTail;
  n += (t < s.head ? 1.0f : 0.0f) + (t < s.tail ? 1.0f : 0.0f);

  const float meanT = n > 0.0f ? sum / n : 0.0f;
  float m2T = 0.0f;
#pragma unroll
  for (int k = 0; k < kVecPerThread; ++k) {
    if (t + k * static_cast<int>(blockDim.x) < s.body) {
#pragma unroll
      for (int j = 0; j < 4; ++j)
        m2T += (rH[k][j] - meanT) * (rH[k][j] - meanT);
    }
  }
  if (t < s.head) m2T += (hHead - meanT) * (hHead - meanT);
  if (t < s.tail) m2T += (hTail - meanT) * (hTail - meanT);
  const Welford row = wb::block_allreduce(Welford{n, meanT, m2T}, wb::WelfordMerge{},
                                          wb::welford_identity(), sPart);
  const float rstd = rsqrtf(row.m2 / cols + eps);

  // gamma[c] for body column c = s.head + 4v + j: aligned iff gamma + s.head is (beta likewise).
  const bool aligned = ((reinterpret_cast<std::uintptr_t>(gGamma + s.head) |
                         reinterpret_cast<std::uintptr_t>(gBeta + s.head)) &
                        15u) == 0;
#pragma unroll
  for (int k = 0; k < kVecPerThread; ++k) {
    const int v = t + k * blockDim.x;
    if (v < s.body) {
      const int c = s.head + 4 * v;
      float rG[4], rB[4], rY[4];
      load4(gGamma + c, aligned, rG);
      load4(gBeta + c, aligned, rB);
#pragma unroll
      for (int j = 0; j < 4; ++j)
        rY[j] = (rH[k][j] - row.mean) * rstd * rG[j] + rB[j];
      store_vec(gOut + base + c, rY);
    }
  }
  if (t < s.head) gOut[base + t] = (hHead - row.mean) * rstd * gGamma[t] + gBeta[t];
  if (t < s.tail) gOut[base + cTail] = (hTail - row.mean) * rstd * gGamma[cTail] + gBeta[cTail];
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
