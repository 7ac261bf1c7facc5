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
#include "wb/exercise.h"
WB_EXERCISE_TODO(
    "ldmatrix",
    "Read \"Step 4: ldmatrix\" in README.md: step 3 with the fragments loaded by "
    "wb::mma::ldmatrix_x4 (A) and ldmatrix_x4_trans (B) at the row wb::mma::ldmatrix_row(lane)");

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
  // TODO(exercise, README "Step 4: ldmatrix"): write the kernel body.
  //   1. Static shared memory and indices exactly as in step 3 (plain row-major sA (64, 32) and
  //      sB (32, 64) as std::uint16_t, __shared__ __align__(128); warp, lane, m0, n0, wm0, wn0).
  //   2. r = wb::mma::ldmatrix_row(lane): the row of the warp's 16 x 16 tile whose address
  //      this lane gives to ldmatrix (r.row = 0..15, r.col = 0 or 8).
  //   3. float rC[2][4] = {}; for each k0: the copy_k_tile call of step 2, __syncthreads(), then
  //      for kk = 0, 16:
  //      wb::mma::ldmatrix_x4(rA, sA + LayoutA::offset(wm0 + r.row, kk + r.col));
  //      wb::mma::ldmatrix_x4_trans(rB, sB + LayoutB::offset(kk + r.row, wn0 + r.col)) (rB[0],
  //      rB[1]: the B fragment of columns wn0 .. + 7; rB[2], rB[3]: of wn0 + 8 .. + 15);
  //      mma_m16n8k16<T>(rC[h], rA, rB[2h], rB[2h + 1]) for h = 0, 1; __syncthreads() after the
  //      loop.
  //   4. The epilogue of step 3: store_c_fragment for h = 0, 1.
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
