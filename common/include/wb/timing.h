/// @file timing.h
/// @brief Timing GPU work honestly: CUDA events, warm-up, L2 flushed, median of many runs.
///
/// `std::chrono` around an asynchronous launch measures the launch, not the kernel. Here every
/// repetition is bracketed by CUDA events on the stream, the L2 cache is overwritten between
/// repetitions so no repetition reads the previous one's data from cache, and the median is
/// reported (robust to the odd slow repetition; the spread is reported next to it).
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <vector>

namespace wb {

/// How to time. Environment variables `WB_WARMUP` and `WB_REPS` override the defaults.
struct TimingOptions {
  int warmup = 3;        ///< untimed runs first: module load, clocks ramping up, TLB warm-up
  int reps = 25;         ///< timed repetitions; the median of these is the result
  bool flush_l2 = true;  ///< overwrite a buffer twice the L2 size before each repetition
};

/// The timed repetitions, in milliseconds.
struct TimingResult {
  std::vector<double> ms;  ///< one entry per repetition, in run order
  double median_ms = 0;    ///< the reported time
  double min_ms = 0;       ///< fastest repetition
  double max_ms = 0;       ///< slowest repetition
};

/// Median of a non-empty sample (the mean of the middle two for an even count).
double median(std::vector<double> values);

/// Runs `work(stream)` warmup + reps times; times each repetition with events on `stream`.
/// `work` must only enqueue asynchronous work on the stream it is given.
TimingResult time_on_stream(const std::function<void(cudaStream_t)>& work,
                            TimingOptions options = {}, cudaStream_t stream = nullptr);

/// Applies WB_WARMUP / WB_REPS from the environment to `options`.
TimingOptions options_from_env(TimingOptions options);

}  // namespace wb
