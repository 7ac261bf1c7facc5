// Chapter 07 plumbing shared by the step files (CUDA only): the launcher every pipelined step
// uses (dynamic shared memory above 48 KB), the stage ring's layout, the copy of one stage, and
// step 5's fragment-double-buffered inner loop, written once for steps 5, 6 and 7. The warp tile
// (WarpTiles, warp_tile_mma, store_warp_tile) is chapter 06's, in wb/device/warp_tile.cuh.
#pragma once

#include "pipeline.h"

#include "hgemm_device.cuh"  // chapter 06: the kernel signature ch06::Kernel<T>

#include "wb/check.h"
#include "wb/device/async_tile.cuh"
#include "wb/device/cp_async.cuh"
#include "wb/device/mma.cuh"
#include "wb/device/warp_tile.cuh"
#include "wb/gemm.h"
#include "wb/launch.h"
#include "wb/mma_layout.h"
#include "wb/swizzle.h"

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace ch07 {

/// "ch07::launch_<step><fp16>": the `where` of every message a launcher throws.
template <class T>
std::string where_of(const char* step) {
  return std::string("ch07::launch_") + step + "<" + wb::gemm::type_name<T>() + ">";
}

/// A warp-tile configuration (wb::tile::WarpTiles) with a ring of kStages stages: the shared
/// layouts (chapter 06's swizzles), the elements of one stage and the ring's bytes.
template <class Tiles, int kStages_>
struct Ring : Tiles {
  static constexpr int kStages = kStages_;                                 ///< stages in the ring
  using LayoutA = wb::smem::Swizzled<Tiles::BK>;                           ///< (BM, BK) tile of A
  using LayoutB = wb::smem::Swizzled<Tiles::BN>;                           ///< (BK, BN) tile of B
  static constexpr int kAElems = LayoutA::elems(Tiles::BM);                ///< A's part of a stage
  static constexpr int kStageElems = kAElems + LayoutB::elems(Tiles::BK);  ///< one stage
  static constexpr std::size_t kBytes =
      static_cast<std::size_t>(ring_bytes(Tiles::BM, Tiles::BN, Tiles::BK, kStages));
  static_assert(kStages >= 1, "at least one stage");
  static_assert(kStageElems * kElemBytes == stage_bytes(Tiles::BM, Tiles::BN, Tiles::BK),
                "the swizzled layouts waste nothing");
  static_assert(kAElems % 64 == 0, "B's part of a stage starts 128-byte aligned");
  /// The A tile of stage `s` in the ring at `smem`.
  __device__ static std::uint16_t* a(std::uint16_t* smem, int s) { return smem + s * kStageElems; }
  /// The B tile of stage `s`.
  __device__ static std::uint16_t* b(std::uint16_t* smem, int s) {
    return smem + s * kStageElems + kAElems;
  }
};

/// Starts the asynchronous copy of k-tile `t` (A at (m0, t BK), B at (t BK, n0)) into stage `s`
/// of the ring (the caller commits the group).
template <class R, bool kVec>
__device__ __forceinline__ void load_stage(std::uint16_t* smem, int s, int t,
                                           const std::uint16_t* __restrict__ a16, int lda,
                                           const std::uint16_t* __restrict__ b16, int ldb, int m0,
                                           int n0, int M, int N, int K) {
  const int k0 = t * R::BK;
  wb::tile::async_copy_tile<typename R::LayoutA, R::BM, R::BK, R::kThreads, kVec>(
      R::a(smem, s), a16, lda, m0, k0, M, K);
  wb::tile::async_copy_tile<typename R::LayoutB, R::BK, R::BN, R::kThreads, kVec>(
      R::b(smem, s), b16, ldb, k0, n0, K, N);
}

/// The launcher of every step after the first: checks the arguments (std::invalid_argument naming
/// the step), makes a grid of (ceil(N / BN), ceil(M / BM)) blocks of `threads` threads, picks
/// `vec` when every row of A, B and C starts 16-byte aligned (wb::gemm::vector_friendly) and
/// `scalar` otherwise, raises its dynamic shared-memory limit to `smem_bytes` when that is above
/// 48 KB (wb::allow_dynamic_smem), launches, and checks the launch.
template <class T>
void launch_pipelined(const Args<T>& a, ch06::Kernel<T> vec, ch06::Kernel<T> scalar, int BM, int BN,
                      int threads, std::size_t smem_bytes, const char* step, cudaStream_t stream) {
  const std::string where = where_of<T>(step);
  wb::gemm::validate(a, where.c_str());
  const dim3 grid = wb::gemm::tile_grid(a.M, a.N, BM, BN, where.c_str());
  const ch06::Kernel<T> kernel = wb::gemm::vector_friendly(a) ? vec : scalar;
  wb::allow_dynamic_smem(kernel, smem_bytes, where.c_str());
  kernel<<<grid, threads, smem_bytes, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

/// Step 5's inner loop: the same mma as wb::tile::warp_tile_mma over one BK tile, with the
/// fragments double-buffered in registers. The fragments of k-slice kk + 16 are loaded (ldmatrix)
/// before the mma of slice kk are issued, so the tensor cores never wait for the shared-memory
/// load they need: it was issued one slice earlier. The plain loop is
///
///     for kk: load rA, rB of slice kk; all mma of slice kk    (load, wait, compute, load, ...)
///
/// and this one
///
///     load slice 0 into buffer 0
///     for kk: load slice kk + 16 into buffer (kk/16 + 1) % 2; all mma on buffer (kk/16) % 2
///
/// ldmatrix and mma are `asm volatile` (wb/device/mma.cuh), which keeps this order in the
/// compiler's front end only: ptxas schedules the SASS, and in step 4's fully unrolled loop it had
/// already hoisted later slices' ldmatrix between earlier mma (README "Step 5": the two steps'
/// SASS is the same). Written out here, the order no longer depends on that.
template <class T, class Cfg, class LayoutA, class LayoutB>
__device__ __forceinline__ void fragment_buffered_mma(float (&rC)[Cfg::kMT][Cfg::kNT][4],
                                                      const std::uint16_t* sA,
                                                      const std::uint16_t* sB, wb::mma::Coord w,
                                                      int lane) {
  constexpr int kSlices = Cfg::BK / 16;
  const wb::mma::Coord r = wb::mma::ldmatrix_row(lane);
  std::uint32_t rA[2][Cfg::kMT][4];      // (buffer, m16 tile): A fragments of one k-slice
  std::uint32_t rB[2][Cfg::kNT / 2][4];  // (buffer, n16 pair): B fragments of one k-slice
  auto load = [&](int buf, int kk) {
#pragma unroll
    for (int mi = 0; mi < Cfg::kMT; ++mi)
      wb::mma::ldmatrix_x4(rA[buf][mi], sA + LayoutA::offset(w.row + 16 * mi + r.row, kk + r.col));
#pragma unroll
    for (int nj = 0; nj < Cfg::kNT / 2; ++nj)
      wb::mma::ldmatrix_x4_trans(rB[buf][nj],
                                 sB + LayoutB::offset(kk + r.row, w.col + 16 * nj + r.col));
  };
  load(0, 0);
#pragma unroll
  for (int slice = 0; slice < kSlices; ++slice) {
    const int cur = slice % 2;
    if (slice + 1 < kSlices) load(1 - cur, 16 * (slice + 1));  // next slice, in flight ...
#pragma unroll
    for (int mi = 0; mi < Cfg::kMT; ++mi) {  // ... while the tensor cores work on this one
#pragma unroll
      for (int ni = 0; ni < Cfg::kNT; ++ni)
        wb::mma::mma_m16n8k16<T>(rC[mi][ni], rA[cur][mi], rB[cur][ni / 2][2 * (ni % 2)],
                                 rB[cur][ni / 2][2 * (ni % 2) + 1]);
    }
  }
}

}  // namespace ch07
