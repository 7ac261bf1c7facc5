/// @file check.h
/// @brief Error checking: every CUDA call and every launch is checked and failures throw.
///
/// A workbook test that silently continues after `cudaErrorIllegalAddress` proves nothing, so
/// the rule is simple: wrap every runtime call in `WB_CUDA_CHECK`, follow every launch with
/// `WB_CHECK_LAUNCH()`, and validate launcher arguments with `WB_REQUIRE_ARG`.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace wb {

/// Thrown when a CUDA runtime call fails. `what()` carries the failed expression, file:line
/// and CUDA's own name and message for the error, e.g.
/// `cudaMalloc(&p, bytes) failed at common/src/buffer.cpp:31: cudaErrorMemoryAllocation (out of
/// memory)`.
class CudaError : public std::runtime_error {
 public:
  /// An error `code` described by `what`.
  CudaError(cudaError_t code, const std::string& what) : std::runtime_error(what), code_(code) {}
  /// The CUDA error code that caused the exception.
  cudaError_t code() const { return code_; }

 private:
  cudaError_t code_;
};

/// Builds and throws the CudaError for a failed call; used by the macros below.
[[noreturn]] void throw_cuda_error(cudaError_t code, const char* expr, const char* file, int line);

/// Throws `std::invalid_argument("<where>: <message>")`; used by WB_REQUIRE_ARG.
[[noreturn]] void throw_invalid_argument(const char* where, const std::string& message);

/// True when the environment asks every launch to be followed by a device synchronisation
/// (`WB_SYNC_LAUNCHES=1`), so an asynchronous fault is reported at the launch that caused it.
bool sync_after_launches();

/// Byte address of `p`, for the alignment checks of launchers.
inline std::uintptr_t address_of(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

/// True when the byte ranges [a, a + a_bytes) and [b, b + b_bytes) share at least one byte: the
/// overlap check of every out-of-place launcher.
inline bool ranges_overlap(const void* a, std::uint64_t a_bytes, const void* b,
                           std::uint64_t b_bytes) {
  return address_of(a) < address_of(b) + b_bytes && address_of(b) < address_of(a) + a_bytes;
}

}  // namespace wb

/// Checks a CUDA runtime call; throws wb::CudaError on failure.
#define WB_CUDA_CHECK(expr)                                          \
  do {                                                               \
    const cudaError_t wb_status_ = (expr);                           \
    if (wb_status_ != cudaSuccess) {                                 \
      ::wb::throw_cuda_error(wb_status_, #expr, __FILE__, __LINE__); \
    }                                                                \
  } while (0)

/// Checks the launch just made: configuration errors at once, and with `WB_SYNC_LAUNCHES=1`
/// also faults raised while the kernel ran.
#define WB_CHECK_LAUNCH()                                                    \
  do {                                                                       \
    WB_CUDA_CHECK(cudaGetLastError());                                       \
    if (::wb::sync_after_launches()) WB_CUDA_CHECK(cudaDeviceSynchronize()); \
  } while (0)

/// Validates a launcher argument: throws std::invalid_argument naming the function and the rule.
#define WB_REQUIRE_ARG(cond, where, message)                       \
  do {                                                             \
    if (!(cond)) ::wb::throw_invalid_argument((where), (message)); \
  } while (0)
