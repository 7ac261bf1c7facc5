/// @file banks.h
/// @brief The shared-memory bank model, for accesses of 4, 8 or 16 bytes per lane: how many
/// wavefronts (passes through the 32 banks) one phase of an access needs.
///
/// Chapter 02 taught the model for 4-byte accesses (`ch02::conflict_degree`, whose answer is
/// `wavefronts(addresses, count, 4)`); chapter 06 needs it for ldmatrix and 16-byte stores, where
/// each lane touches 4 consecutive banks. The hardware splits a warp's access into phases: one
/// phase of 32 lanes for 4-byte accesses, 2 phases of 16 lanes for 8-byte accesses, 4 phases of 8
/// lanes for 16-byte accesses and for ldmatrix (one phase per 8 x 8 matrix, whose 8 rows are given
/// by 8 lanes). Each phase can deliver 128 bytes, one 4-byte word per bank, in one wavefront.
#pragma once

#include "wb/hd.h"

#include <cstdint>

namespace wb {

constexpr int kSmemBanks = 32;     ///< shared-memory banks
constexpr int kSmemBankBytes = 4;  ///< width of one bank: banks interleave by 4-byte word

/// Bank of shared-memory byte address `address`.
WB_HD constexpr int smem_bank(std::uint32_t address) {
  return static_cast<int>((address / kSmemBankBytes) % kSmemBanks);
}

/// Wavefronts needed by one phase of a shared-memory access: lane i (i < `count`, at most 32)
/// reads or writes `bytes` (4, 8 or 16) contiguous bytes at byte address `addresses[i]` (a
/// multiple of `bytes`). Lanes asking for the same 4-byte word share it (a broadcast); distinct
/// words in one bank are served one per wavefront. The answer is the largest number of distinct
/// words any bank is asked for: 1 is conflict-free, 0 for no lanes.
WB_HD inline int smem_wavefronts(const std::uint32_t* addresses, int count, int bytes) {
  const int words = bytes / kSmemBankBytes;
  int degree = 0;
  for (int bank = 0; bank < kSmemBanks; ++bank) {
    int distinct = 0;
    for (int lane = 0; lane < count; ++lane) {
      for (int w = 0; w < words; ++w) {
        const std::uint32_t word = addresses[lane] / kSmemBankBytes + static_cast<std::uint32_t>(w);
        if (static_cast<int>(word % kSmemBanks) != bank) continue;
        bool seen = false;  // the same word asked for earlier: a broadcast, no extra pass
        for (int other = 0; other <= lane && !seen; ++other) {
          for (int v = 0; v < words && !seen; ++v) {
            if (other == lane && v >= w) break;
            seen = addresses[other] / kSmemBankBytes + static_cast<std::uint32_t>(v) == word;
          }
        }
        if (!seen) ++distinct;
      }
    }
    degree = distinct > degree ? distinct : degree;
  }
  return degree;
}

}  // namespace wb
