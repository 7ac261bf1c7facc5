/// @file warp_tile.cuh
/// @brief The warp-tiled tensor-core inner loop (device code only): a block tile BM x BN of C
/// split into warp tiles WM x WN, each a grid of (WM / 16) x (WN / 8) m16n8k16 tiles whose A and
/// B fragments are loaded once per k16 with ldmatrix and reused from registers.
///
/// Taught in chapter 06 step 6 (`06_warptile.cu` spells the loop out: it is that step's exercise);
/// chapter 07's pipelined kernels and chapter 06's design sweep call these functions. Fragment
/// maps: `wb/mma_layout.h`; layouts: `wb/swizzle.h`; PTX: `wb/device/mma.cuh`; the epilogue of
/// one m16n8 tile: `wb/device/gemm_tile.cuh`.
#pragma once

#include "wb/device/gemm_tile.cuh"
#include "wb/device/mma.cuh"
#include "wb/mma_layout.h"

#include <cstdint>

namespace wb::tile {

/// A warp-tiled configuration: block tile BM x BN, k-tile BK, warp tile WM x WN, and the blocks
/// per SM the kernel asks the compiler to fit (`__launch_bounds__(kThreads, kMinBlocks)`: a
/// register cap of 65536 / (kThreads * kMinBlocks)).
template <int BM_, int BN_, int BK_, int WM_, int WN_, int kMinBlocks_ = 1>
struct WarpTiles {
  static constexpr int BM = BM_;                      ///< rows of C per block
  static constexpr int BN = BN_;                      ///< columns of C per block
  static constexpr int BK = BK_;                      ///< k per shared-memory tile
  static constexpr int WM = WM_;                      ///< rows of C per warp
  static constexpr int WN = WN_;                      ///< columns of C per warp
  static constexpr int kMinBlocks = kMinBlocks_;      ///< blocks per SM asked of the compiler
  static constexpr int kMT = WM / 16;                 ///< m16 tiles per warp (A fragments per k16)
  static constexpr int kNT = WN / 8;                  ///< n8 tiles per warp
  static constexpr int kWarpsN = BN / WN;             ///< warps across the block tile
  static constexpr int kWarps = (BM / WM) * kWarpsN;  ///< warps per block
  static constexpr int kThreads = 32 * kWarps;        ///< threads per block
  static_assert(BM % WM == 0 && BN % WN == 0, "whole warp tiles");
  static_assert(WM % 16 == 0 && WN % 16 == 0, "ldmatrix.x4 loads 16 x 16: A 16 rows, B 16 columns");
  static_assert(BK % 16 == 0, "whole k16 steps");
  static_assert(kMT >= 1 && kNT % 2 == 0, "n8 tiles come in pairs: one ldmatrix.x4.trans each");
};

/// Where warp `warp` of a Cfg block sits in the block tile: its top-left (row, col).
template <class Cfg>
__device__ __forceinline__ mma::Coord warp_origin(int warp) {
  return {(warp / Cfg::kWarpsN) * Cfg::WM, (warp % Cfg::kWarpsN) * Cfg::WN};
}

/// rC += the warp's share of one BK-deep k-tile: for each k16 slice, kMT A fragments
/// (ldmatrix.x4 from sA, a (BM, BK) tile in LayoutA) and kNT / 2 B fragment pairs
/// (ldmatrix.x4.trans from sB, a (BK, BN) tile in LayoutB), then every (mi, ni) mma. `w` is the
/// warp's origin (warp_origin), `lane` its lane.
template <class T, class Cfg, class LayoutA, class LayoutB>
__device__ __forceinline__ void warp_tile_mma(float (&rC)[Cfg::kMT][Cfg::kNT][4],
                                              const std::uint16_t* sA, const std::uint16_t* sB,
                                              mma::Coord w, int lane) {
  const mma::Coord r = mma::ldmatrix_row(lane);  // the 16 x 16 tile row this lane addresses
#pragma unroll
  for (int kk = 0; kk < Cfg::BK; kk += 16) {
    std::uint32_t rA[Cfg::kMT][4];  // A fragment mi: rows w.row + 16 mi .. + 15
#pragma unroll
    for (int mi = 0; mi < Cfg::kMT; ++mi)
      mma::ldmatrix_x4(rA[mi], sA + LayoutA::offset(w.row + 16 * mi + r.row, kk + r.col));
    std::uint32_t rB[Cfg::kNT / 2][4];  // B fragments of n8 tiles 2 nj and 2 nj + 1
#pragma unroll
    for (int nj = 0; nj < Cfg::kNT / 2; ++nj)
      mma::ldmatrix_x4_trans(rB[nj], sB + LayoutB::offset(kk + r.row, w.col + 16 * nj + r.col));
#pragma unroll
    for (int mi = 0; mi < Cfg::kMT; ++mi) {
#pragma unroll
      for (int ni = 0; ni < Cfg::kNT; ++ni)
        mma::mma_m16n8k16<T>(rC[mi][ni], rA[mi], rB[ni / 2][2 * (ni % 2)],
                             rB[ni / 2][2 * (ni % 2) + 1]);
    }
  }
}

/// Writes the warp's accumulators to C as alpha * acc + beta * C (C not read when beta == 0),
/// bounds-checked against M x N; (row0, col0) is the warp tile's top-left element of C.
template <bool kVec, class Cfg, class T>
__device__ __forceinline__ void store_warp_tile(T* __restrict__ gC, int ldc, int M, int N, int row0,
                                                int col0, const float (&rC)[Cfg::kMT][Cfg::kNT][4],
                                                float alpha, float beta, int lane) {
#pragma unroll
  for (int mi = 0; mi < Cfg::kMT; ++mi) {
#pragma unroll
    for (int ni = 0; ni < Cfg::kNT; ++ni)
      store_c_fragment<kVec>(gC, ldc, M, N, row0 + 16 * mi, col0 + 8 * ni, rC[mi][ni], alpha, beta,
                             lane);
  }
}

}  // namespace wb::tile
