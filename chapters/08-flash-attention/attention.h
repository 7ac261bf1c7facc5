/// @file attention.h
/// @brief Chapter 08 — flash attention, forward: from three kernels with the score matrix in
/// global memory to a FlashAttention-2-style kernel on the tensor cores.
///
///     O = softmax(scale * Q K^T + mask) V          lse = log sum_j exp(scale * q . k_j + mask_j)
///
///     Q, O : [B, H,   Sq, d]   row-major, contiguous (element (b, h, i, c) at ((b H + h) Sq + i) d
///     + c) K, V : [B, Hkv, Sk, d]   Hkv divides H: query head h reads key/value head h / (H / Hkv)
///                              (grouped-query attention; Hkv = H is plain multi-head attention)
///     lse  : [B, H,   Sq]      fp32, the row's logsumexp in natural-log units
///
/// Q, K, V and O are all fp16 or all bf16; every product is accumulated in fp32 and the softmax
/// runs in fp32. The head dimension d is 64 or 128 (others get an exception that says so). Sq and
/// Sk are any length from 1 (Sq != Sk both ways), B and H from 1 to 65535 (the grid's
/// y and z limits). `scale` defaults to 1 / sqrt(d). Sq and Sk are at most kMaxLength = 2^30: the
/// kernels index rows and keys in int, and a row or key plus a tile must stay below 2^31 (a head
/// of 2^30 keys at d 128 is 256 GiB of K alone, beyond any GPU's memory).
///
/// ## The causal mask, aligned bottom-right
/// With `causal`, query i sees key j exactly when j <= i + (Sk - Sq): the last query row sees every
/// key, as FlashAttention aligns it (a decoder step with Sq = 1 attends to the whole cache).
/// PyTorch's `is_causal=True` aligns it top-left instead (j <= i); the two agree only when Sq = Sk.
/// When Sq > Sk the first Sq - Sk query rows see no key at all. Such a row is defined here: its
/// output is all zeros and its lse is +inf (FlashAttention's convention: a backward pass that
/// forms exp(s - lse) then gets 0, never NaN). See visible() and the lesson.
///
/// The index maths (the mask, the causal tile ranges, which S register becomes which P register)
/// is `WB_HD` so the CPU tests check the functions the kernels call. See
/// chapters/08-flash-attention/README.md for the lesson.
#pragma once

#include "wb/hd.h"
#include "wb/typed_step.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>
#include <vector>

