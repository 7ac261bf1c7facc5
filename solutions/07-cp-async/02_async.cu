// Chapter 07, step 2 — async: the tile copy made asynchronous (cp.async), one stage.
//
// The idea: step 1's copy takes every chunk through a register: ld.global into a register, then
// st.shared from it, and the store cannot issue until the load has returned (~600-800 cycles from
// DRAM), so each thread holds registers for its chunks in flight and the warp stalls on them
// (long scoreboard). cp.async.cg copies 16 bytes from global straight to shared memory: the
// thread issues the copies of its chunks (wb::tile::async_copy_tile), closes them into one group
// (wb::async::commit), and waits for its groups to land (wb::async::wait<0>) before the barrier
// that makes the whole tile visible. Edges cost nothing extra: a chunk past the matrix copies 0
// bytes and zero-fills its 16, a chunk straddling the last column copies its first bytes only.
// Everything else is step 1's: one stage, two barriers per k-tile, the same warp tiles.
//
// Prediction at 4096^3: little. The structure still serialises copy and compute inside a block:
// issue, wait for all of it, compute. What changes is the cost of issuing (no registers tied up
// by loads in flight, no st.shared instructions, L1 bypassed) and the register count (-Xptxas=-v:
// fewer live registers in the copy). Expect 1.0-1.2x step 1; Nsight Compute: fewer instructions
// (smsp__inst_executed), long_scoreboard stalls replaced by stalls at the wait (they show as
// long_scoreboard too, or as barrier), tensor pipe utilisation about the same.
//
// Views whose rows are not 16-byte aligned take the synchronous copy (cp.async of 16 bytes needs a
// 16-byte aligned source); the commit and wait are then no-ops and the barriers still hold.
#include "pipeline.h"
#include "pipeline_device.cuh"

namespace ch07 {
namespace {

using Tiles = wb::tile::WarpTiles<128, 128, 64, 64, 64>;  // chapter 06's chosen warp tiles

template <class T, bool kVec>
__global__ void __launch_bounds__(Tiles::kThreads, Tiles::kMinBlocks)
    hgemm_async_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA, int lda,
                       const T* __restrict__ gB, int ldb, float beta, T* __restrict__ gC, int ldc) {
  using LayoutA = wb::smem::Swizzled<Tiles::BK>;  // (BM, BK) tile of A
  using LayoutB = wb::smem::Swizzled<Tiles::BN>;  // (BK, BN) tile of B
  // WB_EXERCISE_BEGIN
  __shared__ __align__(128) std::uint16_t sA[LayoutA::elems(Tiles::BM)];  // (BM, BK), 16-bit bits
  __shared__ __align__(128) std::uint16_t sB[LayoutB::elems(Tiles::BK)];  // (BK, BN)
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int m0 = blockIdx.y * Tiles::BM, n0 = blockIdx.x * Tiles::BN;  // block tile in C
  const wb::mma::Coord w = wb::tile::warp_origin<Tiles>(warp);         // warp tile in the block
  const auto* a16 = reinterpret_cast<const std::uint16_t*>(gA);
  const auto* b16 = reinterpret_cast<const std::uint16_t*>(gB);

  float rC[Tiles::kMT][Tiles::kNT][4] = {};  // (kMT, kNT) m16n8 accumulator tiles
  for (int t = 0; t < k_tiles(K, Tiles::BK); ++t) {
    const int k0 = t * Tiles::BK;
    wb::tile::async_copy_tile<LayoutA, Tiles::BM, Tiles::BK, Tiles::kThreads, kVec>(sA, a16, lda,
                                                                                    m0, k0, M, K);
    wb::tile::async_copy_tile<LayoutB, Tiles::BK, Tiles::BN, Tiles::kThreads, kVec>(sB, b16, ldb,
                                                                                    k0, n0, K, N);
    wb::async::commit();   // this thread's copies of tile t: one group
    wb::async::wait<0>();  // ... landed
    __syncthreads();       // everyone's landed: the tiles are complete
    wb::tile::warp_tile_mma<T, Tiles, LayoutA, LayoutB>(rC, sA, sB, w, lane);
    __syncthreads();  // everyone is done reading before the next copy overwrites them
  }
  wb::tile::store_warp_tile<kVec, Tiles>(gC, ldc, M, N, m0 + w.row, n0 + w.col, rC, alpha, beta,
                                         lane);
  // WB_EXERCISE_END
}

}  // namespace

template <class T>
void launch_async(const Args<T>& a, cudaStream_t stream) {
  launch_pipelined<T>(a, hgemm_async_kernel<T, true>, hgemm_async_kernel<T, false>, Tiles::BM,
                      Tiles::BN, Tiles::kThreads, 0, "async", stream);
}

template void launch_async<__half>(const Args<__half>&, cudaStream_t);
template void launch_async<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch07
