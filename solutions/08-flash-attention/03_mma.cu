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

namespace ch08 {
namespace {

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD>::kThreads) attention_mma_kernel(const Params<T> p) {
  using Tl = Tiles<kD>;
  using Layout = wb::smem::Plain<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  // WB_EXERCISE_BEGIN
  std::uint16_t* sQ = smem16;                      // (Br, D)
  std::uint16_t* sK = sQ + Layout::elems(Tl::Br);  // (Bc, D)
  std::uint16_t* sV = sK + Layout::elems(Tl::Bc);  // (Bc, D)
  const BlockRows<T> blk = block_rows(p, blockIdx.x, Tl::Br, kD);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int wq = 16 * warp;  // the warp's first row in the block
  copy_rows<Layout, Tl::Br, kD, Tl::kThreads>(sQ, blk.gQ, blk.rows);
  __syncthreads();
  std::uint32_t rQ[Tl::kDSteps][4];  // A fragments of the warp's 16 rows, k16 step ks over d
#pragma unroll
  for (int ks = 0; ks < Tl::kDSteps; ++ks) {
#pragma unroll
    for (int r = 0; r < 4; ++r) {
      const wb::mma::Coord a = wb::mma::a_frag(lane, 2 * r);  // and its neighbour at a.col + 1
      const std::uint16_t* q = sQ + Layout::offset(wq + a.row, 16 * ks + a.col);
      rQ[ks][r] = wb::mma::pack2(q[0], q[1]);
    }
  }
  float rO[Tl::kOTiles][4] = {};  // O accumulators: (16 rows, D) as kOTiles m16n8 tiles
  wb::OnlineSoftmax stat[2] = {wb::online_identity(), wb::online_identity()};  // rows g, g + 8
  for (int k0 = 0; k0 < p.Sk; k0 += Tl::Bc) {
    const int keys = min(Tl::Bc, p.Sk - k0);
    __syncthreads();  // every warp is done with the previous K and V tiles
    copy_kv_rows<Layout, Tl::Bc, kD, Tl::kThreads>(sK, sV, blk.gK + std::int64_t{k0} * kD,
                                                   blk.gV + std::int64_t{k0} * kD, keys);
    __syncthreads();
    float rS[Tl::kSTiles][4] = {};  // S = Q K^T: (16 rows, Bc keys) as kSTiles m16n8 tiles
#pragma unroll
    for (int ks = 0; ks < Tl::kDSteps; ++ks) {
#pragma unroll
      for (int n = 0; n < Tl::kSTiles; ++n) {
        std::uint32_t b[2];  // B (d 16 ks .., key 8 n ..) = K[key][d]: b_frag (k = d, n = key)
#pragma unroll
        for (int r = 0; r < 2; ++r) {
          const wb::mma::Coord c = wb::mma::b_frag(lane, 2 * r);  // neighbour at c.row + 1
          const std::uint16_t* k = sK + Layout::offset(8 * n + c.col, 16 * ks + c.row);
          b[r] = wb::mma::pack2(k[0], k[1]);
        }
        wb::mma::mma_m16n8k16<T>(rS[n], rQ[ks], b[0], b[1]);
      }
    }
#pragma unroll
    for (int n = 0; n < Tl::kSTiles; ++n)
      scale_and_mask(rS[n], p.scale, blk.q0 + wq, k0 + 8 * n, p.Sq, p.Sk, p.causal, lane);
    online_softmax_tile(rS, rO, stat);
    std::uint32_t rP[Tl::kPSteps][4];  // P as A fragments, k16 step kk over the tile's keys
    p_fragments<T>(rP, rS);
#pragma unroll
    for (int kk = 0; kk < Tl::kPSteps; ++kk) {
#pragma unroll
      for (int n = 0; n < Tl::kOTiles; ++n) {
        std::uint32_t b[2];  // B (key 16 kk .., d 8 n ..) = V[key][d]: two rows per register
#pragma unroll
        for (int r = 0; r < 2; ++r) {
          const wb::mma::Coord c0 = wb::mma::b_frag(lane, 2 * r),
                               c1 = wb::mma::b_frag(lane, 2 * r + 1);
          b[r] = wb::mma::pack2(sV[Layout::offset(16 * kk + c0.row, 8 * n + c0.col)],
                                sV[Layout::offset(16 * kk + c1.row, 8 * n + c1.col)]);
        }
        wb::mma::mma_m16n8k16<T>(rO[n], rP[kk], b[0], b[1]);
      }
    }
  }
  store_rows<T, kD>(rO, stat, 1.0f, blk.gO + static_cast<std::int64_t>(wq) * kD, blk.gLse + wq,
                    blk.rows - wq, lane);
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
