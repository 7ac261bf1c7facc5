// Chapter 03, step 7 — warp tiling: each warp owns a 64 x 64 tile of C, and each lane 4 x 4
// sub-tiles strided across it, so a warp's 16-byte shared loads hit distinct banks.
//
// The idea: step 6 gives thread t the contiguous 8 x 8 block at (tr * 8, tc * 8), so the 16-byte
// shared loads of a warp are 32 bytes apart: 2-way bank conflicts, and every shared load of B is
// two wavefronts. Here the block tile is cut into warp tiles first. A block of 8 warps computes a
// 128 x 256 tile of C, as 2 x 4 warp tiles of 64 x 64; a warp's 32 lanes form a 4 x 8 grid, and
// the lane at (tm, tn) owns the 4 x 4 sub-tiles with corners (a * 16 + tm * 4, b * 32 + tn * 4),
// a = 0..3, b = 0..1: 16 x 8 outputs (warp_tile_pos() in sgemm.h is this map; the CPU tests check
// it covers the block tile exactly once and that a warp's loads are neighbours). For one k, the
// warp's loads of a sub-tile row of B are then 8 neighbouring float4s (128 bytes: one wavefront),
// and of A 4 neighbouring float4s, each broadcast to 8 lanes. A thread's 16 x 8 outputs need 16 + 8
// floats of shared memory per k (6 LDS.128) for 128 FMAs, against 4 LDS.128 per 64 FMAs in step 6.
// Everything else is step 6's: A transposed in shared memory, float4 global loads, one shared
// buffer and two barriers per k tile. The tile parameters are the tuning sweep's choice
// (warp_tiles.h: ch03::Tuned; README "Tuning for the H100").
//
// Prediction at 4096^3: bank conflicts fall to 0 and shared loads per FFMA from 1/16 to 3/64, but
// ~190-210 registers leave one block of 8 warps per SM, and with a single buffer every k tile waits
// for its global loads with nothing else to do (two warps per scheduler, both at the barrier):
// ~0.70-0.80x cuBLAS (~36-41 TFLOP/s), the latency that step 8 hides. Nsight Compute:
// l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum -> 0; stall "barrier" and "long
// scoreboard" high. (That prediction was written for BK = 8, measured at 0.53x. The tuned tile is
// now 128 x 256 x 16, README "Tuning for the H100": a k tile holds twice the FMAs per exposed
// load and per barrier pair, so the wait, if it grows less than the FMAs, weighs less: ~0.6-0.75x
// cuBLAS, still below step 8.)
//
// Limits: M up to 8,388,480 (grid y: 65535 tiles of 128 rows); N, K up to 2^31 - 1.
//
// Read "Step 7: warp tiling" in chapters/03-sgemm/README.md.
#include "sgemm.h"
#include "sgemm_device.cuh"
#include "warp_tiles.h"

#include "wb/check.h"
#include "wb/math.h"

namespace ch03 {
namespace {

template <class T, bool kVec>
__global__ void __launch_bounds__(T::kThreads, T::kMinBlocks)
    sgemm_warptile_kernel(int M, int N, int K, float alpha, const float* __restrict__ gA, int lda,
                          const float* __restrict__ gB, int ldb, float beta, float* __restrict__ gC,
                          int ldc) {
  // WB_EXERCISE_BEGIN
  __shared__ __align__(16) float sA[T::BK][T::kLdA];  // (BK, BM + pad): the A tile, transposed
  __shared__ __align__(16) float sB[T::BK][T::BN];    // (BK, BN): the B tile
  const int tid = threadIdx.x, lane = tid % 32;
  const int m0 = blockIdx.y * T::BM, n0 = blockIdx.x * T::BN;              // this block's tile of C
  const TilePos w = warp_tile_origin(tid / 32, T::kWarpsN, T::WM, T::WN);  // the warp's tile
  float acc[T::TM][T::TN] = {};
  const int tiles = wb::ceil_div(K, T::BK);
  for (int t = 0; t < tiles; ++t) {
    const int k0 = t * T::BK;
#pragma unroll
    for (int s = 0; s < T::kLoadsA; ++s) {  // (m, k .. k+3) of A -> sA[k .. k+3][m]
      const TilePos p = tile_load_pos(tid, s, T::kThreads, T::BK / 4);
      const int m = m0 + p.row, k = k0 + p.col;  // < 2^31: see warp_tiles.h
      const float4 v = load4<kVec>(gA + static_cast<std::size_t>(m) * lda, k, K, m < M);
      sA[p.col + 0][p.row] = v.x;
      sA[p.col + 1][p.row] = v.y;
      sA[p.col + 2][p.row] = v.z;
      sA[p.col + 3][p.row] = v.w;
    }
#pragma unroll
    for (int s = 0; s < T::kLoadsB; ++s) {  // (k, n .. n+3) of B -> sB[k][n .. n+3]
      const TilePos p = tile_load_pos(tid, s, T::kThreads, T::BN / 4);
      const int k = k0 + p.row;
      *reinterpret_cast<float4*>(&sB[p.row][p.col]) =
          load4<kVec>(gB + static_cast<std::size_t>(k) * ldb + n0, p.col, N - n0, k < K);
    }
    __syncthreads();  // the tiles are complete
#pragma unroll
    for (int kk = 0; kk < T::BK; ++kk) {
      float rA[T::TM], rB[T::TN];
#pragma unroll
      for (int i = 0; i < T::kIterM; ++i)  // sub-tile i along m: 4 rows from one LDS.128
        *reinterpret_cast<float4*>(&rA[4 * i]) = *reinterpret_cast<const float4*>(
            &sA[kk][w.row + warp_tile_pos(lane, T::kWarpRows, 4 * i, 0).row]);
#pragma unroll
      for (int j = 0; j < T::kIterN; ++j)  // sub-tile j along n: 4 columns from one LDS.128
        *reinterpret_cast<float4*>(&rB[4 * j]) = *reinterpret_cast<const float4*>(
            &sB[kk][w.col + warp_tile_pos(lane, T::kWarpRows, 0, 4 * j).col]);
#pragma unroll
      for (int i = 0; i < T::TM; ++i) {
#pragma unroll
        for (int j = 0; j < T::TN; ++j)
          acc[i][j] += rA[i] * rB[j];
      }
    }
    __syncthreads();  // nobody still reads the tiles the next copy overwrites
  }
#pragma unroll
  for (int i = 0; i < T::TM; ++i) {
    const int r = w.row + warp_tile_pos(lane, T::kWarpRows, i, 0).row;  // row inside the tile
    float* gCrow = gC + static_cast<std::size_t>(m0 + r) * ldc + n0;
#pragma unroll
    for (int j = 0; j < T::kIterN; ++j) {
      const int c = w.col + warp_tile_pos(lane, T::kWarpRows, 0, 4 * j).col;
      const float4 out =
          make_float4(acc[i][4 * j], acc[i][4 * j + 1], acc[i][4 * j + 2], acc[i][4 * j + 3]);
      store4<kVec>(gCrow, c, N - n0, r < M - m0, out, alpha, beta);
    }
  }
  // WB_EXERCISE_END
}

}  // namespace

void launch_warptile(const Args& a, cudaStream_t stream) {
  using T = Tuned;
  const char* where = "ch03::launch_warptile";
  wb::gemm::validate(a, where);
  const dim3 grid = wb::gemm::tile_grid(a.M, a.N, T::BM, T::BN, where);
  auto kernel = wb::gemm::vector_friendly(a) ? sgemm_warptile_kernel<T, true>
                                             : sgemm_warptile_kernel<T, false>;
  kernel<<<grid, T::kThreads, 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
