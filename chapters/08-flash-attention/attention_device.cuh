// Chapter 08 device plumbing shared by the step files (CUDA only): the kernel parameters, where a
// block's rows live, the tile shapes of the tensor-core steps, the tile copies, the mask, the
// online-softmax update of one tile of scores and the epilogue.
//
// From the shared layer: the fragment maps (wb/mma_layout.h) and PTX wrappers (wb/device/mma.cuh)
// of chapter 06, its 16-byte tile copy and pair store (wb/device/gemm_tile.cuh), the shared-memory
// layouts (wb/swizzle.h), chapter 07's cp.async tile copy (wb/device/async_tile.cuh) and wrappers
// (wb/device/cp_async.cuh), and chapter 05's online softmax (wb/online.h) with chapter 04's
// shuffles (wb/device/warp.cuh).
#pragma once

#include "attention.h"

#include "wb/check.h"
#include "wb/device/async_tile.cuh"
#include "wb/device/cp_async.cuh"
#include "wb/device/gemm_tile.cuh"
#include "wb/device/mma.cuh"
#include "wb/device/warp.cuh"
#include "wb/launch.h"
#include "wb/mma_layout.h"
#include "wb/online.h"
#include "wb/swizzle.h"

#include <cuda_runtime.h>

#include <string>

