/// @file warp_tiles.h
/// @brief The tile configuration of the warp-tiled steps (7, 8 and 9): seven parameters, every
/// derived constant computed once and checked with static_assert.
///
/// A block of `kThreads` threads computes a BM x BN tile of C, walking K in tiles of BK. Its
/// warps form a (BM / WM) x (BN / WN) grid, each warp owning a WM x WN tile of C; a warp's lanes
/// form a kWarpRows x kWarpCols grid, and each lane owns kIterM x kIterN sub-tiles of 4 x 4
/// outputs strided across its warp tile (`ch03::warp_tile_pos` in sgemm.h): TM x TN outputs.
///
/// Shared memory holds, per stage (step 7 has one stage, steps 8 and 9 two):
///   sA: BK rows of kLdA = BM + 4 floats, the A tile transposed (sA[k][m]), padded by 4 floats
///   sB: BK rows of BN floats (sB[k][n])
/// `smem_bytes(stages)` is their size. For the tuned configuration, 128 x 256 x 16: one stage is
/// (16 * 132 + 16 * 256) * 4 = 24,832 bytes, two stages 49,664 bytes (above the 48 KiB a block
/// gets without opting in: steps 8 and 9 raise the limit with wb::allow_dynamic_smem).
#pragma once

#include <cstddef>

namespace ch03 {

/// Everything derived from the tile parameters of steps 7-9, checked once.
template <int BM_, int BN_, int BK_, int WM_, int WN_, int kWarpRows_, int kMinBlocks_>
struct WarpTiles {
  static constexpr int BM = BM_;                             ///< block tile of C: rows
  static constexpr int BN = BN_;                             ///< block tile of C: columns
  static constexpr int BK = BK_;                             ///< k per shared tile
  static constexpr int WM = WM_;                             ///< warp tile of C: rows
  static constexpr int WN = WN_;                             ///< warp tile of C: columns
  static constexpr int kWarpRows = kWarpRows_;               ///< lanes of a warp along m
  static constexpr int kWarpCols = 32 / kWarpRows;           ///< lanes of a warp along n
  static constexpr int kIterM = WM / (4 * kWarpRows);        ///< 4 x 4 sub-tiles per lane along m
  static constexpr int kIterN = WN / (4 * kWarpCols);        ///< ... along n
  static constexpr int TM = 4 * kIterM;                      ///< outputs per thread along m
  static constexpr int TN = 4 * kIterN;                      ///< outputs per thread along n
  static constexpr int kWarpsN = BN / WN;                    ///< warps along n
  static constexpr int kThreads = (BM / WM) * kWarpsN * 32;  ///< threads per block
  static constexpr int kMinBlocks = kMinBlocks_;  ///< resident blocks per SM asked of registers
  static constexpr int kPadA = 4;                 ///< floats; rows of sA stay 16-byte aligned
  static constexpr int kLdA = BM + kPadA;         ///< row length of the transposed A tile
  static constexpr int kLoadsA = BM * BK / 4 / kThreads;  ///< float4 of A per thread per tile
  static constexpr int kLoadsB = BK * BN / 4 / kThreads;  ///< float4 of B per thread per tile
  /// Floats of one stage: the transposed A tile, then the B tile.
  static constexpr int kStageFloats = BK * kLdA + BK * BN;
  /// Bytes of shared memory for `stages` stages.
  static constexpr std::size_t smem_bytes(int stages) {
    return static_cast<std::size_t>(stages) * kStageFloats * sizeof(float);
  }
  static_assert(32 % kWarpRows == 0, "a warp grid must use all 32 lanes");
  static_assert(kIterM >= 1 && kIterN >= 1 && TM * TN <= 256,
                "each lane owns whole 4 x 4 sub-tiles, and its outputs fit in registers");
  static_assert(WM % (4 * kWarpRows) == 0 && WN % (4 * kWarpCols) == 0, "whole sub-tiles");
  static_assert(BM % WM == 0 && BN % WN == 0, "whole warp tiles");
  static_assert(BK % 4 == 0 && BN % 4 == 0, "A and B are loaded as float4 along their rows");
  static_assert(kLoadsA * 4 * kThreads == BM * BK && kLoadsB * 4 * kThreads == BK * BN,
                "whole float4 loads per thread");
  static_assert(kThreads % (BK / 4) == 0 && kThreads % (BN / 4) == 0,
                "every float4 load of a thread sits in the same column of its tile");
  static_assert(kThreads <= 1024, "at most 1024 threads per block");
  // The kernels form k indices as k0 + c (c < BK) and compare them with K. With BK a power of two
  // that is safe up to K = 2^31 - 1: k0 + c < tiles * BK, the first multiple of BK at or above K,
  // and 2^31 is such a multiple. (The relative form, c < K - k0, is safe for any BK, and steps
  // 3-6 use it. Here the sweep's 8 x 8 configurations run at a 128-register cap, where ptxas
  // spills at the slightest extra live value: with nvcc 13.0 the relative form spilled in four of
  // their kernels, this form in two.)
  static_assert(BK > 0 && (BK & (BK - 1)) == 0, "BK a power of two: k0 + c never passes 2^31 - 1");
};

/// The configuration steps 7, 8 and 9 use, chosen by the tuning sweep (README "Tuning for the
/// H100"): 128 x 256 block tiles walking K by 16, 2 x 4 warps of 64 x 64, lanes in a 4 x 8 grid,
/// 16 x 8 outputs per thread (~220 registers: one block of 8 warps per SM). BK = 16 rather than
/// 8 because two recorded sweeps in a row timed it ~1% faster at 4096^3 (0.922x against 0.912x,
/// then 0.913x against 0.903x cuBLAS) and no slower at 1024^3 and 2048^3.
using Tuned = WarpTiles<128, 256, 16, 64, 64, 4, 1>;

}  // namespace ch03
