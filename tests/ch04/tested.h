// What chapter 04's GPU tests loop over: every step, then the vendor row (CUB), which is held to
// the same lengths and views as the steps, for the sum only.
#pragma once

#include "reduction.h"

#include <vector>

namespace ch04_tests {

/// A step or vendor row under test; `has_max` is false for the vendor row, which is the sum only.
struct Tested {
  ch04::Step step;
  bool has_max;
};

/// Every step, then the vendor rows.
inline std::vector<Tested> tested() {
  std::vector<Tested> all;
  for (const ch04::Step& step : ch04::steps())
    all.push_back({step, true});
  for (const ch04::Step& vendor : ch04::vendor_steps())
    all.push_back({vendor, false});
  return all;
}

}  // namespace ch04_tests
