/// @file sgemm.h
/// @brief Chapter 03 — SGEMM: from one thread per output to warp tiles within reach of cuBLAS.
///
///     C = alpha * A * B + beta * C        A: M x K, B: K x N, C: M x N, all fp32
///
/// ## Layout
/// Every matrix is **row-major** with a leading dimension counted in **elements**: element (i, j)
/// of A lives at `A[i * lda + j]`, of B at `B[i * ldb + j]`, of C at `C[i * ldc + j]`. A row may be
/// longer than the matrix (a view into a bigger one), so `lda >= K`, `ldb >= N`, `ldc >= N`;
/// the elements past the row length are never read (A, B) nor written (C). As in BLAS, when
/// `beta == 0` C is not read, so it may hold anything, NaN included.
///
/// Every step is a file with one kernel and its launcher; they share this header, the argument
/// checks, the reference and the run-and-compare in sgemm.cpp, and the device helpers in
/// sgemm_device.cuh. See chapters/03-sgemm/README.md for the lesson.
#pragma once

#include "wb/compare.h"
#include "wb/hd.h"

#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>
#include <vector>

/// Chapter 03: SGEMM.
namespace ch03 {

/// Arguments shared by every step: sizes, scalars and device pointers (see the file comment for
/// the layout). C must not overlap A or B.
struct SgemmArgs {
  std::int64_t M = 0;        ///< rows of A and C, 1 .. 2^31 - 1
  std::int64_t N = 0;        ///< columns of B and C, 1 .. 2^31 - 1
  std::int64_t K = 0;        ///< columns of A, rows of B (the reduction length), 1 .. 2^31 - 1
  float alpha = 1.0f;        ///< scales A * B
  const float* A = nullptr;  ///< (M, K) row-major, leading dimension lda
  std::int64_t lda = 0;      ///< elements between rows of A, >= K
  const float* B = nullptr;  ///< (K, N) row-major, leading dimension ldb
  std::int64_t ldb = 0;      ///< elements between rows of B, >= N
  float beta = 0.0f;         ///< scales the old C; 0 means C is not read
  float* C = nullptr;    ///< (M, N) row-major, leading dimension ldc; input (beta != 0) and output
  std::int64_t ldc = 0;  ///< elements between rows of C, >= N
};

/// A step's launcher: validates `args` (throws std::invalid_argument), computes the grid, launches
/// on `stream` and checks the launch (throws wb::CudaError).
using Launcher = void (*)(const SgemmArgs& args, cudaStream_t stream);

/// One rung of the ladder.
struct Step {
  const char* name;  ///< benchmark and test name: "naive", "coalesced", ...
  const char* file;  ///< the file that holds it, e.g. "02_coalesced.cu"
  Launcher launch;   ///< its launcher
};

/// The ladder in order: naive, coalesced, smem_tiles, register_1d, register_2d, vectorized,
/// warptile.
const std::vector<Step>& steps();

/// Step 1 (01_naive.cu): one thread per C element, threadIdx.x walks the rows of C.
void launch_naive(const SgemmArgs& args, cudaStream_t stream);
/// Step 2 (02_coalesced.cu): threadIdx.x walks the columns, so a warp reads B and writes C in
/// 128-byte lines.
void launch_coalesced(const SgemmArgs& args, cudaStream_t stream);
/// Step 3 (03_smem_tiles.cu): 32 x 32 tiles of A and B staged in shared memory, reused 32 times.
void launch_smem_tiles(const SgemmArgs& args, cudaStream_t stream);
/// Step 4 (04_register_1d.cu): each thread computes a column of 8 outputs; one shared load of B
/// feeds 8 FMAs.
void launch_register_1d(const SgemmArgs& args, cudaStream_t stream);
/// Step 5 (05_register_2d.cu): each thread computes an 8 x 8 block of outputs from 8 + 8
/// shared loads per k.
void launch_register_2d(const SgemmArgs& args, cudaStream_t stream);
/// Step 6 (06_vectorized.cu): A stored transposed in shared memory, 16-byte global and shared
/// loads.
void launch_vectorized(const SgemmArgs& args, cudaStream_t stream);
/// Step 7 (07_warptile.cu): warp tiles of strided 4 x 4 sub-tiles (conflict-free 16-byte shared
/// loads), double-buffered shared memory, tile configuration tuned for the H100.
void launch_warptile(const SgemmArgs& args, cudaStream_t stream);

/// The vendor baseline: cuBLAS cublasSgemm with CUBLAS_DEFAULT_MATH (fp32 compute, no TF32),
/// called on the transposed problem C^T = B^T A^T, which is row-major C seen column-major.
void launch_cublas(const SgemmArgs& args, cudaStream_t stream);

/// Deliberately wrong variants that the tests must catch.
namespace known_bad {
/// Step 3 without its tail handling: the grid is rounded down (M / 32, N / 32), the k loop stops
/// at the last whole tile, and no load or store is predicated. Exactly right when M, N and K are
/// multiples of 32 (4096^3), wrong at 4097^3. Lives in solutions/03-sgemm/known_bad_no_tail.cu.
void launch_smem_tiles_no_tail(const SgemmArgs& args, cudaStream_t stream);
}  // namespace known_bad

/// Tile configurations of step 7 for the tuning sweep (`ch03_bench --ch03_sweep`).
namespace tuning {
/// One compiled configuration of the warp-tiled kernel.
struct Config {
  const char* name;  ///< e.g. "128x128x8 w32x64 t8x8"
  Launcher launch;   ///< launcher of that configuration (same checks as launch_warptile)
};
/// Every configuration compiled into the solutions, the chosen one first.
const std::vector<Config>& warptile_configs();
}  // namespace tuning

/// ceil(n / d) for positive d.
WB_HD inline std::int64_t ceil_div(std::int64_t n, std::int64_t d) {
  return (n + d - 1) / d;
}

/// FLOPs per byte of global-memory loads for a block that computes a BM x BN tile of C: every
/// k step loads BM floats of A and BN floats of B (4 bytes each) for 2 * BM * BN FLOPs, so
/// 2 BM BN / (4 (BM + BN)) = BM BN / (2 (BM + BN)). A 1 x 1 "tile" (the naive kernel without any
/// cache) gives 1/4; 32 x 32 gives 8; 128 x 128 gives 32.
WB_HD inline double tile_intensity(int BM, int BN) {
  return static_cast<double>(BM) * BN / (2.0 * (BM + BN));
}

/// Where element `e` of a thread's TM x TN tile lies inside its warp's WM x WN tile, for the warp
/// tiling of step 7: the warp is a grid of `warp_rows` x (32 / warp_rows) threads; a thread owns
/// (WM / (4 warp_rows)) x (WN / (4 (32 / warp_rows))) sub-tiles of 4 x 4, one in each strided
/// position, so that neighbouring threads read neighbouring 16-byte vectors.
struct WarpTilePos {
  int row;  ///< row inside the warp tile, 0 .. WM - 1
  int col;  ///< column inside the warp tile, 0 .. WN - 1
};

/// Position of a thread's element (`i` along m, `j` along n; 0 <= i < TM, 0 <= j < TN) in its
/// warp tile, for lane `lane` (0..31) of a warp laid out as `warp_rows` x (32 / warp_rows).
WB_HD inline WarpTilePos warp_tile_pos(int lane, int warp_rows, int i, int j) {
  const int warp_cols = 32 / warp_rows;
  const int tm = lane / warp_cols, tn = lane % warp_cols;  // this thread's place in the warp grid
  // Sub-tile i / 4 along m starts at (i / 4) * (4 * warp_rows); inside it, rows tm * 4 .. + 3.
  return WarpTilePos{(i / 4) * (4 * warp_rows) + tm * 4 + i % 4,
                     (j / 4) * (4 * warp_cols) + tn * 4 + j % 4};
}

/// Argument checks every launcher runs first; throws std::invalid_argument naming `where`.
/// Rejects null pointers, non-positive or too-large sizes, leading dimensions smaller than the row
/// length, pointers that are not 4-byte aligned, and C overlapping A or B.
void validate(const SgemmArgs& args, const char* where);

/// True when 16-byte vector accesses are legal for every row: lda, ldb and ldc are multiples of 4
/// and A, B and C are 16-byte aligned. The vectorized steps use 16-byte accesses only then, and
/// a scalar path otherwise.
bool vector_friendly(const SgemmArgs& args);

/// The grid of (ceil(N / BN), ceil(M / BM)) blocks; throws std::invalid_argument naming `where`
/// when it exceeds the grid limits (x < 2^31, y <= 65535).
dim3 tile_grid(const SgemmArgs& args, int BM, int BN, const char* where);

/// Raises a kernel's dynamic shared-memory limit when it needs more than the default 48 KB.
void allow_dynamic_smem(const void* kernel, std::size_t bytes);

/// FLOPs of one run: 2 M N K (the epilogue's 3 M N are not counted, as is usual for GEMM).
double flops(std::int64_t M, std::int64_t N, std::int64_t K);

/// Minimum bytes one run moves: read A and B once, write C once (and read it when beta != 0).
double min_bytes(std::int64_t M, std::int64_t N, std::int64_t K, bool reads_c);

/// Tolerance of every step at reduction length K (see README "The tolerance"): each output is a
/// sum of K products, scaled by alpha, plus beta * C, so gamma_{K+3} times
/// sum_k |alpha A_ik B_kj| + |beta C_ij| covers it whatever the summation order.
wb::Tolerance tolerance(std::int64_t K);

/// A problem's shape, with a note saying why it is in the test set.
struct GemmShape {
  std::int64_t M = 0;  ///< rows of C
  std::int64_t N = 0;  ///< columns of C
  std::int64_t K = 0;  ///< reduction length
  std::string why;     ///< what this shape catches, shown in test output
  /// "MxNxK", e.g. "33x31x17".
  std::string str() const;
};

/// Host-side problem: random inputs (never zero) stored with their leading dimensions. Padding
/// elements of A and B hold NaN (so reading one spoils the result), those of C the poison
/// pattern (so writing one is seen).
struct Problem {
  GemmShape shape;         ///< M, N, K
  std::int64_t lda = 0;    ///< leading dimension of A
  std::int64_t ldb = 0;    ///< leading dimension of B
  std::int64_t ldc = 0;    ///< leading dimension of C
  float alpha = 1.0f;      ///< scalar on A * B
  float beta = 0.0f;       ///< scalar on C
  std::uint64_t seed = 0;  ///< the seed the inputs were drawn from
  std::vector<float> A;    ///< M * lda floats
  std::vector<float> B;    ///< K * ldb floats
  std::vector<float> C;    ///< M * ldc floats: random where beta != 0, else the poison pattern
  mutable std::vector<double> ref;        ///< full fp64 reference, filled by the first full check
  mutable std::vector<double> ref_scale;  ///< its sum of |terms| per entry
};

/// Draws a problem. `pad` elements are added to every leading dimension, which `align_ld` then
/// rounds up to a multiple of 4 (so the 16-byte paths run at odd sizes); beta != 0 makes C a
/// random input too.
Problem make_problem(const GemmShape& shape, std::uint64_t seed, float alpha, float beta,
                     int pad = 0, bool align_ld = false);

/// fp64 reference of element (i, j): alpha * sum_k A_ik B_kj + beta * C_ij; `scale` receives
/// sum_k |alpha A_ik B_kj| + |beta C_ij|, the magnitude the tolerance is relative to.
double reference_entry(const Problem& p, std::int64_t i, std::int64_t j, double* scale);

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
/// their reference.
SampledReference sample_reference(const Problem& p, Sampling sampling, std::uint64_t sample_seed);

/// Result of running one step on one problem.
struct RunReport {
  wb::CompareReport compare;      ///< checked entries against the fp64 reference
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
/// With sampling, every entry is still scanned for the poison pattern when beta == 0.
RunReport run_and_check(Launcher launch, const Problem& problem, Sampling sampling = {},
                        std::uint64_t sample_seed = 1, int offset = 0);

/// Checks an output C (downloaded, M * ldc floats) of `p` at the entries `sampling` selects.
RunReport check_output(const Problem& p, const std::vector<float>& C, Sampling sampling,
                       std::uint64_t sample_seed);

/// Checks an output C of `p` at the entries of `sampled`; with beta == 0 every entry is also
/// scanned for the poison pattern.
RunReport check_sampled(const Problem& p, const SampledReference& sampled,
                        const std::vector<float>& C);

}  // namespace ch03
