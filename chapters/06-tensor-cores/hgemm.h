/// @file hgemm.h
/// @brief Chapter 06 — tensor cores: HGEMM with mma.sync and ldmatrix, from one thread per output
/// to warp tiles of m16n8k16 tensor-core tiles.
///
///     C = alpha * A * B + beta * C      A: M x K, B: K x N, C: M x N, all fp16 or all bf16
///
/// Products are accumulated in fp32; alpha and beta are fp32. Arguments, layout (row-major with
/// leading dimensions in elements; C not read when beta == 0), checks, problems, reference and
/// tolerance are the shared GEMM layer's: see wb/gemm.h. The tensor-core index maths are in
/// wb/mma_layout.h and wb/swizzle.h, the PTX wrappers in wb/device/mma.cuh, the tile copy and the
/// epilogue in wb/device/gemm_tile.cuh. See chapters/06-tensor-cores/README.md for the lesson.
///
/// Every step accepts every shape: M, N, K from 1 to 2^31 - 1 (the grid limits the number of
/// row tiles to 65535, which the launchers check and report), leading dimensions and pointers
/// that allow 16-byte accesses or not (a scalar path then), K not a multiple of 16. The vendor
/// row takes M and N up to wb::gemm::kCublasGemmMaxMN = 2^31 - 65408, cuBLAS's own limit, and
/// refuses larger ones with a message that says so.
#pragma once

#include "wb/gemm.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>
#include <vector>