namespace ch08 {

/// What every kernel receives: the validated arguments as plain values.
template <class T>
struct Params {
  const T* __restrict__ Q;  ///< [B, H, Sq, d]
  const T* __restrict__ K;  ///< [B, Hkv, Sk, d]
  const T* __restrict__ V;  ///< [B, Hkv, Sk, d]
  T* __restrict__ O;        ///< [B, H, Sq, d]
  float* __restrict__ lse;  ///< [B, H, Sq]
  int B;                    ///< batch
  int H;                    ///< query heads
  int group;                ///< H / Hkv: query heads per key/value head
  int Sq;                   ///< query length
  int Sk;                   ///< key length
  float scale;              ///< the effective scale
  bool causal;              ///< bottom-right causal mask
};

/// The kernel parameters of validated `a`.
template <class T>
Params<T> params_of(const Args<T>& a) {
  return Params<T>{a.Q,
                   a.K,
                   a.V,
                   a.O,
                   a.lse,
                   static_cast<int>(a.B),
                   static_cast<int>(a.H),
                   static_cast<int>(a.H / a.Hkv),
                   static_cast<int>(a.Sq),
                   static_cast<int>(a.Sk),
                   effective_scale(a.scale, a.d),
                   a.causal};
}

/// "ch08::launch_<step><fp16>": the `where` of every message a launcher throws.
template <class T>
std::string where_of(const char* step) {
  return std::string("ch08::launch_") + step + "<" + type_name<T>() + ">";
}

/// The rows one block works on: query rows [q0, q0 + rows) of head h of batch b, and where they
/// and their key/value head start. 64-bit offsets (B H Sq d passes 2^31 easily).
template <class T>
struct BlockRows {
  int q0;       ///< first query row of the block
  int rows;     ///< rows of the block inside Sq (the last block may have fewer)
  const T* gQ;  ///< (rows, d): Q row q0 of (b, h)
  const T* gK;  ///< (Sk, d): key 0 of (b, h / group)
  const T* gV;  ///< (Sk, d): value 0 of (b, h / group)
  T* gO;        ///< (rows, d): O row q0 of (b, h)
  float* gLse;  ///< (rows): lse of row q0 of (b, h)
};

/// The block's rows for query tile `tile` of Br rows, head blockIdx.y, batch blockIdx.z.
template <class T>
__device__ __forceinline__ BlockRows<T> block_rows(const Params<T>& p, int tile, int Br, int d) {
  const int h = blockIdx.y, b = blockIdx.z;
  const int q0 = tile * Br;
  const std::int64_t bh = static_cast<std::int64_t>(b) * p.H + h;
  const std::int64_t bhk = static_cast<std::int64_t>(b) * (p.H / p.group) + h / p.group;
  const std::int64_t q_row = bh * p.Sq + q0;
  const std::int64_t kv_row = bhk * p.Sk;
  return BlockRows<T>{q0,
                      min(Br, p.Sq - q0),
                      p.Q + q_row * d,
                      p.K + kv_row * d,
                      p.V + kv_row * d,
                      p.O + q_row * d,
                      p.lse + q_row};
}

/// Tile shapes of the tensor-core steps (3-13), with FlashAttention's names: Br query rows per
/// block (16 kM per warp: kM m16 rows of mma tiles; kM = 1 in steps 3-7, 2 from step 8), Bc keys
/// per tile (64; 128 at d 64 in step 13), head dimension D.
template <int kD, int kRowTiles = 1, int kBc = 64>
struct Tiles {
  static constexpr int D = kD;                  ///< head dimension
  static constexpr int kWarps = 4;              ///< warps per block
  static constexpr int kThreads = 32 * kWarps;  ///< threads per block
  static constexpr int kM = kRowTiles;          ///< m16 rows of mma tiles per warp
  static constexpr int Br = 16 * kM * kWarps;   ///< query rows per block: 64 kM
  static constexpr int Bc = kBc;                ///< keys per tile
  static constexpr int kDSteps = D / 16;        ///< k16 steps of Q K^T (over d)
  static constexpr int kSTiles = Bc / 8;        ///< n8 tiles of S per m16 row (over keys)
  static constexpr int kPSteps = Bc / 16;       ///< k16 steps of P V (over keys)
  static constexpr int kOTiles = D / 8;         ///< n8 tiles of O per m16 row (over d)
  static_assert(D % 16 == 0 && Bc % 16 == 0, "whole k16 steps");
};

/// Grid of the tensor-core steps: one block per Br query rows, per head, per batch.
inline dim3 tile_grid(std::int64_t Sq, std::int64_t H, std::int64_t B, int Br) {
  return dim3(static_cast<unsigned>((Sq + Br - 1) / Br), static_cast<unsigned>(H),
              static_cast<unsigned>(B));
}

/// Copies rows [0, kRows) of a (rows, D) matrix at g (16-byte aligned rows) into shared tile `s`
/// laid out by Layout, rows at or past `rows` zero (chapter 06's wb::tile::copy_tile: all loads
/// of a thread are issued before its stores). Zeros matter: a V row past Sk meets p = 0, and
/// 0 * garbage could be NaN.
template <class Layout, int kRows, int kD, int kThreads, class T>
__device__ __forceinline__ void copy_rows(std::uint16_t* s, const T* g, int rows) {
  wb::tile::copy_tile<Layout, kRows, kD, kThreads, true>(
      s, reinterpret_cast<const std::uint16_t*>(g), kD, 0, 0, rows, kD);
}

/// Copies key rows [0, kRows) of K and of V (each (rows, D) at gK, gV; rows at or past `rows`
/// zero) into sK and sV: chapter 06's load_tile for both tiles before either store_tile, so all of
/// a thread's K and V loads are in flight together (one global round trip per key tile, not two).
template <class Layout, int kRows, int kD, int kThreads, class T>
__device__ __forceinline__ void copy_kv_rows(std::uint16_t* sK, std::uint16_t* sV, const T* gK,
                                             const T* gV, int rows) {
  constexpr int kPer = wb::tile::TileChunks<kRows, kD, kThreads>::kPerThread;
  uint4 vK[kPer], vV[kPer];
  wb::tile::load_tile<kRows, kD, kThreads, true>(vK, reinterpret_cast<const std::uint16_t*>(gK), kD,
                                                 0, 0, rows, kD);
  wb::tile::load_tile<kRows, kD, kThreads, true>(vV, reinterpret_cast<const std::uint16_t*>(gV), kD,
                                                 0, 0, rows, kD);
  wb::tile::store_tile<Layout, kRows, kD, kThreads>(sK, vK);
  wb::tile::store_tile<Layout, kRows, kD, kThreads>(sV, vV);
}

/// copy_rows with cp.async (chapter 07's wb::tile::async_copy_tile): each 16-byte chunk goes from
/// global to shared memory without passing through registers; chunks of rows at or past `rows`
/// are zero-filled by the hardware. The caller commits the group and waits for it.
template <class Layout, int kRows, int kD, int kThreads, class T>
__device__ __forceinline__ void copy_rows_async(std::uint16_t* s, const T* g, int rows) {
  wb::tile::async_copy_tile<Layout, kRows, kD, kThreads, true>(
      s, reinterpret_cast<const std::uint16_t*>(g), kD, 0, 0, rows, kD);
}

/// Scales one m16n8 accumulator tile of S (c_frag layout) and masks it: s = scale * acc where
/// visible(), -inf elsewhere. `q_row` is the query row of the tile's row 0, `k_col` the key of its
/// column 0.
__device__ __forceinline__ void scale_and_mask(float (&rS)[4], float scale, int q_row, int k_col,
                                               int Sq, int Sk, bool causal, int lane) {
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const wb::mma::Coord c = wb::mma::c_frag(lane, i);
    rS[i] = visible(q_row + c.row, k_col + c.col, Sq, Sk, causal) ? rS[i] * scale : -INFINITY;
  }
}

