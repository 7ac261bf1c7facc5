/// @file math.h
/// @brief Integer helpers for grids and tiles, shared by host and device code.
///
/// `ceil_div` is CCCL's `cuda::ceil_div` (shipped with the CUDA toolkit). It is worth using rather
/// than writing `(n + d - 1) / d`: that expression overflows when `n` is close to the type's
/// maximum (with `int n = 2^31 - 1` and `d = 8`, `n + 7` wraps to a negative number and the tile
/// count comes out negative). `cuda::ceil_div` computes in the unsigned type, so it is exact for
/// every non-negative `n`. Chapter 03's lesson tells the story of the bug this prevented.
#pragma once

#include "wb/hd.h"

#include <cuda/cmath>

#include <cstdint>

namespace wb {

/// ceil(n / d) for n >= 0 and d > 0, exact over the whole range of the common type.
using ::cuda::ceil_div;

/// The smallest multiple of `d` that is >= n (n >= 0, d > 0), in 64 bits.
WB_HD constexpr std::int64_t round_up(std::int64_t n, std::int64_t d) {
  return ::cuda::ceil_div(n, d) * d;
}

}  // namespace wb
