#include "wb/shapes.h"

#include <cstdlib>
#include <stdexcept>

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

std::vector<Shape2D> bench_shapes_2d() {
  const char* env = std::getenv("WB_SHAPES");
  if (env == nullptr || env[0] == '\0') return large_shapes_2d();
  std::vector<Shape2D> shapes;
  const std::string list = env;
  for (std::size_t start = 0; start <= list.size();) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    const std::string item = list.substr(start, comma - start);
    const std::size_t x = item.find('x');
    char* end_rows = nullptr;
    char* end_cols = nullptr;
    const long long rows = x == std::string::npos ? 0 : std::strtoll(item.c_str(), &end_rows, 10);
    const long long cols =
        x == std::string::npos ? 0 : std::strtoll(item.c_str() + x + 1, &end_cols, 10);
    if (rows <= 0 || cols <= 0 || end_rows != item.c_str() + x || *end_cols != '\0') {
      throw std::invalid_argument("WB_SHAPES: expected a list like 4096x65536,8192x8192, got '" +
                                  item + "'");
    }
    shapes.push_back({rows, cols, "from WB_SHAPES"});
    start = comma + 1;
  }
  return shapes;
}

std::vector<std::int64_t> edge_lengths_1d() {
  return {1, 2, 3, 31, 32, 33, 127, 128, 129, 1021, 4093, 65537, 1000003};
}

}  // namespace wb
