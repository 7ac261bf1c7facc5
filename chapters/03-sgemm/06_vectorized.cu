// Chapter 03, exercise 6 — vectorized: 16-byte global loads, A transposed in shared memory, 16-byte
// shared loads.
//
// The idea: step 5 spends 16 scalar shared loads (LDS) per 64 FMAs. Store the A tile transposed,
// sA[k][m], so that a thread's 8 values of A for one k are contiguous like its 8 values of B: then
// each is two 16-byte loads (LDS.128), 4 per 64 FMAs instead of 16. Global loads become float4
// too (one of A and one of B per thread per tile). The A row is padded by 4 floats: the transposing
// stores of two threads with the same m and k 4 apart would otherwise hit the same bank.
// 16-byte accesses need 16-byte aligned rows; the launcher checks vector_friendly() and falls back
// to the same kernel with scalar loads and stores otherwise (kVec = false).
//
// Prediction at 4096^3: LSU instructions per FFMA fall from 1/4 to ~1/16. The 16-byte loads of B
// are 32 bytes apart across lanes, so still 2-way conflicted; we expect ~1.3x step 5 (~35-40
// TFLOP/s). Nsight Compute: smsp__inst_executed_pipe_lsu drops ~4x; shared wavefronts per
// request stay above 1.
//
// Read "Step 6" in README.md, write the kernel below (the launcher is done), delete the
// WB_EXERCISE_TODO line and run `make chapter-03-check`.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"
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
  // TODO(exercise 6):
  //   1. Thread copies one float4 of A: row aRow = tid / 2, k offset aCol = (tid % 2) * 4
  //   (load4<kVec>, 0 outside), and writes its 4 floats to sA[aCol + e][aRow].
  //   2. It copies one float4 of B: row bRow = tid / 32, column bCol = (tid % 32) * 4, stored as
  //   one float4 at sB[bRow][bCol].
  //   3. Per kk: rA = two float4 from &sA[kk][tr*8], rB = two float4 from &sB[kk][tc*8]; 64 FMAs.
  //   4. Epilogue: for each of the 8 rows, two store4<kVec>(row pointer + n0, tc*8 + 4v, N - n0,
  //   row < M, ...).
}

}  // namespace

void launch_vectorized(const SgemmArgs& a, cudaStream_t stream) {
  validate(a, "ch03::launch_vectorized");
  const dim3 grid = tile_grid(a, TilesVec::BM, TilesVec::BN, "ch03::launch_vectorized");
  auto kernel = vector_friendly(a) ? sgemm_vectorized_kernel<true> : sgemm_vectorized_kernel<false>;
  kernel<<<grid, TilesVec::kThreads, 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
