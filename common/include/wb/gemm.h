/// @file gemm.h
/// @brief The GEMM problem every matrix-multiply chapter shares: arguments, checks, inputs, the
/// fp64 reference, the tolerance, run-and-check, and the cuBLAS baseline.
///
///     C = alpha * A * B + beta * C      A: M x K, B: K x N, C: M x N, all of element type T
///
/// T is `float` (chapter 03, SIMT FMAs), `__half` or `__nv_bfloat16` (chapters 06 and 07, tensor
/// cores). Whatever T, products are accumulated in fp32 and alpha and beta are fp32.
///
/// ## Layout
/// Every matrix is **row-major** with a leading dimension counted in **elements**: element (i, j)
/// of A lives at `A[i * lda + j]`, of B at `B[i * ldb + j]`, of C at `C[i * ldc + j]`. A row may
/// be longer than the matrix (a view into a bigger one), so `lda >= K`, `ldb >= N`, `ldc >= N`;
/// the elements past the row length are never read (A, B) nor written (C). As in BLAS, when
/// `beta == 0` C is not read, so it may hold anything, NaN included.
///
/// ## The tolerance, derived once
/// Following compare.h, an entry passes when |out - ref| <= rel * scale + rel_ref * |ref| + abs,
/// with ref computed in fp64 from the same (already rounded) inputs and
/// scale = sum_k |alpha A_ik B_kj| + |beta C_ij|.
///  - **Accumulation.** The K products, the alpha scaling and the beta C term are K + 2 rounded
///    fp32 operations, so the accumulated value is within gamma_{K+2} * scale of the exact one
///    (Higham ch. 3), for any summation order. For fp32 inputs each product is itself rounded
///    (an FMA rounds once per product and addition, so K + 2 roundings still bound it). For fp16
///    and bf16 inputs every product is exact in fp32 (11 x 11 or 8 x 8 significand bits fit in
///    24), but the tensor cores add with truncation rather than rounding to nearest (Fasi,
///    Higham, Mikaitis, Pranesh, "Numerical behavior of NVIDIA tensor cores", PeerJ CS 2021), which
///    doubles the per-operation error: u = 2^-23 instead of 2^-24. So rel = gamma_{K+2} with
///    u = 2^-24 for fp32 and u = 2^-23 for fp16 and bf16 (whose steps may use either unit).
///  - **Storing C.** An fp32 C is stored as computed. An fp16 or bf16 C is rounded once more,
///    which adds u_T times the stored value: rel_ref = u_T (2^-11 or 2^-8), and rel grows by the
///    factor (1 + u_T) to cover the accumulated error being rounded too. Below fp16's smallest
///    normal number the rounding error is absolute, at most half the subnormal spacing:
///    abs = 2^-25 for fp16 (bf16 shares fp32's range; its abs is 0).
/// There is no fudge factor: every term is a proved bound, so an error above it is a bug.
///
/// **The vendor row.** cuBLAS's fp16/bf16 kernels need not fuse the epilogue the same way: on the
/// H100, cublasGemmEx (CUBLAS_COMPUTE_32F) gave bf16 results up to 7x outside the bound above at
/// 1000 x 777 x 513 with beta = -0.5, and up to 82x on views offset by an odd number of elements,
/// with a normal rel L2 error (2.3e-3): the pattern of alpha * A * B rounded to the output type
/// before beta * C is added (or of partial sums kept in the output type). So the vendor row is
/// checked with Epilogue::kRoundedProduct, which adds that one rounding: u_T times
/// |alpha * A * B| <= u_T * scale, a stated bound for the library, never used for a step.
///
/// The shapes every GEMM chapter tests at, and the sampling of large problems (stated rows and
/// columns, always the whole last row and last column), are here too.
#pragma once

#include "wb/compare.h"
#include "wb/numeric.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

