// Chapter 06, step 2 — WMMA: each warp multiplies 16 x 16 x 16 fragments on the tensor cores.
//
// The idea: stage 64 x 32 tiles of A and 32 x 64 tiles of B in shared memory (chapter 03 step 3,
// with 16-byte chunks), and let each of the 16 warps own one 16 x 16 tile of C as an
// nvcuda::wmma accumulator fragment. Per k-step of 16 a warp loads a 16 x 16 fragment of A and
// one of B from shared memory (wmma::load_matrix_sync) and issues one wmma::mma_sync: 8192 FLOPs
// in one warp instruction pair (2 HMMA.16816 in SASS) instead of 128 FFMA instructions. The
// fragments' layout is opaque, so the epilogue goes through shared memory: store_matrix_sync to a
// 16 x 16 fp32 tile per warp, then each lane writes 8 elements of C with the bounds checks.
//
// Prediction at 4096^3: shared-memory bank conflicts bound it. The plain row-major tiles put the 8
// rows of each 8 x 8 fragment matrix 64 bytes (A) or 128 bytes (B) apart, in 2 or 1 of the 8
// 16-byte slots of a bank line: 4-way and 8-way conflicts, 16 + 32 = 48 wavefronts per
// wmma::mma_sync (2 m16n8k16) where 8 would do, plus 1 per mma for the tile stores: 25 per mma.
// At 1 wavefront per clock per SM (1.98 GHz, 132 SMs, 4096 FLOPs per mma) that caps the step at
// ~43 TFLOP/s; expect 30-40 (6-8x naive). The fp16 fragments load with LDSM; the bf16 ones, in
// this nvcc's wmma, with generic LD.E and MOVM transposes (see the SASS): expect bf16 slower.
// Nsight Compute: tensor pipe active for the first time; ldsm bank conflicts large.
#include "hgemm.h"
#include "hgemm_device.cuh"

#include "wb/device/gemm_tile.cuh"
#include "wb/swizzle.h"
#include "wb/exercise.h"
WB_EXERCISE_TODO("wmma",
                 "Read \"Step 2: WMMA\" in README.md: 64x64 block tile, 16 warps of one 16x16 wmma "
                 "fragment each; copy_k_tile, __syncthreads, load_matrix_sync/mma_sync, "
                 "__syncthreads; epilogue via store_matrix_sync to shared memory");

#include <mma.h>

namespace ch06 {
namespace {

using Tiles = SmallTiles;
using LayoutA = wb::smem::Plain<Tiles::BK>;  // (BM, BK) tile of A: rows of 32 elements
using LayoutB = wb::smem::Plain<Tiles::BN>;  // (BK, BN) tile of B: rows of 64 elements

template <class T, bool kVec>
__global__ void __launch_bounds__(Tiles::kThreads)
    hgemm_wmma_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                      const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC, int ldc) {
  namespace wmma = nvcuda::wmma;
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 2: WMMA"): write the kernel body.
  //   1. Static shared memory, 128-byte aligned (__shared__ __align__(128)): std::uint16_t
  //      sA[LayoutA::elems(Tiles::BM)] (the (BM, BK) = (64, 32) tile of A, row-major, 16-bit bits),
  //      sB[LayoutB::elems(Tiles::BK)] ((BK, BN) = (32, 64) of B), and float
  //      sC[Tiles::kWarps][Tiles::WM * Tiles::WN] (one 16 x 16 fp32 tile per warp, epilogue).
  //   2. Indices: warp = threadIdx.x / 32, lane = threadIdx.x % 32; the block's tile of C starts at
  //      (m0, n0) = (blockIdx.y * Tiles::BM, blockIdx.x * Tiles::BN); the warp's at (wm0, wn0) =
  //      ((warp / Tiles::kWarpsN) * Tiles::WM, (warp % Tiles::kWarpsN) * Tiles::WN) inside it.
  //   3. wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc, filled with 0.
  //   4. For k0 = 0; k0 < K; k0 += Tiles::BK: wb::tile::copy_k_tile<LayoutA, LayoutB, Tiles::BM,
  //      Tiles::BN, Tiles::BK, Tiles::kThreads, kVec>(sA, sB, a16, lda, b16, ldb, M, N, K, m0, n0,
  //      k0), with a16, b16 = gA, gB reinterpreted as const std::uint16_t* (both tiles of k-tile
  //      k0, zero outside the matrices, every load issued before the first store);
  //      __syncthreads(); for kk = 0, 16:
  //      load_matrix_sync of a matrix_a fragment (T, row_major) from sA + LayoutA::offset(wm0, kk)
  //      with ldm LayoutA::kRowStride and a matrix_b fragment (T, row_major) from sB +
  //      LayoutB::offset(kk, wn0) with ldm LayoutB::kRowStride (reinterpret the pointers as const
  //      T*); mma_sync(acc, fa, fb, acc); then __syncthreads() before the next copy overwrites the
  //      tiles.
  //   5. store_matrix_sync(sC[warp], acc, Tiles::WN, wmma::mem_row_major); __syncwarp(); each lane
  //      then writes elements e = lane, lane + 32, ... < 256: row m0 + wm0 + e / Tiles::WN,
  //      column n0 + wn0 + e % Tiles::WN, if both are inside C (c = its address in gC):
  //      wb::store_f32(c, wb::tile::axpby(sC[warp][e], alpha, beta, c)).
  // WB_EXERCISE_END
}

}  // namespace

template <class T>
void launch_wmma(const Args<T>& a, cudaStream_t stream) {
  launch_tiled<T>(a, hgemm_wmma_kernel<T, true>, hgemm_wmma_kernel<T, false>, Tiles::BM, Tiles::BN,
                  dim3(Tiles::kThreads), "wmma", stream);
}

template void launch_wmma<__half>(const Args<__half>&, cudaStream_t);
template void launch_wmma<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch06
