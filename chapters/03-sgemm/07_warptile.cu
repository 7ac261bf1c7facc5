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
#include "wb/exercise.h"

WB_EXERCISE_TODO("warptile",
                 "cut the block tile into 64x64 warp tiles; each lane owns 4x4 sub-tiles strided "
                 "across its warp tile (warp_tile_origin and warp_tile_pos in sgemm.h)");

namespace ch03 {
namespace {

template <class T, bool kVec>
__global__ void __launch_bounds__(T::kThreads, T::kMinBlocks)
    sgemm_warptile_kernel(int M, int N, int K, float alpha, const float* __restrict__ gA, int lda,
                          const float* __restrict__ gB, int ldb, float beta, float* __restrict__ gC,
                          int ldc) {
  // WB_EXERCISE_BEGIN
  // TODO(step 7): write the kernel; the launcher below is done (it picks kVec, and T is
  // ch03::Tuned from warp_tiles.h: BM = 128, BN = 256, BK = 16, WM = WN = 64, kWarpRows = 4,
  // 256 threads). Then delete the WB_EXERCISE_TODO statement at the top of this file and run
  // `make chapter-03-check`. Write it for any T (use T::BM, T::TM, ..., never the numbers).
  // Indices (tid = threadIdx.x, lane = tid % 32, warp = tid / 32):
  //   m0 = blockIdx.y * T::BM, n0 = blockIdx.x * T::BN: the corner of the block's tile of C.
  //   w = warp_tile_origin(warp, T::kWarpsN, T::WM, T::WN): the corner of the warp's tile inside
  //     the block tile (w.row along m, w.col along n).
  //   warp_tile_pos(lane, T::kWarpRows, i, j): where output (i, j) of this lane, 0 <= i < T::TM,
  //     0 <= j < T::TN, lies inside the warp tile. Call it; do not re-derive it.
  //   tile_load_pos(tid, s, T::kThreads, vecs_per_row): the s-th float4 this thread copies of a
  //     tile whose rows hold vecs_per_row float4s (T::BK / 4 for A, T::BN / 4 for B).
  // Steps:
  //   1. Static shared memory, 16-byte aligned (one buffer, 24,832 bytes for Tuned):
  //        __shared__ __align__(16) float sA[T::BK][T::kLdA];  // A tile transposed: sA[k][m]
  //        __shared__ __align__(16) float sB[T::BK][T::BN];    // B tile: sB[k][n]
  //      float acc[T::TM][T::TN] = {}.
  //   2. For each k tile (tiles = wb::ceil_div(K, T::BK), k0 = t * T::BK):
  //      a. For s < T::kLoadsA: p = tile_load_pos(tid, s, T::kThreads, T::BK / 4) (p.row: m,
  //         p.col: k offset); with m = m0 + p.row, k = k0 + p.col (ints: safe, warp_tiles.h
  //         says why), v = load4<kVec>(&A[m][0], k, K, m < M) (sgemm_device.cuh: 0 outside);
  //         sA[p.col + e][p.row] = v.{x,y,z,w}, e = 0..3 (the transpose).
  //      b. For s < T::kLoadsB: p = tile_load_pos(tid, s, T::kThreads, T::BN / 4) (p.row: k,
  //         p.col: n); with k = k0 + p.row, the float4 at &sB[p.row][p.col] =
  //         load4<kVec>(&B[k][n0], p.col, N - n0, k < K). (std::size_t for every row * ld.)
  //      c. __syncthreads().
  //      d. For kk < T::BK: for i < T::kIterM, rA[4i .. 4i+3] = the float4 at
  //         &sA[kk][w.row + warp_tile_pos(lane, T::kWarpRows, 4 * i, 0).row]; for j < T::kIterN,
  //         rB[4j .. 4j+3] = the float4 at &sB[kk][w.col + warp_tile_pos(lane, T::kWarpRows, 0,
  //         4 * j).col]; then acc[i][j] += rA[i] * rB[j] for all i < T::TM, j < T::TN.
  //      e. __syncthreads().
  //   3. Epilogue: for i < T::TM, r = w.row + warp_tile_pos(lane, T::kWarpRows, i, 0).row; for
  //      j < T::kIterN, c = w.col + warp_tile_pos(lane, T::kWarpRows, 0, 4 * j).col;
  //      store4<kVec>(&C[m0 + r][n0], c, N - n0, r < M - m0, acc[i][4j .. 4j+3], alpha, beta).
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
