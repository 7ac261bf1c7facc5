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
#include "wb/exercise.h"

WB_EXERCISE_TODO("register_2d",
                 "each thread keeps an 8x8 acc[][]: per kk load rA[8] from sA and rB[8] from sB, "
                 "then 64 FMAs of their outer product");

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
  // TODO(step 5): write the kernel; the launcher below is done. Then delete the WB_EXERCISE_TODO
  // line at the top of this file and run `make chapter-03-check`.
  // Block: 256 threads (tid = threadIdx.x) for a 128 x 128 tile of C with corner
  // m0 = blockIdx.y * BM, n0 = blockIdx.x * BN; k walks in tiles of BK = 8.
  //   1. Static shared memory: __shared__ float sA[BM][BK] (sA[m][k]) and sB[BK][BN] (sB[k][n]).
  //   2. Threads form a 16 x 16 grid: tr = tid / 16, tc = tid % 16; this thread's outputs are rows
  //      tr * 8 .. + 7 and columns tc * 8 .. + 7 of the tile: float acc[TM][TN] = {}.
  //   3. For each k tile (tiles = wb::ceil_div(K, BK), k0 = t * BK): copy kLoadsA = 4 elements of
  //      the A tile, number idx = tid + s * 256 at (r, c) = (idx / BK, idx % BK), i.e.
  //      A[m0 + r][k0 + c], and 4 of B at (r, c) = (idx / BN, idx % BN), i.e. B[k0 + r][n0 + c];
  //      0 outside (tests as r < M - m0, c < K - k0, ...).
  //   4. __syncthreads(); per kk < BK: rA[i] = sA[tr * 8 + i][kk], rB[j] = sB[kk][tc * 8 + j],
  //      acc[i][j] += rA[i] * rB[j] (all loops #pragma unroll, so acc stays in registers);
  //      __syncthreads().
  //   5. Write the 64 outputs where in range, through axpby() (std::size_t indices).
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
