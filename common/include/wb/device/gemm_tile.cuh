/// @file gemm_tile.cuh
/// @brief The two ends of a tensor-core GEMM kernel (device code only): copying a tile of a
/// row-major matrix into a shared-memory layout in 16-byte chunks (zero outside the matrix, with
/// a scalar fallback where 16-byte loads are not allowed), and writing an m16n8 accumulator tile
/// to C as alpha * acc + beta * C (C not read when beta == 0), with bounds checks.
///
/// Taught in chapter 06 (the synchronous copy every step uses); chapter 07 replaces the copy with
/// cp.async and keeps the epilogue. The layouts come from `wb/swizzle.h`, the fragment map from
/// `wb/mma_layout.h`.
#pragma once

#include "wb/device/vec.cuh"
#include "wb/mma_layout.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

namespace wb::tile {

/// How a kRows x kCols tile of 16-bit elements is shared out for copying: 16-byte chunks of 8
/// elements, chunk c (row-major over the tile) handled by thread c % kThreads as its
/// (c / kThreads)-th chunk.
template <int kRows, int kCols, int kThreads>
struct TileChunks {
  static constexpr int kChunkElems = 8;                                   ///< elements per chunk
  static constexpr int kRowChunks = kCols / kChunkElems;                  ///< chunks per tile row
  static constexpr int kChunks = kRows * kRowChunks;                      ///< chunks per tile
  static constexpr int kPerThread = (kChunks + kThreads - 1) / kThreads;  ///< chunks per thread
  static_assert(kCols % kChunkElems == 0, "a tile row is whole 16-byte chunks");
};

/// Loads this thread's chunks of the kRows x kCols tile whose top-left element is
/// g[row0 * ld + col0] into registers `v` (TileChunks::kPerThread of them), every load issued
/// before any is used: one global round trip for all of them, not one per chunk. Elements at or
/// past row `rows` or column `cols` of the matrix are never read and become 0, so tails need no
/// special case in the multiply. With kVec (every row of g starts 16-byte aligned: ld % 8 == 0
/// and g aligned, checked by the launcher) a chunk inside the matrix is one 16-byte load;
/// otherwise, and for a chunk that straddles column `cols`, its 8 elements are loaded one by one.
/// Chunks past the tile (when kThreads does not divide the chunk count) are left 0.
template <int kRows, int kCols, int kThreads, bool kVec>
__device__ __forceinline__ void load_tile(
    uint4 (&v)[TileChunks<kRows, kCols, kThreads>::kPerThread], const std::uint16_t* __restrict__ g,
    int ld, int row0, int col0, int rows, int cols) {
  using Chunks = TileChunks<kRows, kCols, kThreads>;
  constexpr int E = Chunks::kChunkElems;
  auto pack = [](std::uint16_t lo, std::uint16_t hi) {
    return static_cast<unsigned>(lo) | (static_cast<unsigned>(hi) << 16);
  };
#pragma unroll
  for (int i = 0; i < Chunks::kPerThread; ++i) {
    const int c = static_cast<int>(threadIdx.x) + i * kThreads;  // this thread's i-th chunk
    const int r = c / Chunks::kRowChunks, cc = (c % Chunks::kRowChunks) * E;  // in the tile
    const int gr = row0 + r, gc = col0 + cc;                                  // in the matrix
    v[i] = make_uint4(0, 0, 0, 0);
    if ((Chunks::kChunks % kThreads != 0 && c >= Chunks::kChunks) || gr >= rows) continue;
    const std::uint16_t* src = g + static_cast<std::int64_t>(gr) * ld + gc;
    if (kVec && gc + E <= cols) {
      v[i] = *reinterpret_cast<const uint4*>(src);
    } else {
      std::uint16_t e[E];
#pragma unroll
      for (int j = 0; j < E; ++j)
        e[j] = gc + j < cols ? src[j] : std::uint16_t{0};
      v[i] = make_uint4(pack(e[0], e[1]), pack(e[2], e[3]), pack(e[4], e[5]), pack(e[6], e[7]));
    }
  }
}

/// Stores the chunks `load_tile` left in `v` into the shared tile `s` laid out by `Layout`
/// (wb::smem::Plain, Padded or Swizzled; 16-bit elements held as raw bits): one 16-byte shared
/// store per chunk.
template <class Layout, int kRows, int kCols, int kThreads>
__device__ __forceinline__ void store_tile(
    std::uint16_t* s, const uint4 (&v)[TileChunks<kRows, kCols, kThreads>::kPerThread]) {
  using Chunks = TileChunks<kRows, kCols, kThreads>;
#pragma unroll
  for (int i = 0; i < Chunks::kPerThread; ++i) {
    const int c = static_cast<int>(threadIdx.x) + i * kThreads;
    if (Chunks::kChunks % kThreads != 0 && c >= Chunks::kChunks) break;
    const int r = c / Chunks::kRowChunks, cc = (c % Chunks::kRowChunks) * Chunks::kChunkElems;
    *reinterpret_cast<uint4*>(s + Layout::offset(r, cc)) = v[i];
  }
}

/// Copies the kRows x kCols tile at (row0, col0) of g into the shared tile `s` (layout `Layout`):
/// load_tile, then store_tile. All of a thread's loads are in flight together; the stores wait
/// for them.
template <class Layout, int kRows, int kCols, int kThreads, bool kVec>
__device__ __forceinline__ void copy_tile(std::uint16_t* s, const std::uint16_t* __restrict__ g,
                                          int ld, int row0, int col0, int rows, int cols) {
  uint4 v[TileChunks<kRows, kCols, kThreads>::kPerThread];
  load_tile<kRows, kCols, kThreads, kVec>(v, g, ld, row0, col0, rows, cols);
  store_tile<Layout, kRows, kCols, kThreads>(s, v);
}

/// Copies k-tile k0 of a GEMM into shared memory: the (BM, BK) tile of A at (m0, k0) into `sA`
/// (layout LayoutA) and the (BK, BN) tile of B at (k0, n0) into `sB` (LayoutB), zero outside
/// the M x K and K x N matrices. Every load of both tiles is issued before the first store, so the
/// whole k-tile costs one global round trip; two copy_tile calls in a row would cost two (A's
/// stores wait for A's loads before B's loads start).
template <class LayoutA, class LayoutB, int BM, int BN, int BK, int kThreads, bool kVec>
__device__ __forceinline__ void copy_k_tile(std::uint16_t* sA, std::uint16_t* sB,
                                            const std::uint16_t* __restrict__ A, int lda,
                                            const std::uint16_t* __restrict__ B, int ldb, int M,
                                            int N, int K, int m0, int n0, int k0) {
  uint4 vA[TileChunks<BM, BK, kThreads>::kPerThread];
  uint4 vB[TileChunks<BK, BN, kThreads>::kPerThread];
  load_tile<BM, BK, kThreads, kVec>(vA, A, lda, m0, k0, M, K);
  load_tile<BK, BN, kThreads, kVec>(vB, B, ldb, k0, n0, K, N);
  store_tile<LayoutA, BM, BK, kThreads>(sA, vA);
  store_tile<LayoutB, BK, BN, kThreads>(sB, vB);
}

/// alpha * acc + beta * C for one element; C is not read when beta == 0 (BLAS semantics: an
/// output-only C may hold NaN).
template <class T>
__device__ __forceinline__ float axpby(float acc, float alpha, float beta, const T* c) {
  return beta == 0.0f ? alpha * acc : alpha * acc + beta * load_f32(c);
}

/// Two neighbouring elements of a row as fp32 (p 4-byte aligned).
__device__ __forceinline__ float2 load_pair(const __half* p) {
  return __half22float2(*reinterpret_cast<const __half2*>(p));
}
/// Two neighbouring elements of a row as fp32 (p 4-byte aligned).
__device__ __forceinline__ float2 load_pair(const __nv_bfloat16* p) {
  return __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(p));
}
/// Stores two fp32 values rounded to nearest at p, p + 1 (p 4-byte aligned): one 4-byte store.
__device__ __forceinline__ void store_pair(__half* p, float a, float b) {
  *reinterpret_cast<__half2*>(p) = __floats2half2_rn(a, b);
}
/// Stores two fp32 values rounded to nearest at p, p + 1 (p 4-byte aligned): one 4-byte store.
__device__ __forceinline__ void store_pair(__nv_bfloat16* p, float a, float b) {
  *reinterpret_cast<__nv_bfloat162*>(p) = __floats2bfloat162_rn(a, b);
}

