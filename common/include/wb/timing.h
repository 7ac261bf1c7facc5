/// @file timing.h
/// @brief Timing GPU work honestly: CUDA events, warm-up, L2 flushed, median of many runs.
///
/// `std::chrono` around an asynchronous launch measures the launch, not the kernel. Here every
/// repetition is bracketed by CUDA events on the stream, the L2 cache is overwritten between
/// repetitions so no repetition reads the previous one's data from cache, and the median is
/// reported (robust to the odd slow repetition; the spread is reported next to it).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <functional>
#include <vector>

namespace wb {

/// How to time. Environment variables `WB_WARMUP` and `WB_REPS` override the defaults.
struct TimingOptions {
  int warmup = 3;        ///< untimed runs first: module load, clocks ramping up, TLB warm-up
  int reps = 25;         ///< timed repetitions; the median of these is the result
  bool flush_l2 = true;  ///< overwrite a buffer twice the L2 size before each repetition
  /// After the flush, also read a second buffer twice the L2 size, so the repetition starts with
  /// an L2 full of *clean* lines. The plain flush leaves it full of dirty ones, and the timed work
  /// pays for writing them back as it evicts them (up to ~50 MB on an H100). Every ladder row pays
  /// that alike, so ladders keep the default; the design sweeps time both ways, because a cache
  /// hint could otherwise look faster only by leaving the write-back to the next kernel.
  bool clean_l2 = false;
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

namespace detail {
/// Enqueues a read-only kernel over `bytes` (a multiple of 16) at `p` on `stream`; `sink` is 4
/// bytes the kernel may write (it never does for a buffer of zeros). Used by clean_l2.
void read_through_l2(const void* p, std::size_t bytes, void* sink, cudaStream_t stream);
}  // namespace detail

/// Applies WB_WARMUP / WB_REPS from the environment to `options`.
TimingOptions options_from_env(TimingOptions options);

}  // namespace wb
