/// @file cublas.h
/// @brief cuBLAS for the chapters whose vendor baseline it is: error checks and one shared handle.
///
/// Header-only, so that only programs that use cuBLAS (and link CUDA::cublas) include it.
#pragma once

#include <cublas_v2.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace wb {

/// Throws std::runtime_error naming `what` and the cuBLAS status unless `status` is success.
inline void check_cublas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(std::string(what) + " failed: cuBLAS status " +
                             std::to_string(static_cast<int>(status)));
  }
}

namespace detail {
/// The handle, once created (nullptr before).
inline cublasHandle_t& cublas_handle_slot() {
  static cublasHandle_t handle = nullptr;
  return handle;
}
}  // namespace detail

/// The program's cuBLAS handle, created on first use (so never inside a timed region once a
/// correctness check has run) with CUBLAS_DEFAULT_MATH: fp32 data is computed in fp32, no TF32
/// (TF32 needs CUBLAS_TF32_TENSOR_OP_MATH or NVIDIA_TF32_OVERRIDE=1). It is destroyed at exit,
/// before the CUDA runtime's own teardown (exit handlers run last-registered first), so
/// compute-sanitizer's leak check sees cuBLAS's device memory freed.
inline cublasHandle_t cublas_handle() {
  cublasHandle_t& handle = detail::cublas_handle_slot();
  if (handle == nullptr) {
    check_cublas(cublasCreate(&handle), "cublasCreate");
    check_cublas(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    std::atexit([] {
      cublasDestroy(detail::cublas_handle_slot());
      detail::cublas_handle_slot() = nullptr;
    });
  }
  return handle;
}

}  // namespace wb
