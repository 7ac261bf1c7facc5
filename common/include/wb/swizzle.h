/// @file swizzle.h
/// @brief Shared-memory tile layouts for 16-byte row accesses (ldmatrix, 16-byte stores): plain,
/// padded and XOR-swizzled, as `WB_HD` offset functions that kernels and CPU tests share.
///
/// Taught in chapter 06, step 5 (bank-conflict-free shared memory); chapters 07 and 08 use it.
/// Chapter 02 taught banks with 4-byte accesses (`wb/banks.h` counts them for any width).
///
/// ## Why 16-byte rows conflict
/// Shared memory has 32 banks of 4 bytes: a 128-byte line touches each bank once. An ldmatrix
/// reads an 8 x 8 matrix as 8 rows of 16 bytes (one "chunk" each), given by 8 lanes; the 8 rows
/// are served in one pass (wavefront) only if their chunks fall in 8 different 16-byte slots of
/// the 128-byte line, i.e. if their byte addresses differ modulo 128. In a plain row-major tile
/// whose rows are R bytes long, rows r and r + 128 / R (or every row, for R >= 128) start in the
/// same slot, so reading a column of chunks costs up to 8 passes:
///
///     row bytes R    8 rows at one chunk column fall in    passes (wavefronts)
///     64  (32 x fp16: a BK = 32 tile of A)    2 slots      4
///     128 (64 x fp16)                         1 slot       8
///     256 (128 x fp16: a BN = 128 tile of B)  1 slot       8
///
/// ## Two fixes
/// - **Padding**: make every row 16 bytes longer, so row r + 1 starts one slot further on. Costs
///   shared memory (1/4 more for 64-byte rows) and the tile is no longer a power of two wide.
/// - **XOR swizzle**: keep rows R bytes long but store logical chunk c of row r at physical chunk
///   c ^ s(r), where s(r) runs through 0..7 (or 0 .. R/16 - 1) over 8 consecutive rows. XOR with a
///   fixed s(r) permutes the chunks of one row (a bijection: no two chunks collide, rows stay
///   contiguous for the 16-byte global-to-shared copies), and 8 consecutive rows reading the same
///   logical chunk land in 8 different slots. No memory is wasted.
#pragma once

#include "wb/hd.h"

/// Shared-memory tile layouts.
namespace wb::smem {

constexpr int kChunkBytes = 16;  ///< one 16-byte chunk: an ldmatrix row, a 16-byte load or store
constexpr int kLineBytes = 128;  ///< 32 banks x 4 bytes: what one wavefront can serve

/// The XOR swizzle: the physical 16-byte chunk that holds logical chunk `chunk` of row `row` in
/// a tile whose rows are `row_chunks` chunks long (a power of two). For rows of 8 chunks or more
/// (128 bytes or more) the low three bits of the chunk are XORed with row % 8. For shorter rows,
/// 128 / (16 row_chunks) rows share one 128-byte line: the XOR uses the row's line index instead,
/// (row / (8 / row_chunks)) % row_chunks, so that any 8 consecutive rows still use 8 different
/// 16-byte slots. Rows of one chunk need no swizzle.
WB_HD constexpr int swizzle_chunk(int row, int chunk, int row_chunks) {
  return row_chunks >= 8 ? chunk ^ (row & 7)
                         : chunk ^ ((row / (8 / row_chunks)) & (row_chunks - 1));
}

/// Common facts of a tile of `kCols` elements per row, elements of `kElemBytes` bytes.
template <int kCols, int kElemBytes>
struct LayoutBase {
  static constexpr int kChunkElems = kChunkBytes / kElemBytes;  ///< elements per 16-byte chunk
  static constexpr int kRowChunks = kCols / kChunkElems;        ///< chunks per logical row
  static_assert(kChunkBytes % kElemBytes == 0, "a chunk holds whole elements");
  static_assert(kCols % kChunkElems == 0, "rows are whole 16-byte chunks");
};

/// Row-major, rows `kCols` elements long, nothing added: the layout that conflicts.
template <int kCols, int kElemBytes = 2>
struct Plain : LayoutBase<kCols, kElemBytes> {
  static constexpr const char* kName = "plain";  ///< for benchmark rows and messages
  static constexpr int kRowStride = kCols;       ///< elements from one row to the next
  /// Element offset of (row, col).
  WB_HD static constexpr int offset(int row, int col) { return row * kRowStride + col; }
  /// Elements a tile of `rows` rows occupies.
  WB_HD static constexpr int elems(int rows) { return rows * kRowStride; }
};

/// Row-major with one 16-byte chunk of padding after every row: row r + 1 starts one 16-byte
/// slot of the bank line further on, so 8 consecutive rows start in 8 different slots.
template <int kCols, int kElemBytes = 2>
struct Padded : LayoutBase<kCols, kElemBytes> {
  static constexpr const char* kName = "padded";  ///< for benchmark rows and messages
  /// Elements from one row to the next: the row plus one chunk of padding (never read).
  static constexpr int kRowStride = kCols + LayoutBase<kCols, kElemBytes>::kChunkElems;
  /// Element offset of (row, col).
  WB_HD static constexpr int offset(int row, int col) { return row * kRowStride + col; }
  /// Elements a tile of `rows` rows occupies (padding included).
  WB_HD static constexpr int elems(int rows) { return rows * kRowStride; }
};

/// Row-major rows of `kCols` elements whose 16-byte chunks are permuted by swizzle_chunk.
template <int kCols, int kElemBytes = 2>
struct Swizzled : LayoutBase<kCols, kElemBytes> {
  using Base = LayoutBase<kCols, kElemBytes>;       ///< the chunk facts
  static constexpr const char* kName = "swizzled";  ///< for benchmark rows and messages
  static constexpr int kRowStride = kCols;          ///< elements from one row to the next
  static_assert((Base::kRowChunks & (Base::kRowChunks - 1)) == 0,
                "the XOR swizzle needs a power-of-two number of chunks per row");
  /// Element offset of (row, col): the chunk is swizzled, the place inside the chunk is kept.
  WB_HD static constexpr int offset(int row, int col) {
    return row * kRowStride +
           swizzle_chunk(row, col / Base::kChunkElems, Base::kRowChunks) * Base::kChunkElems +
           col % Base::kChunkElems;
  }
  /// Elements a tile of `rows` rows occupies.
  WB_HD static constexpr int elems(int rows) { return rows * kRowStride; }
};

}  // namespace wb::smem
