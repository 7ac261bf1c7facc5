// Chapter 03, exercise 5 — 2D register tiling: each thread computes an 8 x 8 block of C.
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
// Read "Step 5" in README.md, write the kernel below (the launcher is done), delete the
// WB_EXERCISE_TODO line and run `make chapter-03-check`.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"
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
  // TODO(exercise 5):
  //   1. Threads form a 16 x 16 grid: tr = tid / 16, tc = tid % 16; outputs rows tr*8.., columns
  //   tc*8...
  //   2. Each thread copies kLoadsA = 4 elements of the A tile (idx = tid + s*256: row idx / BK,
  //   col idx % BK) and 4 of B (row idx / BN, col idx % BN), 0 outside.
  //   3. Per kk: rA[i] = sA[tr*8 + i][kk], rB[j] = sB[kk][tc*8 + j]; acc[i][j] += rA[i] * rB[j].
  //   4. Write the 64 outputs with predicates, through axpby().
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
