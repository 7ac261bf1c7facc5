// The vendor transpose: cublasSgeam computes C = alpha op(A) + beta op(B) on column-major
// matrices. Our row-major (rows, cols) input is a column-major (cols, rows) matrix A with
// lda = cols, and our row-major (cols, rows) output is a column-major (rows, cols) matrix C with
// ldc = rows; so C = 1 * A^T + 0 * C, with B = C (cuBLAS allows that in-place form with beta = 0).
// The call is the 64-bit integer interface, cublasSgeam_64. Neither interface reaches the steps'
// 2^31 - 1 rows or columns: on the H100 (CUDA 13.0) both refused 2^31 - 1 rows x 1 column and
// 1 row x 2^31 - 1 columns with CUBLAS_STATUS_INVALID_VALUE, though those fit an int
// (bench/results/h100/chapter-02.limits.log: cublasSgeam_64 at commit ca7851f; the 32-bit
// cublasSgeam at ab677c9, in that file's history). A bisection (bench/probes/cublas_geam_limit.cu,
// bench/results/h100/cublas-geam-limit.txt) found cublasSgeam_64's limit: each dimension up to
// 2^31 - 32768 is accepted and transposed right, one more is refused. validate_cublas documents
// that limit (kCublasGeamMaxDim) and refuses a larger dimension itself, before cuBLAS is called.
#include "transpose.h"

#include "wb/cublas.h"

namespace ch02 {

void launch_cublas(const TransposeArgs& a, cudaStream_t stream) {
  validate_cublas(a, "ch02::launch_cublas");
  const float one = 1.0f, zero = 0.0f;
  wb::check_cublas(cublasSetStream(wb::cublas_handle(), stream), "cublasSetStream");
  wb::check_cublas(cublasSgeam_64(wb::cublas_handle(), CUBLAS_OP_T, CUBLAS_OP_N, a.rows, a.cols,
                                  &one, a.in, a.cols, &zero, a.out, a.rows, a.out, a.rows),
                   "cublasSgeam_64");
}

}  // namespace ch02
