// Chapter 08, step 2 — fused: one kernel, the scores never leave the chip (FlashAttention-1).
//
// The idea: a block owns Br = 32 query rows and walks the keys in tiles of Bc = 32. Per tile it
// copies K and V into shared memory (as fp32), forms the Br x Bc scores there, and folds them
// into each row's running (m_i, l_i) with chapter 05's online softmax (wb::online_merge): the old
// O accumulator is rescaled by exp(m_old - m_new) and P V of the tile added. S and P exist only
// tile by tile in shared memory; global memory sees Q, K, V once per block and O, lse once. All
// maths is fp32 on the CUDA cores, one scalar FMA at a time.
//
// Threads: 256 (8 warps). Scores: thread t forms 4 of the 32 x 32, a warp one row of 32 keys
// (sK rows padded by one float: lane j reads sK[j][c] in bank (j + c) % 32, conflict-free). The
// softmax: warp w owns rows w, w + 8, w + 16, w + 24, lane j key j; max and sum by
// wb::warp_allreduce. P V: thread t owns row t / 8 and columns t % 8 + 8 k.
//
// Prediction at B4 H16 S4096 d128 fp16 (0.55 TFLOP): the traffic falls from ~30 GB to ~0.3 GB of
// Q and O plus K and V read once per block of 32 rows (4096 / 32 = 128 times: 17 GB, mostly from
// L2), so memory stops being the limit; the FMAs are. Each score costs d FMAs and 2 shared loads
// per FMA (q broadcast, k), each output d/8 FMAs per key with 2 loads: shared-memory bandwidth
// bounds it near 1 FMA per 2 shared loads, ~16-25 TFLOP/s of the H100's ~60 fp32 TFLOP/s.
// Expect 2-4x the naive step. Nsight Compute: dram__bytes_read.sum falls ~100x; the shared
// pipe (l1tex__data_pipe_lsu_wavefronts_mem_shared) is the busiest unit.
#include "attention.h"
#include "attention_device.cuh"

#include "wb/device/vec.cuh"

