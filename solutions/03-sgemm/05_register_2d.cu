// Chapter 03, step 5 — 2D register tiling: each thread computes an 8 x 8 block of C.
//
// The idea: per k, load TM = 8 values of A and TN = 8 values of B from shared memory into
// registers, then do the 64 FMAs of their outer product. Shared loads per FMA drop from 9/8 to
// 16/64 = 1/4, and the block tile grows to 128 x 128 (256 threads, BK = 8): global intensity
// 32 FLOP/byte. The price is registers: 64 accumulators + 16 operands per thread.
//
// Prediction at 4096^3: FFMA is now most of the instruction stream, but the scalar shared loads
// of B (sB[kk][tc*8 + j]: lanes 8 floats apart) hit each bank 4 times per request (4-way
// conflicts), and 16 LDS per 64 FFMA still take ~20% of issue slots. Expect ~2x step 4
// (~25-30 TFLOP/s). Nsight Compute: l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum
// becomes visible; sm__pipe_fma_cycles_active rises.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"

namespace ch03 {
namespace {

struct Tiles2D {
  static constexpr int BM = 128, BN = 128, BK = 8;        // block tile of C, and k per shared tile
  static constexpr int TM = 8, TN = 8;                    // outputs per thread
  static constexpr int kThreads = (BM / TM) * (BN / TN);  // 256
  static constexpr int kLoadsA = BM * BK / kThreads;      // 4 elements of A per thread
  static constexpr int kLoadsB = BK * BN / kThreads;      // 4 elements of B per thread
  static_assert(kLoadsA * kThreads == BM * BK && kLoadsB * kThreads == BK * BN,
                "whole loads per thread");
};

__global__ void __launch_bounds__(Tiles2D::kThreads)
    sgemm_register_2d_kernel(int M, int N, int K, float alpha, const float* __restrict__ gA,
                             int lda, const float* __restrict__ gB, int ldb, float beta,
                             float* __restrict__ gC, int ldc) {
  using T = Tiles2D;
  __shared__ float sA[T::BM][T::BK];  // (BM, BK)
  __shared__ float sB[T::BK][T::BN];  // (BK, BN)
  const int tid = threadIdx.x;
  const int m0 = blockIdx.y * T::BM, n0 = blockIdx.x * T::BN;
  const int tr = tid / (T::BN / T::TN), tc = tid % (T::BN / T::TN);  // 16 x 16 threads
  float acc[T::TM][T::TN] = {};
  float rA[T::TM], rB[T::TN];
  for (int k0 = 0; k0 < K; k0 += T::BK) {
#pragma unroll
    for (int s = 0; s < T::kLoadsA; ++s) {
      const int idx = tid + s * T::kThreads, r = idx / T::BK, c = idx % T::BK;
      const int gr = m0 + r, gk = k0 + c;
      sA[r][c] = gr < M && gk < K ? gA[static_cast<std::size_t>(gr) * lda + gk] : 0.0f;
    }
#pragma unroll
    for (int s = 0; s < T::kLoadsB; ++s) {
      const int idx = tid + s * T::kThreads, r = idx / T::BN, c = idx % T::BN;
      const int gk = k0 + r, gc = n0 + c;
      sB[r][c] = gk < K && gc < N ? gB[static_cast<std::size_t>(gk) * ldb + gc] : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < T::BK; ++kk) {
#pragma unroll
      for (int i = 0; i < T::TM; ++i)
        rA[i] = sA[tr * T::TM + i][kk];
#pragma unroll
      for (int j = 0; j < T::TN; ++j)
        rB[j] = sB[kk][tc * T::TN + j];
#pragma unroll
      for (int i = 0; i < T::TM; ++i) {
#pragma unroll
        for (int j = 0; j < T::TN; ++j)
          acc[i][j] += rA[i] * rB[j];  // the outer product: 64 FMAs from 16 loads
      }
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < T::TM; ++i) {
    const int row = m0 + tr * T::TM + i;
#pragma unroll
    for (int j = 0; j < T::TN; ++j) {
      const int col = n0 + tc * T::TN + j;
      if (row < M && col < N) {
        float* c = gC + static_cast<std::size_t>(row) * ldc + col;
        *c = axpby(acc[i][j], alpha, beta, c);
      }
    }
  }
}

}  // namespace

void launch_register_2d(const SgemmArgs& a, cudaStream_t stream) {
  validate(a, "ch03::launch_register_2d");
  const dim3 grid = tile_grid(a, Tiles2D::BM, Tiles2D::BN, "ch03::launch_register_2d");
  sgemm_register_2d_kernel<<<grid, Tiles2D::kThreads, 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
