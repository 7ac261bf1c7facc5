// Chapter 03, step 6 — vectorized: 16-byte global loads, A transposed in shared memory, 16-byte
// shared loads.
//
// The idea: step 5 spends 16 scalar shared loads (LDS) per 64 FMAs. Store the A tile transposed,
// sA[k][m], so that a thread's 8 values of A for one k are contiguous like its 8 values of B: then
// each is two 16-byte loads (LDS.128), 4 per 64 FMAs instead of 16. Global loads become float4
// too (one of A and one of B per thread per tile). The A row is padded by 4 floats: the transposing
// stores of two threads with the same m and k 4 apart would otherwise hit the same bank.
// 16-byte accesses need 16-byte aligned rows; the launcher checks wb::gemm::vector_friendly() and
// falls back to the same kernel with scalar loads and stores otherwise (kVec = false).
//
// Prediction at 4096^3: LSU instructions per FFMA fall from 1/4 to ~1/16. The 16-byte loads of B
// are 32 bytes apart across lanes, so still 2-way conflicted; we expect ~1.3x step 5 (~35-40
// TFLOP/s). Nsight Compute: smsp__inst_executed_pipe_lsu drops ~4x; shared wavefronts per
// request stay above 1.
//
// Limits: M up to 8,388,480 (grid y); N, K up to 2^31 - 1. load4/store4 take the rest of the row
// (K - k0, N - n0) as their limit, so no index near 2^31 is ever formed as a sum.
//
// Read "Step 6: vectorized" in chapters/03-sgemm/README.md.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"
#include "wb/math.h"

namespace ch03 {
namespace {

struct TilesVec {
  static constexpr int BM = 128, BN = 128, BK = 8;        // block tile of C, and k per shared tile
  static constexpr int TM = 8, TN = 8;                    // outputs per thread
  static constexpr int kThreads = (BM / TM) * (BN / TN);  // 256
  static constexpr int kPadA = 4;  // floats: keeps rows 16-byte aligned, shifts banks by 4
  static_assert(kPadA % 4 == 0, "the padding keeps every row of sA 16-byte aligned");
  static_assert(BM * BK / 4 == kThreads && BK * BN / 4 == kThreads, "one float4 each of A and B");
};

template <bool kVec>
__global__ void __launch_bounds__(TilesVec::kThreads)
    sgemm_vectorized_kernel(int M, int N, int K, float alpha, const float* __restrict__ gA, int lda,
                            const float* __restrict__ gB, int ldb, float beta,
                            float* __restrict__ gC, int ldc) {
  // WB_EXERCISE_BEGIN
  using T = TilesVec;
  __shared__ __align__(16) float sA[T::BK][T::BM + T::kPadA];  // (BK, BM): A transposed
  __shared__ __align__(16) float sB[T::BK][T::BN];             // (BK, BN)
  const int tid = threadIdx.x;
  const int m0 = blockIdx.y * T::BM, n0 = blockIdx.x * T::BN;
  const int tr = tid / (T::BN / T::TN), tc = tid % (T::BN / T::TN);     // 16 x 16 threads
  const int aRow = tid / (T::BK / 4), aCol = (tid % (T::BK / 4)) * 4;   // A float4 it copies
  const int bRow = tid / (T::BN / 4), bCol = (tid % (T::BN / 4)) * 4;   // B float4 it copies
  const float* gArow = gA + static_cast<std::size_t>(m0 + aRow) * lda;  // (K) its row of A
  const bool aOk = aRow < M - m0;
  float acc[T::TM][T::TN] = {};
  const int tiles = wb::ceil_div(K, T::BK);
  for (int t = 0; t < tiles; ++t) {
    const int k0 = t * T::BK;
    const float4 a = load4<kVec>(gArow + k0, aCol, K - k0, aOk);
    sA[aCol + 0][aRow] = a.x;  // transpose on the way in
    sA[aCol + 1][aRow] = a.y;
    sA[aCol + 2][aRow] = a.z;
    sA[aCol + 3][aRow] = a.w;
    const float* gBrow = gB + (static_cast<std::size_t>(k0) + bRow) * ldb + n0;
    *reinterpret_cast<float4*>(&sB[bRow][bCol]) = load4<kVec>(gBrow, bCol, N - n0, bRow < K - k0);
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < T::BK; ++kk) {
      float rA[T::TM], rB[T::TN];
#pragma unroll
      for (int v = 0; v < T::TM / 4; ++v)
        *reinterpret_cast<float4*>(&rA[4 * v]) =
            *reinterpret_cast<const float4*>(&sA[kk][tr * T::TM + 4 * v]);
#pragma unroll
      for (int v = 0; v < T::TN / 4; ++v)
        *reinterpret_cast<float4*>(&rB[4 * v]) =
            *reinterpret_cast<const float4*>(&sB[kk][tc * T::TN + 4 * v]);
#pragma unroll
      for (int i = 0; i < T::TM; ++i) {
#pragma unroll
        for (int j = 0; j < T::TN; ++j)
          acc[i][j] += rA[i] * rB[j];
      }
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < T::TM; ++i) {
    const int r = tr * T::TM + i;  // row inside the tile
    float* gCrow = gC + static_cast<std::size_t>(m0 + r) * ldc + n0;
#pragma unroll
    for (int v = 0; v < T::TN / 4; ++v) {
      const float4 out =
          make_float4(acc[i][4 * v], acc[i][4 * v + 1], acc[i][4 * v + 2], acc[i][4 * v + 3]);
      store4<kVec>(gCrow, tc * T::TN + 4 * v, N - n0, r < M - m0, out, alpha, beta);
    }
  }
  // WB_EXERCISE_END
}

}  // namespace

void launch_vectorized(const Args& a, cudaStream_t stream) {
  const char* where = "ch03::launch_vectorized";
  wb::gemm::validate(a, where);
  const dim3 grid = wb::gemm::tile_grid(a.M, a.N, TilesVec::BM, TilesVec::BN, where);
  auto kernel =
      wb::gemm::vector_friendly(a) ? sgemm_vectorized_kernel<true> : sgemm_vectorized_kernel<false>;
  kernel<<<grid, TilesVec::kThreads, 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
