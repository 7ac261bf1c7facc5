/// @file chunks.h
/// @brief How much of a 16-byte chunk of a 16-bit matrix lies inside the matrix: the edge rule of
/// the asynchronous tile copy (`wb/device/async_tile.cuh`), as a `WB_HD` function that the kernels
/// and the CPU tests share.
///
/// Taught in chapter 07 (step 2: cp.async copies the bytes inside and zero-fills the rest).
#pragma once

#include "wb/hd.h"

#include <cstdint>

namespace wb::tile {

/// Bytes of chunk (gr, gc .. gc + 7) of a 16-bit matrix with `rows` rows and `cols` columns that
/// lie inside it: 16 for a whole chunk, 2 (cols - gc) for one that straddles the last column, 0
/// past the last row or column. 64-bit positions: col0 + 8 c may pass 2^31 - 1 at the last tile
/// of a row that long. The kernels' rule, checked by the CPU tests.
WB_HD constexpr int chunk_bytes_inside(std::int64_t gr, std::int64_t gc, std::int64_t rows,
                                       std::int64_t cols) {
  return gr >= rows || gc >= cols ? 0 : (cols - gc >= 8 ? 16 : static_cast<int>(2 * (cols - gc)));
}

}  // namespace wb::tile
