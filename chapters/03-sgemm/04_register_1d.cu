// Chapter 03, exercise 4 — 1D register tiling: each thread computes TM = 8 outputs of one column.
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
// Read "Step 4" in README.md, write the kernel below (the launcher is done), delete the
// WB_EXERCISE_TODO line and run `make chapter-03-check`.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"
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
  // TODO(exercise 4):
  //   1. __shared__ float sA[BM][BK], sB[BK][BN]; tCol = tid % BN, tRow = tid / BN (rows tRow*TM ..
  //   +TM-1).
  //   2. Each thread copies A element (tid / BK, tid % BK) and B element (tid / BN, tid % BN) of
  //   the tile, 0 outside.
  //   3. After __syncthreads(): for kk < BK { b = sB[kk][tCol]; for i < TM: acc[i] += sA[tRow*TM +
  //   i][kk] * b; }, then __syncthreads().
  //   4. Write the TM outputs with row < M && col < N predicates, through axpby().
}

}  // namespace

void launch_register_1d(const SgemmArgs& a, cudaStream_t stream) {
  validate(a, "ch03::launch_register_1d");
  const dim3 grid = tile_grid(a, Tiles1D::BM, Tiles1D::BN, "ch03::launch_register_1d");
  sgemm_register_1d_kernel<<<grid, Tiles1D::kThreads, 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
