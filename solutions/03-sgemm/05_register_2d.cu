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
//
// Limits: M up to 65535 tiles of 128 rows = 8,388,480 (grid y); N, K up to 2^31 - 1.
//
// Read "Step 5: 2D register tiling" in chapters/03-sgemm/README.md.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"
#include "wb/math.h"

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
  // WB_EXERCISE_BEGIN
  using T = Tiles2D;
  __shared__ float sA[T::BM][T::BK];  // (BM, BK)
  __shared__ float sB[T::BK][T::BN];  // (BK, BN)
  const int tid = threadIdx.x;
  const int m0 = blockIdx.y * T::BM, n0 = blockIdx.x * T::BN;
  const int tr = tid / (T::BN / T::TN), tc = tid % (T::BN / T::TN);  // 16 x 16 threads
  float acc[T::TM][T::TN] = {};
  float rA[T::TM], rB[T::TN];
  const int tiles = wb::ceil_div(K, T::BK);
  for (int t = 0; t < tiles; ++t) {
    const int k0 = t * T::BK;
#pragma unroll
    for (int s = 0; s < T::kLoadsA; ++s) {
      const int idx = tid + s * T::kThreads, r = idx / T::BK, c = idx % T::BK;
      sA[r][c] =
          r < M - m0 && c < K - k0 ? gA[static_cast<std::size_t>(m0 + r) * lda + k0 + c] : 0.0f;
    }
#pragma unroll
    for (int s = 0; s < T::kLoadsB; ++s) {
      const int idx = tid + s * T::kThreads, r = idx / T::BN, c = idx % T::BN;
      sB[r][c] =
          r < K - k0 && c < N - n0 ? gB[(static_cast<std::size_t>(k0) + r) * ldb + n0 + c] : 0.0f;
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
    const int r = tr * T::TM + i;  // row inside the tile
#pragma unroll
    for (int j = 0; j < T::TN; ++j) {
      const int c = tc * T::TN + j;  // column inside the tile
      if (r < M - m0 && c < N - n0) {
        float* out = gC + static_cast<std::size_t>(m0 + r) * ldc + n0 + c;
        *out = axpby(acc[i][j], alpha, beta, out);
      }
    }
  }
  // WB_EXERCISE_END
}

}  // namespace

void launch_register_2d(const Args& a, cudaStream_t stream) {
  const char* where = "ch03::launch_register_2d";
  wb::gemm::validate(a, where);
  const dim3 grid = wb::gemm::tile_grid(a.M, a.N, Tiles2D::BM, Tiles2D::BN, where);
  sgemm_register_2d_kernel<<<grid, Tiles2D::kThreads, 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