/// Chapter 08: flash attention, forward pass.
namespace ch08 {

// ---------------------------------------------------------------------------------------------
// The mask and the causal tile ranges: pure index maths shared by kernels and CPU tests
// ---------------------------------------------------------------------------------------------

/// Whether query row `i` sees key `j` (both 0-based): always for j < Sk without `causal`; with
/// `causal` also j <= i + (Sk - Sq), the bottom-right alignment. 64-bit: i + Sk - Sq may pass
/// 2^31 - 1.
WB_HD constexpr bool visible(std::int64_t i, std::int64_t j, std::int64_t Sq, std::int64_t Sk,
                             bool causal) {
  return j < Sk && (!causal || j <= i + (Sk - Sq));
}

/// One past the last key any of the query rows [q0, q0 + rows) may see (0: none), clamped to Sk.
WB_HD constexpr std::int64_t key_end(std::int64_t q0, std::int64_t rows, std::int64_t Sq,
                                     std::int64_t Sk, bool causal) {
  const std::int64_t last_row = (q0 + rows < Sq ? q0 + rows : Sq) - 1;
  const std::int64_t end = causal ? last_row + (Sk - Sq) + 1 : Sk;
  return end < 0 ? 0 : (end > Sk ? Sk : end);
}

/// How many key tiles of `Bc` keys a block of query rows [q0, q0 + Br) must visit: the tiles that
/// hold at least one key some row of the block sees. Without `causal` every tile; with it, the
/// tiles past the block's diagonal are skipped (and a block whose rows see nothing visits none).
WB_HD constexpr int key_tiles(std::int64_t q0, int Br, int Bc, std::int64_t Sq, std::int64_t Sk,
                              bool causal) {
  return static_cast<int>((key_end(q0, Br, Sq, Sk, causal) + Bc - 1) / Bc);
}

/// Whether the key tile [k0, k0 + Bc) needs the mask for the query rows [q0, q0 + Br) (rows past
/// Sq are never stored and do not count): true when some (row, key) pair in it is not visible,
/// i.e. the tile passes Sk, or, with `causal`, its last key lies past the first row's diagonal.
/// Tiles where it is false are computed without a single comparison.
WB_HD constexpr bool tile_needs_mask(std::int64_t q0, std::int64_t k0, int Bc, std::int64_t Sq,
                                     std::int64_t Sk, bool causal) {
  return k0 + Bc > Sk || (causal && k0 + Bc - 1 > q0 + (Sk - Sq));
}

/// Where the A-fragment register `reg` (0..3) of P for one k16 step of P V comes from, among the
/// two m16n8 accumulator tiles of S that cover those 16 keys: tile `tile` (0 or 1 within the
/// pair) and its accumulators `c` and `c + 1` (wb::mma::c_frag). The C layout of m16n8k16 and
/// its A layout agree element for element (tests/ch08 checks it against wb/mma_layout.h), so S
/// becomes P in the same lane with no shuffle: FlashAttention-2's register reuse.
struct PSource {
  int tile;  ///< which S tile of the pair (keys 0-7 or 8-15 of the k16 step)
  int c;     ///< first of the two accumulators (0: row g, 2: row g + 8)
};
/// The source of P's A register `reg` (see PSource).
WB_HD constexpr PSource p_source(int reg) {
  return PSource{reg >> 1, 2 * (reg & 1)};
}

/// Which register of an ldmatrix .x4 (no .trans) over a 16-key x 16-d tile of K holds B-fragment
/// register `b_reg` (0, 1) of n8 key tile `tile` (0: keys 0-7, 1: keys 8-15) for S = Q K^T. K is
/// stored (key, d) row-major, which is exactly the column-major B (d, key) that mma's `.col`
/// wants, so no .trans: matrix j of the .x4 sits at (keys 8 (j % 2), d 8 (j / 2)).
WB_HD constexpr int k_ldmatrix_reg(int tile, int b_reg) {
  return tile + 2 * b_reg;
}

/// The same for an ldmatrix .x4 whose lanes address the tile across then down
/// (wb::mma::ldmatrix_row(lane, X4Order::kAcross), step 11): matrix j sits at (keys 8 (j / 2),
/// d 8 (j % 2)), so n8 key tile `tile` has its B fragment in registers 2 tile and 2 tile + 1, a
/// pair mma takes as it is.
WB_HD constexpr int k_pair_reg(int tile, int b_reg) {
  return 2 * tile + b_reg;
}

// ---------------------------------------------------------------------------------------------
// Arguments and steps
// ---------------------------------------------------------------------------------------------

/// Longest Sq and Sk accepted: 2^30 (see the file comment).
constexpr std::int64_t kMaxLength = std::int64_t{1} << 30;

/// Head dimensions the kernels are compiled for.
constexpr int kHeadDims[] = {64, 128};

/// Arguments of every step for element type T (__half or __nv_bfloat16). Device pointers.
template <class T>
struct Args {
  std::int64_t B = 0;          ///< batch, 1 .. 65535
  std::int64_t H = 0;          ///< query heads, 1 .. 65535
  std::int64_t Hkv = 0;        ///< key/value heads, divides H
  std::int64_t Sq = 0;         ///< query length, 1 .. kMaxLength
  std::int64_t Sk = 0;         ///< key length, 1 .. kMaxLength
  int d = 0;                   ///< head dimension: 64 or 128
  bool causal = false;         ///< bottom-right causal mask (see the file comment)
  float scale = 0.0f;          ///< multiplies Q K^T; 0 means 1 / sqrt(d)
  const T* Q = nullptr;        ///< [B, H, Sq, d], 16-byte aligned
  const T* K = nullptr;        ///< [B, Hkv, Sk, d], 16-byte aligned
  const T* V = nullptr;        ///< [B, Hkv, Sk, d], 16-byte aligned
  T* O = nullptr;              ///< [B, H, Sq, d], 16-byte aligned, overlaps no input
  float* lse = nullptr;        ///< [B, H, Sq], overlaps nothing else
  float* workspace = nullptr;  ///< naive step only: naive_workspace_floats(*this) floats
};

/// The scale actually used: `scale`, or 1 / sqrt(d) when it is 0.
float effective_scale(float scale, int d);

/// Checks every launcher runs first; throws std::invalid_argument "<where>: <rule>" on a null
/// pointer, a size out of range, a head dimension other than 64 or 128, Hkv not dividing H, a
/// pointer not 16-byte aligned, an output overlapping an input or the other output, a scale that
/// is not finite and positive.
template <class T>
void validate(const Args<T>& args, const char* where);

/// A step's typed launcher: validates, launches on `stream`, checks the launch.
template <class T>
using Launcher = void (*)(const Args<T>& args, cudaStream_t stream);

/// One rung of the ladder (name, file, fp16 and bf16 launchers): wb::TypedStep.
using Step = wb::TypedStep<Launcher>;

/// The ladder in order: naive, fused, mma, swizzle, pipeline, causal, exp2, rows32, ftz, hoist.
const std::vector<Step>& steps();

/// @name The steps' launchers, one per file (the ladder in order; each file's header comment
/// has the step's idea and prediction)
/// @{
template <class T>
void launch_naive(const Args<T>& args, cudaStream_t stream);  ///< 01_naive.cu: S, P in global
                                                              ///< memory; needs `workspace`
template <class T>
void launch_fused(const Args<T>& args, cudaStream_t stream);  ///< 02_fused.cu: FlashAttention-1,
                                                              ///< fp32 on the CUDA cores
template <class T>
void launch_mma(const Args<T>& args, cudaStream_t stream);  ///< 03_mma.cu: both products on
                                                            ///< mma.sync, S and P in registers
template <class T>
void launch_swizzle(const Args<T>& args, cudaStream_t stream);  ///< 04_swizzle.cu: ldmatrix
                                                                ///< from swizzled tiles
template <class T>
void launch_pipeline(const Args<T>& args,
                     cudaStream_t stream);  ///< 05_pipeline.cu: cp.async, two K/V buffers
template <class T>
void launch_causal(const Args<T>& args, cudaStream_t stream);  ///< 06_causal.cu: masked tiles
                                                               ///< skipped, diagonal masked
template <class T>
void launch_exp2(const Args<T>& args, cudaStream_t stream);  ///< 07_exp2.cu: base-2 softmax,
                                                             ///< fewer rescales
template <class T>
void launch_rows32(const Args<T>& args, cudaStream_t stream);  ///< 08_rows32.cu: 32 query rows
                                                               ///< per warp, each K and V
                                                               ///< fragment feeds two mma
template <class T>
void launch_ftz(const Args<T>& args, cudaStream_t stream);  ///< 09_ftz.cu: each exponential one
                                                            ///< MUFU.EX2 (ex2.approx.ftz)
template <class T>
void launch_hoist(const Args<T>& args, cudaStream_t stream);  ///< 10_hoist.cu: the K/V copies'
                                                              ///< addresses once per block
template <class T>
void launch_pairs(const Args<T>& args, cudaStream_t stream);  ///< 11_pairs.cu: K's B fragments
                                                              ///< in register pairs, no moves
template <class T>
void launch_novote(const Args<T>& args, cudaStream_t stream);  ///< 12_novote.cu: at d 64, O
                                                               ///< rescaled every tile, no vote
template <class T>
void launch_wide(const Args<T>& args, cudaStream_t stream);  ///< 13_wide.cu: 128 keys per tile
                                                             ///< at d 64
template <class T>
void launch_onebar(const Args<T>& args, cudaStream_t stream);  ///< 14_onebar.cu: one barrier
                                                               ///< per key tile
/// @}

/// Floats of workspace the naive step needs: S and P (B H Sq Sk each) and chapter 05's
/// softmax-naive's max and sum (B H Sq each).
std::int64_t naive_workspace_floats(std::int64_t B, std::int64_t H, std::int64_t Sq,
                                    std::int64_t Sk);

/// Deliberately wrong variants that the tests must catch.
namespace known_bad {
/// Step 3 whose online softmax forgets to rescale the O accumulator when the running maximum
/// grows (l is still rescaled). Right whenever the first key tile holds every row's maximum;
/// wrong otherwise. solutions/08-flash-attention/known_bad_no_rescale.cu.
template <class T>
void launch_no_rescale(const Args<T>& args, cudaStream_t stream);
/// Step 3 with the causal mask off by one: key j visible only when j < i + (Sk - Sq), so every
/// row loses its diagonal key. Right without `causal`; wrong with it.
/// solutions/08-flash-attention/known_bad_mask_off_by_one.cu.
template <class T>
void launch_mask_off_by_one(const Args<T>& args, cudaStream_t stream);
}  // namespace known_bad

// ---------------------------------------------------------------------------------------------
// Counting, the fp64 reference and the tolerance (host code, attention.cpp)
// ---------------------------------------------------------------------------------------------

/// FLOPs credited to one forward pass: 4 B H Sq Sk d (two products of 2 Sq Sk d each), halved
/// with `causal`, as FlashAttention and PyTorch count them (the mask is not subtracted exactly).
double flops(std::int64_t B, std::int64_t H, std::int64_t Sq, std::int64_t Sk, int d, bool causal);

/// Minimum bytes of one forward pass: read Q, K, V once, write O once (elem_bytes each) and lse
/// (4 bytes per row).
double min_bytes(std::int64_t B, std::int64_t H, std::int64_t Hkv, std::int64_t Sq, std::int64_t Sk,
                 int d, int elem_bytes);

/// A problem's shape and options.
struct Shape {
  std::int64_t B = 1;    ///< batch
  std::int64_t H = 1;    ///< query heads
  std::int64_t Hkv = 1;  ///< key/value heads
  std::int64_t Sq = 1;   ///< query length
  std::int64_t Sk = 1;   ///< key length
  int d = 64;            ///< head dimension
  bool causal = false;   ///< bottom-right causal mask
  /// "B2 H6/3 Sq65 Sk127 d64 causal".
  std::string str() const;
};

/// How a problem draws its inputs: magnitudes uniform in [lo, hi) with random signs, never zero.
/// Q and K use [qk_lo, qk_hi): the default keeps raw scores q . k within about +-10; the large
/// draw ({1.5, 2.5}) gives raw scores of +-50 and beyond, where an online softmax that forgot the
/// running maximum would overflow.
struct InputSpec {
  double qk_lo = 0.25;  ///< smallest |q|, |k| element
  double qk_hi = 1.0;   ///< bound on |q|, |k| elements
  double v_lo = 0.5;    ///< smallest |v| element
  double v_hi = 2.0;    ///< bound on |v| elements
};

/// Host-side problem: inputs as stored (T) and the rows the reference covers.
template <class T>
struct Problem {
  Shape shape;                     ///< its shape
  std::uint64_t seed = 0;          ///< what its inputs were drawn from
  float scale = 0.0f;              ///< the effective scale
  std::vector<T> Q;                ///< [B, H, Sq, d]
  std::vector<T> K;                ///< [B, Hkv, Sk, d]
  std::vector<T> V;                ///< [B, Hkv, Sk, d]
  std::vector<std::int64_t> rows;  ///< flat query rows (b H + h) Sq + i the check covers
};

/// Arguments for a problem of `shape` on device buffers (workspace: the naive step's, or null).
template <class T>
Args<T> make_args(const Shape& shape, float scale, const T* Q, const T* K, const T* V, T* O,
                  float* lse, float* workspace);

/// Draws a problem from `seed`. The check covers every row when B H Sq Sk d <= 2^25 (the full
/// reference), otherwise a sample: for every (b, h) its first and last query rows, plus random
/// rows up to 256 in all.
template <class T>
Problem<T> make_problem(const Shape& shape, std::uint64_t seed, const InputSpec& spec = {});

/// The fp64 reference of one flat query row: O (d values) and lse (+inf for a row with no visible
/// key, whose O is then 0), from the inputs as stored.
template <class T>
void reference_row(const Problem<T>& p, std::int64_t row, double* o, double* lse);

/// The same-precision naive attention of the tolerance rule, for one row, on the CPU: S = q . k
/// accumulated in fp32 and rounded to T (as a framework that stores S in T does), the softmax in
/// fp32 with P rounded to T, O accumulated in fp32 and rounded to T; lse in fp32 from the rounded
/// S. Its error against the fp64 reference is what the rule scales.
template <class T>
void naive_same_precision_row(const Problem<T>& p, std::int64_t row, double* o, double* lse);

/// The outcome of one checked run.
struct Report {
  std::int64_t rows = 0;          ///< query rows compared
  std::int64_t unwritten = 0;     ///< O elements or lse entries still holding the poison
  std::int64_t nan = 0;           ///< NaN or inf where the reference is finite
  std::int64_t masked_wrong = 0;  ///< rows with no visible key whose O is not 0 or lse not +inf
  double o_err = 0;               ///< max |O - O_ref| over the compared rows
  double o_naive_err = 0;         ///< the same for the same-precision naive attention
  double o_allowed = 0;           ///< the bound o_err is held to
  double lse_err = 0;             ///< max |lse - lse_ref| over rows with a visible key
  double lse_naive_err = 0;       ///< the same for the naive attention
  double lse_allowed = 0;         ///< the bound lse_err is held to
  bool guards_ok = true;          ///< nothing written outside O and lse
  std::string first_bad;          ///< the first failing element, in words
  std::string worst_o;            ///< where the largest O error is, in words
  /// Everything written, finite, the masked rows as defined, both errors within their bounds.
  bool ok() const;
  /// A multi-line description naming `context` (step, shape, seed), the first failure, the
  /// errors and the rule.
  std::string describe(const std::string& context) const;
};

/// The multiple of the naive attention's error a step may reach (FlashAttention's own tests use
/// 2 against a same-precision PyTorch attention).
constexpr double kErrorMultiple = 2.0;

/// The tolerance rule: allowed = kErrorMultiple * naive_err + floor, with floor = one unit
/// roundoff of T times the largest |reference| compared (so a problem where the naive attention
/// happens to be exact still allows the final rounding to T). For lse the floor is 2^-20 times
/// the largest |lse| (kLseFloor).
double allowed_error(double naive_err, double unit_roundoff, double max_ref);

/// The floor's unit roundoff for lse: 2^-20, sixteen fp32 roundings (the kernels add up to d
/// products, scale, take a maximum and a logarithm in fp32).
constexpr double kLseFloor = 9.5367431640625e-07;

/// The fp64 reference and the same-precision naive attention of every row a problem's check
/// covers (Problem::rows, in order): d values of O and one lse per row, each.
struct Reference {
  std::vector<double> o;          ///< (rows, d) fp64 reference
  std::vector<double> lse;        ///< (rows) fp64 reference (+inf: no visible key)
  std::vector<double> naive_o;    ///< (rows, d) same-precision naive attention
  std::vector<double> naive_lse;  ///< (rows) same-precision naive attention
};

/// Computes the Reference of `p` (B H Sq Sk d multiply-adds at most 2^25 per covered row set:
/// milliseconds to a second).
template <class T>
Reference make_reference(const Problem<T>& p);

/// Compares a run's outputs (O: B H Sq d elements, lse: B H Sq) with `ref` on the covered rows
/// under the rule above: every element written (no poison), finite where the reference is, rows
/// with no visible key exactly 0 and +inf, the errors within allowed_error. guards_ok is left
/// true (the caller knows its buffers).
template <class T>
Report check_outputs(const Problem<T>& p, const Reference& ref, const std::vector<T>& O,
                     const std::vector<float>& lse);

/// Runs `launch` on `p` with O and lse poisoned (NaN) and guarded, then compares the covered rows
/// with the fp64 reference under the rule above (check_outputs, plus the guard zones). Allocates
/// the naive step's workspace when `with_workspace`.
template <class T>
Report run_and_check(Launcher<T> launch, const Problem<T>& p, bool with_workspace);

/// The same with the problem's Reference computed once by the caller (make_reference), for
/// several steps on one problem.
template <class T>
Report run_and_check(Launcher<T> launch, const Problem<T>& p, const Reference& ref,
                     bool with_workspace);

/// "fp16" or "bf16".
template <class T>
const char* type_name();

}  // namespace ch08
