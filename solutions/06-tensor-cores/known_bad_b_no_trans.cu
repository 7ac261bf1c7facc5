// Chapter 06 known-bad variant: step 5 with the B fragment loaded by ldmatrix .x4 WITHOUT .trans.
//
// The B tile is row-major (k, n), but the m16n8k16 B fragment wants two neighbours along k of one
// column (wb::mma::b_frag). Without .trans, ldmatrix hands lane l row l / 4, columns
// 2 (l % 4) .. + 1 of each 8 x 8 matrix: two neighbours along n of one row. So every aligned 8 x 8
// block of B reaches the tensor core transposed. The result is exactly right whenever those
// blocks are symmetric (a B of equal values, for instance, or any B built so) and K and N are
// multiples of 8, so a test on such inputs passes; on random inputs it is wrong almost
// everywhere. The [known-bad] test in tests/ch06/hgemm_test.cpp shows both.
#include "hgemm.h"
#include "hgemm_device.cuh"

#include "wb/device/gemm_tile.cuh"
#include "wb/device/mma.cuh"
#include "wb/mma_layout.h"
#include "wb/swizzle.h"

namespace ch06 {
namespace known_bad {
namespace {

using Tiles = SmallTiles;
using LayoutA = wb::smem::Swizzled<Tiles::BK>;
using LayoutB = wb::smem::Swizzled<Tiles::BN>;

template <class T, bool kVec>
__global__ void __launch_bounds__(Tiles::kThreads)
    hgemm_b_no_trans_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                            const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC,
                            int ldc) {
  __shared__ __align__(128) std::uint16_t sA[LayoutA::elems(Tiles::BM)];
  __shared__ __align__(128) std::uint16_t sB[LayoutB::elems(Tiles::BK)];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int m0 = blockIdx.y * Tiles::BM, n0 = blockIdx.x * Tiles::BN;
  const int wm0 = (warp / Tiles::kWarpsN) * Tiles::WM;
  const int wn0 = (warp % Tiles::kWarpsN) * Tiles::WN;
  const auto* a16 = reinterpret_cast<const std::uint16_t*>(gA);
  const auto* b16 = reinterpret_cast<const std::uint16_t*>(gB);
  const wb::mma::Coord r = wb::mma::ldmatrix_row(lane);
  float rC[2][4] = {};
  for (int k0 = 0; k0 < K; k0 += Tiles::BK) {
    wb::tile::copy_k_tile<LayoutA, LayoutB, Tiles::BM, Tiles::BN, Tiles::BK, Tiles::kThreads, kVec>(
        sA, sB, a16, lda, b16, ldb, M, N, K, m0, n0, k0);
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < Tiles::BK; kk += 16) {
      std::uint32_t rA[4];
      wb::mma::ldmatrix_x4(rA, sA + LayoutA::offset(wm0 + r.row, kk + r.col));
      std::uint32_t rB[4];
      wb::mma::ldmatrix_x4(rB, sB + LayoutB::offset(kk + r.row, wn0 + r.col));  // BUG: no .trans
      wb::mma::mma_m16n8k16<T>(rC[0], rA, rB[0], rB[1]);
      wb::mma::mma_m16n8k16<T>(rC[1], rA, rB[2], rB[3]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int h = 0; h < 2; ++h)
    wb::tile::store_c_fragment<kVec>(gC, ldc, M, N, m0 + wm0, n0 + wn0 + 8 * h, rC[h], alpha, beta,
                                     lane);
}

}  // namespace

template <class T>
void launch_b_no_trans(const Args<T>& a, cudaStream_t stream) {
  launch_tiled<T>(a, hgemm_b_no_trans_kernel<T, true>, hgemm_b_no_trans_kernel<T, false>, Tiles::BM,
                  Tiles::BN, dim3(Tiles::kThreads), "b_no_trans", stream);
}

template void launch_b_no_trans<__half>(const Args<__half>&, cudaStream_t);
template void launch_b_no_trans<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace known_bad
}  // namespace ch06
