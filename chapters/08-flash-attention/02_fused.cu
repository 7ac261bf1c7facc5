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
#include "wb/exercise.h"
WB_EXERCISE_TODO("fused",
                 "Read \"Step 2: fused\" in README.md: write the fused kernel: K and V tiles in "
                 "shared memory, the scores and the online softmax per tile, O in registers");

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
  // TODO(exercise, README "Step 2: fused"): write the kernel body (fp32 scalar maths throughout).
  //   Dynamic shared memory `smem` (floats, fused_smem_floats<kD>() of them), cut in this order:
  //     sQ (kBr, kD) | sK (kBc, kD + 1): one float of padding per row, so lane j reading
  //     sK[j][c] hits bank (j + c) % 32 | sV (kBc, kD) | sP (kBr, kBc + 1): scores, then
  //     probabilities | sAlpha (kBr): this tile's exp(m_old - m_new) per row | sM, sL (kBr each):
  //     the final m_i and l_i per row.
  //   Indices: blk = block_rows(p, blockIdx.x, kBr, kD) (blk.q0, blk.rows, blk.gQ, gK, gV, gO,
  //     gLse: see attention_device.cuh); t = threadIdx.x, warp = t / 32, lane = t % 32.
  //   1. sQ[r][c] = Q row r of the block as fp32 (wb::load_f32), 0 for r >= blk.rows.
  //   2. Each warp keeps the (m_i, l_i) of its rows r = warp + kWarps * k (k < kRowsPerWarp) in
  //      wb::OnlineSoftmax stat[kRowsPerWarp], all wb::online_identity(). Thread t owns O row
  //      orow = t / kColGroup, columns ocol + kColGroup * k with ocol = t % kColGroup:
  //      float acc[kD / kColGroup] = {} (unroll every loop over acc: it must stay in registers).
  //   3. For k0 = 0, kBc, ... < p.Sk (keys = min(kBc, p.Sk - k0)):
  //      __syncthreads(); copy keys k0 .. k0 + kBc - 1 of blk.gK and blk.gV into sK and sV as
  //      fp32, rows >= keys as 0 (64-bit element offsets: (k0 + r) * kD + c); __syncthreads();
  //      scores: for e = t; e < kBr * kBc; e += kThreads: r = e / kBc, j = e % kBc,
  //        s = sum_c sQ[r][c] * sK[j][c]; sP[r][j] = visible(blk.q0 + r, k0 + j, p.Sq, p.Sk,
  //        p.causal) ? s * p.scale : -INFINITY; __syncthreads();
  //      softmax: for each of the warp's rows r, lane j reads s = sP[r][j];
  //        m_new = fmaxf(stat.m, wb::warp_allreduce(s, wb::Max{})), p_j = wb::exp_shifted(s,
  //        m_new); lane 0 writes sAlpha[r] = wb::exp_shifted(stat.m, m_new); stat =
  //        wb::online_merge(stat, {m_new, wb::warp_allreduce(p_j, wb::Sum{})}); sP[r][j] = p_j;
  //        __syncthreads();
  //      O: acc[k] = acc[k] * sAlpha[orow] + sum_j sP[orow][j] * sV[j][ocol + kColGroup * k].
  //   4. Lane 0 of each warp stores its rows' stat.m, stat.l in sM, sL; __syncthreads(); for
  //      orow < blk.rows: O[orow][col] = acc * wb::inverse_or_zero(l) (wb::store_f32) and, by
  //      the thread with ocol == 0, lse = l > 0 ? m + logf(l) : INFINITY.
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
