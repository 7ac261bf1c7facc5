// Chapter 06, step 3 — mma.sync by hand: the tensor-core instruction itself, fragments loaded
// element by element from shared memory with the thread -> element map.
//
// The idea: step 2 without the wmma wrapper. A warp's 16 x 16 tile of C is two m16n8k16 tiles
// (n 0-7 and 8-15) sharing one A fragment. Each lane loads exactly the elements the PTX ISA says
// it holds (wb::mma::a_frag, b_frag; drawn in the lesson): its 4 registers of A are pairs of
// neighbours along k in one row of the row-major A tile, so one 4-byte shared load each; its 2
// registers of B per n8 tile are pairs of neighbours along k in one *column* of the row-major B
// tile, two rows apart in memory, so two 2-byte loads packed into one register. The accumulators
// are 2 x 4 fp32 registers per lane whose places (wb::mma::c_frag) we know, so the epilogue writes
// C straight from registers (wb::tile::store_c_fragment): no shared-memory round trip.
//
// Prediction at 4096^3: the same tiles and tensor-core work as step 2 and the same shared-memory
// bytes and conflicts: A's 4-byte loads put rows g = 0..7, 64 bytes apart, on 8 banks (4-way), and
// B's 2-byte loads read rows 2t, 2t + 2, ... 128 bytes apart (4-way): 16 + 32 = 48 wavefronts per
// k16 per warp, as with LDSM. But 12 load instructions and 4 packs where WMMA issued 2 LDSM. Expect
// 0.8-1.0x step 2: this step is about *knowing* the layout, which steps 4-6 need; the speed comes
// later. Nsight Compute: smsp__inst_executed_op_shared_ld up, l1tex__data_bank_conflicts
// _pipe_lsu_mem_shared_op_ld large.
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
    hgemm_mma_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                     const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC, int ldc) {
  // WB_EXERCISE_BEGIN
  __shared__ __align__(128) std::uint16_t sA[LayoutA::elems(Tiles::BM)];  // (BM, BK), 16-bit bits
  __shared__ __align__(128) std::uint16_t sB[LayoutB::elems(Tiles::BK)];  // (BK, BN)
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int m0 = blockIdx.y * Tiles::BM, n0 = blockIdx.x * Tiles::BN;  // block tile in C
  const int wm0 = (warp / Tiles::kWarpsN) * Tiles::WM;                 // warp tile in the block
  const int wn0 = (warp % Tiles::kWarpsN) * Tiles::WN;
  const auto* a16 = reinterpret_cast<const std::uint16_t*>(gA);
  const auto* b16 = reinterpret_cast<const std::uint16_t*>(gB);

  float rC[2][4] = {};  // (WN / 8) m16n8 accumulator tiles, c_frag layout
  for (int k0 = 0; k0 < K; k0 += Tiles::BK) {
    wb::tile::copy_k_tile<LayoutA, LayoutB, Tiles::BM, Tiles::BN, Tiles::BK, Tiles::kThreads, kVec>(
        sA, sB, a16, lda, b16, ldb, M, N, K, m0, n0, k0);
    __syncthreads();  // both tiles complete
#pragma unroll
    for (int kk = 0; kk < Tiles::BK; kk += 16) {
      std::uint32_t rA[4];  // A (16 x 16) at (wm0, kk): register j = elements 2j, 2j + 1
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const wb::mma::Coord c = wb::mma::a_frag(lane, 2 * j);  // its neighbour is at c.col + 1
        rA[j] =
            *reinterpret_cast<const std::uint32_t*>(sA + LayoutA::offset(wm0 + c.row, kk + c.col));
      }
      std::uint32_t rB[4];  // B (16 x 16) at (kk, wn0): n8 tile h in registers 2h, 2h + 1
#pragma unroll
      for (int h = 0; h < 2; ++h) {
#pragma unroll
        for (int j = 0; j < 2; ++j) {
          const wb::mma::Coord lo = wb::mma::b_frag(lane, 2 * j),
                               hi = wb::mma::b_frag(lane, 2 * j + 1);
          rB[2 * h + j] = wb::mma::pack2(sB[LayoutB::offset(kk + lo.row, wn0 + 8 * h + lo.col)],
                                         sB[LayoutB::offset(kk + hi.row, wn0 + 8 * h + hi.col)]);
        }
      }
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
void launch_mma(const Args<T>& a, cudaStream_t stream) {
  launch_tiled<T>(a, hgemm_mma_kernel<T, true>, hgemm_mma_kernel<T, false>, Tiles::BM, Tiles::BN,
                  dim3(Tiles::kThreads), "mma", stream);
}

template void launch_mma<__half>(const Args<__half>&, cudaStream_t);
template void launch_mma<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch06