/// The online-softmax update of one tile of scores (FlashAttention-2, the paper's m_i, l_i):
/// this lane holds rows g (accumulators 0, 1) and g + 8 (2, 3) of its warp's 16 rows, across
/// kSTiles n8 tiles; the four lanes of a quad share a row. Per row: the tile's maximum over the
/// quad, m_new = max(m_i, tile max), p = exp(s - m_new) in place of s, O rescaled by
/// exp(m_i - m_new), and (m_i, l_i) merged with (m_new, sum p) by wb::online_merge (chapter 05).
/// l_i stays this lane's partial sum (the quad adds its four at the end); m_i is the quad's.
template <int kSTiles, int kOTiles>
__device__ __forceinline__ void online_softmax_tile(float (&rS)[kSTiles][4],
                                                    float (&rO)[kOTiles][4],
                                                    wb::OnlineSoftmax (&stat)[2]) {
#pragma unroll
  for (int h = 0; h < 2; ++h) {  // h = 0: row g, h = 1: row g + 8
    float m_tile = -INFINITY;
#pragma unroll
    for (int n = 0; n < kSTiles; ++n)
      m_tile = fmaxf(m_tile, fmaxf(rS[n][2 * h], rS[n][2 * h + 1]));
    m_tile = wb::group_allreduce<4>(m_tile, wb::Max{});
    const float m_new = fmaxf(stat[h].m, m_tile);
    const float alpha = wb::exp_shifted(stat[h].m, m_new);  // 0 while the row saw no key
    float sum = 0.0f;
#pragma unroll
    for (int n = 0; n < kSTiles; ++n) {
      rS[n][2 * h] = wb::exp_shifted(rS[n][2 * h], m_new);
      rS[n][2 * h + 1] = wb::exp_shifted(rS[n][2 * h + 1], m_new);
      sum += rS[n][2 * h] + rS[n][2 * h + 1];
    }
    stat[h] = wb::online_merge(stat[h], wb::OnlineSoftmax{m_new, sum});
#pragma unroll
    for (int n = 0; n < kOTiles; ++n) {
      rO[n][2 * h] *= alpha;
      rO[n][2 * h + 1] *= alpha;
    }
  }
}

/// P's A fragments for P V from the probabilities left in rS (ch08::p_source): k16 step `kk`
/// covers S tiles 2 kk and 2 kk + 1, rounded to T two at a time.
template <class T, int kSTiles>
__device__ __forceinline__ void p_fragments(std::uint32_t (&rP)[kSTiles / 2][4],
                                            const float (&rS)[kSTiles][4]) {
#pragma unroll
  for (int kk = 0; kk < kSTiles / 2; ++kk) {
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const PSource src = p_source(r);
      const float(&s)[4] = rS[2 * kk + src.tile];
      rP[kk][r] = wb::mma::pack2(T(s[src.c]), T(s[src.c + 1]));
    }
  }
}

/// The epilogue of a warp's 16 rows: O = acc / l_i (0 for a row that saw no key), lse = m_i *
/// `m_to_ln` + log(l_i) (+inf for such a row), for the rows below `rows_left` (the rows of the
/// head past the warp's first). gO, gLse: the warp's first row.
template <class T, int kD, int kOTiles>
__device__ __forceinline__ void store_rows(const float (&rO)[kOTiles][4],
                                           const wb::OnlineSoftmax (&stat)[2], float m_to_ln, T* gO,
                                           float* gLse, int rows_left, int lane) {
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const float l = wb::group_allreduce<4>(stat[h].l, wb::Sum{});  // the quad's four partials
    const float inv = wb::inverse_or_zero(l);
    const wb::mma::Coord c = wb::mma::c_frag(lane, 2 * h);  // (g + 8 h, 2 t)
    if (c.row >= rows_left) continue;
    T* o = gO + static_cast<std::int64_t>(c.row) * kD;
#pragma unroll
    for (int n = 0; n < kOTiles; ++n)
      wb::tile::store_pair(o + 8 * n + c.col, rO[n][2 * h] * inv, rO[n][2 * h + 1] * inv);
    if (c.col == 0) gLse[c.row] = l > 0.0f ? stat[h].m * m_to_ln + logf(l) : INFINITY;
  }
}

/// Bytes of dynamic shared memory for `tiles` (rows, D) 16-bit tiles of the given row counts.
constexpr int tile_bytes(int rows, int d) {
  return rows * d * 2;
}

/// Raises `kernel`'s dynamic shared-memory limit if needed, then launches it on `grid` and checks
/// the launch.
template <class Kernel, class P>
void launch_kernel(Kernel* kernel, dim3 grid, int threads, int smem, const P& params,
                   const std::string& where, cudaStream_t stream) {
  wb::allow_dynamic_smem(kernel, static_cast<std::size_t>(smem), where.c_str());
  kernel<<<grid, threads, smem, stream>>>(params);
  WB_CHECK_LAUNCH();
}

}  // namespace ch08
