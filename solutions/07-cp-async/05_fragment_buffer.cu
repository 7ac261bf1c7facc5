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
  extern __shared__ __align__(128) std::uint16_t smem[];  // kStages x (sA, sB): R::kBytes
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int m0 = blockIdx.y * R::BM, n0 = blockIdx.x * R::BN;  // block tile in C
  const wb::mma::Coord w = wb::tile::warp_origin<R>(warp);     // warp tile in the block
  const auto* a16 = reinterpret_cast<const std::uint16_t*>(gA);
  const auto* b16 = reinterpret_cast<const std::uint16_t*>(gB);
  const int tiles = k_tiles(K, R::BK);

  float rC[R::kMT][R::kNT][4] = {};  // (kMT, kNT) m16n8 accumulator tiles
#pragma unroll
  for (int t = 0; t < R::kStages - 1; ++t) {  // prologue: tiles 0 .. kStages - 2, a group each
    if (t < tiles) load_stage<R, kVec>(smem, t, t, a16, lda, b16, ldb, m0, n0, M, N, K);
    wb::async::commit();
  }
  for (int t = 0; t < tiles; ++t) {
    wb::async::wait<R::kStages - 2>();  // group t (tile t) has landed for this thread ...
    __syncthreads();                    // ... and for everyone; stage of tile t - 1 is free
    const int next = t + R::kStages - 1;
    if (next < tiles)
      load_stage<R, kVec>(smem, stage_of(next, R::kStages), next, a16, lda, b16, ldb, m0, n0, M, N,
                          K);
    wb::async::commit();  // one group per iteration, empty or not
    const int s = stage_of(t, R::kStages);
    fragment_buffered_mma<T, R, R::LayoutA, R::LayoutB>(rC, R::a(smem, s), R::b(smem, s), w, lane);
  }
  wb::tile::store_warp_tile<kVec, R>(gC, ldc, M, N, m0 + w.row, n0 + w.col, rC, alpha, beta, lane);
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
