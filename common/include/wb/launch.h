/// @file launch.h
/// @brief Launch plumbing every chapter's launchers share: dynamic shared memory above 48 KB and
/// grid limits.
#pragma once

#include "wb/check.h"

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace wb {

/// The default dynamic shared-memory limit of a block; asking for more needs an opt-in.
constexpr std::size_t kDefaultDynamicSmemBytes = 48 * 1024;

/// The current device's opt-in limit of dynamic shared memory per block, in bytes (227 KB on an
/// H100, cudaDevAttrMaxSharedMemoryPerBlockOptin).
int max_dynamic_smem_per_block();

/// Raises `kernel`'s dynamic shared-memory limit to `bytes` when that is above the default 48 KB
/// (cudaFuncAttributeMaxDynamicSharedMemorySize); below it there is nothing to do. Throws
/// std::invalid_argument naming `where` when `bytes` is above what the device allows.
void allow_dynamic_smem(const void* kernel, std::size_t bytes, const char* where);

/// The same for a typed kernel pointer.
template <class Kernel>
void allow_dynamic_smem(Kernel* kernel, std::size_t bytes, const char* where) {
  allow_dynamic_smem(reinterpret_cast<const void*>(kernel), bytes, where);
}

/// Largest grid extent along y and z (x allows 2^31 - 1).
constexpr std::int64_t kMaxGridYZ = 65535;
/// Largest grid extent along x.
constexpr std::int64_t kMaxGridX = 2147483647;

/// A grid of (x, y) blocks; throws std::invalid_argument naming `where` and the limit when x is
/// above 2^31 - 1 or y above 65535 (a launch would otherwise fail with a configuration error, or,
/// worse, the caller's narrowing cast would wrap).
dim3 grid_2d(std::int64_t x, std::int64_t y, const char* where);

}  // namespace wb
