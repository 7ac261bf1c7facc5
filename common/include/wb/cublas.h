/// @file cublas.h
/// @brief cuBLAS for the chapters whose vendor baseline it is: error checks and one shared handle.
///
/// Header-only, so that only programs that use cuBLAS (and link CUDA::cublas) include it.
#pragma once

#include <cublas_v2.h>

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

/// The program's cuBLAS handle, created on first use (so never inside a timed region once a
/// correctness check has run) with CUBLAS_DEFAULT_MATH: fp32 data is computed in fp32, no TF32
/// (TF32 needs CUBLAS_TF32_TENSOR_OP_MATH or NVIDIA_TF32_OVERRIDE=1).
inline cublasHandle_t cublas_handle() {
  static cublasHandle_t handle = [] {
    cublasHandle_t created = nullptr;
    check_cublas(cublasCreate(&created), "cublasCreate");
    check_cublas(cublasSetMathMode(created, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    return created;
  }();
  return handle;
}

}  // namespace wb
