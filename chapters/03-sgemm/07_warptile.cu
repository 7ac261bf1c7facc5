// Chapter 03, exercise 7 — warp tiling: each warp owns a WM x WN tile of C made of strided 4 x 4
// sub-tiles; shared memory is double-buffered; the tile configuration is tuned for the H100.
//
// The idea, in three parts:
//  1. Warp tile. Step 6 gives thread t the contiguous 8 x 8 block at (tr*8, tc*8), so the 16-byte
//     shared loads of a warp are 32 bytes apart: 2-way bank conflicts, and the loads of A cover
//     256 bytes. Here a warp is a 4 x 8 grid of threads; thread (tm, tn) owns the 4 x 4 sub-tiles
//     at rows i*16 + tm*4 and columns j*32 + tn*4 (i, j = 0, 1): for each k the warp's loads of
//     B are 8 neighbouring float4s (128 bytes, one wavefront) and of A 4 neighbouring float4s
//     (broadcast to 8 lanes each). warp_tile_pos() in sgemm.h is this mapping; the CPU tests check
//     that it covers the block tile exactly once.
//  2. Double buffering. While the FMAs of tile t run on one shared buffer, the loads of tile t+1
//     are already in flight into registers; they go to the other buffer after the FMAs. One
//     __syncthreads per tile instead of two, and global latency hidden behind 512 FMAs.
//  3. Tuning. BM, BN, BK, the warp tile and the warp grid are template parameters; `ch03_bench
//     --ch03_sweep` times every compiled configuration at 4096^3. README "Tuning for the H100"
//     gives the choice and the numbers.
//
// Prediction at 4096^3: 4 LDS.128 per 64 FFMA, no bank conflicts, global loads hidden: FFMA
// issue becomes the limit, ~85% of issue slots -> 0.80-0.90x cuBLAS (~42-46 TFLOP/s).
// Nsight Compute: shared wavefronts per request -> 1, sm__pipe_fma_cycles_active and
// smsp__issue_active near their peak.
//
// Read "Step 7" in README.md, write the kernel below (the launcher is done), delete the
// WB_EXERCISE_TODO line and run `make chapter-03-check`.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO(
    "warptile",
    "lay each warp out as 4x8 threads owning strided 4x4 sub-tiles (warp_tile_pos in sgemm.h), and "
    "double-buffer the shared tiles with loads of tile t+1 in flight during the FMAs of tile t");

namespace ch03 {
namespace {

// Everything derived from the five tile parameters, checked once.
template <int BM_, int BN_, int BK_, int WM_, int WN_, int kWarpRows_, int kMinBlocks_>
struct WarpTiles {
  static constexpr int BM = BM_, BN = BN_, BK = BK_;      // block tile of C, k per shared tile
  static constexpr int WM = WM_, WN = WN_;                // warp tile of C
  static constexpr int kWarpRows = kWarpRows_;            // threads of a warp along m
  static constexpr int kWarpCols = 32 / kWarpRows;        // threads of a warp along n
  static constexpr int kIterM = WM / (4 * kWarpRows);     // 4 x 4 sub-tiles per thread along m
  static constexpr int kIterN = WN / (4 * kWarpCols);     // ... along n
  static constexpr int TM = 4 * kIterM, TN = 4 * kIterN;  // outputs per thread
  static constexpr int kWarpsN = BN / WN;
  static constexpr int kThreads = (BM / WM) * kWarpsN * 32;
  static constexpr int kMinBlocks = kMinBlocks_;  // resident blocks per SM we ask registers for
  static constexpr int kPadA = 4;                 // floats; rows stay 16-byte aligned
  static constexpr int kLdA = BM + kPadA;         // row length of the transposed A tile
  static constexpr int kLoadsA = BM * BK / 4 / kThreads;  // float4 of A per thread per tile
  static constexpr int kLoadsB = BK * BN / 4 / kThreads;  // float4 of B per thread per tile
  static constexpr std::size_t kSmemBytes = 2 * (BK * kLdA + BK * BN) * sizeof(float);
  static_assert(32 % kWarpRows == 0, "a warp grid must use all 32 lanes");
  static_assert(kIterM >= 1 && kIterN >= 1 && TM * TN <= 256,
                "each thread owns whole 4 x 4 sub-tiles, and its outputs fit in registers");
  static_assert(WM % (4 * kWarpRows) == 0 && WN % (4 * kWarpCols) == 0, "whole sub-tiles");
  static_assert(BM % WM == 0 && BN % WN == 0, "whole warp tiles");
  static_assert(BK % 4 == 0, "A is loaded as float4 along k");
  static_assert(kLoadsA * 4 * kThreads == BM * BK && kLoadsB * 4 * kThreads == BK * BN,
                "whole float4 loads per thread");
  static_assert(kThreads % (BK / 4) == 0 && kThreads % (BN / 4) == 0,
                "every float4 load of a thread sits in the same column of its tile");
  static_assert(kThreads <= 1024, "at most 1024 threads per block");
};

template <class T, bool kVec>
__global__ void __launch_bounds__(T::kThreads, T::kMinBlocks)
    sgemm_warptile_kernel(int M, int N, int K, float alpha, const float* __restrict__ gA, int lda,
                          const float* __restrict__ gB, int ldb, float beta, float* __restrict__ gC,
                          int ldc) {
  // TODO(exercise 7):
  //   1. Warp tile origin: wm0 = (warp / kWarpsN) * WM, wn0 = (warp % kWarpsN) * WN; lane -> tm =
  //   lane / kWarpCols, tn = lane % kWarpCols.
  //   2. load_tile(k0): kLoadsA float4 of A (rows (tid + s*kThreads) / (BK/4), k offset (tid %
  //   (BK/4)) * 4) and kLoadsB of B into registers with load4<kVec>.
  //   3. store_tile(buf): A transposed into sA[buf][k][m] (padded rows, kLdA), B as float4 into
  //   sB[buf][k][n].
  //   4. load_tile(0); store_tile(0); sync; for each tile t: load_tile(t+1) if any; FMAs on buffer
  //   t&1 with rA[i*4..] = float4 at sA[kk][wm0 + i*4*kWarpRows + tm*4] and rB likewise;
  //   store_tile(buf^1) if any; one __syncthreads().
  //   5. Epilogue: row of acc[i] = m0 + wm0 + (i/4)*4*kWarpRows + tm*4 + i%4; column of float4 j =
  //   wn0 + j*4*kWarpCols + tn*4; store4<kVec>.
}

template <class T>
void launch_config(const SgemmArgs& a, cudaStream_t stream) {
  const char* where = "ch03::launch_warptile";
  validate(a, where);
  const dim3 grid = tile_grid(a, T::BM, T::BN, where);
  auto kernel =
      vector_friendly(a) ? sgemm_warptile_kernel<T, true> : sgemm_warptile_kernel<T, false>;
  allow_dynamic_smem(reinterpret_cast<const void*>(kernel), T::kSmemBytes);
  kernel<<<grid, T::kThreads, T::kSmemBytes, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

// The chosen configuration (see README "Tuning for the H100").
using Chosen = WarpTiles<128, 128, 8, 32, 64, 4, 2>;

}  // namespace

void launch_warptile(const SgemmArgs& a, cudaStream_t stream) {
  launch_config<Chosen>(a, stream);
}

}  // namespace ch03