/// The GEMM problem layer shared by the matrix-multiply chapters.
namespace wb::gemm {

/// Arguments of one GEMM: sizes, scalars and device pointers (see the file comment for the
/// layout). C must not overlap A or B.
template <class T>
struct Args {
  std::int64_t M = 0;    ///< rows of A and C, 1 .. 2^31 - 1
  std::int64_t N = 0;    ///< columns of B and C, 1 .. 2^31 - 1
  std::int64_t K = 0;    ///< columns of A, rows of B (the reduction length), 1 .. 2^31 - 1
  float alpha = 1.0f;    ///< scales A * B
  const T* A = nullptr;  ///< (M, K) row-major, leading dimension lda
  std::int64_t lda = 0;  ///< elements between rows of A, >= K
  const T* B = nullptr;  ///< (K, N) row-major, leading dimension ldb
  std::int64_t ldb = 0;  ///< elements between rows of B, >= N
  float beta = 0.0f;     ///< scales the old C; 0 means C is not read
  T* C = nullptr;        ///< (M, N) row-major, leading dimension ldc; input (beta != 0) and output
  std::int64_t ldc = 0;  ///< elements between rows of C, >= N
};

/// A step's launcher: validates `args` (throws std::invalid_argument), computes the grid, launches
/// on `stream` and checks the launch (throws wb::CudaError).
template <class T>
using Launcher = void (*)(const Args<T>& args, cudaStream_t stream);

/// "fp32", "fp16" or "bf16".
template <class T>
const char* type_name() {
  return NumericTraits<T>::name;
}

/// Argument checks every launcher runs first; throws std::invalid_argument naming `where`.
/// Rejects null pointers, sizes outside 1 .. 2^31 - 1, leading dimensions smaller than the row
/// length or above 2^31 - 1, pointers not aligned to the element size, and C overlapping A or B.
template <class T>
void validate(const Args<T>& args, const char* where);

/// True when 16-byte vector accesses are legal at the start of every row: lda, ldb and ldc are
/// multiples of 16 / sizeof(T) elements and A, B and C are 16-byte aligned. Steps that load 16
/// bytes at a time use that path only then, and a narrower one otherwise.
template <class T>
bool vector_friendly(const Args<T>& args);

/// The grid of (ceil(N / BN), ceil(M / BM)) blocks; throws std::invalid_argument naming `where`
/// when it exceeds the grid limits (x <= 2^31 - 1, y <= 65535). Above the y limit the message
/// names M and the largest M this tile allows (65535 * BM), so a step's real limit is plain.
dim3 tile_grid(std::int64_t M, std::int64_t N, int BM, int BN, const char* where);

/// FLOPs of one run: 2 M N K (the epilogue's 3 M N are not counted, as is usual for GEMM).
double flops(std::int64_t M, std::int64_t N, std::int64_t K);

/// Minimum bytes one run moves: read A and B once, write C once (and read it when beta != 0),
/// `elem_bytes` per element.
double min_bytes(std::int64_t M, std::int64_t N, std::int64_t K, int elem_bytes, bool reads_c);

/// How a GEMM combines alpha * A * B with beta * C before storing C (see the file comment).
enum class Epilogue {
  kFused,           ///< in fp32, one rounding to T at the end: every step of every chapter
  kRoundedProduct,  ///< alpha * A * B may be rounded to T first: the vendor row (cuBLAS)
};

/// The tolerance at reduction length K for element type T (see the file comment).
template <class T>
Tolerance tolerance(std::int64_t K, Epilogue epilogue = Epilogue::kFused);

/// A problem's shape, with a note saying why it is in the test set.
struct Shape {
  std::int64_t M = 0;  ///< rows of C
  std::int64_t N = 0;  ///< columns of C
  std::int64_t K = 0;  ///< reduction length
  std::string why;     ///< what this shape catches, shown in test output
  /// "MxNxK", e.g. "33x31x17".
  std::string str() const;
};

/// Host-side problem: random inputs (never zero, magnitudes in [0.5, 2), rounded to T) stored with
/// their leading dimensions. Padding elements of A and B hold NaN (so reading one spoils the
/// result), those of C the poison pattern (so writing one is seen).
template <class T>
struct Problem {
  Shape shape;             ///< M, N, K
  std::int64_t lda = 0;    ///< leading dimension of A
  std::int64_t ldb = 0;    ///< leading dimension of B
  std::int64_t ldc = 0;    ///< leading dimension of C
  float alpha = 1.0f;      ///< scalar on A * B
  float beta = 0.0f;       ///< scalar on C
  std::uint64_t seed = 0;  ///< the seed the inputs were drawn from
  std::vector<T> A;        ///< M * lda elements
  std::vector<T> B;        ///< K * ldb elements
  std::vector<T> C;        ///< M * ldc elements: random where beta != 0, else the poison pattern
  mutable std::vector<double> ref;        ///< full fp64 reference, filled by the first full check
  mutable std::vector<double> ref_scale;  ///< its sum of |terms| per entry
};

/// Draws a problem. `pad` elements are added to every leading dimension; `align_ld` then rounds
/// each up to a multiple of 16 bytes (so the 16-byte paths run at odd M, N, K). beta != 0 makes C
/// a random input too.
template <class T>
Problem<T> make_problem(const Shape& shape, std::uint64_t seed, float alpha, float beta,
                        int pad = 0, bool align_ld = false);

/// fp64 reference of element (i, j): alpha * sum_k A_ik B_kj + beta * C_ij; `scale` receives
/// sum_k |alpha A_ik B_kj| + |beta C_ij|, the magnitude the tolerance is relative to.
template <class T>
double reference_entry(const Problem<T>& p, std::int64_t i, std::int64_t j, double* scale);

/// How much of C to check against the fp64 reference.
struct Sampling {
  std::int64_t random = -1;  ///< entries drawn at random; -1 checks every entry (O(M N K))
  bool edges = true;         ///< with sampling: also every entry of the last row and last column
};

/// The fp64 reference at selected entries of C, computed once and reused for every step.
struct SampledReference {
  std::vector<std::int64_t> row;  ///< row of each checked entry
  std::vector<std::int64_t> col;  ///< its column
  std::vector<double> ref;        ///< reference value there
  std::vector<double> scale;      ///< sum of |terms| there
};

/// Picks the entries `sampling` selects (sampling.random >= 0) from `sample_seed` and computes
/// their reference: the whole last row and last column when sampling.edges, plus
/// sampling.random entries drawn uniformly.
template <class T>
SampledReference sample_reference(const Problem<T>& p, Sampling sampling,
                                  std::uint64_t sample_seed);

/// Result of running one step on one problem.
struct RunReport {
  CompareReport compare;          ///< checked entries against the fp64 reference
  bool guards_ok = false;         ///< nothing written before or after C's buffer
  std::size_t padding_hit = 0;    ///< padding elements of C (past column N) that were written
  std::size_t unwritten_all = 0;  ///< poisoned entries over the whole of C (beta == 0 only)
  /// True when the comparison passed, the guards held and no padding was written.
  bool ok() const { return compare.ok() && guards_ok && padding_hit == 0; }
  /// Failure description: the comparison's, plus guards and padding.
  std::string describe(const std::string& context) const;
};

/// Runs `launch` on `problem` in freshly poisoned, guarded device buffers (C's guards poisoned
/// even when C is an input), then checks the entries `sampling` selects against the reference.
/// With sampling, every entry is still scanned for the poison pattern when beta == 0. `offset`
/// shifts every view by that many elements inside slightly larger buffers (misaligned views).
template <class T>
RunReport run_and_check(Launcher<T> launch, const Problem<T>& problem, Sampling sampling = {},
                        std::uint64_t sample_seed = 1, int offset = 0,
                        Epilogue epilogue = Epilogue::kFused);

/// Checks an output C (downloaded, M * ldc elements) of `p` at the entries `sampling` selects.
template <class T>
RunReport check_output(const Problem<T>& p, const std::vector<T>& C, Sampling sampling,
                       std::uint64_t sample_seed, Epilogue epilogue = Epilogue::kFused);

/// Checks an output C of `p` at the entries of `sampled`; with beta == 0 every entry is also
/// scanned for the poison pattern.
template <class T>
RunReport check_sampled(const Problem<T>& p, const SampledReference& sampled,
                        const std::vector<T>& C, Epilogue epilogue = Epilogue::kFused);

/// The largest M and the largest N the vendor row accepts: 2^31 - 65408. cuBLAS's
/// cublasGemmEx_64 (cuBLAS 13.1, CUDA 13.0, on the H100) fails with CUBLAS_STATUS_INTERNAL_ERROR
/// above it, for fp32 and fp16 alike, with the other two sizes 1; at it the output is right
/// (bisected by bench/probes/cublas_gemm_limit.cu, recorded in
/// bench/results/h100/cublas-gemm-limit.txt). K reaches 2^31 - 1.
constexpr std::int64_t kCublasGemmMaxMN = 2147418240;

/// The vendor baseline: cuBLAS `cublasGemmEx` with fp32 compute (CUBLAS_COMPUTE_32F: no TF32 for
/// fp32 inputs, fp32 accumulation for fp16 and bf16), called on the transposed problem
/// C^T = B^T A^T, which is row-major C seen column-major. Same argument checks as the steps,
/// plus M and N at most kCublasGemmMaxMN (std::invalid_argument naming cuBLAS's limit).
template <class T>
void launch_cublas(const Args<T>& args, cudaStream_t stream);

/// Edge shapes every GEMM step is tested at: 1, 31, 33, primes, non-square both ways, sizes that
/// are not multiples of 8, 16, 32, 64 or 128, K = 1, K below and above every k tile.
const std::vector<Shape>& edge_shapes();

}  // namespace wb::gemm
