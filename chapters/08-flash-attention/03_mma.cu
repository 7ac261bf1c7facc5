// Chapter 08, step 3 — mma: both products on the tensor cores, S and P in registers
// (FlashAttention-2).
//
// The idea: give each of the block's 4 warps 16 query rows (one m16 row of mma tiles) and keep
// everything a warp owns in registers: its Q rows as A fragments (loaded once), the 16 x Bc tile
// of S as kSTiles m16n8 accumulator tiles, and O as kOTiles accumulator tiles. S = Q K^T is
// kDSteps x kSTiles mma.sync.m16n8k16 with K's fragments from shared memory (K stored (key, d) is
// the column-major B that `.col` wants); the online softmax works on the accumulators where they
// are (a row lives in the 4 lanes of a quad: two shuffles per reduction); then the accumulator
// layout of S *is* the A layout of P (ch08::p_source), so P V is kPSteps x kOTiles more mma with
// V's fragments from shared memory, no shuffle and no shared memory for P. Only K and V tiles go
// through shared memory; the block walks Sk in tiles of Bc = 64 keys. Fragments are read
// element by element from plain row-major tiles (wb::mma::a_frag, b_frag), as in chapter 06's
// step 3: the next step brings ldmatrix.
//
// Prediction at B4 H16 S4096 d128 fp16: 0.55 TFLOP on the tensor cores instead of the CUDA cores.
// The element-wise fragment loads are the limit now: per k16 step of Q K^T a warp reads K's two
// 16-bit B elements per register with 2-byte loads (4 loads per mma for K, 4 more for V), and
// rows 256 bytes apart put all 8 rows of a fragment in one bank group (8-way conflicts).
// Chapter 06's step 3 measured 34.7 TFLOP/s with the same loads; expect 40-80 TFLOP/s (the Q
// fragments are loaded once, not per tile), 3-5x step 2. Nsight Compute: tensor pipe active,
// l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld in the billions.
#include "attention.h"
#include "attention_device.cuh"
#include "wb/exercise.h"
WB_EXERCISE_TODO("mma",
                 "Read \"Step 3: mma\" in README.md: write the tensor-core kernel: Q fragments "
                 "once, S and O in registers, P from S, fragments read element by element");

namespace ch08 {
namespace {

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD>::kThreads) attention_mma_kernel(const Params<T> p) {
  using Tl = Tiles<kD>;
  using Layout = wb::smem::Plain<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 3: mma"): write the kernel body. Tl = Tiles<kD> (Br 64 query
  //   rows, Bc 64 keys, 4 warps of 16 rows, kDSteps, kSTiles, kPSteps, kOTiles), plain layout.
  //   Dynamic shared memory smem16 (16-bit elements as raw bits): sQ (Br, D), then sK (Bc, D),
  //   then sV (Bc, D), each Layout::elems(rows) long. blk = block_rows(p, blockIdx.x, Tl::Br, kD);
  //   warp, lane; wq = 16 * warp (the warp's first row in the block).
  //   1. copy_rows<Layout, Tl::Br, kD, Tl::kThreads>(sQ, blk.gQ, blk.rows); __syncthreads().
  //   2. Q's A fragments, once: std::uint32_t rQ[Tl::kDSteps][4]; register r of step ks packs
  //      (wb::mma::pack2) the two neighbours at a = wb::mma::a_frag(lane, 2 * r):
  //      sQ[Layout::offset(wq + a.row, 16 * ks + a.col)] and the next element (a register
  //      holds two 16-bit values: columns a.col and a.col + 1, adjacent in the row, so adjacent
  //      in shared memory too).
  //   3. float rO[Tl::kOTiles][4] = {}; wb::OnlineSoftmax stat[2] (rows g and g + 8), identity.
  //   4. For k0 = 0, Bc, ... < p.Sk (keys = min(Tl::Bc, p.Sk - k0)): __syncthreads();
  //      copy_kv_rows<Layout, Tl::Bc, kD, Tl::kThreads>(sK, sV, blk.gK + k0 * kD,
  //      blk.gV + k0 * kD, keys) (64-bit offsets; rows past `keys` become 0); __syncthreads();
  //      S: float rS[Tl::kSTiles][4] = {}; for each ks and n: B register r packs
  //        sK[Layout::offset(8 n + c.col, 16 ks + c.row)] and the next element, c =
  //        wb::mma::b_frag(lane, 2 r) (K (key, d) is B (d, key) column-major);
  //        wb::mma::mma_m16n8k16<T>(rS[n], rQ[ks], b0, b1);
  //      scale_and_mask(rS[n], p.scale, blk.q0 + wq, k0 + 8 n, p.Sq, p.Sk, p.causal, lane) for
  //        each n; online_softmax_tile(rS, rO, stat); p_fragments<T>(rP, rS) into
  //        std::uint32_t rP[Tl::kPSteps][4];
  //      O: for each kk and n: B register r packs the V elements at c0 = b_frag(lane, 2 r) and
  //        c1 = b_frag(lane, 2 r + 1): sV[Layout::offset(16 kk + c.row, 8 n + c.col)] (two rows:
  //        two loads); mma_m16n8k16<T>(rO[n], rP[kk], b0, b1).
  //   5. store_rows<T, kD>(rO, stat, 1.0f, blk.gO + wq * kD (64-bit), blk.gLse + wq,
  //      blk.rows - wq, lane).
  // WB_EXERCISE_END
}

template <class T, int kD>
void launch_d(const Args<T>& a, cudaStream_t stream) {
  using Tl = Tiles<kD>;
  const int smem = tile_bytes(Tl::Br + 2 * Tl::Bc, kD);
  launch_kernel(attention_mma_kernel<T, kD>, tile_grid(a.Sq, a.H, a.B, Tl::Br), Tl::kThreads, smem,
                params_of(a), where_of<T>("mma"), stream);
}

}  // namespace

template <class T>
void launch_mma(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("mma").c_str());
  if (a.d == 64) {
    launch_d<T, 64>(a, stream);
  } else {
    launch_d<T, 128>(a, stream);
  }
}

template void launch_mma<__half>(const Args<__half>&, cudaStream_t);
template void launch_mma<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
