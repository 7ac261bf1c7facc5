/// @file typed_step.h
/// @brief A ladder step compiled for both 16-bit element types: its name, its file and one
/// launcher per type, with the launcher of a type chosen at compile time.
///
/// Chapters whose steps run in fp16 and bf16 (06 onwards) list their ladder as a vector of these;
/// tests and benchmarks loop over it and ask each step for `launcher<T>()`.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <type_traits>

namespace wb {

/// One rung of a ladder, compiled for __half and __nv_bfloat16. `Launcher<T>` is the chapter's
/// launcher type for element type T (an alias template, e.g. a function pointer taking the
/// chapter's Args<T>).
template <template <class> class Launcher>
struct TypedStep {
  const char* name;              ///< test and benchmark name
  const char* file;              ///< the file that holds it, e.g. "03_mma.cu"
  Launcher<__half> fp16;         ///< the fp16 launcher
  Launcher<__nv_bfloat16> bf16;  ///< the bf16 launcher
  /// The launcher for T, which must be __half or __nv_bfloat16.
  template <class T>
  Launcher<T> launcher() const {
    static_assert(std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>,
                  "a 16-bit step runs in fp16 or bf16");
    if constexpr (std::is_same_v<T, __half>) {
      return fp16;
    } else {
      return bf16;
    }
  }
};

/// The launcher for T (__half or __nv_bfloat16) of any record with `fp16` and `bf16` members: a
/// TypedStep, or a chapter's tuning configuration.
template <class T, class S>
auto launcher_of(const S& s) {
  static_assert(std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>,
                "a 16-bit launcher runs in fp16 or bf16");
  if constexpr (std::is_same_v<T, __half>) {
    return s.fp16;
  } else {
    return s.bf16;
  }
}

}  // namespace wb
