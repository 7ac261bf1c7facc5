/// @file rows.h
/// @brief Cutting a row into a scalar head, a body of 16-byte vectors and a scalar tail.
///
/// Taught in chapter 01, step 3 (`chapters/01-coalescing/README.md`): a row of an arbitrary matrix
/// does not start on a 16-byte boundary, so a kernel that wants 16-byte accesses handles a few
/// scalars first, then whole vectors, then a few scalars again. Chapters 01 and 05 use it.
#pragma once

#include "wb/hd.h"

#include <cstdint>

namespace wb {

/// Bytes of one vector access (LDG.E.128 / STG.E.128).
constexpr int kVecBytes = 16;

/// How one row is cut: `head` scalars up to the first 16-byte boundary, `body` whole 16-byte
/// vectors from there on, then `tail` scalars. head + (16 / elem_bytes) * body + tail == cols.
struct RowSplit {
  int head;  ///< leading elements before the first 16-byte boundary (< elements per vector)
  int body;  ///< whole 16-byte vectors from there on
  int tail;  ///< elements after the last whole vector (< elements per vector)
};

/// Splits a row of `cols` elements of `elem_bytes` bytes each (1, 2, 4, 8 or 16) that starts at
/// byte address `row_address` (a multiple of elem_bytes). `cols` may be anything up to 2^31 - 1.
WB_HD inline RowSplit split_row(std::uintptr_t row_address, int cols, int elem_bytes) {
  const int per_vec = kVecBytes / elem_bytes;
  // Elements to skip until the address is a multiple of 16: (16 - address % 16) % 16 bytes.
  int head =
      static_cast<int>(((16u - (row_address & 15u)) & 15u) / static_cast<unsigned>(elem_bytes));
  if (head > cols) head = cols;
  const int body = (cols - head) / per_vec;
  return RowSplit{head, body, cols - head - per_vec * body};
}

}  // namespace wb
