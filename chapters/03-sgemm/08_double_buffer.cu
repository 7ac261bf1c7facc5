// Chapter 03, step 8 — double buffering: two shared-memory stages, the next k tile's global loads
// in flight while the FMAs of this one run.
//
// The idea: in step 7 a k tile goes load -> barrier -> FMAs -> barrier, and during the load every
// warp of the block waits (one block per SM: nobody else has work). Here shared memory holds two
// stages. At the top of k tile t the thread issues the global loads of tile t + 1 into registers
// (ldA, ldB); the FMAs of tile t then run on stage t % 2 while those loads are in flight; after
// the FMAs the registers go to the other stage, and one barrier makes it visible. Nobody reads
// stage (t + 1) % 2 during tile t (everyone passed the previous barrier after finishing with it),
// so the second barrier of step 7 is gone too. Two stages of the tuned tile (128 x 256 x 16) are
// 49,664 bytes: above the 48 KiB a block may have without opting in, so they are dynamic shared
// memory and the launcher raises the limit (wb::allow_dynamic_smem). Dynamic also lets the same
// template compile the sweep's other configurations (double_buffer_configs()).
//
// Prediction at 4096^3 (written for the 128 x 256 x 8 tile): the global latency step 7 exposed
// per k tile is now hidden behind 1,024 FMAs per thread, and half the barriers are gone:
// 0.88-0.93x cuBLAS (~45-48 TFLOP/s), the old one-step warp-tiled kernel's 0.91x. Nsight Compute:
// smsp__issue_active and sm__pipe_fma_cycles_active up, barrier and long-scoreboard stalls down
// from step 7. With BK = 16 (the tile two sweeps in a row timed ~1% faster: README "Tuning for the
// H100") a k tile holds 2,048 FMAs per thread behind one barrier and one set of loads in flight:
// ~0.91x cuBLAS at 4096^3 and 8192^3 (the sweep's 0.913x at 4096^3; 8192^3 not swept).
//
// Limits: M up to 8,388,480 (grid y); N, K up to 2^31 - 1. The tile count is wb::ceil_div(K, BK):
// written as (K + BK - 1) / BK in int it overflowed at K = 2^31 - 1 and made the kernel run one
// k tile (the bug this chapter once shipped); the next tile's k0 = (t + 1) * BK is formed only
// when t + 1 < tiles, so it stays below K.
//
// Read "Step 8: double buffering" in chapters/03-sgemm/README.md.
#include "sgemm.h"
#include "sgemm_device.cuh"
#include "warp_tiles.h"

#include "wb/check.h"
#include "wb/launch.h"
#include "wb/math.h"
#include "wb/exercise.h"

#include <type_traits>

WB_EXERCISE_TODO("double_buffer",
                 "start from your step 7 kernel: two stages of dynamic shared memory, load tile "
                 "t+1 into registers before the FMAs of tile t, store it to the other stage after "
                 "them, one __syncthreads per tile");

