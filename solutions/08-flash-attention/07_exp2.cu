// Chapter 08, step 7 — exp2: the softmax in base 2 with the scale folded in, and fewer rescales.
//
// The idea: between the two products each score costs a scale (FMUL), a subtraction and expf,
// which the compiler builds from a multiplication by log2(e) in two parts and the MUFU.EX2
// unit (16 results per SM per clock): with the max and the sum, the softmax issues about as
// many clocks per tile as the 128 mma of a warp (README section 4). Keep the scores raw,
// track the maximum m_i in base-2 units (scale * log2(e) * max), and compute
// p = exp2(s * scale log2(e) - m_i): one FFMA and one MUFU.EX2 per score. lse comes back to
// natural units as m_i ln(2) + log(l_i). Second, the O accumulator is rescaled only when some row
// of the warp raised its maximum (a warp vote, so no lane diverges): after the first tiles of a
// long row the maximum rarely moves (on random scores, tile j raises it with chance ~1 / j per
// row), and each skipped rescale saves D / 2 FMULs per lane per row.
//
// Prediction at B4 H16 S4096 d128 fp16: the softmax is ~1/4 of the issued instructions of step
// 6's loop; cutting its per-score instructions by ~2 and most rescales saves 5-15%: expect
// 1.05-1.15x step 6, 170-290 TFLOP/s, i.e. 0.5-0.85x PyTorch's FlashAttention-2 backend (~342
// TFLOP/s non-causal, ~287 causal on this H100): this design (16 rows per warp, 8 warps per SM)
// is not expected to reach it; the lesson says what would. Nsight Compute:
// smsp__inst_executed.sum down 10-20%, smsp__inst_executed_pipe_xu (MUFU) unchanged.
#include "attention.h"
#include "attention_device.cuh"

