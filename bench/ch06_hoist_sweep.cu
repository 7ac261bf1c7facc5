// Chapter 06, design sweep only (not a step of the ladder): step 6's warp-tiled kernel with its
// synchronous copy's addresses worked out once per block, alone and with the register prefetch
// of warptile_prefetch.cu. Built into the solutions' library only (chapter.cmake), and not in a
// learner's copy: its kernel is chapter 07's step 8 exercise in synchronous form.
//
// Step 6 copies each k-tile with wb::tile::copy_k_tile, which for every 16-byte chunk of every
// k-tile finds the chunk's place in the tile, its 64-bit global address, whether it lies inside
// the matrix and its swizzled shared offset. Chapter 07's step 8 measured what the same
// arithmetic costs its cp.async pipeline (1.19x at 4096^3 once it was done once per block); this
// file measures it for the synchronous copy, the question both lessons left as
// [measure: chapter 06's warptile with its copies' addresses hoisted]. A thread copies the same
// chunks of every k-tile: with kThreads a multiple of a tile row's chunks, its chunk i of a tile
// is its chunk 0 moved kPassRows rows on (the assignment wb::tile::load_tile makes), and the next
// tile is one tile further on in global memory. So each thread keeps one global pointer and one
// shared offset per operand; a tile wholly inside the matrix then costs one 64-bit add per tile
// and one load and one store per chunk. Tiles on the matrix's edge, and views whose rows forbid
// 16-byte loads, take load_tile's checked path, so every shape is handled as in step 6.
//
// Prediction (written before the run, from this machine's sm_90 build): see README section 8,
// "Measured since: the copies' addresses once per block".
#include "hgemm.h"
#include "hgemm_device.cuh"

#include "wb/device/gemm_tile.cuh"
#include "wb/device/warp_tile.cuh"
#include "wb/swizzle.h"

#include <cstdint>

namespace ch06 {
namespace {

/// One operand's k-tiles as a thread copies them: the (kRows, kCols) tiles of a row-major matrix
/// walked along its columns (A: kAlongCols) or along its rows (B), worked out once per block.
template <class Layout, int kRows, int kCols, int kThreads, bool kAlongCols, bool kVec>
class SyncWalk {
 public:
  using Chunks = wb::tile::TileChunks<kRows, kCols, kThreads>;
  static constexpr int kPassRows = kThreads / Chunks::kRowChunks;  ///< rows one pass covers
  static constexpr int kPasses = kRows / kPassRows;                ///< chunks per thread per tile
  static_assert(kThreads % Chunks::kRowChunks == 0 && kRows % kPassRows == 0,
                "whole rows per pass, whole passes per tile");
  static_assert(kPassRows % 8 == 0, "a pass is whole swizzle periods (8 rows)");
  static_assert(kPasses == Chunks::kPerThread, "load_tile's assignment of chunks to threads");

  /// The walk over the tiles of the rows x cols matrix g (leading dimension ld) whose first tile
  /// has its top-left element at (row0, col0).
  __device__ __forceinline__ SyncWalk(const std::uint16_t* __restrict__ g, int ld, int row0,
                                      int col0, int rows, int cols)
      : g_(g), ld_(ld), row0_(row0), col0_(col0), rows_(rows), cols_(cols) {
    const int c = static_cast<int>(threadIdx.x);  // this thread's chunk in pass 0
    const int r = c / Chunks::kRowChunks, cc = (c % Chunks::kRowChunks) * Chunks::kChunkElems;
    src_ = g + (std::int64_t{row0} + r) * ld + (std::int64_t{col0} + cc);
    pass_stride_ = std::int64_t{kPassRows} * ld;
    tile_stride_ = kAlongCols ? std::int64_t{kCols} : std::int64_t{kRows} * ld;
    soff_ = Layout::offset(r, cc);
    const bool across_inside =
        kAlongCols ? std::int64_t{row0} + kRows <= rows : std::int64_t{col0} + kCols <= cols;
    if (kVec && across_inside)
      whole_tiles_ = kAlongCols ? (cols - col0) / kCols : (rows - row0) / kRows;
  }

  /// Loads this thread's chunks of tile t (the walk's tiles in order, one call each) into v.
  __device__ __forceinline__ void load(uint4 (&v)[kPasses], int t) {
    if (t < whole_tiles_) {
#pragma unroll
      for (int i = 0; i < kPasses; ++i)
        v[i] = *reinterpret_cast<const uint4*>(src_ + i * pass_stride_);
    } else {  // on the matrix's edge: load_tile's own checks
      const int r0 = kAlongCols ? row0_ : row0_ + t * kRows;
      const int c0 = kAlongCols ? col0_ + t * kCols : col0_;
      wb::tile::load_tile<kRows, kCols, kThreads, kVec>(v, g_, ld_, r0, c0, rows_, cols_);
    }
    src_ += tile_stride_;
  }

  /// Stores what load() left in v into the shared tile s.
  __device__ __forceinline__ void store(std::uint16_t* s, const uint4 (&v)[kPasses]) const {
#pragma unroll
    for (int i = 0; i < kPasses; ++i)
      *reinterpret_cast<uint4*>(s + soff_ + i * kPassRows * Layout::kRowStride) = v[i];
  }

