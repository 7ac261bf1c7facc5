// Chapter 06, step 6 — warp tiles: several mma tiles per warp per k-step, fragments reused from
// registers.
//
// The idea: in step 5 a warp loads an A fragment and a B fragment (2 LDSM.x4, 8 wavefronts) for
// every 2 mma: each fragment feeds 1 or 2 tensor-core instructions. Give each warp a WM x WN tile
// of C instead: per k16 it loads WM / 16 A fragments and WN / 16 B pairs once, keeps them in
// registers, and issues all (WM / 16) x (WN / 8) mma, each A fragment used WN / 8 times and each B
// fragment WM / 16 times (chapter 03 step 5's outer product, one level up). The block tile grows
// with it (128 x 128 for 4 warps of 64 x 64), which doubles the FLOPs per byte fetched from L2.
// Everything else is step 5's: swizzled shared memory, the synchronous k-tile copy
// (wb::tile::copy_k_tile: every 16-byte load of the A and B tiles issued before the first store,
// one global round trip per k-tile), two barriers per k-tile.
//
// The configuration (Chosen below): 128 x 128 block, BK = 64, 64 x 64 warp tiles, 4 warps, from
// the H100 design sweep (README section 8). Per k-tile a thread loads 16 chunks of 16 bytes (8 of
// A, 8 of B), 32 KB per block in flight at once. Registers: 4 x 8 x 4 = 128 accumulators + 16 (A)
// + 16 (B), and the copy's 16 chunks (64 registers) live next to the accumulators: -Xptxas -v
// says 255 with no stack frame, which still fits 2 blocks (8 warps) per SM, so while one block
// waits for its tile loads the other computes.
//
// Prediction, written before anything ran, for the first choice of tile (128 x 128 x 32, 64 x 64
// warp tiles): per k16 per warp 4 + 4 LDSM.x4 (32 wavefronts) for 32 mma: 1 wavefront per mma,
// against 4 in step 5; with the tile stores 1.5 per mma. The mma.sync peak (~647 TFLOP/s, 132
// SMs) is ~0.6 mma per clock per SM at ~1.98 GHz, and shared memory (1 wavefront per clock)
// allows ~0.67: no longer the limit. Global: 64 FLOP per byte from L2 (if L2 delivers less than
// ~6.5 TB/s to the SMs, that caps the step below 420 TFLOP/s). Expect 350-420 TFLOP/s, 0.55-0.65x
// cuBLAS fp16, ~2-2.5x step 5; bf16 the same. Nsight Compute: stalls shift from mio_throttle /
// short_scoreboard (shared loads) to barrier and long_scoreboard (the synchronous loads).
//
// Measured on the H100 (README section 7): that first version, whose copy stored each chunk before
// loading the next (8 round trips in a row per k-tile), ran 71.8 TFLOP/s at 4096^3 fp16. This
// version: 239.6 TFLOP/s at 4096^3 and 246.6 at 8192^3, 0.30x and 0.31x cuBLAS, 2.27x step 5;
// bf16 within 0.2%. What still limits it (one exposed round trip per k-tile with 2 blocks of 4
// warps, the barriers, L2 bytes per FLOP) is README section 7's "What limits step 6 now".
//
// Every shape: tails are zero-filled by the tile copy and masked in the epilogue, K need not be a
// multiple of 16 or 64, and unaligned leading dimensions or pointers take the scalar copy path.
#include "hgemm.h"
#include "hgemm_device.cuh"

#include "wb/device/gemm_tile.cuh"
#include "wb/device/mma.cuh"
#include "wb/device/warp_tile.cuh"
#include "wb/mma_layout.h"
#include "wb/swizzle.h"
#include "wb/exercise.h"
WB_EXERCISE_TODO(
    "warptile",
    "Read \"Step 6: warp tiles\" in README.md: each warp a WM x WN tile of (WM/16) x (WN/8) m16n8 "
    "tiles; per k16 load rA[kMT][4] and rB[kNT/2][4] once, then all the mma");

#include <type_traits>

