// Chapter 08, step 7 — exp2: the softmax in base 2 with the scale folded in, and fewer rescales.
//
// The idea: between the two products each score costs a scale (FMUL), a subtraction and expf,
// which the compiler builds from a multiplication by log2(e) in two parts and the MUFU.EX2
// unit (16 results per SM per clock): with the max and the sum, the softmax issues about as
// many clocks per tile as the 128 mma of a warp (README section 4). Keep the scores raw,
// track the maximum m_i in base-2 units (scale * log2(e) * max), and compute
// p = exp2(s * scale log2(e) - m_i): one FFMA and one MUFU.EX2 per score. lse comes back to
// natural units as m_i ln(2) + log(l_i). Second, the O accumulator is rescaled only when some row
// of the warp raised its maximum (a warp vote, so no lane diverges): after the first tiles of a
// long row the maximum rarely moves (on random scores, tile j raises it with chance ~1 / j per
// row), and each skipped rescale saves D / 2 FMULs per lane per row.
//
// Prediction at B4 H16 S4096 d128 fp16: the softmax is ~1/4 of the issued instructions of step
// 6's loop; cutting its per-score instructions by ~2 and most rescales saves 5-15%: expect
// 1.05-1.15x step 6, 170-290 TFLOP/s, i.e. 0.5-0.85x PyTorch's FlashAttention-2 backend (~342
// TFLOP/s non-causal, ~287 causal on this H100): this design (16 rows per warp, 8 warps per SM)
// is not expected to reach it; the lesson says what would. Nsight Compute:
// smsp__inst_executed.sum down 10-20%, smsp__inst_executed_pipe_xu (MUFU) unchanged.
#include "attention.h"
#include "attention_device.cuh"
#include "wb/exercise.h"
WB_EXERCISE_TODO(
    "exp2",
    "Read \"Step 7: exp2\" in README.md: step 6 with the softmax in base 2 (scale * log2(e) folded "
    "into one FFMA per score) and the O rescale skipped when no row of the warp moved");

namespace ch08 {
namespace {

constexpr float kLog2e = 1.4426950408889634f;  // log2(e)
constexpr float kLn2 = 0.6931471805599453f;    // ln(2)

// The base-2 online-softmax update of one tile of raw (unscaled, masked) scores: step 6's
// online_softmax_tile with the exponent in base 2. stat[h].m is the row's running maximum times
// scale_log2; stat[h].l sums exp2(s * scale_log2 - m) (wb::online_merge's rule in base 2, written
// out, since wb::online_merge is natural-log). O is rescaled only when a row of the warp moved.
// WB_EXERCISE_BEGIN
// TODO(exercise, README "Step 7: exp2"): write online_softmax_tile_exp2, step 6's
//   online_softmax_tile (attention_device.cuh) in base 2, with this signature:
//     template <int kSTiles, int kOTiles>
//     __device__ __forceinline__ void online_softmax_tile_exp2(float (&rS)[kSTiles][4],
//         float (&rO)[kOTiles][4], wb::OnlineSoftmax (&stat)[2], float scale_log2)
//   rS holds raw scores (masked ones -inf). Per row h (0: accumulators 0, 1; 1: 2, 3):
//   m_tile = the quad's maximum (wb::group_allreduce<4>(.., wb::Max{})) of the raw scores;
//   m_new = fmaxf(stat[h].m, m_tile * scale_log2) (stat[h].m is kept in base-2 units);
//   shift = m_new == -INFINITY ? 0 : m_new; alpha[h] = stat[h].m == -INFINITY ? 0 :
//   exp2f(stat[h].m - m_new); each score becomes exp2f(fmaf(s, scale_log2, -shift)) and is
//   summed; stat[h] = {m_new, stat[h].l * alpha[h] + sum}. Then rescale rO (row h's
//   accumulators by alpha[h]) only if __any_sync(wb::kFullMask, alpha[0] != 1 || alpha[1] != 1).
// WB_EXERCISE_END

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD>::kThreads) attention_exp2_kernel(const Params<T> p) {
  using Tl = Tiles<kD>;
  using Layout = wb::smem::Swizzled<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 7: exp2"): write the kernel body: step 6's, with the softmax of
  //   online_softmax_tile_exp2 above. Scores stay raw: on a tile that needs the mask call
  //   scale_and_mask with scale 1.0f (masking only), otherwise leave them; then
  //   online_softmax_tile_exp2(rS, rO, stat, p.scale * kLog2e). The epilogue converts the base-2
  //   maximum back: store_rows<T, kD>(rO, stat, kLn2, ...).
  // WB_EXERCISE_END
}

template <class T, int kD>
void launch_d(const Args<T>& a, cudaStream_t stream) {
  using Tl = Tiles<kD>;
  const int smem = tile_bytes(Tl::Br + 4 * Tl::Bc, kD);
  launch_kernel(attention_exp2_kernel<T, kD>, tile_grid(a.Sq, a.H, a.B, Tl::Br), Tl::kThreads, smem,
                params_of(a), where_of<T>("exp2"), stream);
}

}  // namespace

template <class T>
void launch_exp2(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("exp2").c_str());
  if (a.d == 64) {
    launch_d<T, 64>(a, stream);
  } else {
    launch_d<T, 128>(a, stream);
  }
}

template void launch_exp2<__half>(const Args<__half>&, cudaStream_t);
template void launch_exp2<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