namespace ch03 {
namespace {

template <class T, bool kVec>
__global__ void __launch_bounds__(T::kThreads, T::kMinBlocks)
    sgemm_double_buffer_kernel(int M, int N, int K, float alpha, const float* __restrict__ gA,
                               int lda, const float* __restrict__ gB, int ldb, float beta,
                               float* __restrict__ gC, int ldc) {
  // WB_EXERCISE_BEGIN
  // TODO(step 8): write the kernel, starting from your 07_warptile.cu kernel (same T, same
  // indices m0, n0, w, warp_tile_pos, tile_load_pos; the FMAs and the epilogue do not change).
  // The launcher below is done. Then delete the WB_EXERCISE_TODO statement at the top of this file
  // and run `make chapter-03-check`. T is any WarpTiles configuration: double_buffer_configs() runs
  // this kernel with nine of them, so use T's constants, never numbers.
  //   1. Shared memory is DYNAMIC: the launcher passes T::smem_bytes(2) bytes (49,664 for Tuned,
  //      128 x 256 x 16: above the 48 KiB a static array may have; 24,832 for the BK = 8 ones).
  //      Declare it and lay it out as two stages of step 7's two tiles:
  //        extern __shared__ __align__(16) float smem[];
  //        float* sA = smem;                        // [2][BK][kLdA]: sA[stage][k][m], A transposed
  //        float* sB = smem + 2 * T::BK * T::kLdA;  // [2][BK][BN]:  sB[stage][k][n]
  //      so element (k, m) of stage s of A is sA[s * BK * kLdA + k * kLdA + m], and (k, n) of B is
  //      sB[s * BK * BN + k * BN + n].
  //   2. Registers for the tile in flight: float4 ldA[T::kLoadsA], ldB[T::kLoadsB].
  //      load_tile(k0): step 7's global loads (load4<kVec>, same tile_load_pos indices), into
  //        ldA[s] and ldB[s] instead of shared memory.
  //      store_tile(stage): ldA[s] to stage `stage` of sA, transposed as in step 7; ldB[s] as one
  //        float4 to stage `stage` of sB.
  //   3. tiles = wb::ceil_div(K, T::BK). load_tile(0); store_tile(0); __syncthreads();
  //      for t < tiles: stage = t & 1;
  //        if (t + 1 < tiles) load_tile((t + 1) * T::BK);  // in flight during the FMAs
  //        the FMAs of step 7 on stage `stage`;
  //        if (t + 1 < tiles) store_tile(stage ^ 1);
  //        __syncthreads();  // one barrier per tile: the next stage is complete, and everyone is
  //                          // done with this one before it is overwritten at tile t + 2
  //   4. Epilogue: step 7's.
  // WB_EXERCISE_END
}

template <class T>
void launch_config(const Args& a, cudaStream_t stream) {
  const char* where = "ch03::launch_double_buffer";
  wb::gemm::validate(a, where);
  const dim3 grid = wb::gemm::tile_grid(a.M, a.N, T::BM, T::BN, where);
  auto kernel = wb::gemm::vector_friendly(a) ? sgemm_double_buffer_kernel<T, true>
                                             : sgemm_double_buffer_kernel<T, false>;
  const std::size_t smem = T::smem_bytes(2);
  wb::allow_dynamic_smem(kernel, smem, where);
  kernel<<<grid, T::kThreads, smem, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

template <class T>
TileConfig config(const char* name) {
  return TileConfig{name,
                    launch_config<T>,
                    T::BM,
                    T::BN,
                    T::BK,
                    T::WM,
                    T::WN,
                    T::kWarpRows,
                    T::kThreads,
                    T::smem_bytes(2),
                    std::is_same_v<T, Tuned>};
}

}  // namespace

void launch_double_buffer(const Args& a, cudaStream_t stream) {
  launch_config<Tuned>(a, stream);
}

const std::vector<TileConfig>& double_buffer_configs() {
  // The tuning sweep's candidates (bench/ch03_sweep.cu; README "Tuning for the H100"). The last
  // parameter asks __launch_bounds__ for that many resident blocks per SM (a register budget).
  static const std::vector<TileConfig> configs = {
      config<Tuned>("128x256x16 w64x64 t16x8"),
      config<WarpTiles<128, 256, 8, 64, 64, 4, 1>>("128x256x8 w64x64 t16x8"),
      config<WarpTiles<128, 128, 8, 32, 64, 4, 2>>("128x128x8 w32x64 t8x8"),
      config<WarpTiles<128, 128, 16, 32, 64, 4, 2>>("128x128x16 w32x64 t8x8"),
      config<WarpTiles<128, 128, 8, 64, 32, 8, 2>>("128x128x8 w64x32 t8x8 (lanes 8x4)"),
      config<WarpTiles<128, 256, 8, 64, 64, 8, 1>>("128x256x8 w64x64 t8x16 (lanes 8x4)"),
      config<WarpTiles<256, 128, 8, 64, 64, 4, 1>>("256x128x8 w64x64 t16x8"),
      config<WarpTiles<256, 128, 16, 64, 64, 4, 1>>("256x128x16 w64x64 t16x8"),
      config<WarpTiles<64, 128, 8, 32, 64, 4, 4>>("64x128x8 w32x64 t8x8 (128 threads)"),
  };
  return configs;
}

}  // namespace ch03
