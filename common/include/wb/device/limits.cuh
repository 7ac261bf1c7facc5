/// @file limits.cuh
/// @brief Filling and checking arrays on the device, for the tests at the documented size limits.
///
/// At 2^31 elements (8 GiB of floats) a host reference is too slow and host random inputs too
/// large to move, so the limits tier (`[.limits]` test cases, `make chapter-NN-limits`) makes its
/// inputs on the device from an exact integer-valued pattern and checks each output element on
/// the device against the same pattern. A pattern is a functor with
/// `__device__ float operator()(std::int64_t i) const`. Everything here runs on the default stream
/// and synchronizes before it returns, so a sticky CUDA error is reported where it happened.
#pragma once

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/numeric.h"

#include <cuda_runtime_api.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace wb {

/// What a device-side check found: how many elements differ from the pattern (NaN and poison
/// included), and the first of them.
struct DeviceMismatches {
  unsigned long long count = 0;  ///< elements that differ
  std::int64_t first = -1;       ///< index of the first one, -1 when none
  float got = 0.0f;              ///< its value
  float want = 0.0f;             ///< the pattern's value there

  /// "exact" or "N elements differ, the first at index I: got G, expected W".
  std::string describe() const {
    if (count == 0) return "exact";
    return std::to_string(count) + " elements differ, the first at index " + std::to_string(first) +
           ": got " + std::to_string(got) + ", expected " + std::to_string(want);
  }
};

namespace detail {

template <class Pattern>
__global__ void fill_pattern_kernel(float* __restrict__ p, std::int64_t n, Pattern pattern) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    p[i] = pattern(i);
}

// count[0]: mismatches; first[0]: the smallest mismatching index (atomicMin), ULLONG_MAX if none.
template <class Pattern>
__global__ void check_pattern_kernel(const float* __restrict__ p, std::int64_t n, Pattern pattern,
                                     unsigned long long* count, unsigned long long* first) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  unsigned long long mine = 0;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const float want = pattern(i), got = p[i];
    // Bitwise: a NaN (or the poison of an unwritten element) never equals anything.
    if (__float_as_uint(got) != __float_as_uint(want)) {
      ++mine;
      atomicMin(first, static_cast<unsigned long long>(i));
    }
  }
  if (mine != 0) atomicAdd(count, mine);
}

// pattern(i + shift): evaluates a pattern at one index with a one-element fill.
template <class Pattern>
struct Shifted {
  Pattern pattern;
  std::int64_t shift;
  __device__ float operator()(std::int64_t i) const { return pattern(i + shift); }
};

// Enough blocks of 256 threads to fill an H100 several times over; the kernels stride the rest.
constexpr unsigned kFillBlocks = 4096;
constexpr unsigned kFillThreads = 256;

}  // namespace detail

/// The poison pattern (wb::poison_value<float>, a marked NaN) at every index.
struct PoisonPattern {
  /// The poison bits as a float.
  __device__ float operator()(std::int64_t) const {
    return __uint_as_float(NumericTraits<float>::poison_bits);
  }
};

/// Writes pattern(i) to p[i] for i < n, on the device.
template <class Pattern>
void fill_on_device(float* p, std::int64_t n, Pattern pattern) {
  detail::fill_pattern_kernel<<<detail::kFillBlocks, detail::kFillThreads>>>(p, n, pattern);
  WB_CHECK_LAUNCH();
  WB_CUDA_CHECK(cudaDeviceSynchronize());
}

