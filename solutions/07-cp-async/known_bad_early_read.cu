// Chapter 07 known-bad variant: step 4 reading a stage before its wait_group.
//
// The pipeline waits with cp.async.wait_group kStages - 1 instead of kStages - 2: "at most
// kStages - 1 groups in flight" is already true when the newest kStages - 1 groups are all still
// in flight, so the wait returns without tile t's group having landed. The barrier after it
// orders the threads, not the copies: the warps read tile t's stage while its bytes are still on
// the way (in the first iteration the copy was issued a few instructions earlier, hundreds of
// cycles before it can land), and multiply whatever the stage held before: zeros, an earlier
// tile, another block's data. The [known-bad] test in tests/ch07/known_bad_test.cpp shows the
// result is wrong on random inputs. Off by one in a wait count is the classic pipeline bug: the
// code looks like step 4 and compiles the same way.
#include "pipeline.h"
#include "pipeline_device.cuh"

namespace ch07 {
namespace known_bad {
namespace {

using Tiles = wb::tile::WarpTiles<128, 128, 64, 64, 64>;  // step 4's tiles
using R = Ring<Tiles, 3>;                                 // step 4's ring

template <class T, bool kVec>
__global__ void __launch_bounds__(R::kThreads, R::kMinBlocks)
    hgemm_early_read_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                            const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC,
                            int ldc) {
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
    wb::async::wait<R::kStages - 1>();  // BUG: one group too many may still be in flight
    __syncthreads();                    // orders the threads, not the copies
    const int next = t + R::kStages - 1;
    if (next < tiles)
      load_stage<R, kVec>(smem, stage_of(next, R::kStages), next, a16, lda, b16, ldb, m0, n0, M, N,
                          K);
    wb::async::commit();  // one group per iteration, empty or not
    const int s = stage_of(t, R::kStages);
    wb::tile::warp_tile_mma<T, R, R::LayoutA, R::LayoutB>(rC, R::a(smem, s), R::b(smem, s), w,
                                                          lane);
  }
  wb::tile::store_warp_tile<kVec, R>(gC, ldc, M, N, m0 + w.row, n0 + w.col, rC, alpha, beta, lane);
}

}  // namespace

template <class T>
void launch_early_read(const Args<T>& a, cudaStream_t stream) {
  launch_pipelined<T>(a, hgemm_early_read_kernel<T, true>, hgemm_early_read_kernel<T, false>, R::BM,
                      R::BN, R::kThreads, R::kBytes, "early_read", stream);
}

template void launch_early_read<__half>(const Args<__half>&, cudaStream_t);
template void launch_early_read<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace known_bad
}  // namespace ch07
