// Chapter 08, step 9 — ftz: each exponential is one MUFU.EX2, with no range fix-up around it.
//
// The idea: exp2f(x) is not one instruction. The MUFU.EX2 unit flushes results below 2^-126 (the
// denormals) to zero, so CUDA's exp2f keeps them by a fix-up around it: FSETP tests whether x is
// below -126, a predicated FMUL halves x, MUFU.EX2 runs, and a second predicated FMUL squares
// the result (step 7's SASS: five instructions per score with the FFMA). PTX's
// ex2.approx.ftz.f32 is the bare MUFU.EX2: "ftz" (flush to zero) says that results and inputs
// in the denormal range become 0. A softmax loses nothing: such a p is below 2^-126 times the
// row's maximum term, far under fp16's and bf16's resolution of a sum that is at least 1, and an
// alpha = exp2(m_old - m_new) that small rescales an O and an l that no longer count. Three
// instructions fewer per score: at 64 scores per lane and key tile, 192 of step 8's ~1,590
// instructions per (warp, key tile).
//
// Prediction at B4 H16 S4096 d128 fp16 (README "Step 9: ftz"): smsp__inst_executed.sum down
// ~12% (the FSETP and both FMULs of every exponential), smsp__inst_executed_pipe_xu unchanged;
// the warps are latency-bound (issue active ~48%), so time gains less than instructions fall:
// 1.03-1.08x step 8.
#include "attention.h"
#include "attention_device.cuh"
#include "wb/exercise.h"
WB_EXERCISE_TODO("ftz",
                 "Read \"Step 9: ftz\" in README.md: ex2_ftz, 2^x as the one PTX instruction "
                 "ex2.approx.ftz.f32 (inline asm), used by your step 8 softmax and loop");

namespace ch08 {
namespace {

constexpr float kLog2e = 1.4426950408889634f;  // log2(e)
constexpr float kLn2 = 0.6931471805599453f;    // ln(2)

// 2^x as one MUFU.EX2: results (and inputs) in the denormal range flush to 0; -inf gives 0.
__device__ __forceinline__ float ex2_ftz(float x) {
  float y = 0.0f;  // the instruction's result
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 9: ftz"): set y to 2^x with the single PTX instruction
  //   ex2.approx.ftz.f32, through inline asm with one "=f" output (y) and one "f" input (x)
  //   (chapter 06's wb/device/mma.cuh shows the asm form).
  // WB_EXERCISE_END
  return y;
}

// Step 8's base-2 online-softmax update, with ex2_ftz for each exponential, for one m16 row of the
// warp (its rows g and g + 8): stat[h].m is the row's running maximum times scale_log2, stat[h].l
// sums exp2(s * scale_log2 - m). O's accumulators of that m16 row are rescaled only when one of the
// warp's rows in it moved (a warp vote).
// WB_EXERCISE_BEGIN
// TODO(exercise, README "Step 9: ftz"): your step 8 online_softmax_row_exp2 (08_rows32.cu), renamed
//   online_softmax_row_ftz (same template and parameters), with ex2_ftz in place of each exp2f
//   (the scores' and alpha's).
// WB_EXERCISE_END

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD, 2>::kThreads) attention_ftz_kernel(const Params<T> p) {
  using Tl = Tiles<kD, 2>;  // two m16 rows per warp: Br = 128
  using Layout = wb::smem::Swizzled<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  std::uint16_t* sQ = smem16;                          // (Br, D)
  std::uint16_t* sK = sQ + Layout::elems(Tl::Br);      // (2, Bc, D): buffer j % 2 holds tile j
  std::uint16_t* sV = sK + 2 * Layout::elems(Tl::Bc);  // (2, Bc, D)
  const int q_tile = gridDim.x - 1 - blockIdx.x;       // the heaviest (last) query tiles first
  const BlockRows<T> blk = block_rows(p, q_tile, Tl::Br, kD);
  const int lane = threadIdx.x % 32;
  const int tiles = key_tiles(blk.q0, Tl::Br, Tl::Bc, p.Sq, p.Sk, p.causal);
  // Issues the copies of key tile j into buffer j % 2 (the caller commits).
  auto issue = [&](int j) {
    const int k0 = j * Tl::Bc, keys = min(Tl::Bc, p.Sk - k0), buf = j % 2;
    copy_rows_async<Layout, Tl::Bc, kD, Tl::kThreads>(
        sK + buf * Layout::elems(Tl::Bc), blk.gK + static_cast<std::int64_t>(k0) * kD, keys);
    copy_rows_async<Layout, Tl::Bc, kD, Tl::kThreads>(
        sV + buf * Layout::elems(Tl::Bc), blk.gV + static_cast<std::int64_t>(k0) * kD, keys);
  };
  copy_rows_async<Layout, Tl::Br, kD, Tl::kThreads>(sQ, blk.gQ, blk.rows);
  if (tiles > 0) issue(0);
  wb::async::commit();  // group: Q and tile 0 (the loop's first wait<1> waits for it)
  const wb::mma::Coord r = wb::mma::ldmatrix_row(lane);  // the 16 x 16 tile row this lane gives
  const float scale_log2 = p.scale * kLog2e;
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 9: ftz"): your step 8 kernel body from `constexpr int kM = ...` to
  //   the epilogue's store_rows (08_rows32.cu), unchanged except that it calls
  //   online_softmax_row_ftz where step 8 calls online_softmax_row_exp2.
  // WB_EXERCISE_END
  wb::async::wait<0>();  // nothing left in flight at exit (Q's group, when the block saw no key)
}

template <class T, int kD>
void launch_d(const Args<T>& a, cudaStream_t stream) {
  using Tl = Tiles<kD, 2>;
  const int smem = tile_bytes(Tl::Br + 4 * Tl::Bc, kD);
  launch_kernel(attention_ftz_kernel<T, kD>, tile_grid(a.Sq, a.H, a.B, Tl::Br), Tl::kThreads, smem,
                params_of(a), where_of<T>("ftz"), stream);
}

}  // namespace

template <class T>
void launch_ftz(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("ftz").c_str());
  if (a.d == 64) {
    launch_d<T, 64>(a, stream);
  } else {
    launch_d<T, 128>(a, stream);
  }
}

template void launch_ftz<__half>(const Args<__half>&, cudaStream_t);
template void launch_ftz<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
