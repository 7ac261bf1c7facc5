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
  __shared__ __align__(128) std::uint16_t sA[LayoutA::elems(Tiles::BM)];  // (BM, BK), 16-bit bits
  __shared__ __align__(128) std::uint16_t sB[LayoutB::elems(Tiles::BK)];  // (BK, BN)
  __shared__ __align__(128) float sC[Tiles::kWarps][Tiles::WM * Tiles::WN];  // per warp (WM, WN)
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int m0 = blockIdx.y * Tiles::BM, n0 = blockIdx.x * Tiles::BN;  // block tile in C
  const int wm0 = (warp / Tiles::kWarpsN) * Tiles::WM;                 // warp tile in the block
  const int wn0 = (warp % Tiles::kWarpsN) * Tiles::WN;
  const auto* a16 = reinterpret_cast<const std::uint16_t*>(gA);
  const auto* b16 = reinterpret_cast<const std::uint16_t*>(gB);

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
  wmma::fill_fragment(acc, 0.0f);
  for (int k0 = 0; k0 < K; k0 += Tiles::BK) {
    wb::tile::copy_k_tile<LayoutA, LayoutB, Tiles::BM, Tiles::BN, Tiles::BK, Tiles::kThreads, kVec>(
        sA, sB, a16, lda, b16, ldb, M, N, K, m0, n0, k0);
    __syncthreads();  // both tiles complete
#pragma unroll
    for (int kk = 0; kk < Tiles::BK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> fa;
      wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> fb;
      wmma::load_matrix_sync(fa, reinterpret_cast<const T*>(sA + LayoutA::offset(wm0, kk)),
                             LayoutA::kRowStride);
      wmma::load_matrix_sync(fb, reinterpret_cast<const T*>(sB + LayoutB::offset(kk, wn0)),
                             LayoutB::kRowStride);
      wmma::mma_sync(acc, fa, fb, acc);
    }
    __syncthreads();  // everyone is done reading before the next tiles overwrite them
  }
  // The accumulator's layout is opaque: go through shared memory, then write with bounds checks.
  wmma::store_matrix_sync(sC[warp], acc, Tiles::WN, wmma::mem_row_major);
  __syncwarp();
  for (int e = lane; e < Tiles::WM * Tiles::WN; e += 32) {
    const int row = m0 + wm0 + e / Tiles::WN, col = n0 + wn0 + e % Tiles::WN;
    if (row < M && col < N) {
      T* c = gC + static_cast<std::int64_t>(row) * ldc + col;
      wb::store_f32(c, wb::tile::axpby(sC[warp][e], alpha, beta, c));
    }
  }
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