namespace ch08 {
namespace {

constexpr float kLog2e = 1.4426950408889634f;  // log2(e)
constexpr float kLn2 = 0.6931471805599453f;    // ln(2)

// The base-2 online-softmax update of one tile of raw (unscaled, masked) scores: step 6's
// online_softmax_tile with the exponent in base 2. stat[h].m is the row's running maximum times
// scale_log2; stat[h].l sums exp2(s * scale_log2 - m) (wb::online_merge's rule in base 2, written
// out, since wb::online_merge is natural-log). O is rescaled only when a row of the warp moved.
// WB_EXERCISE_BEGIN
template <int kSTiles, int kOTiles>
__device__ __forceinline__ void online_softmax_tile_exp2(float (&rS)[kSTiles][4],
                                                         float (&rO)[kOTiles][4],
                                                         wb::OnlineSoftmax (&stat)[2],
                                                         float scale_log2) {
  float alpha[2];
#pragma unroll
  for (int h = 0; h < 2; ++h) {  // h = 0: row g, h = 1: row g + 8
    float m_tile = -INFINITY;
#pragma unroll
    for (int n = 0; n < kSTiles; ++n)
      m_tile = fmaxf(m_tile, fmaxf(rS[n][2 * h], rS[n][2 * h + 1]));
    m_tile = wb::group_allreduce<4>(m_tile, wb::Max{});
    const float m_new = fmaxf(stat[h].m, m_tile * scale_log2);  // scale_log2 > 0 keeps the order
    const float shift = m_new == -INFINITY ? 0.0f : m_new;      // a row that saw no key: p = 0
    alpha[h] = stat[h].m == -INFINITY ? 0.0f : exp2f(stat[h].m - m_new);
    float sum = 0.0f;
#pragma unroll
    for (int n = 0; n < kSTiles; ++n) {
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        rS[n][2 * h + e] = exp2f(fmaf(rS[n][2 * h + e], scale_log2, -shift));  // -inf -> 0
        sum += rS[n][2 * h + e];
      }
    }
    stat[h] = wb::OnlineSoftmax{m_new, stat[h].l * alpha[h] + sum};
  }
  if (__any_sync(wb::kFullMask, alpha[0] != 1.0f || alpha[1] != 1.0f)) {  // warp-uniform
#pragma unroll
    for (int n = 0; n < kOTiles; ++n) {
#pragma unroll
      for (int i = 0; i < 4; ++i)
        rO[n][i] *= alpha[i / 2];
    }
  }
}
// WB_EXERCISE_END

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD>::kThreads) attention_exp2_kernel(const Params<T> p) {
  using Tl = Tiles<kD>;
  using Layout = wb::smem::Swizzled<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  // WB_EXERCISE_BEGIN
  std::uint16_t* sQ = smem16;                          // (Br, D)
  std::uint16_t* sK = sQ + Layout::elems(Tl::Br);      // (2, Bc, D): buffer j % 2 holds tile j
  std::uint16_t* sV = sK + 2 * Layout::elems(Tl::Bc);  // (2, Bc, D)
  const int q_tile = gridDim.x - 1 - blockIdx.x;       // the heaviest (last) query tiles first
  const BlockRows<T> blk = block_rows(p, q_tile, Tl::Br, kD);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int wq = 16 * warp;  // the warp's first row in the block
  const int tiles = key_tiles(blk.q0, Tl::Br, Tl::Bc, p.Sq, p.Sk, p.causal);
  // Issues the copies of key tile j into buffer j % 2 (the caller commits).
  auto issue = [&](int j) {
    const int k0 = j * Tl::Bc, keys = min(Tl::Bc, p.Sk - k0), buf = j % 2;
    copy_rows_async<Layout, Tl::Bc, kD, Tl::kThreads>(
        sK + buf * Layout::elems(Tl::Bc), blk.gK + static_cast<std::int64_t>(k0) * kD, keys);
    copy_rows_async<Layout, Tl::Bc, kD, Tl::kThreads>(
        sV + buf * Layout::elems(Tl::Bc), blk.gV + static_cast<std::int64_t>(k0) * kD, keys);
  };
  copy_rows_async<Layout, Tl::Br, kD, Tl::kThreads>(sQ, blk.gQ, blk.rows);
  if (tiles > 0) issue(0);
  wb::async::commit();  // group: Q and tile 0
  wb::async::wait<0>();
  __syncthreads();
  const wb::mma::Coord r = wb::mma::ldmatrix_row(lane);  // the 16 x 16 tile row this lane gives
  std::uint32_t rQ[Tl::kDSteps][4];  // A fragments of the warp's 16 rows, k16 step ks over d
#pragma unroll
  for (int ks = 0; ks < Tl::kDSteps; ++ks)
    wb::mma::ldmatrix_x4(rQ[ks], sQ + Layout::offset(wq + r.row, 16 * ks + r.col));
  float rO[Tl::kOTiles][4] = {};  // O accumulators: (16 rows, D) as kOTiles m16n8 tiles
  wb::OnlineSoftmax stat[2] = {wb::online_identity(), wb::online_identity()};  // rows g, g + 8
  for (int j = 0; j < tiles; ++j) {
    const int k0 = j * Tl::Bc;
    if (j + 1 < tiles) issue(j + 1);  // into the buffer tile j - 1 used: free since its barrier
    wb::async::commit();              // one group per iteration, empty on the last
    wb::async::wait<1>();             // every group but the newest has landed: tile j is in
    __syncthreads();                  // ... for every thread's copies
    const std::uint16_t* sKj = sK + (j % 2) * Layout::elems(Tl::Bc);  // (Bc, D)
    const std::uint16_t* sVj = sV + (j % 2) * Layout::elems(Tl::Bc);  // (Bc, D)
    float rS[Tl::kSTiles][4] = {};  // S = Q K^T: (16 rows, Bc keys) as kSTiles m16n8 tiles
#pragma unroll
    for (int ks = 0; ks < Tl::kDSteps; ++ks) {
#pragma unroll
      for (int n2 = 0; n2 < Tl::kSTiles / 2; ++n2) {
        std::uint32_t b[4];  // K (keys 16 n2 .., d 16 ks ..): B fragments of S tiles 2 n2, 2 n2 + 1
        wb::mma::ldmatrix_x4(b, sKj + Layout::offset(16 * n2 + r.row, 16 * ks + r.col));
#pragma unroll
        for (int h = 0; h < 2; ++h)
          wb::mma::mma_m16n8k16<T>(rS[2 * n2 + h], rQ[ks], b[k_ldmatrix_reg(h, 0)],
                                   b[k_ldmatrix_reg(h, 1)]);
      }
    }
    if (tile_needs_mask(blk.q0, k0, Tl::Bc, p.Sq, p.Sk, p.causal)) {  // uniform in the block
#pragma unroll
      for (int n = 0; n < Tl::kSTiles; ++n)  // mask only: the scale goes into the exponent
        scale_and_mask(rS[n], 1.0f, blk.q0 + wq, k0 + 8 * n, p.Sq, p.Sk, p.causal, lane);
    }
    online_softmax_tile_exp2(rS, rO, stat, p.scale * kLog2e);
    std::uint32_t rP[Tl::kPSteps][4];  // P as A fragments, k16 step kk over the tile's keys
    p_fragments<T>(rP, rS);
#pragma unroll
    for (int kk = 0; kk < Tl::kPSteps; ++kk) {
#pragma unroll
      for (int n2 = 0; n2 < Tl::kOTiles / 2; ++n2) {
        std::uint32_t b[4];  // V (keys 16 kk .., d 16 n2 ..) transposed: O tiles 2 n2, 2 n2 + 1
        wb::mma::ldmatrix_x4_trans(b, sVj + Layout::offset(16 * kk + r.row, 16 * n2 + r.col));
        wb::mma::mma_m16n8k16<T>(rO[2 * n2], rP[kk], b[0], b[1]);
        wb::mma::mma_m16n8k16<T>(rO[2 * n2 + 1], rP[kk], b[2], b[3]);
      }
    }
    __syncthreads();  // every warp is done with buffer j % 2 before tile j + 2 is issued into it
  }
  store_rows<T, kD>(rO, stat, kLn2, blk.gO + static_cast<std::int64_t>(wq) * kD, blk.gLse + wq,
                    blk.rows - wq, lane);
  // WB_EXERCISE_END
}

template <class T, int kD>
void launch_d(const Args<T>& a, cudaStream_t stream) {
  using Tl = Tiles<kD>;
  const int smem = tile_bytes(Tl::Br + 4 * Tl::Bc, kD);
  launch_kernel(attention_exp2_kernel<T, kD>, tile_grid(a.Sq, a.H, a.B, Tl::Br), Tl::kThreads, smem,
                params_of(a), where_of<T>("exp2"), stream);
}

}  // namespace

template <class T>
void launch_exp2(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("exp2").c_str());
  if (a.d == 64) {
    launch_d<T, 64>(a, stream);
  } else {
    launch_d<T, 128>(a, stream);
  }
}

template void launch_exp2<__half>(const Args<__half>&, cudaStream_t);
template void launch_exp2<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
