/// @file shapes.h
/// @brief The shapes every step is tested at, and the large ones it is timed at.
///
/// The most common bug report against public kernel tutorials is a wrong result at a size that
/// is not a multiple of the tile. So every chapter tests at the awkward shapes below, whatever
/// its tiles: 1, 31 and 33 (one either side of a warp), primes, non-square in both directions,
/// and sizes past the 65535-block limit of a grid's y dimension.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wb {

/// A rows x cols matrix shape, with a note saying why it is in the set.
struct Shape2D {
  std::int64_t rows = 0;  ///< number of rows (the slow, strided dimension of a row-major matrix)
  std::int64_t cols = 0;  ///< number of columns (the contiguous dimension)
  std::string why;        ///< what this shape catches, shown in test output

  /// "rows x cols", e.g. "31x33".
  std::string str() const;
  /// rows * cols.
  std::int64_t elements() const { return rows * cols; }
};

/// Edge shapes for 2-D operations (at least 10): 1x1, 1x31, 31x1, 31x33, 33x31, primes,
/// non-square both ways, one-past-a-tile sizes, and a tall and a wide shape beyond the grid-y
/// limit. Each is small enough to check against a CPU reference in milliseconds.
std::vector<Shape2D> edge_shapes_2d();

/// Large shapes for 2-D memory-bound benchmarks: each moves well over 1 GiB, far above any L2.
std::vector<Shape2D> large_shapes_2d();

/// The shapes a 2-D chapter benchmark runs at: large_shapes_2d(), unless the environment variable
/// `WB_SHAPES` lists others, e.g. `WB_SHAPES=4096x65536,65536x4096 make chapter-02-bench` (a run
/// for exploring; the recorded ladders use the default). Throws std::invalid_argument on a
/// malformed list.
std::vector<Shape2D> bench_shapes_2d();

/// Edge lengths for 1-D operations: 1, 31, 32, 33, primes, powers of two plus and minus one.
std::vector<std::int64_t> edge_lengths_1d();

}  // namespace wb
