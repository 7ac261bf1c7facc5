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
#include "wb/exercise.h"

WB_EXERCISE_TODO("register_1d",
                 "give each thread TM = 8 accumulators down one column; per kk load sB[kk][tCol] "
                 "once into a register and reuse it 8 times");

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
  // TODO(step 4): write the kernel; the launcher below is done. Then delete the WB_EXERCISE_TODO
  // line at the top of this file and run `make chapter-03-check`.
  // Block: 512 threads in one dimension (tid = threadIdx.x) for a 64 x 64 tile of C whose corner
  // is m0 = blockIdx.y * BM, n0 = blockIdx.x * BN; k walks in tiles of BK = 8.
  //   1. Static shared memory: __shared__ float sA[BM][BK] (sA[m][k]) and sB[BK][BN] (sB[k][n]).
  //   2. This thread's outputs: column tCol = tid % BN, rows tRow * TM .. tRow * TM + 7 with
  //      tRow = tid / BN; float acc[TM] = {}.
  //   3. For each k tile (tiles = wb::ceil_div(K, BK), k0 = t * BK): copy one element of A,
  //      (aRow, aCol) = (tid / BK, tid % BK) of the tile, i.e. A[m0 + aRow][k0 + aCol], and one of
  //      B, (bRow, bCol) = (tid / BN, tid % BN), i.e. B[k0 + bRow][n0 + bCol]; 0 outside the
  //      matrix. Write the tests as aRow < M - m0, aCol < K - k0, ... (no int sum can pass 2^31).
  //   4. __syncthreads(); for kk < BK { b = sB[kk][tCol]; for i < TM: acc[i] +=
  //      sA[tRow * TM + i][kk] * b; }; __syncthreads().
  //   5. Write the TM outputs of rows m0 + tRow * TM + i, column n0 + tCol, where in range, through
  //      axpby() (std::size_t indices).
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
