// The vendor transpose: cublasSgeam computes C = alpha op(A) + beta op(B) on column-major
// matrices. Our row-major (rows, cols) input is a column-major (cols, rows) matrix A with
// lda = cols, and our row-major (cols, rows) output is a column-major (rows, cols) matrix C with
// ldc = rows; so C = 1 * A^T + 0 * C, with B = C (cuBLAS allows that in-place form with beta = 0).
// The call is the 64-bit integer interface, cublasSgeam_64: the 32-bit cublasSgeam refused
// 2^31 - 1 rows x 1 column and 1 row x 2^31 - 1 columns on the H100 (CUBLAS_STATUS_INVALID_VALUE,
// bench/results/h100/chapter-02.limits.log) though both fit an int.
#include "transpose.h"

#include "wb/cublas.h"

namespace ch02 {

void launch_cublas(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_cublas");
  const float one = 1.0f, zero = 0.0f;
  wb::check_cublas(cublasSetStream(wb::cublas_handle(), stream), "cublasSetStream");
  wb::check_cublas(cublasSgeam_64(wb::cublas_handle(), CUBLAS_OP_T, CUBLAS_OP_N, a.rows, a.cols,
                                  &one, a.in, a.cols, &zero, a.out, a.rows, a.out, a.rows),
                   "cublasSgeam_64");
}

}  // namespace ch02
