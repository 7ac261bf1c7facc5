// The vendor baseline of every GEMM chapter: cublasGemmEx on the same row-major arguments.
//
// cuBLAS is column-major. A row-major (M, N) matrix with leading dimension ldc is, read
// column-major, its transpose: an (N, M) matrix with the same leading dimension. So the row-major
// C = alpha A B + beta C is the column-major C^T = alpha B^T A^T + beta C^T, which is one
// cublasGemmEx call with no transposition flags: m = N, n = M, k = K, first operand B (ldb),
// second A (lda). CUBLAS_COMPUTE_32F accumulates in fp32 and, for fp32 inputs, never uses TF32
// (that would be CUBLAS_COMPUTE_32F_FAST_TF32).
//
// The call is cuBLAS's 64-bit integer interface, cublasGemmEx_64: sizes and leading dimensions
// go to cuBLAS as the int64_t the workbook holds them in, with no narrowing cast. Through the
// 32-bit cublasGemmEx, cuBLAS 13 failed at M = 2^31 - 1 (N = K = 1) and at N = 2^31 - 1
// (M = K = 1) on the H100 with CUBLAS_STATUS_INTERNAL_ERROR, although both fit an int
// (bench/results/h100/chapter-03.limits-MN.log); the 64-bit interface is the one cuBLAS offers
// for sizes at and beyond 2^31, and chapter 03's limits tier checks it reaches the documented
// 2^31 - 1 along every dimension.
#include "wb/gemm.h"

#include "wb/check.h"
#include "wb/cublas.h"

#include <string>

namespace wb::gemm {

namespace {

template <class T>
cudaDataType_t cuda_type();
template <>
cudaDataType_t cuda_type<float>() {
  return CUDA_R_32F;
}
template <>
cudaDataType_t cuda_type<__half>() {
  return CUDA_R_16F;
}
template <>
cudaDataType_t cuda_type<__nv_bfloat16>() {
  return CUDA_R_16BF;
}

}  // namespace

template <class T>
void launch_cublas(const Args<T>& a, cudaStream_t stream) {
  const std::string where = std::string("wb::gemm::launch_cublas<") + type_name<T>() + ">";
  validate(a, where.c_str());
  cublasHandle_t h = cublas_handle();
  check_cublas(cublasSetStream(h, stream), "cublasSetStream");
  check_cublas(cublasGemmEx_64(h, CUBLAS_OP_N, CUBLAS_OP_N, a.N, a.M, a.K, &a.alpha, a.B,
                               cuda_type<T>(), a.ldb, a.A, cuda_type<T>(), a.lda, &a.beta, a.C,
                               cuda_type<T>(), a.ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
               "cublasGemmEx_64");
  WB_CHECK_LAUNCH();
}

template void launch_cublas<float>(const Args<float>&, cudaStream_t);
template void launch_cublas<__half>(const Args<__half>&, cudaStream_t);
template void launch_cublas<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace wb::gemm
