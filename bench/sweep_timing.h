// Timing for the design sweeps (bench/ch02_sweep.cu, bench/ch04_sweep.cu; not part of a ladder):
// each variant is timed twice with wb::time_on_stream, once as the ladders time it (the L2 flush
// leaves dirty lines for the timed kernel to write back: "dirty") and once with
// TimingOptions::clean_l2 ("clean"). A variant must win in both columns; a cache hint that wins
// only in the first may just be leaving its write-backs to the next kernel.
#pragma once

#include "wb/timing.h"

#include <functional>

namespace sweep {

struct Timing {
  double dirty_ms = 0, clean_ms = 0;  ///< medians
  double spread = 0;                  ///< (max - min) / median of the dirty repetitions
};

inline Timing time_both(const std::function<void(cudaStream_t)>& work) {
  const wb::TimingResult dirty = wb::time_on_stream(work);
  wb::TimingOptions clean;
  clean.clean_l2 = true;
  const wb::TimingResult c = wb::time_on_stream(work, clean);
  return {dirty.median_ms, c.median_ms, (dirty.max_ms - dirty.min_ms) / dirty.median_ms};
}

}  // namespace sweep