namespace ch06 {
namespace {

// A configuration: block tile BM x BN, k-tile BK, warp tile WM x WN, blocks per SM asked of the
// compiler (wb/device/warp_tile.cuh, where chapter 07 takes it from).
template <int BM, int BN, int BK, int WM, int WN, int kMinBlocks = 1>
using WarpTiles = wb::tile::WarpTiles<BM, BN, BK, WM, WN, kMinBlocks>;

template <class T, class Cfg, bool kVec>
__global__ void __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)
    hgemm_warptile_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                          const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC,
                          int ldc) {
  using LayoutA = wb::smem::Swizzled<Cfg::BK>;  // (BM, BK) tile of A
  using LayoutB = wb::smem::Swizzled<Cfg::BN>;  // (BK, BN) tile of B
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 6: warp tiles"): write the kernel body.
  //   1. Static shared memory, 128-byte aligned: std::uint16_t sA[LayoutA::elems(Cfg::BM)] ((BM,
  //      BK) of A, swizzled) and sB[LayoutB::elems(Cfg::BK)] ((BK, BN) of B, swizzled).
  //   2. Indices: warp, lane; (m0, n0) = (blockIdx.y * Cfg::BM, blockIdx.x * Cfg::BN); the warp's
  //      tile at (wm0, wn0) = ((warp / Cfg::kWarpsN) * Cfg::WM, (warp % Cfg::kWarpsN) * Cfg::WN);
  //      r = wb::mma::ldmatrix_row(lane).
  //   3. float rC[Cfg::kMT][Cfg::kNT][4] = {}: m16n8 tile (mi, ni) covers rows wm0 + 16 mi .. + 15,
  //      columns wn0 + 8 ni .. + 7 of the block tile.
  //   4. Per k0 (step BK): copy_k_tile<LayoutA, LayoutB, Cfg::BM, Cfg::BN, Cfg::BK, Cfg::kThreads,
  //      kVec> (A's BM x BK tile at (m0, k0), B's BK x BN tile at (k0, n0)), __syncthreads();
  //      for kk = 0, 16, ... < BK:
  //      - rA[mi] (mi < kMT): ldmatrix_x4 at sA + LayoutA::offset(wm0 + 16 mi + r.row, kk + r.col);
  //      - rB[nj] (nj < kNT / 2): ldmatrix_x4_trans at sB + LayoutB::offset(kk + r.row,
  //        wn0 + 16 nj + r.col) (n8 tile 2nj in rB[nj][0..1], 2nj + 1 in rB[nj][2..3]);
  //      - for every (mi, ni): mma_m16n8k16<T>(rC[mi][ni], rA[mi], rB[ni / 2][2 (ni % 2)],
  //        rB[ni / 2][2 (ni % 2) + 1]): each fragment loaded once, used kNT or kMT times;
  //      then __syncthreads() before the next copy. Keep every loop fully unrolled (#pragma unroll)
  //      so rC, rA, rB stay in registers: -Xptxas=-v must show no stack frame for sm_90 (a build
  //      without a GPU also compiles sm_80, whose count may differ: judge by the sm_90 lines).
  //   5. wb::tile::store_c_fragment<kVec>(gC, ldc, M, N, m0 + wm0 + 16 mi, n0 + wn0 + 8 ni,
  //      rC[mi][ni], alpha, beta, lane) for every (mi, ni).
  // Cfg is wb::tile::WarpTiles (wb/device/warp_tile.cuh: BM, BN, BK, WM, WN, kWarpsN, kMT =
  // WM / 16, kNT = WN / 8, kThreads). That header also holds warp_tile_mma and store_warp_tile:
  // items 4 and 5 written once for chapter 07 to reuse. Write yours here: calling them would
  // pass the tests and teach nothing.
  // WB_EXERCISE_END
}

template <class Cfg, class T>
void launch_config(const Args<T>& a, cudaStream_t stream) {
  launch_tiled<T>(a, hgemm_warptile_kernel<T, Cfg, true>, hgemm_warptile_kernel<T, Cfg, false>,
                  Cfg::BM, Cfg::BN, dim3(Cfg::kThreads), "warptile", stream);
}

// The chosen configuration (README "Step 6"); the others are compiled for the tests and the sweep.
using Chosen = WarpTiles<128, 128, 64, 64, 64>;

}  // namespace

template <class T>
void launch_warptile(const Args<T>& a, cudaStream_t stream) {
  launch_config<Chosen>(a, stream);
}

template void launch_warptile<__half>(const Args<__half>&, cudaStream_t);
template void launch_warptile<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

namespace tuning {

const std::vector<Config>& warptile_configs() {
  using W128x128x32w64x64 = WarpTiles<128, 128, 32, 64, 64>;
  using W128x128x32w64x32 = WarpTiles<128, 128, 32, 64, 32, 2>;
  using W128x128x64w64x32 = WarpTiles<128, 128, 64, 64, 32, 2>;
  using W128x256x32w64x64 = WarpTiles<128, 256, 32, 64, 64>;
  using W256x128x32w64x64 = WarpTiles<256, 128, 32, 64, 64>;
  using W64x128x32w32x64 = WarpTiles<64, 128, 32, 32, 64>;
  using W128x64x32w64x32 = WarpTiles<128, 64, 32, 64, 32>;
  static_assert(std::is_same_v<Chosen, WarpTiles<128, 128, 64, 64, 64>>,
                "the first configuration is the chosen one: rename it with Chosen");
  static const std::vector<Config> configs = {
      {"warptile", "warptile/128x128x64 w64x64", launch_warptile<__half>,
       launch_warptile<__nv_bfloat16>},
      {"warptile", "warptile/128x128x32 w64x64", launch_config<W128x128x32w64x64, __half>,
       launch_config<W128x128x32w64x64, __nv_bfloat16>},
      {"warptile", "warptile/128x128x32 w64x32", launch_config<W128x128x32w64x32, __half>,
       launch_config<W128x128x32w64x32, __nv_bfloat16>},
      {"warptile", "warptile/128x128x64 w64x32", launch_config<W128x128x64w64x32, __half>,
       launch_config<W128x128x64w64x32, __nv_bfloat16>},
      {"warptile", "warptile/128x256x32 w64x64", launch_config<W128x256x32w64x64, __half>,
       launch_config<W128x256x32w64x64, __nv_bfloat16>},
      {"warptile", "warptile/256x128x32 w64x64", launch_config<W256x128x32w64x64, __half>,
       launch_config<W256x128x32w64x64, __nv_bfloat16>},
      {"warptile", "warptile/64x128x32 w32x64", launch_config<W64x128x32w32x64, __half>,
       launch_config<W64x128x32w32x64, __nv_bfloat16>},
      {"warptile", "warptile/128x64x32 w64x32", launch_config<W128x64x32w64x32, __half>,
       launch_config<W128x64x32w64x32, __nv_bfloat16>},
  };
  return configs;
}

}  // namespace tuning

}  // namespace ch06