/// C[row][col .. col + 1] = alpha * (a, b) + beta * C[row][col .. col + 1] for the columns below
/// `N`, if row < M. `col` is even; with kVec (ldc % 8 == 0 and C 16-byte aligned) two in-range
/// columns are one 4-byte access, otherwise each element is its own.
template <bool kVec, class T>
__device__ __forceinline__ void store_pair_checked(T* __restrict__ gC, int ldc, int M, int N,
                                                   int row, int col, float a, float b, float alpha,
                                                   float beta) {
  if (row >= M) return;
  T* p = gC + static_cast<std::int64_t>(row) * ldc + col;
  if (kVec && col + 1 < N) {
    float2 v = make_float2(alpha * a, alpha * b);
    if (beta != 0.0f) {
      const float2 old = load_pair(p);
      v.x += beta * old.x;
      v.y += beta * old.y;
    }
    store_pair(p, v.x, v.y);
    return;
  }
  if (col < N) store_f32(p, axpby(a, alpha, beta, p));
  if (col + 1 < N) store_f32(p + 1, axpby(b, alpha, beta, p + 1));
}

/// Writes one m16n8 accumulator tile (`rC`, laid out as wb::mma::c_frag says) whose top-left
/// element is C[row0][col0]: lane holds (g, 2t .. 2t+1) and (g + 8, 2t .. 2t+1).
template <bool kVec, class T>
__device__ __forceinline__ void store_c_fragment(T* __restrict__ gC, int ldc, int M, int N,
                                                 int row0, int col0, const float (&rC)[4],
                                                 float alpha, float beta, int lane) {
  const mma::Coord c0 = mma::c_frag(lane, 0), c2 = mma::c_frag(lane, 2);
  store_pair_checked<kVec>(gC, ldc, M, N, row0 + c0.row, col0 + c0.col, rC[0], rC[1], alpha, beta);
  store_pair_checked<kVec>(gC, ldc, M, N, row0 + c2.row, col0 + c2.col, rC[2], rC[3], alpha, beta);
}

}  // namespace wb::tile