/// Chapter 06: tensor cores.
namespace ch06 {

/// The typed arguments of every step (wb::gemm::Args).
template <class T>
using Args = wb::gemm::Args<T>;
/// A step's typed launcher (wb::gemm::Launcher).
template <class T>
using Launcher = wb::gemm::Launcher<T>;

/// One rung of the ladder, compiled for both element types.
struct Step {
  const char* name;              ///< test and benchmark name: "naive", "wmma", ...
  const char* file;              ///< the file that holds it, e.g. "03_mma.cu"
  Launcher<__half> fp16;         ///< its fp16 launcher
  Launcher<__nv_bfloat16> bf16;  ///< its bf16 launcher
  /// The launcher for element type T (__half or __nv_bfloat16).
  template <class T>
  Launcher<T> launcher() const;
};

/// The ladder in order: naive, wmma, mma, ldmatrix, swizzle, warptile.
const std::vector<Step>& steps();

/// Step 1 (01_naive.cu): one thread per C element, fp32 FMAs on inputs converted to fp32.
template <class T>
void launch_naive(const Args<T>& args, cudaStream_t stream);
/// Step 2 (02_wmma.cu): 64 x 64 block tiles in shared memory; each warp multiplies 16 x 16 x 16
/// nvcuda::wmma fragments loaded from it.
template <class T>
void launch_wmma(const Args<T>& args, cudaStream_t stream);
/// Step 3 (03_mma.cu): the same tiles, mma.sync.m16n8k16 through inline PTX, each lane loading
/// its fragment elements from shared memory by hand (wb::mma::a_frag, b_frag).
template <class T>
void launch_mma(const Args<T>& args, cudaStream_t stream);
/// Step 4 (04_ldmatrix.cu): fragments loaded with ldmatrix .x4 (A) and .x4.trans (B).
template <class T>
void launch_ldmatrix(const Args<T>& args, cudaStream_t stream);
/// Step 5 (05_swizzle.cu): the shared tiles XOR-swizzled (wb::smem::Swizzled): no bank conflicts.
template <class T>
void launch_swizzle(const Args<T>& args, cudaStream_t stream);
/// Step 6 (06_warptile.cu): 128 x 128 x 64 block tiles, each warp a 64 x 64 tile of 4 x 8
/// m16n8k16 tiles whose fragments are loaded once per k16 and reused.
template <class T>
void launch_warptile(const Args<T>& args, cudaStream_t stream);

/// Element types of the type-erased front.
enum class DType {
  kF32,   ///< float
  kF16,   ///< __half
  kBF16,  ///< __nv_bfloat16
};

/// "fp32", "fp16" or "bf16".
const char* dtype_name(DType t);

/// A GEMM whose element types are run-time values, e.g. from a framework's tensors. Fields as in
/// wb::gemm::Args; each matrix carries its own type.
struct AnyArgs {
  std::int64_t M = 0;          ///< rows of A and C
  std::int64_t N = 0;          ///< columns of B and C
  std::int64_t K = 0;          ///< columns of A, rows of B
  float alpha = 1.0f;          ///< scales A * B
  DType a_type = DType::kF16;  ///< element type of A
  const void* A = nullptr;     ///< (M, K) row-major
  std::int64_t lda = 0;        ///< elements between rows of A
  DType b_type = DType::kF16;  ///< element type of B
  const void* B = nullptr;     ///< (K, N) row-major
  std::int64_t ldb = 0;        ///< elements between rows of B
  float beta = 0.0f;           ///< scales the old C; 0 means C is not read
  DType c_type = DType::kF16;  ///< element type of C
  void* C = nullptr;           ///< (M, N) row-major, input (beta != 0) and output
  std::int64_t ldc = 0;        ///< elements between rows of C
};

/// Runs `step` on `args`: A, B and C all fp16, or all bf16. Any other combination (mixed inputs,
/// an fp32 C, fp32 inputs) throws std::invalid_argument naming the step and the types; the typed
/// launcher then checks the rest.
void launch_any(const Step& step, const AnyArgs& args, cudaStream_t stream);

/// Deliberately wrong variants that the tests must catch.
namespace known_bad {
/// Step 5 with the B fragment loaded by ldmatrix .x4 *without* .trans: every 8 x 8 block of the
/// B tile reaches the tensor core transposed. Right whenever those blocks are symmetric (B all
/// equal, or B[k][n] == B[k'][n'] with k and n swapped inside each aligned 8 x 8 block) and K, N
/// are multiples of 8; wrong on random inputs. solutions/06-tensor-cores/known_bad_b_no_trans.cu.
template <class T>
void launch_b_no_trans(const Args<T>& args, cudaStream_t stream);
}  // namespace known_bad

/// Every compiled configuration, for the tests (each at the edge shapes) and the design sweep
/// (`ch06_bench --ch06_explore`).
namespace tuning {
/// One compiled configuration of a step.
struct Config {
  const char* step;              ///< the step it belongs to: "swizzle", "warptile"
  const char* name;              ///< e.g. "swizzle/padded" or "warptile/128x128x32 w64x64"
  Launcher<__half> fp16;         ///< fp16 launcher (same checks as the step's)
  Launcher<__nv_bfloat16> bf16;  ///< bf16 launcher
};
/// Step 5's layouts: swizzled (the step) and padded (the alternative it is compared with).
const std::vector<Config>& swizzle_configs();
/// Step 6's tile configurations, the chosen one (the step) first.
const std::vector<Config>& warptile_configs();
/// Design sweep only, not a step: step 6's kernel with chapter 03's register prefetch (the next
/// k-tile loaded into registers while this one is multiplied), chapters/06-tensor-cores/
/// warptile_prefetch.cu. It measures how much latency a synchronous pipeline hides (chapter 07).
const std::vector<Config>& prefetch_configs();
/// Design sweep only, not a step: step 6's kernel with its copies' addresses worked out once per
/// block, alone and with the register prefetch (bench/ch06_hoist_sweep.cu). Compiled into the
/// solutions' library only (WB_CH06_HOIST_SWEEP): its kernel is chapter 07's step 8 exercise in
/// synchronous form, so a learner's copy does not have it.
const std::vector<Config>& hoist_configs();
/// All of them: step 5's, step 6's, then the prefetch sweep's and (in a full checkout) the hoist
/// sweep's.
std::vector<Config> all_configs();
}  // namespace tuning

/// The compute ceiling: a kernel that issues independent mma.sync.m16n8k16 from registers only
/// (8 accumulator chains per warp, 8 warps per block, 4 blocks per SM), no memory traffic in the
/// loop. Each block writes one float per thread: the sum of its accumulators, which for the inputs
/// used (A all 1, B all 1/16, so every mma adds exactly 1 to every accumulator) is exactly
/// 32 * iters (8 chains x 4 accumulators x iters).
namespace peak {
constexpr int kThreads = 256;  ///< threads per block
constexpr int kChains = 8;     ///< independent accumulator tiles per warp
/// Launches the peak kernel for element type T: `blocks` blocks, `iters` iterations of kChains
/// mma each per warp; out holds blocks * kThreads floats.
template <class T>
void launch(float* out, int blocks, int iters, cudaStream_t stream);
/// FLOPs of one launch: blocks * 8 warps * iters * kChains * (2 * 16 * 8 * 16).
double flops(int blocks, int iters);
/// Runs the kernel once, checks every output equals the expected sum (throws std::runtime_error
/// otherwise), then times it (median of the harness's repetitions) and returns TFLOP/s.
template <class T>
double measure_tflops();
}  // namespace peak

/// Bytes per element of every matrix in this chapter (fp16 and bf16).
constexpr int kElemBytes = 2;

}  // namespace ch06