namespace ch08 {
namespace {

constexpr int kBr = 32;        // query rows per block
constexpr int kBc = 32;        // keys per tile: one per lane
constexpr int kThreads = 256;  // 8 warps
constexpr int kWarps = kThreads / 32;
constexpr int kRowsPerWarp = kBr / kWarps;  // softmax rows per warp: 4
constexpr int kColGroup = kThreads / kBr;   // threads per row of O: 8

template <int kD>
constexpr int fused_smem_floats() {
  return kBr * kD + kBc * (kD + 1) + kBc * kD + kBr * (kBc + 1) + kBr + 2 * kBr;
}

template <class T, int kD>
__global__ void __launch_bounds__(kThreads) attention_fused_kernel(const Params<T> p) {
  extern __shared__ float smem[];
  // WB_EXERCISE_BEGIN
  float* sQ = smem;                      // (Br, D)
  float* sK = sQ + kBr * kD;             // (Bc, D + 1): padded, see the file comment
  float* sV = sK + kBc * (kD + 1);       // (Bc, D)
  float* sP = sV + kBc * kD;             // (Br, Bc + 1): scores, then probabilities
  float* sAlpha = sP + kBr * (kBc + 1);  // (Br): exp(m_old - m_new) of the current tile
  float* sM = sAlpha + kBr;              // (Br): final m_i
  float* sL = sM + kBr;                  // (Br): final l_i
  const BlockRows<T> blk = block_rows(p, blockIdx.x, kBr, kD);
  const int t = threadIdx.x, warp = t / 32, lane = t % 32;
  for (int e = t; e < kBr * kD; e += kThreads) {
    const int r = e / kD, c = e % kD;
    sQ[e] = r < blk.rows ? wb::load_f32(blk.gQ + static_cast<std::int64_t>(r) * kD + c) : 0.0f;
  }
  wb::OnlineSoftmax stat[kRowsPerWarp];  // (m_i, l_i) of rows warp + kWarps * k, warp-uniform
#pragma unroll
  for (int k = 0; k < kRowsPerWarp; ++k)
    stat[k] = wb::online_identity();
  const int orow = t / kColGroup, ocol = t % kColGroup;  // P V: row, first column
  float acc[kD / kColGroup] = {};                        // O[orow][ocol + 8 k]
  for (int k0 = 0; k0 < p.Sk; k0 += kBc) {
    const int keys = min(kBc, p.Sk - k0);
    __syncthreads();  // the previous tile's sK, sV, sP are no longer read
    for (int e = t; e < kBc * kD; e += kThreads) {
      const int r = e / kD, c = e % kD;
      const std::int64_t g = static_cast<std::int64_t>(k0 + r) * kD + c;
      sK[r * (kD + 1) + c] = r < keys ? wb::load_f32(blk.gK + g) : 0.0f;
      sV[r * kD + c] = r < keys ? wb::load_f32(blk.gV + g) : 0.0f;
    }
    __syncthreads();
    for (int e = t; e < kBr * kBc; e += kThreads) {  // scores: a warp does one row
      const int r = e / kBc, j = e % kBc;
      float s = 0.0f;
      for (int c = 0; c < kD; ++c)
        s += sQ[r * kD + c] * sK[j * (kD + 1) + c];
      const bool vis = visible(blk.q0 + r, k0 + j, p.Sq, p.Sk, p.causal);
      sP[r * (kBc + 1) + j] = vis ? s * p.scale : -INFINITY;
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < kRowsPerWarp; ++k) {  // online softmax: lane j holds key j of row r
      const int r = warp + kWarps * k;
      const float s = sP[r * (kBc + 1) + lane];
      const float m_new = fmaxf(stat[k].m, wb::warp_allreduce(s, wb::Max{}));
      const float pj = wb::exp_shifted(s, m_new);
      if (lane == 0) sAlpha[r] = wb::exp_shifted(stat[k].m, m_new);
      stat[k] = wb::online_merge(stat[k], {m_new, wb::warp_allreduce(pj, wb::Sum{})});
      sP[r * (kBc + 1) + lane] = pj;
    }
    __syncthreads();
    const float alpha = sAlpha[orow];
#pragma unroll  // acc stays in registers only if every index is a constant
    for (int k = 0; k < kD / kColGroup; ++k) {
      float o = acc[k] * alpha;
      for (int j = 0; j < kBc; ++j)
        o += sP[orow * (kBc + 1) + j] * sV[j * kD + ocol + kColGroup * k];
      acc[k] = o;
    }
  }
#pragma unroll
  for (int k = 0; k < kRowsPerWarp; ++k) {
    if (lane == 0) {
      sM[warp + kWarps * k] = stat[k].m;
      sL[warp + kWarps * k] = stat[k].l;
    }
  }
  __syncthreads();
  if (orow < blk.rows) {
    const float l = sL[orow], inv = wb::inverse_or_zero(l);
#pragma unroll
    for (int k = 0; k < kD / kColGroup; ++k)
      wb::store_f32(blk.gO + static_cast<std::int64_t>(orow) * kD + ocol + kColGroup * k,
                    acc[k] * inv);
    if (ocol == 0) blk.gLse[orow] = l > 0.0f ? sM[orow] + logf(l) : INFINITY;
  }
  // WB_EXERCISE_END
}

template <class T, int kD>
void launch_d(const Args<T>& a, cudaStream_t stream) {
  const int smem = fused_smem_floats<kD>() * static_cast<int>(sizeof(float));
  launch_kernel(attention_fused_kernel<T, kD>, tile_grid(a.Sq, a.H, a.B, kBr), kThreads, smem,
                params_of(a), where_of<T>("fused"), stream);
}

}  // namespace

template <class T>
void launch_fused(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("fused").c_str());
  if (a.d == 64) {
    launch_d<T, 64>(a, stream);
  } else {
    launch_d<T, 128>(a, stream);
  }
}

template void launch_fused<__half>(const Args<__half>&, cudaStream_t);
template void launch_fused<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
