// Chapter 03 vendor baseline: cuBLAS SGEMM on the same row-major arguments as the steps.
//
// cuBLAS is column-major. A row-major (M, N) matrix with leading dimension ldc is, read
// column-major, its transpose: an (N, M) matrix with the same leading dimension. So the row-major
// C = alpha A B + beta C is the column-major C^T = alpha B^T A^T + beta C^T, which is one
// cublasSgemm call with no transposition flags: m = N, n = M, k = K, first operand B (ldb), second
// A (lda). The handle uses CUBLAS_DEFAULT_MATH: fp32 inputs, fp32 compute, no TF32 (TF32 needs
// CUBLAS_TF32_TENSOR_OP_MATH or NVIDIA_TF32_OVERRIDE=1, and would fail the fp32 tolerance).
#include "sgemm.h"

#include "wb/check.h"
#include "wb/cublas.h"

namespace ch03 {

void launch_cublas(const SgemmArgs& a, cudaStream_t stream) {
  validate(a, "ch03::launch_cublas");
  cublasHandle_t h = wb::cublas_handle();
  wb::check_cublas(cublasSetStream(h, stream), "cublasSetStream");
  wb::check_cublas(
      cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, static_cast<int>(a.N), static_cast<int>(a.M),
                  static_cast<int>(a.K), &a.alpha, a.B, static_cast<int>(a.ldb), a.A,
                  static_cast<int>(a.lda), &a.beta, a.C, static_cast<int>(a.ldc)),
      "cublasSgemm");
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
