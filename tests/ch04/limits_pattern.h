// The input of chapter 04's limits tier (limits_test.cu), as pure functions the CPU tests check
// (index_math_test.cpp) and the GPU fills from.
//
// x[j] = +1 for even j, -1 for odd j, plus 2 where j is a multiple of 4096, and x[n - 1] = 7.
// Every value is a small integer, and every partial sum any step forms (a contiguous range, or a
// thread's strided share of at most a few thousand inputs) stays far below 2^24 in magnitude, so
// every addition is exact in fp32 in any order: each step must return exactly limits_sum(n), and
// the max is exactly 7, found only if the last input is read.
#pragma once

#include "wb/hd.h"

#include <cstdint>

namespace ch04_limits {

/// Spacing of the +2 markers.
constexpr std::int64_t kMarkerEvery = 4096;
/// The last input, larger than any other: the max.
constexpr float kLast = 7.0f;

/// x[j] for j < n - 1, without the last input's override.
WB_HD inline float base_value(std::int64_t j) {
  return ((j & 1) != 0 ? -1.0f : 1.0f) + (j % kMarkerEvery == 0 ? 2.0f : 0.0f);
}

/// x[j] of an input of length n.
WB_HD inline float value(std::int64_t j, std::int64_t n) {
  return j == n - 1 ? kLast : base_value(j);
}

/// The exact sum of x[0 .. n) (n >= 1): the alternating +-1 leave 1 when n is odd, each of the
/// ceil(n / 4096) markers adds 2, and the last input replaces its base value with 7.
inline double exact_sum(std::int64_t n) {
  const double alternating = (n & 1) != 0 ? 1.0 : 0.0;
  const double markers = 2.0 * static_cast<double>((n + kMarkerEvery - 1) / kMarkerEvery);
  return alternating + markers - static_cast<double>(base_value(n - 1)) +
         static_cast<double>(kLast);
}

}  // namespace ch04_limits
