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
#include "wb/exercise.h"

WB_EXERCISE_TODO("vectorized",
                 "store the A tile transposed (sA[k][m]) and read rA/rB as two float4 each; load "
                 "global tiles with load4<kVec> and write C with store4<kVec>");

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
  // TODO(step 6): write the kernel; the launcher below is done (it picks kVec). Then delete the
  // WB_EXERCISE_TODO statement at the top of this file and run `make chapter-03-check`.
  // Block: 256 threads (tid) for a 128 x 128 tile of C with corner m0 = blockIdx.y * BM,
  // n0 = blockIdx.x * BN; threads in a 16 x 16 grid, tr = tid / 16, tc = tid % 16, owning rows
  // tr * 8 .. + 7 and columns tc * 8 .. + 7 as in step 5. k walks in tiles of BK = 8 (tiles =
  // wb::ceil_div(K, BK), k0 = t * BK).
  //   1. Static shared memory, 16-byte aligned: __shared__ __align__(16) float
  //      sA[BK][BM + kPadA] (A transposed: sA[k][m]; 4 floats of padding per row) and
  //      sB[BK][BN] (sB[k][n]).
  //   2. Copy one float4 of A per thread: row aRow = tid / 2, k offset aCol = (tid % 2) * 4:
  //      a = load4<kVec>(&A[m0 + aRow][k0], aCol, K - k0, aRow < M - m0) (sgemm_device.cuh: 0
  //      outside), then sA[aCol + e][aRow] = a.{x,y,z,w} for e = 0..3 (the transpose).
  //   3. Copy one float4 of B: row bRow = tid / 32, column bCol = (tid % 32) * 4:
  //      float4 at &sB[bRow][bCol] = load4<kVec>(&B[k0 + bRow][n0], bCol, N - n0, bRow < K - k0).
  //   4. __syncthreads(); per kk: rA = two float4 from &sA[kk][tr * 8], rB = two float4 from
  //      &sB[kk][tc * 8]; 64 FMAs; __syncthreads().
  //   5. Epilogue: for each of the 8 rows r = tr * 8 + i, two store4<kVec>(&C[m0 + r][n0],
  //      tc * 8 + 4 * v, N - n0, r < M - m0, acc as float4, alpha, beta).
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
