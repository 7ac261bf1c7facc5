/// @file buffer.h
/// @brief `DeviceBuffer<T>`: RAII device memory with poisoned, guarded outputs.
///
/// Every buffer is allocated with a guard zone of `kGuardBytes` on each side. `poison()` fills
/// the elements and both guards with T's poison pattern; after a kernel ran, `guards_intact()`
/// tells whether it wrote outside the buffer. Together with the unwritten-element check in
/// compare.h this catches writes that miss the output and writes that overrun it, on any GPU,
/// without a sanitizer.
#pragma once

#include "wb/check.h"
#include "wb/numeric.h"

#include <cuda_runtime_api.h>

#include <cstddef>
#include <vector>

namespace wb {

/// Raw allocation used by DeviceBuffer (not templated, so it lives in the library).
class DeviceAllocation {
 public:
  DeviceAllocation() = default;
  /// Allocates `bytes` with cudaMalloc; throws CudaError on failure.
  explicit DeviceAllocation(std::size_t bytes);
  ~DeviceAllocation();
  DeviceAllocation(DeviceAllocation&& other) noexcept;             ///< takes over `other`'s memory
  DeviceAllocation& operator=(DeviceAllocation&& other) noexcept;  ///< frees, then takes over
  DeviceAllocation(const DeviceAllocation&) = delete;
  DeviceAllocation& operator=(const DeviceAllocation&) = delete;

  /// Start of the allocation (aligned to at least 256 bytes).
  void* get() const { return ptr_; }
  /// Size in bytes.
  std::size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

/// Typed device array of `size()` elements between two guard zones.
template <class T>
class DeviceBuffer {
 public:
  /// Guard zone on each side. 256 bytes keeps `data()` as aligned as cudaMalloc's own pointers.
  static constexpr std::size_t kGuardBytes = 256;
  static_assert(kGuardBytes % sizeof(T) == 0, "guard must hold whole elements");
  static constexpr std::size_t kGuardElems = kGuardBytes / sizeof(T);  ///< guard zone in elements

  DeviceBuffer() = default;
  /// Allocates `n` elements (contents undefined until upload() or poison()).
  explicit DeviceBuffer(std::size_t n) : n_(n), mem_(n * sizeof(T) + 2 * kGuardBytes) {}
  /// Allocates and uploads `host`.
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host); }

  /// Device pointer to element 0.
  T* data() { return base() + kGuardElems; }
  /// Device pointer to element 0.
  const T* data() const { return base() + kGuardElems; }
  /// Number of elements (guards excluded).
  std::size_t size() const { return n_; }
  /// Size in bytes (guards excluded).
  std::size_t bytes() const { return n_ * sizeof(T); }

  /// Copies `host` (exactly size() elements) to the device.
  void upload(const std::vector<T>& host) {
    WB_REQUIRE_ARG(host.size() == n_, "DeviceBuffer::upload",
                   "host vector size differs from buffer size");
    WB_CUDA_CHECK(cudaMemcpy(data(), host.data(), bytes(), cudaMemcpyHostToDevice));
  }

  /// Copies the elements back to the host.
  std::vector<T> download() const {
    std::vector<T> host(n_);
    WB_CUDA_CHECK(cudaMemcpy(host.data(), data(), bytes(), cudaMemcpyDeviceToHost));
    return host;
  }

  /// Fills the elements and both guard zones with T's poison pattern (a NaN).
  void poison() {
    std::vector<T> host(n_ + 2 * kGuardElems, poison_value<T>());
    WB_CUDA_CHECK(cudaMemcpy(base(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  }

  /// True when both guard zones still hold the poison written by poison(): nothing was written
  /// just before element 0 or just after the last element.
  bool guards_intact() const {
    std::vector<T> lo(kGuardElems), hi(kGuardElems);
    WB_CUDA_CHECK(cudaMemcpy(lo.data(), base(), kGuardBytes, cudaMemcpyDeviceToHost));
    WB_CUDA_CHECK(cudaMemcpy(hi.data(), data() + n_, kGuardBytes, cudaMemcpyDeviceToHost));
    for (std::size_t i = 0; i < kGuardElems; ++i) {
      if (!is_poison(lo[i]) || !is_poison(hi[i])) return false;
    }
    return true;
  }

 private:
  T* base() const { return static_cast<T*>(mem_.get()); }

  std::size_t n_ = 0;
  DeviceAllocation mem_;
};

}  // namespace wb
