// Chapter 08 known-bad variants, the kernel both share: step 4's kernel (ldmatrix, swizzled tiles)
// with one of two deliberate bugs switched on. The tests in tests/ch08/known_bad_test.cpp must
// catch each, and show inputs on which each is invisible.
//   kNoRescale:   the online softmax rescales l_i but not the O accumulator when m_i grows
//                 (the update is handed a scratch accumulator instead of O).
//   kOffByOne:    the causal mask keeps key j only when j < i + (Sk - Sq): the diagonal is lost.
#pragma once

#include "attention.h"
#include "attention_device.cuh"

namespace ch08::known_bad {

/// The off-by-one mask: visible() with `<` where `<=` belongs.
__device__ __forceinline__ bool visible_off_by_one(std::int64_t i, std::int64_t j, std::int64_t Sq,
                                                   std::int64_t Sk, bool causal) {
  return j < Sk && (!causal || j < i + (Sk - Sq));
}

template <class T, int kD, bool kNoRescale, bool kOffByOne>
__global__ void __launch_bounds__(Tiles<kD>::kThreads) known_bad_kernel(const Params<T> p) {
  using Tl = Tiles<kD>;
  using Layout = wb::smem::Swizzled<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  std::uint16_t* sQ = smem16;                      // (Br, D)
  std::uint16_t* sK = sQ + Layout::elems(Tl::Br);  // (Bc, D)
  std::uint16_t* sV = sK + Layout::elems(Tl::Bc);  // (Bc, D)
  const BlockRows<T> blk = block_rows(p, blockIdx.x, Tl::Br, kD);
  const int lane = threadIdx.x % 32, wq = 16 * (threadIdx.x / 32);
  const wb::mma::Coord r = wb::mma::ldmatrix_row(lane);
  copy_rows<Layout, Tl::Br, kD, Tl::kThreads>(sQ, blk.gQ, blk.rows);
  __syncthreads();
  std::uint32_t rQ[Tl::kDSteps][4];
  for (int ks = 0; ks < Tl::kDSteps; ++ks)
    wb::mma::ldmatrix_x4(rQ[ks], sQ + Layout::offset(wq + r.row, 16 * ks + r.col));
  float rO[Tl::kOTiles][4] = {};
  float scratch[Tl::kOTiles][4] = {};  // kNoRescale: what the update rescales instead of rO
  wb::OnlineSoftmax stat[2] = {wb::online_identity(), wb::online_identity()};
  for (int k0 = 0; k0 < p.Sk; k0 += Tl::Bc) {
    const int keys = min(Tl::Bc, p.Sk - k0);
    __syncthreads();
    copy_kv_rows<Layout, Tl::Bc, kD, Tl::kThreads>(sK, sV, blk.gK + std::int64_t{k0} * kD,
                                                   blk.gV + std::int64_t{k0} * kD, keys);
    __syncthreads();
    float rS[Tl::kSTiles][4] = {};
    for (int ks = 0; ks < Tl::kDSteps; ++ks) {
      for (int n2 = 0; n2 < Tl::kSTiles / 2; ++n2) {
        std::uint32_t b[4];
        wb::mma::ldmatrix_x4(b, sK + Layout::offset(16 * n2 + r.row, 16 * ks + r.col));
        for (int h = 0; h < 2; ++h)
          wb::mma::mma_m16n8k16<T>(rS[2 * n2 + h], rQ[ks], b[k_ldmatrix_reg(h, 0)],
                                   b[k_ldmatrix_reg(h, 1)]);
      }
    }
    for (int n = 0; n < Tl::kSTiles; ++n) {
      if (kOffByOne) {
        for (int i = 0; i < 4; ++i) {
          const wb::mma::Coord c = wb::mma::c_frag(lane, i);
          const bool vis =
              visible_off_by_one(blk.q0 + wq + c.row, k0 + 8 * n + c.col, p.Sq, p.Sk, p.causal);
          rS[n][i] = vis ? rS[n][i] * p.scale : -INFINITY;
        }
      } else {
        scale_and_mask(rS[n], p.scale, blk.q0 + wq, k0 + 8 * n, p.Sq, p.Sk, p.causal, lane);
      }
    }
    if (kNoRescale) {
      online_softmax_tile(rS, scratch, stat);
    } else {
      online_softmax_tile(rS, rO, stat);
    }
    std::uint32_t rP[Tl::kPSteps][4];
    p_fragments<T>(rP, rS);
    for (int kk = 0; kk < Tl::kPSteps; ++kk) {
      for (int n2 = 0; n2 < Tl::kOTiles / 2; ++n2) {
        std::uint32_t b[4];
        wb::mma::ldmatrix_x4_trans(b, sV + Layout::offset(16 * kk + r.row, 16 * n2 + r.col));
        wb::mma::mma_m16n8k16<T>(rO[2 * n2], rP[kk], b[0], b[1]);
        wb::mma::mma_m16n8k16<T>(rO[2 * n2 + 1], rP[kk], b[2], b[3]);
      }
    }
  }
  store_rows<T, kD>(rO, stat, 1.0f, blk.gO + std::int64_t{wq} * kD, blk.gLse + wq, blk.rows - wq,
                    lane);
}

/// Validates `a` as every step does and launches the variant for its head dimension.
template <class T, bool kNoRescale, bool kOffByOne>
void launch_known_bad(const Args<T>& a, const char* name, cudaStream_t stream) {
  const std::string where = std::string("ch08::known_bad::launch_") + name;
  validate(a, where.c_str());
  const int smem = tile_bytes(Tiles<64>::Br + 2 * Tiles<64>::Bc, a.d);
  const dim3 grid = tile_grid(a.Sq, a.H, a.B, Tiles<64>::Br);
  if (a.d == 64) {
    launch_kernel(known_bad_kernel<T, 64, kNoRescale, kOffByOne>, grid, Tiles<64>::kThreads, smem,
                  params_of(a), where, stream);
  } else {
    launch_kernel(known_bad_kernel<T, 128, kNoRescale, kOffByOne>, grid, Tiles<128>::kThreads, smem,
                  params_of(a), where, stream);
  }
}

}  // namespace ch08::known_bad
