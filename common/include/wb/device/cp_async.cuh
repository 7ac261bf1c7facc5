/// @file cp_async.cuh
/// @brief PTX wrappers for the Ampere-style asynchronous global-to-shared copy (device code only):
/// `cp.async.cg.shared.global` of one 16-byte chunk (with zero-fill for chunks outside the
/// matrix), `cp.async.commit_group` and `cp.async.wait_group N`.
///
/// Taught in chapter 07 (the multistage pipeline); chapter 08 uses it for its K and V tiles.
///
/// A thread issues copies, then commits them as one *group*; `wait_group<N>()` blocks the thread
/// until at most N of its own committed groups are still in flight. It says nothing about other
/// threads' copies: a `__syncthreads()` after the wait is what makes a whole tile visible to the
/// block. A copy that is never committed is never waited for, so every issued copy must be
/// followed by a commit before the wait that covers it.
///
/// Needs compute capability 8.0 or newer.
#pragma once

#include <cstdint>

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
#error "wb/device/cp_async.cuh needs compute capability 8.0 or newer (cp.async)"
#endif

namespace wb::async {

/// Starts copying the first `src_bytes` (0 to 16) of the 16 bytes at global `src` to shared
/// `dst` (both 16-byte aligned), bypassing L1 (`.cg`); the remaining 16 - src_bytes bytes at `dst`
/// become zero. Nothing past `src + src_bytes` is read: with 0, `src` may point anywhere. This is
/// the zero-fill that lets a tile copy cover a matrix's edge (a chunk that straddles the last
/// column, or lies past it) without a second code path.
__device__ __forceinline__ void copy16_zfill(void* dst, const void* src, int src_bytes) {
  const auto d = static_cast<std::uint32_t>(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(src), "r"(src_bytes)
               : "memory");
}

/// Closes the group of every copy this thread issued since the last commit.
__device__ __forceinline__ void commit() {
  asm volatile("cp.async.commit_group;\n" ::: "memory");
}

/// Waits until at most `kPending` of this thread's committed groups are still in flight (0: all
/// of them have landed). Other threads' copies need a barrier as well.
template <int kPending>
__device__ __forceinline__ void wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending) : "memory");
}

}  // namespace wb::async
