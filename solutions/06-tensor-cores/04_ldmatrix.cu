// Chapter 06, step 4 — ldmatrix: one instruction loads a whole fragment.
//
// The idea: `ldmatrix.x4` reads four 8 x 8 matrices of 16-bit elements from shared memory and
// hands every lane exactly the registers of an mma fragment. Each lane gives the address of one
// 16-byte row (wb::mma::ldmatrix_row: lanes 0-15 rows 0-15 at column 0, lanes 16-31 rows 0-15 at
// column 8), and the hardware shuffles the elements to their owners. For A (row-major, the
// fragment wants rows) that is the A fragment; for B the fragment wants *columns* of the
// row-major tile, which is what `.trans` delivers: one ldmatrix.x4.trans gives the B fragments of
// both n8 tiles. Per k16 per warp: 2 LDSM where step 3 issued 12 shared loads and 4 packs.
//
// Prediction at 4096^3: far fewer instructions, but the bytes read from shared memory and their
// bank conflicts are step 3's: the 8 rows of each 8 x 8 matrix are 64 bytes (A) or 128 bytes (B)
// apart, so they fall in 2 (A) or 1 (B) of the 8 16-byte slots of a bank line: 4 and 8 wavefronts
// per matrix instead of 1 (tests/ch06/hgemm_cpu_test.cpp counts them), 48 per k16 per warp for 2
// mma, the same cap of ~43 TFLOP/s. Expect 1.0-1.3x step 3: instruction count was not the limit.
// Nsight Compute: shared load instructions down ~6x; ldsm wavefronts 6x the conflict-free count.
#include "hgemm.h"
#include "hgemm_device.cuh"

#include "wb/device/gemm_tile.cuh"
#include "wb/device/mma.cuh"
#include "wb/mma_layout.h"
#include "wb/swizzle.h"

namespace ch06 {
namespace {

using Tiles = SmallTiles;
using LayoutA = wb::smem::Plain<Tiles::BK>;  // (BM, BK) tile of A: rows of 32 elements
using LayoutB = wb::smem::Plain<Tiles::BN>;  // (BK, BN) tile of B: rows of 64 elements

template <class T, bool kVec>
__global__ void __launch_bounds__(Tiles::kThreads)
    hgemm_ldmatrix_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                          const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC,
                          int ldc) {
  // WB_EXERCISE_BEGIN
  __shared__ __align__(128) std::uint16_t sA[LayoutA::elems(Tiles::BM)];  // (BM, BK), 16-bit bits
  __shared__ __align__(128) std::uint16_t sB[LayoutB::elems(Tiles::BK)];  // (BK, BN)
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int m0 = blockIdx.y * Tiles::BM, n0 = blockIdx.x * Tiles::BN;  // block tile in C
  const int wm0 = (warp / Tiles::kWarpsN) * Tiles::WM;                 // warp tile in the block
  const int wn0 = (warp % Tiles::kWarpsN) * Tiles::WN;
  const auto* a16 = reinterpret_cast<const std::uint16_t*>(gA);
  const auto* b16 = reinterpret_cast<const std::uint16_t*>(gB);
  const wb::mma::Coord r = wb::mma::ldmatrix_row(lane);  // the 16 x 16 tile row this lane addresses

  float rC[2][4] = {};  // (WN / 8) m16n8 accumulator tiles, c_frag layout
  for (int k0 = 0; k0 < K; k0 += Tiles::BK) {
    wb::tile::copy_k_tile<LayoutA, LayoutB, Tiles::BM, Tiles::BN, Tiles::BK, Tiles::kThreads, kVec>(
        sA, sB, a16, lda, b16, ldb, M, N, K, m0, n0, k0);
    __syncthreads();  // both tiles complete
#pragma unroll
    for (int kk = 0; kk < Tiles::BK; kk += 16) {
      std::uint32_t rA[4];  // A (16 x 16) at (wm0, kk)
      wb::mma::ldmatrix_x4(rA, sA + LayoutA::offset(wm0 + r.row, kk + r.col));
      std::uint32_t rB[4];  // B (16 x 16) at (kk, wn0): n8 tile h in registers 2h, 2h + 1
      wb::mma::ldmatrix_x4_trans(rB, sB + LayoutB::offset(kk + r.row, wn0 + r.col));
      wb::mma::mma_m16n8k16<T>(rC[0], rA, rB[0], rB[1]);
      wb::mma::mma_m16n8k16<T>(rC[1], rA, rB[2], rB[3]);
    }
    __syncthreads();  // everyone is done reading before the next tiles overwrite them
  }
#pragma unroll
  for (int h = 0; h < 2; ++h)
    wb::tile::store_c_fragment<kVec>(gC, ldc, M, N, m0 + wm0, n0 + wn0 + 8 * h, rC[h], alpha, beta,
                                     lane);
  // WB_EXERCISE_END
}

}  // namespace

template <class T>
void launch_ldmatrix(const Args<T>& a, cudaStream_t stream) {
  launch_tiled<T>(a, hgemm_ldmatrix_kernel<T, true>, hgemm_ldmatrix_kernel<T, false>, Tiles::BM,
                  Tiles::BN, dim3(Tiles::kThreads), "ldmatrix", stream);
}

template void launch_ldmatrix<__half>(const Args<__half>&, cudaStream_t);
template void launch_ldmatrix<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch06
