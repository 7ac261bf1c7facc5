// Chapter 03, step 3 — shared-memory tiles: each element loaded from global memory is used 32
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
// Integer overflow: the k loop counts tiles (wb::ceil_div, exact at K = 2^31 - 1) instead of
// `for (k0 = 0; k0 < K; k0 += 32)`, whose last `k0 += 32` passes 2^31 - 1 when K is within 32 of
// it (signed overflow: undefined behaviour), and the bounds tests read `tx < K - k0` rather than
// `k0 + tx < K`. Limits: M up to 65535 tiles of 32 rows = 2,097,120 (grid y); N, K up to
// 2^31 - 1.
//
// Read "Step 3: shared-memory tiles" in chapters/03-sgemm/README.md.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"
#include "wb/math.h"
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
  // WB_EXERCISE_BEGIN
  // TODO(step 3): write the kernel; the launcher below is done. Then delete the WB_EXERCISE_TODO
  // line at the top of this file and run `make chapter-03-check`.
  // Block: 32 x 32 threads (tx = threadIdx.x, ty = threadIdx.y); grid: x over tiles of 32 columns
  // of C, y over tiles of 32 rows.
  //   1. Static shared memory: __shared__ float sA[kTile][kTile] (sA[m][k], a 32 x 32 tile of A)
  //      and sB[kTile][kTile] (sB[k][n], of B). This thread's output: row = blockIdx.y * 32 + ty,
  //      col = blockIdx.x * 32 + tx.
  //   2. Loop over the k tiles: tiles = wb::ceil_div(K, kTile) (wb/math.h); k0 = t * kTile. Do not
  //      write `for (k0 = 0; k0 < K; k0 += 32)`: at K = 2^31 - 1 the last += overflows int.
  //   3. Copy: sA[ty][tx] = A[row][k0 + tx] if row < M and tx < K - k0, else 0;
  //      sB[ty][tx] = B[k0 + ty][col] if ty < K - k0 and col < N, else 0 (global indices in
  //      std::size_t; compare with K - k0, never compute k0 + tx < K near 2^31).
  //   4. __syncthreads() (the tiles are complete); acc += sA[ty][kk] * sB[kk][tx] for kk < 32;
  //      __syncthreads() again (nobody still reads the tiles the next copy overwrites).
  //   5. After the loop, if row < M and col < N:
  //      C[row][col] = axpby(acc, alpha, beta, &C[row][col]).
  // WB_EXERCISE_END
}

}  // namespace

void launch_smem_tiles(const Args& a, cudaStream_t stream) {
  const char* where = "ch03::launch_smem_tiles";
  wb::gemm::validate(a, where);
  const dim3 grid = wb::gemm::tile_grid(a.M, a.N, kTile, kTile, where);
  sgemm_smem_tiles_kernel<<<grid, dim3(kTile, kTile), 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
