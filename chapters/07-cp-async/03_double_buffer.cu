// Chapter 07, step 3 — double_buffer: two stages, tile t + 1 copied while tile t is multiplied.
//
// The idea: step 2 waits for its copy right after issuing it. Give shared memory two stages
// (Ring<Tiles, 2>: 2 x 32 KB of dynamic shared memory, above the 48 KB a block gets without
// opting in: the launcher raises the limit with wb::allow_dynamic_smem) and issue the copy of tile
// t + 1 into the other stage *before* multiplying tile t: the copy's latency hides behind the
// block's own mma. The loop becomes
//
//     copy tile 0 -> stage 0; commit
//     for t: wait<0>; barrier; copy tile t + 1 -> stage (t + 1) % 2; commit; multiply stage t % 2
//
// One barrier per k-tile is enough: the barrier at the top of iteration t is passed only when
// every warp has finished multiplying tile t - 1, whose stage is the one tile t + 1 overwrites,
// and (after each thread's wait<0>) when every copy of tile t has landed.
//
// Prediction at 4096^3, first written for 16 KB k-tiles (128 x 128 x 32): one tile in flight per
// block while it computes. A 16 KB k-tile is 1.05 MFLOP; at the mma.sync peak (627 TFLOP/s over
// 132 SMs: 4.75 TFLOP/s per SM, shared by the SM's two blocks) a block multiplies one in ~0.44 us,
// while a copy takes ~0.5-1 us to land (L2 hit to DRAM under load). One tile in flight hides half
// to all of the latency, not more (Little's law, README section 2). Expect 1.3-1.8x step 2. (The
// step runs step 2's 128 x 128 x 64 tiles, 32 KB and twice the FLOPs per tile: README "Step 3"
// has the prediction for those and the measurement.) Nsight Compute:
// long_scoreboard and barrier stalls per issue down, sm__pipe_tensor_op_hmma_cycles_active up by
// about as much.
#include "pipeline.h"
#include "pipeline_device.cuh"
#include "wb/exercise.h"
WB_EXERCISE_TODO("double_buffer",
                 "Read \"Step 3: double_buffer, copy the next tile while multiplying this one\" in "
                 "README.md: two stages: copy tile t + 1 into stage (t + 1) % 2 after the barrier "
                 "of iteration t, then multiply stage t % 2; one barrier per k-tile");

namespace ch07 {
namespace {

using R = Ring<wb::tile::WarpTiles<128, 128, 64, 64, 64>, 2>;  // step 2's tiles, two stages

template <class T, bool kVec>
__global__ void __launch_bounds__(R::kThreads, R::kMinBlocks)
    hgemm_double_buffer_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                               const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC,
                               int ldc) {
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 3: double_buffer, copy the next tile while multiplying this one"):
  //   write the kernel body.
  //   1. Dynamic shared memory: extern __shared__ __align__(128) std::uint16_t smem[]; the
  //      launcher gives it R::kBytes: two stages of (A tile, B tile); R::a(smem, s) and
  //      R::b(smem, s) point into stage s.
  //   2. Indices as in step 2: warp, lane, (m0, n0), w = wb::tile::warp_origin<R>(warp); a16, b16;
  //   tiles = k_tiles(K, R::BK); float rC[R::kMT][R::kNT][4] = {}.
  //   3. Prologue: load_stage<R, kVec>(smem, 0, 0, a16, lda, b16, ldb, m0, n0, M, N, K) (tile 0
  //      into stage 0), wb::async::commit().
  //   4. For t = 0 .. tiles - 1: wb::async::wait<0>(); __syncthreads() (tile t landed for all,
  //      and everyone is done with tile t - 1's stage); if t + 1 < tiles, load_stage tile t + 1
  //      into stage stage_of(t + 1, 2); wb::async::commit() (always: an empty group is fine);
  //      then wb::tile::warp_tile_mma<T, R, R::LayoutA, R::LayoutB> on R::a(smem, s),
  //      R::b(smem, s) with s = stage_of(t, 2). No second barrier.
  //   5. wb::tile::store_warp_tile<kVec, R>(gC, ldc, M, N, m0 + w.row, n0 + w.col, rC, alpha, beta,
  //      lane).
  // WB_EXERCISE_END
}

}  // namespace

template <class T>
void launch_double_buffer(const Args<T>& a, cudaStream_t stream) {
  launch_pipelined<T>(a, hgemm_double_buffer_kernel<T, true>, hgemm_double_buffer_kernel<T, false>,
                      R::BM, R::BN, R::kThreads, R::kBytes, "double_buffer", stream);
}

template void launch_double_buffer<__half>(const Args<__half>&, cudaStream_t);
template void launch_double_buffer<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch07