 private:
  const std::uint16_t* g_;              // the matrix, for the edge path
  int ld_, row0_, col0_, rows_, cols_;  // its shape and the first tile's origin
  int whole_tiles_ = 0;                 // tiles that take the fast path: 0 on an edge
  const std::uint16_t* src_ = nullptr;  // this thread's pass-0 chunk of the next tile
  std::int64_t pass_stride_ = 0;        // elements from one pass's chunk to the next
  std::int64_t tile_stride_ = 0;        // elements from one tile's chunk to the next tile's
  int soff_ = 0;                        // shared offset (elements) of the pass-0 chunk
};

template <class T, class Cfg, bool kPrefetch, bool kVec>
__global__ void __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)
    hgemm_hoist_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                       const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC, int ldc) {
  using LayoutA = wb::smem::Swizzled<Cfg::BK>;  // (BM, BK) tile of A
  using LayoutB = wb::smem::Swizzled<Cfg::BN>;  // (BK, BN) tile of B
  using WalkA = SyncWalk<LayoutA, Cfg::BM, Cfg::BK, Cfg::kThreads, true, kVec>;
  using WalkB = SyncWalk<LayoutB, Cfg::BK, Cfg::BN, Cfg::kThreads, false, kVec>;
  __shared__ __align__(128) std::uint16_t sA[LayoutA::elems(Cfg::BM)];
  __shared__ __align__(128) std::uint16_t sB[LayoutB::elems(Cfg::BK)];
  const int lane = threadIdx.x % 32;
  const int m0 = blockIdx.y * Cfg::BM, n0 = blockIdx.x * Cfg::BN;
  const wb::mma::Coord w = wb::tile::warp_origin<Cfg>(threadIdx.x / 32);
  WalkA walk_a(reinterpret_cast<const std::uint16_t*>(gA), lda, m0, 0, M, K);
  WalkB walk_b(reinterpret_cast<const std::uint16_t*>(gB), ldb, 0, n0, K, N);
  const int tiles = (K + Cfg::BK - 1) / Cfg::BK;

  uint4 vA[WalkA::kPasses], vB[WalkB::kPasses];
  float rC[Cfg::kMT][Cfg::kNT][4] = {};
  if (kPrefetch) {  // tile 0 on its way before the loop
    walk_a.load(vA, 0);
    walk_b.load(vB, 0);
  }
  for (int t = 0; t < tiles; ++t) {
    if (!kPrefetch) {  // step 6's order: every load of the tile, then every store
      walk_a.load(vA, t);
      walk_b.load(vB, t);
    }
    walk_a.store(sA, vA);
    walk_b.store(sB, vB);
    __syncthreads();                   // tile t complete in shared memory
    if (kPrefetch && t + 1 < tiles) {  // tile t + 1 travels while tile t is multiplied
      walk_a.load(vA, t + 1);
      walk_b.load(vB, t + 1);
    }
    wb::tile::warp_tile_mma<T, Cfg, LayoutA, LayoutB>(rC, sA, sB, w, lane);
    __syncthreads();  // done reading before the next stores
  }
  wb::tile::store_warp_tile<kVec, Cfg>(gC, ldc, M, N, m0 + w.row, n0 + w.col, rC, alpha, beta,
                                       lane);
}

template <class Cfg, bool kPrefetch, class T>
void launch_config(const Args<T>& a, cudaStream_t stream) {
  launch_tiled<T>(a, hgemm_hoist_kernel<T, Cfg, kPrefetch, true>,
                  hgemm_hoist_kernel<T, Cfg, kPrefetch, false>, Cfg::BM, Cfg::BN,
                  dim3(Cfg::kThreads), kPrefetch ? "warptile-hoist-prefetch" : "warptile-hoist",
                  stream);
}

}  // namespace

namespace tuning {

const std::vector<Config>& hoist_configs() {
  using H128x128x64w64x64 = wb::tile::WarpTiles<128, 128, 64, 64, 64>;     // step 6's
  using H128x128x32w64x32 = wb::tile::WarpTiles<128, 128, 32, 64, 32, 2>;  // prefetch's best
  using H128x256x32w64x64 = wb::tile::WarpTiles<128, 256, 32, 64, 64>;
  static const std::vector<Config> configs = {
      {"warptile", "hoist/128x128x64 w64x64", launch_config<H128x128x64w64x64, false, __half>,
       launch_config<H128x128x64w64x64, false, __nv_bfloat16>},
      {"warptile", "hoist/128x128x32 w64x32", launch_config<H128x128x32w64x32, false, __half>,
       launch_config<H128x128x32w64x32, false, __nv_bfloat16>},
      {"warptile", "hoist-prefetch/128x128x32 w64x32",
       launch_config<H128x128x32w64x32, true, __half>,
       launch_config<H128x128x32w64x32, true, __nv_bfloat16>},
      {"warptile", "hoist-prefetch/128x256x32 w64x64",
       launch_config<H128x256x32w64x64, true, __half>,
       launch_config<H128x256x32w64x64, true, __nv_bfloat16>},
  };
  return configs;
}

}  // namespace tuning
}  // namespace ch06
