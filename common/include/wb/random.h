/// @file random.h
/// @brief Fresh random inputs from one printed, overridable seed.
///
/// Every run draws new inputs, so a kernel must compute the right function on any valid input,
/// not on one lucky array. The base seed is printed once; `WB_SEED=<n>` reproduces a run.
/// Values are never zero: zeros hide unwritten outputs and wrong indexing.
#pragma once

#include "wb/numeric.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace wb {

/// The run's base seed: `WB_SEED` when set (decimal), else drawn from std::random_device.
/// The first call prints `[wb] seed <n> (reproduce with WB_SEED=<n>)` to stderr.
std::uint64_t base_seed();

/// A seed for one use (one step at one shape, say) derived from the base seed and a label, so
/// inputs differ between shapes yet each is reproducible from the base seed alone.
std::uint64_t derive_seed(std::uint64_t base, const std::string& label);

/// Fills `out` with values whose magnitude is uniform in [lo, hi) and whose sign is random.
/// With lo > 0 no value is zero. Values are rounded to T; the caller computes its reference
/// from these rounded values, so the rounding of inputs is not counted as kernel error.
template <class T>
void fill_random(std::vector<T>& out, std::uint64_t seed, double lo = 0.5, double hi = 2.0) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> magnitude(lo, hi);
  for (auto& x : out) {
    const double m = magnitude(rng);
    x = NumericTraits<T>::from_double((rng() & 1u) ? m : -m);
  }
}

}  // namespace wb
