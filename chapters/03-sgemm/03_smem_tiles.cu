// Chapter 03, exercise 3 — shared-memory tiles: each element loaded from global memory is used 32
// times.
//
// The idea: a block of 32 x 32 threads computes a 32 x 32 tile of C. It walks k in steps of 32;
// at each step all threads copy one element of A's 32 x 32 tile and one of B's into shared memory,
// wait, and then each thread does 32 FMAs reading shared memory only. Global (L1/L2) traffic per
// FMA drops 32x: arithmetic intensity against global memory goes from 1/4 to 8 FLOP/byte. Tails:
// loads outside A or B store 0 into the tile, and only in-range threads write C.
//
// Prediction at 4096^3: the limit becomes shared memory. Each FMA still needs 2 shared loads
// (sA broadcast, sB one per lane), ~1 shared warp-load per clock per SM: 2 loads per 32 FMAs,
// ~16 FMAs/clock/SM, like step 2's L1 bound but without its misses and with less L2 traffic:
// expect ~1.3-1.5x step 2 (~8-10 TFLOP/s). Nsight Compute: lts__t_bytes drops ~10x,
// smsp__inst_executed_pipe_lsu ~ 2 per FFMA.
//
// Read "Step 3" in README.md, write the kernel below (the launcher is done), delete the
// WB_EXERCISE_TODO line and run `make chapter-03-check`.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO("smem_tiles",
                 "stage 32x32 tiles of A and B in __shared__ arrays, __syncthreads around the 32 "
                 "FMAs, predicate loads (0 outside) and the store");

namespace ch03 {
namespace {

constexpr int kTile = 32;  // BM = BN = BK = 32; block of kTile x kTile threads

__global__ void sgemm_smem_tiles_kernel(int M, int N, int K, float alpha,
                                        const float* __restrict__ gA, int lda,
                                        const float* __restrict__ gB, int ldb, float beta,
                                        float* __restrict__ gC, int ldc) {
  // TODO(exercise 3):
  //   1. __shared__ float sA[kTile][kTile], sB[kTile][kTile];  row = blockIdx.y*32 + ty, col =
  //   blockIdx.x*32 + tx.
  //   2. For k0 = 0; k0 < K; k0 += 32: sA[ty][tx] = A[row][k0+tx] (0 outside A), sB[ty][tx] =
  //   B[k0+ty][col] (0 outside B).
  //   3. __syncthreads(); acc += sA[ty][kk] * sB[kk][tx] for kk < 32; __syncthreads().
  //   4. If row < M and col < N: C[row][col] = axpby(acc, alpha, beta, &C[row][col]).
}

}  // namespace

void launch_smem_tiles(const SgemmArgs& a, cudaStream_t stream) {
  validate(a, "ch03::launch_smem_tiles");
  const dim3 grid = tile_grid(a, kTile, kTile, "ch03::launch_smem_tiles");
  sgemm_smem_tiles_kernel<<<grid, dim3(kTile, kTile), 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
