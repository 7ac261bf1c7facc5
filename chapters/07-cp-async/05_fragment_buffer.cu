// Chapter 07, step 5 — fragment_buffer: fragments double-buffered in registers.
//
// The idea: inside a k-tile each warp runs, per 16-wide k-slice, its ldmatrix (4 A + 4 B
// fragments) and then its 32 mma, which need those fragments: the first mma waits for the last
// ldmatrix (~30 cycles of shared-memory latency, short_scoreboard), every slice. Steps 2-4 hid
// the global latency; this is the same idea one level down. Keep two sets of fragment registers
// and load slice kk + 16 into one while the mma work on the other (ch07::fragment_buffered_mma in
// pipeline_device.cuh, written once for steps 5-7). The kernel is step 4's; only the inner call
// changes. Cost: 4 x 4 + 4 x 4 = 32 more registers per thread (-Xptxas=-v shows it): still two
// blocks of 128 threads per SM if the count stays at or below 255.
//
// Prediction at 4096^3: the tensor pipe is fed without the per-slice bubble: expect 1.05-1.2x
// step 4. Nsight Compute: short_scoreboard stalls per issue down, tensor pipe active up. If the
// register count rises past 255 and spills (-Xptxas=-v: "bytes spill"), the step loses instead:
// the lesson then shows why from the profile and keeps the step. Measured: 1.00x step 4, and
// README "Step 5" shows why: ptxas had already interleaved step 4's ldmatrix and mma the same way
// (asm volatile orders the compiler's front end, not ptxas's schedule).
#include "pipeline.h"
#include "pipeline_device.cuh"
#include "wb/exercise.h"
WB_EXERCISE_TODO("fragment_buffer",
                 "Read \"Step 5: fragment_buffer, the next k-slice loaded while this one "
                 "multiplies\" in README.md: step 4's kernel with fragment_buffered_mma "
                 "(pipeline_device.cuh) in place of wb::tile::warp_tile_mma");

namespace ch07 {
namespace {

using Tiles = wb::tile::WarpTiles<128, 128, 64, 64, 64>;  // step 2's tiles
constexpr int kStages = 3;                                // step 4's

template <class T, class R, bool kVec>
__global__ void __launch_bounds__(R::kThreads, R::kMinBlocks)
    hgemm_fragment_buffer_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA,
                                 int lda, const T* __restrict__ gB, int ldb, float beta,
                                 T* __restrict__ gC, int ldc) {
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 5: fragment_buffer, the next k-slice loaded while this one
  //   multiplies"): write the kernel body: your step 4 kernel (dynamic shared memory ring of
  //   R::kStages stages, the same prologue, wait<R::kStages - 2>, one barrier and one commit per
  //   k-tile), with the multiply of stage s done by
  //   fragment_buffered_mma<T, R, R::LayoutA, R::LayoutB>(rC, R::a(smem, s), R::b(smem, s), w,
  //   lane) instead of wb::tile::warp_tile_mma. Read fragment_buffered_mma in
  //   pipeline_device.cuh first: rA[2][kMT][4] and rB[2][kNT / 2][4] registers, slice kk + 16
  //   loaded into one buffer before the mma of slice kk on the other. Then
  //   wb::tile::store_warp_tile<kVec, R>(gC, ldc, M, N, m0 + w.row, n0 + w.col, rC, alpha, beta,
  //   lane).
  // WB_EXERCISE_END
}

}  // namespace

template <class T>
void launch_fragment_buffer(const Args<T>& a, cudaStream_t stream) {
  using R = Ring<Tiles, kStages>;
  launch_pipelined<T>(a, hgemm_fragment_buffer_kernel<T, R, true>,
                      hgemm_fragment_buffer_kernel<T, R, false>, R::BM, R::BN, R::kThreads,
                      R::kBytes, "fragment_buffer", stream);
}

template void launch_fragment_buffer<__half>(const Args<__half>&, cudaStream_t);
template void launch_fragment_buffer<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch07
