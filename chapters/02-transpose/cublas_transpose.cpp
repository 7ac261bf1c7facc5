// The vendor transpose: cublasSgeam computes C = alpha op(A) + beta op(B) on column-major
// matrices. Our row-major (rows, cols) input is a column-major (cols, rows) matrix A with
// lda = cols, and our row-major (cols, rows) output is a column-major (rows, cols) matrix C with
// ldc = rows; so C = 1 * A^T + 0 * C, with B = C (cuBLAS allows that in-place form with beta = 0).
#include "transpose.h"

#include "wb/cublas.h"

namespace ch02 {

void launch_cublas(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_cublas");
  const float one = 1.0f, zero = 0.0f;
  wb::check_cublas(cublasSetStream(wb::cublas_handle(), stream), "cublasSetStream");
  wb::check_cublas(
      cublasSgeam(wb::cublas_handle(), CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(a.rows),
                  static_cast<int>(a.cols), &one, a.in, static_cast<int>(a.cols), &zero, a.out,
                  static_cast<int>(a.rows), a.out, static_cast<int>(a.rows)),
      "cublasSgeam");
}

}  // namespace ch02
