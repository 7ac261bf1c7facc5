// Chapter 03, step 4 — 1D register tiling: each thread computes TM = 8 outputs of one column.
//
// The idea: in step 3 every FMA needs two shared-memory loads. Here a thread keeps 8 accumulators
// for rows r .. r+7 of one column: per k it loads one value of B from shared memory into a
// register and reuses it for 8 FMAs (the 8 values of A are broadcasts). Shared loads per FMA drop
// from 2 to 9/8. The block tile grows to 64 x 64 (512 threads, BK = 8), so global intensity
// doubles to 16 FLOP/byte.
//
// Prediction at 4096^3: with ~1.1 shared loads per FMA the LSU pipe still caps us near 28
// FMAs/clock/SM, about 2x step 3 (~15-20 TFLOP/s). Nsight Compute: smsp__inst_executed_pipe_lsu
// per FFMA falls from ~2 to ~1.1; registers rise (8 accumulators).
//
// Limits: M up to 65535 tiles of 64 rows = 4,194,240 (grid y); N, K up to 2^31 - 1 (tiles
// counted with wb::ceil_div, bounds tested as `aCol < K - k0`, as in step 3).
//
// Read "Step 4: 1D register tiling" in chapters/03-sgemm/README.md.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"
#include "wb/math.h"

namespace ch03 {
namespace {

struct Tiles1D {
  static constexpr int BM = 64, BN = 64, BK = 8;  // block tile of C, and k per shared tile
  static constexpr int TM = 8;                    // outputs per thread, along m
  static constexpr int kThreads = BM * BN / TM;   // 512
  static_assert(BM * BK == kThreads && BK * BN == kThreads, "one A and one B element per thread");
};

__global__ void __launch_bounds__(Tiles1D::kThreads)
    sgemm_register_1d_kernel(int M, int N, int K, float alpha, const float* __restrict__ gA,
                             int lda, const float* __restrict__ gB, int ldb, float beta,
                             float* __restrict__ gC, int ldc) {
  // WB_EXERCISE_BEGIN
  using T = Tiles1D;
  __shared__ float sA[T::BM][T::BK];  // (BM, BK)
  __shared__ float sB[T::BK][T::BN];  // (BK, BN)
  const int tid = threadIdx.x;
  const int m0 = blockIdx.y * T::BM, n0 = blockIdx.x * T::BN;  // this block's tile of C
  const int tCol = tid % T::BN;  // this thread's column in the tile; a warp: 32 neighbours
  const int tRow = tid / T::BN;  // its rows are tRow * TM .. + TM - 1
  const int aRow = tid / T::BK, aCol = tid % T::BK;  // the A element it copies
  const int bRow = tid / T::BN, bCol = tid % T::BN;  // the B element it copies
  float acc[T::TM] = {};
  const int tiles = wb::ceil_div(K, T::BK);
  for (int t = 0; t < tiles; ++t) {
    const int k0 = t * T::BK;
    sA[aRow][aCol] = aRow < M - m0 && aCol < K - k0
                         ? gA[static_cast<std::size_t>(m0 + aRow) * lda + k0 + aCol]
                         : 0.0f;
    sB[bRow][bCol] = bRow < K - k0 && bCol < N - n0
                         ? gB[(static_cast<std::size_t>(k0) + bRow) * ldb + n0 + bCol]
                         : 0.0f;
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < T::BK; ++kk) {
      const float b = sB[kk][tCol];  // one shared load, reused TM times
#pragma unroll
      for (int i = 0; i < T::TM; ++i)
        acc[i] += sA[tRow * T::TM + i][kk] * b;  // a broadcast: one address per warp
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < T::TM; ++i) {
    const int r = tRow * T::TM + i;  // row inside the tile
    if (r < M - m0 && tCol < N - n0) {
      float* c = gC + static_cast<std::size_t>(m0 + r) * ldc + n0 + tCol;
      *c = axpby(acc[i], alpha, beta, c);
    }
  }
  // WB_EXERCISE_END
}

}  // namespace

void launch_register_1d(const Args& a, cudaStream_t stream) {
  const char* where = "ch03::launch_register_1d";
  wb::gemm::validate(a, where);
  const dim3 grid = wb::gemm::tile_grid(a.M, a.N, Tiles1D::BM, Tiles1D::BN, where);
  sgemm_register_1d_kernel<<<grid, Tiles1D::kThreads, 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
