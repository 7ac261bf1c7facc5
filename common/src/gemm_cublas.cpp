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
// (bench/results/h100/chapter-03.limits-MN.log). The 64-bit interface failed there too, the same
// way (chapter-03.limits.log): a probe (bench/probes/cublas_gemm_limit.cu,
// bench/results/h100/cublas-gemm-limit.txt) bisected the largest M and N it accepts to
// 2^31 - 65408 = kCublasGemmMaxMN, for fp32 and fp16, with the output right at the limit. So the
// vendor row refuses larger M or N itself, with a message that says why, and its documented
// limits are what cuBLAS does; chapter 03's limits tier runs it at that maximum.
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
  WB_REQUIRE_ARG(a.M <= kCublasGemmMaxMN && a.N <= kCublasGemmMaxMN, where.c_str(),
                 "M and N must each be at most " + std::to_string(kCublasGemmMaxMN) +
                     " (2^31 - 65408) for the vendor row: cuBLAS's cublasGemmEx_64 fails above "
                     "it (CUBLAS_STATUS_INTERNAL_ERROR, measured on the H100 with CUDA 13.0 and "
                     "recorded in bench/results/h100/cublas-gemm-limit.txt), got M x N = " +
                     std::to_string(a.M) + " x " + std::to_string(a.N));
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
