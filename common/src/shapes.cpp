#include "wb/shapes.h"

namespace wb {

std::string Shape2D::str() const {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

std::vector<Shape2D> edge_shapes_2d() {
  // Tiles in this workbook are multiples of 4, 8, 32 and 128 wide; every size below is either 1,
  // one off such a multiple, or prime, so no tile divides it.
  return {
      {1, 1, "a single element"},
      {1, 31, "one row, one short of a warp"},
      {31, 1, "one column"},
      {31, 33, "either side of a warp"},
      {33, 31, "the transpose of the above"},
      {97, 257, "primes, non-square"},
      {257, 97, "primes, taller than wide"},
      {8, 129, "one past 128 columns"},
      {129, 4097, "one past 4096 columns, many rows"},
      {1021, 1031, "large primes"},
      {3, 100003, "wide prime row: many blocks along x"},
      {600001, 2, "tall: rows beyond 65535 blocks of 8 on grid y"},
      {2, 600001, "wide: columns beyond 65535 blocks of 8 on grid y"},
  };
}

std::vector<Shape2D> large_shapes_2d() {
  return {
      {8192, 8192, "512 MiB moved (read + write), 10x the L2"},
      {16384, 16384, "2 GiB moved: the headline size"},
      {4099, 65537, "2 GiB moved at an awkward size: 3 rows in 4 start off a 16-byte boundary"},
  };
}

std::vector<std::int64_t> edge_lengths_1d() {
  return {1, 2, 3, 31, 32, 33, 127, 128, 129, 1021, 4093, 65537, 1000003};
}

}  // namespace wb
