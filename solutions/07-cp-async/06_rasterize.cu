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
  extern __shared__ __align__(128) std::uint16_t smem[];  // kStages x (sA, sB): R::kBytes
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const wb::TileCoord tile =  // this block's tile of C, in bands of kGroupRows tile rows
      wb::grouped_tile_of(std::int64_t{blockIdx.y} * gridDim.x + blockIdx.x, gridDim.x, gridDim.y,
                          kGroupRows);
  const int m0 = static_cast<int>(tile.row) * R::BM, n0 = static_cast<int>(tile.col) * R::BN;
  const wb::mma::Coord w = wb::tile::warp_origin<R>(warp);  // warp tile in the block
  const auto* a16 = reinterpret_cast<const std::uint16_t*>(gA);
  const auto* b16 = reinterpret_cast<const std::uint16_t*>(gB);
  const int tiles = k_tiles(K, R::BK);

  float rC[R::kMT][R::kNT][4] = {};  // (kMT, kNT) m16n8 accumulator tiles
#pragma unroll
  for (int t = 0; t < R::kStages - 1; ++t) {  // prologue: tiles 0 .. kStages - 2, a group each
    if (t < tiles) load_stage<R, kVec>(smem, t, t, a16, lda, b16, ldb, m0, n0, M, N, K);
    wb::async::commit();
  }
  for (int t = 0; t < tiles; ++t) {
    wb::async::wait<R::kStages - 2>();  // group t (tile t) has landed for this thread ...
    __syncthreads();                    // ... and for everyone; stage of tile t - 1 is free
    const int next = t + R::kStages - 1;
    if (next < tiles)
      load_stage<R, kVec>(smem, stage_of(next, R::kStages), next, a16, lda, b16, ldb, m0, n0, M, N,
                          K);
    wb::async::commit();  // one group per iteration, empty or not
    const int s = stage_of(t, R::kStages);
    fragment_buffered_mma<T, R, R::LayoutA, R::LayoutB>(rC, R::a(smem, s), R::b(smem, s), w, lane);
  }
  wb::tile::store_warp_tile<kVec, R>(gC, ldc, M, N, m0 + w.row, n0 + w.col, rC, alpha, beta, lane);
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
