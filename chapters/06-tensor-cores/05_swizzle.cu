// Chapter 06, step 5 — swizzle: the shared tiles XOR-swizzled, no bank conflicts.
//
// The idea: step 4 reads each 8 x 8 matrix as 8 rows of 16 bytes, and in the plain layout those
// rows start 64 or 128 bytes apart, i.e. in 2 or 1 of the 8 16-byte slots of a 128-byte bank
// line: 4-way and 8-way conflicts. Store logical 16-byte chunk c of row r at chunk
// c ^ s(r) instead (wb::smem::Swizzled, wb::smem::swizzle_chunk): any 8 consecutive rows at one
// logical chunk land in 8 different slots, and each row is still one contiguous run of chunks, so
// the 16-byte copies from global memory are unchanged and conflict-free too. The kernel is step
// 4's with the layout as a template parameter; the copy and the ldmatrix addresses go through
// Layout::offset. The alternative, padding each row by 16 bytes (wb::smem::Padded), is compiled as
// a second configuration ("swizzle/padded"): it is also conflict-free for ldmatrix, costs 25%
// (A) and 12.5% (B) more shared memory, and its 16-byte stores of A's 80-byte rows conflict
// 2-way (tests/ch06/hgemm_cpu_test.cpp counts both).
//
// Prediction at 4096^3: wavefronts per k16 per warp fall from 48 to 8, 5 per mma with the tile
// stores (padded 5.5: its A stores conflict): a cap of ~214 (195) TFLOP/s. The 64 x 64 block tile
// (32 FLOP per byte fetched from L2) is the next limit. Expect 120-180 TFLOP/s, 3-5x step 4, the
// padded layout a few percent below. Nsight Compute: ldsm bank conflicts -> 0 for both layouts;
// shared-store conflicts > 0 for padded only.
#include "hgemm.h"
#include "hgemm_device.cuh"

#include "wb/device/gemm_tile.cuh"
#include "wb/device/mma.cuh"
#include "wb/mma_layout.h"
#include "wb/swizzle.h"
#include "wb/exercise.h"
WB_EXERCISE_TODO("swizzle",
                 "Read \"Step 5: swizzle\" in README.md: step 4 with every shared-memory offset "
                 "taken from the Layout template parameter (Swizzled or Padded)");

namespace ch06 {
namespace {

using Tiles = SmallTiles;

// Layout: wb::smem::Swizzled (the step) or wb::smem::Padded (the configuration compared with it).
template <class T, template <int, int> class Layout, bool kVec>
__global__ void __launch_bounds__(Tiles::kThreads)
    hgemm_swizzle_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                         const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC,
                         int ldc) {
  using LayoutA = Layout<Tiles::BK, 2>;  // (BM, BK) tile of A: rows of 32 elements
  using LayoutB = Layout<Tiles::BN, 2>;  // (BK, BN) tile of B: rows of 64 elements
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 5: swizzle"): write the kernel body.
  //   It is step 4's, with LayoutA and LayoutB now built from the template parameter Layout
  //   (wb::smem::Swizzled for the step, wb::smem::Padded for the configuration it is compared
  //   with):
  //   1. Static shared memory, 128-byte aligned: std::uint16_t sA[LayoutA::elems(Tiles::BM)] and
  //      sB[LayoutB::elems(Tiles::BK)] (Padded rows are 8 elements longer; elems() knows).
  //   2. Indices: warp, lane, (m0, n0), (wm0, wn0) and r = wb::mma::ldmatrix_row(lane), as in
  //      step 4.
  //   3. float rC[2][4] = {}; per k0: copy_k_tile<LayoutA, LayoutB, ...> (it places each 16-byte
  //      chunk with Layout::offset), __syncthreads(), for kk = 0, 16:
  //      ldmatrix_x4(rA, sA + LayoutA::offset(wm0 + r.row, kk + r.col)),
  //      ldmatrix_x4_trans(rB, sB + LayoutB::offset(kk + r.row, wn0 + r.col)), two mma_m16n8k16<T>;
  //      __syncthreads() after the kk loop. Never compute an offset by hand: the swizzle permutes
  //      16-byte chunks, and Layout::offset is the function the CPU tests check.
  //   4. Epilogue: store_c_fragment for h = 0, 1.
  // WB_EXERCISE_END
}

template <template <int, int> class Layout, class T>
void launch_layout(const Args<T>& a, cudaStream_t stream) {
  launch_tiled<T>(a, hgemm_swizzle_kernel<T, Layout, true>, hgemm_swizzle_kernel<T, Layout, false>,
                  Tiles::BM, Tiles::BN, dim3(Tiles::kThreads), "swizzle", stream);
}

}  // namespace

template <class T>
void launch_swizzle(const Args<T>& a, cudaStream_t stream) {
  launch_layout<wb::smem::Swizzled>(a, stream);
}

template void launch_swizzle<__half>(const Args<__half>&, cudaStream_t);
template void launch_swizzle<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

namespace tuning {

const std::vector<Config>& swizzle_configs() {
  static const std::vector<Config> configs = {
      {"swizzle", "swizzle/swizzled", launch_swizzle<__half>, launch_swizzle<__nv_bfloat16>},
      {"swizzle", "swizzle/padded", launch_layout<wb::smem::Padded, __half>,
       launch_layout<wb::smem::Padded, __nv_bfloat16>},
  };
  return configs;
}

}  // namespace tuning

}  // namespace ch06
