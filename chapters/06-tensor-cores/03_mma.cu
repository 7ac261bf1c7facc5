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
#include "wb/exercise.h"
WB_EXERCISE_TODO(
    "mma",
    "Read \"Step 3: mma.sync by hand\" in README.md: step 2 with mma_m16n8k16 and fragments loaded "
    "with wb::mma::a_frag/b_frag; accumulators rC[2][4] written by wb::tile::store_c_fragment");

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
  // TODO(exercise, README "Step 3: mma.sync by hand"): write the kernel body.
  //   1. Static shared memory, 128-byte aligned: std::uint16_t sA[LayoutA::elems(Tiles::BM)] ((BM,
  //      BK) = (64, 32) of A, plain row-major) and sB[LayoutB::elems(Tiles::BK)] ((BK, BN) = (32,
  //      64)).
  //   2. Indices as in step 2: warp, lane, (m0, n0) of the block, (wm0, wn0) of the warp's 16 x 16.
  //   3. float rC[2][4] = {}: the accumulators of the two m16n8 tiles (columns wn0 .. + 7 and
  //      wn0 + 8 .. + 15), laid out as wb::mma::c_frag says.
  //   4. For each k0 (step BK): the copy_k_tile call of step 2, __syncthreads(), then for
  //      kk = 0, 16, with std::uint32_t rA[4], rB[4] (two 16-bit elements per register):
  //      - rA[j] (j < 4) = the 4-byte word at sA + LayoutA::offset(wm0 + c.row, kk + c.col) with
  //        c = wb::mma::a_frag(lane, 2 * j) (its elements 2j and 2j + 1 are neighbours);
  //      - rB[2h + j] (h, j < 2) = wb::mma::pack2(sB[LayoutB::offset(kk + lo.row, wn0 + 8h +
  //        lo.col)], sB[... hi ...]) with lo = wb::mma::b_frag(lane, 2j), hi = b_frag(lane, 2j +
  //        1);
  //      - wb::mma::mma_m16n8k16<T>(rC[h], rA, rB[2h], rB[2h + 1]) for h = 0, 1;
  //      and __syncthreads() after the kk loop.
  //   5. wb::tile::store_c_fragment<kVec>(gC, ldc, M, N, m0 + wm0, n0 + wn0 + 8h, rC[h],
  //      alpha, beta, lane) for h = 0, 1 (bounds and beta == 0 are handled there).
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
