// Chapter 06, design sweep only (not a step of the ladder): step 6's warp-tiled kernel with
// chapter 03's register prefetch. While k-tile t is multiplied from shared memory, each thread's
// 16-byte loads of k-tile t + 1 are already on their way into registers; after the second
// barrier they are stored, so a global round trip overlaps one k-tile of tensor-core work instead
// of nothing. It measures how much of section 7's latency a synchronous pipeline can hide, the
// question chapter 07 answers properly with cp.async (no registers held, several stages).
//
// Same tiles, layouts, fragments and epilogue as step 6 (through wb/device/warp_tile.cuh); every
// shape, tails zero-filled, the scalar path where 16-byte loads are not allowed.
#include "hgemm.h"
#include "hgemm_device.cuh"

#include "wb/device/gemm_tile.cuh"
#include "wb/device/warp_tile.cuh"
#include "wb/swizzle.h"

namespace ch06 {
namespace {

template <class T, class Cfg, bool kVec>
__global__ void __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)
    hgemm_prefetch_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                          const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC,
                          int ldc) {
  using LayoutA = wb::smem::Swizzled<Cfg::BK>;  // (BM, BK) tile of A
  using LayoutB = wb::smem::Swizzled<Cfg::BN>;  // (BK, BN) tile of B
  using ChunksA = wb::tile::TileChunks<Cfg::BM, Cfg::BK, Cfg::kThreads>;
  using ChunksB = wb::tile::TileChunks<Cfg::BK, Cfg::BN, Cfg::kThreads>;
  __shared__ __align__(128) std::uint16_t sA[LayoutA::elems(Cfg::BM)];
  __shared__ __align__(128) std::uint16_t sB[LayoutB::elems(Cfg::BK)];
  const int lane = threadIdx.x % 32;
  const int m0 = blockIdx.y * Cfg::BM, n0 = blockIdx.x * Cfg::BN;
  const wb::mma::Coord w = wb::tile::warp_origin<Cfg>(threadIdx.x / 32);
  const auto* a16 = reinterpret_cast<const std::uint16_t*>(gA);
  const auto* b16 = reinterpret_cast<const std::uint16_t*>(gB);

  uint4 vA[ChunksA::kPerThread], vB[ChunksB::kPerThread];  // the next k-tile, in flight
  wb::tile::load_tile<Cfg::BM, Cfg::BK, Cfg::kThreads, kVec>(vA, a16, lda, m0, 0, M, K);
  wb::tile::load_tile<Cfg::BK, Cfg::BN, Cfg::kThreads, kVec>(vB, b16, ldb, 0, n0, K, N);
  float rC[Cfg::kMT][Cfg::kNT][4] = {};
  for (int k0 = 0; k0 < K; k0 += Cfg::BK) {
    wb::tile::store_tile<LayoutA, Cfg::BM, Cfg::BK, Cfg::kThreads>(sA, vA);
    wb::tile::store_tile<LayoutB, Cfg::BK, Cfg::BN, Cfg::kThreads>(sB, vB);
    __syncthreads();         // k-tile k0 complete in shared memory
    if (K - k0 > Cfg::BK) {  // k-tile k0 + BK travels while k-tile k0 is multiplied
      const int k1 = k0 + Cfg::BK;
      wb::tile::load_tile<Cfg::BM, Cfg::BK, Cfg::kThreads, kVec>(vA, a16, lda, m0, k1, M, K);
      wb::tile::load_tile<Cfg::BK, Cfg::BN, Cfg::kThreads, kVec>(vB, b16, ldb, k1, n0, K, N);
    }
    wb::tile::warp_tile_mma<T, Cfg, LayoutA, LayoutB>(rC, sA, sB, w, lane);
    __syncthreads();  // done reading before the next stores
  }
  wb::tile::store_warp_tile<kVec, Cfg>(gC, ldc, M, N, m0 + w.row, n0 + w.col, rC, alpha, beta,
                                       lane);
}

template <class Cfg, class T>
void launch_config(const Args<T>& a, cudaStream_t stream) {
  launch_tiled<T>(a, hgemm_prefetch_kernel<T, Cfg, true>, hgemm_prefetch_kernel<T, Cfg, false>,
                  Cfg::BM, Cfg::BN, dim3(Cfg::kThreads), "warptile-prefetch", stream);
}

}  // namespace

namespace tuning {

const std::vector<Config>& prefetch_configs() {
  using P128x128x32w64x32 = wb::tile::WarpTiles<128, 128, 32, 64, 32, 2>;
  using P128x128x64w64x32 = wb::tile::WarpTiles<128, 128, 64, 64, 32, 2>;
  using P128x256x32w64x64 = wb::tile::WarpTiles<128, 256, 32, 64, 64>;
  static const std::vector<Config> configs = {
      {"warptile", "prefetch/128x128x32 w64x32", launch_config<P128x128x32w64x32, __half>,
       launch_config<P128x128x32w64x32, __nv_bfloat16>},
      {"warptile", "prefetch/128x128x64 w64x32", launch_config<P128x128x64w64x32, __half>,
       launch_config<P128x128x64w64x32, __nv_bfloat16>},
      {"warptile", "prefetch/128x256x32 w64x64", launch_config<P128x256x32w64x64, __half>,
       launch_config<P128x256x32w64x64, __nv_bfloat16>},
  };
  return configs;
}

}  // namespace tuning
}  // namespace ch06
