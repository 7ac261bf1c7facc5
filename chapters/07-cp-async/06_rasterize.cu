// Chapter 07, step 6 — rasterize: the blocks visit the tiles of C in bands (L2 reuse).
//
// The idea: blocks are scheduled in blockIdx order, x fastest, so the ~264 blocks resident at
// once (two per SM) cover whole rows of tiles of C: at 8192^3 (64 x 64 tiles of 128 x 128) about
// 5 tile rows, i.e. 5 tile rows of A but all 64 tile columns of B, every k-step. Chapter 02
// taught the fix for its transpose (step 6, "grouped"): number the tiles in bands of kGroupRows =
// 8 tile rows and walk each band column by column (wb::grouped_tile_of, now in wb/tile_order.h).
// The resident blocks then cover 8 tile rows and 33 tile columns: per wave A and B bring
// (8 + 33) x 128 x 8192 x 2 = 86 MB from DRAM instead of (5 x 128 + 8192) x 8192 x 2 = 145 MB.
// The kernel is step 5's; only the tile a block computes changes.
//
// Prediction: at 8192^3, ~15.5 waves read ~1.3 GB instead of ~2.2 GB: ~0.3 ms saved at 3 TB/s if
// DRAM were the limit, but the tensor cores need ~2 ms for the 1.1 TFLOP, so at most a few
// percent: expect 1.0-1.08x step 5, dram__bytes_read down by ~40%. At 4096^3 (32 x 32 tiles) a
// band is 256 blocks, about one wave, which already covers all of B in either order: expect
// 1.0x, dram__bytes_read about the same. If the step moves nothing, the profile's
// dram__bytes_read and lts__t_sector_hit_rate say why (the lesson keeps the step and shows it).
// The configurations of the tile and stage sweep (tuning::rasterize_configs) are compiled here;
// step 7 runs the sweep's choice.
#include "pipeline.h"
#include "pipeline_device.cuh"
#include "wb/exercise.h"
WB_EXERCISE_TODO("rasterize",
                 "Read \"Step 6: rasterize, blocks visit the tiles in bands\" in README.md: step "
                 "5's kernel with the block tile from wb::grouped_tile_of(blockIdx.y * gridDim.x + "
                 "blockIdx.x, gridDim.x, gridDim.y, kGroupRows)");

#include "wb/tile_order.h"

#include <type_traits>

namespace ch07 {
namespace {

using Tiles = wb::tile::WarpTiles<128, 128, 64, 64, 64>;  // step 2's tiles
constexpr int kStages = 3;                                // step 4's

template <class T, class R, bool kVec>
__global__ void __launch_bounds__(R::kThreads, R::kMinBlocks)
    hgemm_rasterize_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                           const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC,
                           int ldc) {
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 6: rasterize, blocks visit the tiles in bands"): write the kernel
  //   body: your step 5 kernel, with the block's tile of C no longer (blockIdx.y, blockIdx.x) but
  //   tile = wb::grouped_tile_of(std::int64_t{blockIdx.y} * gridDim.x + blockIdx.x, gridDim.x,
  //   gridDim.y, kGroupRows) (wb/tile_order.h: bands of kGroupRows tile rows walked column by
  //   column; a bijection, so every tile is still computed once), m0 = tile.row * R::BM,
  //   n0 = tile.col * R::BN. The rest is step 5's: dynamic shared memory ring, prologue,
  //   wait<R::kStages - 2>, barrier, copy, commit, fragment_buffered_mma, store_warp_tile.
  // WB_EXERCISE_END
}

template <class R, class T>
void launch_ring(const Args<T>& a, cudaStream_t stream) {
  launch_pipelined<T>(a, hgemm_rasterize_kernel<T, R, true>, hgemm_rasterize_kernel<T, R, false>,
                      R::BM, R::BN, R::kThreads, R::kBytes, "rasterize", stream);
}

}  // namespace

template <class T>
void launch_rasterize(const Args<T>& a, cudaStream_t stream) {
  launch_ring<Ring<Tiles, kStages>>(a, stream);
}

template void launch_rasterize<__half>(const Args<__half>&, cudaStream_t);
template void launch_rasterize<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

namespace tuning {

// The sweep: block tile BM x BN x BK, warp tile, stages; shared memory per block in brackets
// (228 KB per SM).
const std::vector<Config>& rasterize_configs() {
  using W128x128x64 = wb::tile::WarpTiles<128, 128, 64, 64, 64>;       // 4 warps, 32 KB per stage
  using W128x128x64n2 = wb::tile::WarpTiles<128, 128, 64, 64, 32, 2>;  // 8 warps, 2 blocks per SM
  using W128x128x32 = wb::tile::WarpTiles<128, 128, 32, 64, 64>;       // 4 warps, 16 KB per stage
  using W128x256x32 = wb::tile::WarpTiles<128, 256, 32, 64, 64>;       // 8 warps, 24 KB per stage
  using W256x128x32 = wb::tile::WarpTiles<256, 128, 32, 64, 64>;       // 8 warps, 24 KB per stage
  static_assert(std::is_same_v<Tiles, W128x128x64> && kStages == 3,
                "the first configuration is the step's own: rename it");
  static const std::vector<Config> configs = {
      {"rasterize", "rasterize/128x128x64 w64x64 3 stages", launch_rasterize<__half>,
       launch_rasterize<__nv_bfloat16>},  // [96 KB]
      {"rasterize", "rasterize/128x128x64 w64x64 4 stages",
       launch_ring<Ring<W128x128x64, 4>, __half>,
       launch_ring<Ring<W128x128x64, 4>, __nv_bfloat16>},  // [128 KB]
      {"rasterize", "rasterize/128x128x64 w64x32 3 stages",
       launch_ring<Ring<W128x128x64n2, 3>, __half>,
       launch_ring<Ring<W128x128x64n2, 3>, __nv_bfloat16>},  // [96 KB]
      {"rasterize", "rasterize/128x128x32 w64x64 4 stages",
       launch_ring<Ring<W128x128x32, 4>, __half>,
       launch_ring<Ring<W128x128x32, 4>, __nv_bfloat16>},  // [64 KB]
      {"rasterize", "rasterize/128x256x32 w64x64 4 stages",
       launch_ring<Ring<W128x256x32, 4>, __half>,
       launch_ring<Ring<W128x256x32, 4>, __nv_bfloat16>},  // [96 KB]
      {"rasterize", "rasterize/256x128x32 w64x64 4 stages",
       launch_ring<Ring<W256x128x32, 4>, __half>,
       launch_ring<Ring<W256x128x32, 4>, __nv_bfloat16>},  // [96 KB]
  };
  return configs;
}

}  // namespace tuning

}  // namespace ch07
