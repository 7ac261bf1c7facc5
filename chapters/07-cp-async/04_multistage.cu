// Chapter 07, step 4 — multistage: a ring of kStages stages, kStages - 1 tiles in flight.
//
// The idea: step 3 keeps one tile in flight; Little's law (README section 2) asks for the bytes in
// flight to cover bandwidth x latency. Make the ring deeper: kStages stages in *dynamic* shared
// memory (3 x 32 KB = 96 KB for step 2's 128 x 128 x 64 tiles, above the 48 KB a block gets
// without opting in: the launcher raises the limit with wb::allow_dynamic_smem). The prologue
// issues tiles 0 .. kStages - 2, one commit group each; then iteration t
//
//     wait<kStages - 2>   at most kStages - 2 groups still in flight: tile t's group has landed
//     barrier             everyone's tile t landed; everyone is done with tile t - 1's stage
//     copy tile t + kStages - 1 into stage (t - 1) % kStages (the one just freed); commit
//     multiply stage t % kStages
//
// Every iteration commits exactly one group (empty past the last tile), so "group i holds tile i"
// stays true and the wait's count is a constant. With kStages = 2 this is step 3.
//
// A first prediction was written for 128 x 128 x 32 tiles (16 KB) at 4 stages. For the step as it
// is (README "Step 4", prediction before the run): 3 stages of 32 KB, two tiles (64 KB) in flight
// per block, 2 blocks per SM (registers; 2 x 96 KB of the SM's 228 KB); 1.1-1.4x step 3,
// long_scoreboard stalls near 0; 4 and 5 stages (also compiled, tuning::multistage_configs) no
// faster, since at 128 or 160 KB only one block fits per SM. Measured: README "Step 4".
#include "pipeline.h"
#include "pipeline_device.cuh"
#include "wb/exercise.h"
WB_EXERCISE_TODO(
    "multistage",
    "Read \"Step 4: multistage, a ring of stages in dynamic shared memory\" in README.md: kStages "
    "stages in dynamic shared memory: prologue of kStages - 1 groups, then wait<kStages - 2>, "
    "barrier, copy tile t + kStages - 1, commit, multiply stage t % kStages");

namespace ch07 {
namespace {

using Tiles = wb::tile::WarpTiles<128, 128, 64, 64, 64>;  // step 2's tiles
constexpr int kChosenStages = 3;                          // README "Step 4"

template <class T, class R, bool kVec>
__global__ void __launch_bounds__(R::kThreads, R::kMinBlocks)
    hgemm_multistage_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                            const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC,
                            int ldc) {
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 4: multistage, a ring of stages in dynamic shared memory"):
  //   write the kernel body.
  //   1. Dynamic shared memory: extern __shared__ __align__(128) std::uint16_t smem[]; the
  //      launcher gives it R::kBytes (kStages x (A tile, B tile)); stage s at R::a(smem, s),
  //      R::b(smem, s).
  //   2. Indices as in step 3: warp, lane, (m0, n0), w = wb::tile::warp_origin<R>(warp), a16, b16,
  //      tiles = k_tiles(K, R::BK), float rC[R::kMT][R::kNT][4] = {}.
  //   3. Prologue, #pragma unroll, t = 0 .. R::kStages - 2: if t < tiles, load_stage<R, kVec>
  //      tile t into stage t; wb::async::commit() every time (group t holds tile t).
  //   4. For t = 0 .. tiles - 1: wb::async::wait<R::kStages - 2>() (group t landed);
  //      __syncthreads(); next = t + R::kStages - 1: if next < tiles, load_stage tile next into
  //      stage stage_of(next, R::kStages); wb::async::commit() (always one group per iteration);
  //      then wb::tile::warp_tile_mma<T, R, R::LayoutA, R::LayoutB> on stage
  //      stage_of(t, R::kStages).
  //   5. wb::tile::store_warp_tile<kVec, R>(gC, ldc, M, N, m0 + w.row, n0 + w.col, rC, alpha, beta,
  //      lane).
  // WB_EXERCISE_END
}

template <class R, class T>
void launch_ring(const Args<T>& a, cudaStream_t stream) {
  launch_pipelined<T>(a, hgemm_multistage_kernel<T, R, true>, hgemm_multistage_kernel<T, R, false>,
                      R::BM, R::BN, R::kThreads, R::kBytes, "multistage", stream);
}

}  // namespace

template <class T>
void launch_multistage(const Args<T>& a, cudaStream_t stream) {
  launch_ring<Ring<Tiles, kChosenStages>>(a, stream);
}

template void launch_multistage<__half>(const Args<__half>&, cudaStream_t);
template void launch_multistage<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

namespace tuning {

const std::vector<Config>& multistage_configs() {
  static_assert(kChosenStages == 3, "the first configuration is the step's own: rename it");
  static const std::vector<Config> configs = {
      {"multistage", "multistage/128x128x64 w64x64 3 stages", launch_multistage<__half>,
       launch_multistage<__nv_bfloat16>},
      {"multistage", "multistage/128x128x64 w64x64 4 stages", launch_ring<Ring<Tiles, 4>, __half>,
       launch_ring<Ring<Tiles, 4>, __nv_bfloat16>},
      {"multistage", "multistage/128x128x64 w64x64 5 stages", launch_ring<Ring<Tiles, 5>, __half>,
       launch_ring<Ring<Tiles, 5>, __nv_bfloat16>},
  };
  return configs;
}

}  // namespace tuning

}  // namespace ch07
