/// @file tile_order.h
/// @brief The order in which the blocks of a grid visit the tiles of a matrix: row-major, grouped
/// (bands of tile rows walked column by column) and column-major, as `WB_HD` functions that
/// kernels and CPU tests share.
///
/// Taught in chapter 02 (steps 6 and 8: the blocks resident together should share the rows they
/// write); chapter 07 uses the grouped order for a GEMM's blocks (step 6: the blocks resident
/// together share the rows of A and the columns of B they read, so those are read from DRAM once
/// and from L2 many times).
#pragma once

#include "wb/hd.h"

#include <cstdint>

namespace wb {

/// Position of a tile in the matrix, in tiles.
struct TileCoord {
  std::int64_t row;  ///< tile row: the tile covers rows row * tile height ...
  std::int64_t col;  ///< tile column: the tile covers columns col * tile width ...
};

/// The tile block number `block` visits when tiles are numbered row-major, `tiles_across` per
/// tile row.
WB_HD inline TileCoord tile_of(std::int64_t block, std::int64_t tiles_across) {
  return TileCoord{block / tiles_across, block % tiles_across};
}

/// The tile block number `block` visits in the grouped order: tile rows are taken `group_rows` at
/// a time, and within a group the blocks walk down a column of tiles before moving to the next
/// column (the last group may have fewer rows). Consecutive blocks, which run at the same time,
/// then cover a group_rows-tall band instead of one tile row. A bijection of
/// [0, tiles_across * tiles_down) onto the tiles.
WB_HD inline TileCoord grouped_tile_of(std::int64_t block, std::int64_t tiles_across,
                                       std::int64_t tiles_down, int group_rows) {
  const std::int64_t per_group = static_cast<std::int64_t>(group_rows) * tiles_across;
  const std::int64_t group = block / per_group;
  const std::int64_t first_row = group * group_rows;
  const std::int64_t rows_left = tiles_down - first_row;
  const std::int64_t height = rows_left < group_rows ? rows_left : group_rows;
  const std::int64_t in_group = block - group * per_group;
  return TileCoord{first_row + in_group % height, in_group / height};
}

/// The tile block number `block` visits in column-major order: blocks walk down a column of tiles
/// (`tiles_down` of them) before moving to the next column.
WB_HD inline TileCoord column_major_tile_of(std::int64_t block, std::int64_t tiles_down) {
  return TileCoord{block % tiles_down, block / tiles_down};
}

}  // namespace wb
