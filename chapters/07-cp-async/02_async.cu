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
#include "wb/exercise.h"
WB_EXERCISE_TODO("async",
                 "Read \"Step 2: async, the copy made asynchronous\" in README.md: step 1's loop "
                 "with wb::tile::async_copy_tile for A and B, then wb::async::commit(), "
                 "wb::async::wait<0>(), __syncthreads() before the mma");

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
  // TODO(exercise, README "Step 2: async, the copy made asynchronous"): write the kernel body.
  //   1. Static shared memory, 128-byte aligned: std::uint16_t sA[LayoutA::elems(Tiles::BM)]
  //      ((BM, BK) of A, swizzled) and sB[LayoutB::elems(Tiles::BK)] ((BK, BN) of B, swizzled).
  //   2. Indices: warp = threadIdx.x / 32, lane = threadIdx.x % 32; the block tile of C at
  //      (m0, n0) = (blockIdx.y * BM, blockIdx.x * BN); the warp tile at
  //      w = wb::tile::warp_origin<Tiles>(warp) (a wb::mma::Coord: w.row, w.col); A and B as raw
  //      16-bit bits (reinterpret_cast<const std::uint16_t*>).
  //   3. float rC[Tiles::kMT][Tiles::kNT][4] = {}: the warp's accumulators.
  //   4. For t = 0 .. k_tiles(K, BK) - 1, k0 = t * BK:
  //      - wb::tile::async_copy_tile<LayoutA, BM, BK, Tiles::kThreads, kVec>(sA, a16, lda, m0, k0,
  //        M, K) and <LayoutB, BK, BN, ...>(sB, b16, ldb, k0, n0, K, N): cp.async, zero-filled;
  //      - wb::async::commit() (this thread's copies become one group), wb::async::wait<0>() (they
  //        landed), __syncthreads() (everyone's landed);
  //      - wb::tile::warp_tile_mma<T, Tiles, LayoutA, LayoutB>(rC, sA, sB, w, lane);
  //      - __syncthreads() before the next copy overwrites the tiles.
  //   5. wb::tile::store_warp_tile<kVec, Tiles>(gC, ldc, M, N, m0 + w.row, n0 + w.col, rC, alpha,
  //   beta,
  //      lane): alpha * acc + beta * C, bounds-checked (C not read when beta == 0).
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