/// Compares p[i] with pattern(i), bit for bit, for i < n, on the device.
template <class Pattern>
DeviceMismatches check_on_device(const float* p, std::int64_t n, Pattern pattern) {
  DeviceAllocation counters(2 * sizeof(unsigned long long));  // [0] count, [1] first index
  auto* gCounters = static_cast<unsigned long long*>(counters.get());
  const unsigned long long init[2] = {0, ~0ull};
  WB_CUDA_CHECK(cudaMemcpy(gCounters, init, sizeof(init), cudaMemcpyHostToDevice));
  detail::check_pattern_kernel<<<detail::kFillBlocks, detail::kFillThreads>>>(
      p, n, pattern, gCounters, gCounters + 1);
  WB_CHECK_LAUNCH();
  unsigned long long result[2] = {0, 0};
  WB_CUDA_CHECK(cudaMemcpy(result, gCounters, sizeof(result), cudaMemcpyDeviceToHost));
  DeviceMismatches m;
  m.count = result[0];
  if (m.count != 0) {
    m.first = static_cast<std::int64_t>(result[1]);
    WB_CUDA_CHECK(cudaMemcpy(&m.got, p + m.first, sizeof(float), cudaMemcpyDeviceToHost));
    // The pattern is device code: evaluate it at that one index with a one-element fill.
    DeviceAllocation want(sizeof(float));
    fill_on_device(static_cast<float*>(want.get()), 1, detail::Shifted<Pattern>{pattern, m.first});
    WB_CUDA_CHECK(cudaMemcpy(&m.want, want.get(), sizeof(float), cudaMemcpyDeviceToHost));
  }
  return m;
}

/// Whether the device has `bytes` free, with 256 MiB to spare (a limits case checks before it
/// allocates, so that a smaller GPU reports the size it needs instead of an allocation failure).
inline bool device_memory_free(double bytes) {
  std::size_t free_bytes = 0, total_bytes = 0;
  WB_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  return static_cast<double>(free_bytes) > bytes + 256.0 * (1 << 20);
}

/// An output of `n` floats for a limits case: the view starts `offset` floats past a 256-byte
/// boundary, and kGuard floats before it (the skipped prefix included) and kGuard after it are
/// poisoned with it, all on the device.
class GuardedOutput {
 public:
  /// Poisoned floats on each side of the view.
  static constexpr std::int64_t kGuard = 64;

  /// Allocates the view and its guards (contents undefined until poison()).
  GuardedOutput(std::int64_t n, int offset)
      : n_(n),
        offset_(offset),
        mem_(static_cast<std::size_t>(n + offset + 2 * kGuard) * sizeof(float)) {}

  /// The view: n floats.
  float* data() { return base() + kGuard + offset_; }
  /// Poisons the view and the guards.
  void poison() { fill_on_device(base(), n_ + offset_ + 2 * kGuard, PoisonPattern{}); }
  /// Whether nothing was written before or after the view since poison().
  bool guards_intact() {
    return check_on_device(base(), kGuard + offset_, PoisonPattern{}).count == 0 &&
           check_on_device(data() + n_, kGuard, PoisonPattern{}).count == 0;
  }
  /// For a small view: the guards and the view copied to the host in one cudaMemcpy on the
  /// default stream, checked there. `view` receives the n values; returns whether the guards are
  /// intact. Unlike guards_intact() it allocates and frees nothing on the device (cudaFree
  /// synchronizes the whole device), so it never waits for work on other, non-blocking streams.
  bool read_small(std::vector<float>& view) {
    std::vector<float> all(static_cast<std::size_t>(n_ + offset_ + 2 * kGuard));
    WB_CUDA_CHECK(
        cudaMemcpy(all.data(), base(), all.size() * sizeof(float), cudaMemcpyDeviceToHost));
    const std::size_t first = static_cast<std::size_t>(kGuard + offset_);
    view.assign(all.begin() + first, all.begin() + first + n_);
    bool intact = true;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (i >= first && i < first + static_cast<std::size_t>(n_)) continue;
      std::uint32_t bits;
      std::memcpy(&bits, &all[i], sizeof(bits));
      intact = intact && bits == NumericTraits<float>::poison_bits;
    }
    return intact;
  }

 private:
  float* base() { return static_cast<float*>(mem_.get()); }
  std::int64_t n_;
  int offset_;
  DeviceAllocation mem_;
};

}  // namespace wb
