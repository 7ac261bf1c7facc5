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

namespace ch03 {
namespace {

constexpr int kTile = 32;  // BM = BN = BK = 32; block of kTile x kTile threads

__global__ void sgemm_smem_tiles_kernel(int M, int N, int K, float alpha,
                                        const float* __restrict__ gA, int lda,
                                        const float* __restrict__ gB, int ldb, float beta,
                                        float* __restrict__ gC, int ldc) {
  // WB_EXERCISE_BEGIN
  __shared__ float sA[kTile][kTile];  // (BM, BK) tile of A
  __shared__ float sB[kTile][kTile];  // (BK, BN) tile of B
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int row = blockIdx.y * kTile + ty;  // this thread's element of C
  const int col = blockIdx.x * kTile + tx;
  float acc = 0.0f;
  const int tiles = wb::ceil_div(K, kTile);  // exact even at K = 2^31 - 1
  for (int t = 0; t < tiles; ++t) {
    const int k0 = t * kTile;  // < K, so no overflow
    // Each thread copies one element of each tile; outside the matrices the tile holds 0.
    sA[ty][tx] = row < M && tx < K - k0 ? gA[static_cast<std::size_t>(row) * lda + k0 + tx] : 0.0f;
    sB[ty][tx] =
        ty < K - k0 && col < N ? gB[(static_cast<std::size_t>(k0) + ty) * ldb + col] : 0.0f;
    __syncthreads();  // the tiles are complete
#pragma unroll
    for (int kk = 0; kk < kTile; ++kk)
      acc += sA[ty][kk] * sB[kk][tx];  // sA: one address per warp; sB: 32 consecutive banks
    __syncthreads();  // everyone is done reading before the next tiles overwrite them
  }
  if (row < M && col < N) {
    float* c = gC + static_cast<std::size_t>(row) * ldc + col;
    *c = axpby(acc, alpha, beta, c);
  }
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
