// Chapter 08, step 4 — swizzle: fragments by ldmatrix from XOR-swizzled tiles.
//
// The idea: chapter 06's steps 4 and 5 in one, because either alone leaves the loads as slow as
// before here. Step 3 reads every 16-bit element of a fragment with its own shared load, and its
// tiles' rows are 128 (d 64) or 256 (d 128) bytes long, so the 8 rows an 8 x 8 fragment spans
// all start in the same 16-byte slot of a bank line: 8-way conflicts. ldmatrix .x4 loads four
// 8 x 8 matrices (a whole 16 x 16 A fragment, or the B fragments of two n8 tiles) in one
// instruction, 16 bytes per row, and wb::smem::Swizzled stores logical chunk c of row r at
// c ^ (r % 8), so those 8 rows fall in 8 different slots. Q's A fragments: ldmatrix .x4; K's B
// fragments: ldmatrix .x4 without .trans (K (key, d) row-major is already B column-major:
// ch08::k_ldmatrix_reg says which register is which); V's: ldmatrix .x4.trans, as chapter 06's B.
// On a plain layout ldmatrix would conflict 8-way (chapter 06's step 4 measured it), so the
// lesson teaches both as one step here, referring to chapter 06 for each alone.
//
// Prediction at B4 H16 S4096 d128 fp16: shared-memory instructions per mma fall from ~8 2-byte
// loads (8-way conflicted) to half an ldmatrix, conflict-free. The loop becomes bound by the
// tensor pipe, the softmax between the two products, and the synchronous tile copies (2 blocks
// of 4 warps per SM by registers: little to hide their latency; chapter 06's swizzle step, with
// 8x less work per copy, measured 105 TFLOP/s at 4096^3). Expect 120-200 TFLOP/s, 2-4x step 3.
// Nsight Compute: ldsm bank conflicts 0, shared-load wavefronts down ~10x, long-scoreboard and
// barrier stalls the largest.
#include "attention.h"
#include "attention_device.cuh"

namespace ch08 {
namespace {

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD>::kThreads) attention_swizzle_kernel(const Params<T> p) {
  using Tl = Tiles<kD>;
  using Layout = wb::smem::Swizzled<kD>;
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
  const wb::mma::Coord r = wb::mma::ldmatrix_row(lane);  // the 16 x 16 tile row this lane gives
  std::uint32_t rQ[Tl::kDSteps][4];  // A fragments of the warp's 16 rows, k16 step ks over d
#pragma unroll
  for (int ks = 0; ks < Tl::kDSteps; ++ks)
    wb::mma::ldmatrix_x4(rQ[ks], sQ + Layout::offset(wq + r.row, 16 * ks + r.col));
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
      for (int n2 = 0; n2 < Tl::kSTiles / 2; ++n2) {
        std::uint32_t b[4];  // K (keys 16 n2 .., d 16 ks ..): B fragments of S tiles 2 n2, 2 n2 + 1
        wb::mma::ldmatrix_x4(b, sK + Layout::offset(16 * n2 + r.row, 16 * ks + r.col));
#pragma unroll
        for (int h = 0; h < 2; ++h)
          wb::mma::mma_m16n8k16<T>(rS[2 * n2 + h], rQ[ks], b[k_ldmatrix_reg(h, 0)],
                                   b[k_ldmatrix_reg(h, 1)]);
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
      for (int n2 = 0; n2 < Tl::kOTiles / 2; ++n2) {
        std::uint32_t b[4];  // V (keys 16 kk .., d 16 n2 ..) transposed: O tiles 2 n2, 2 n2 + 1
        wb::mma::ldmatrix_x4_trans(b, sV + Layout::offset(16 * kk + r.row, 16 * n2 + r.col));
        wb::mma::mma_m16n8k16<T>(rO[2 * n2], rP[kk], b[0], b[1]);
        wb::mma::mma_m16n8k16<T>(rO[2 * n2 + 1], rP[kk], b[2], b[3]);
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
  launch_kernel(attention_swizzle_kernel<T, kD>, tile_grid(a.Sq, a.H, a.B, Tl::Br), Tl::kThreads,
                smem, params_of(a), where_of<T>("swizzle"), stream);
}

}  // namespace

template <class T>
void launch_swizzle(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("swizzle").c_str());
  if (a.d == 64) {
    launch_d<T, 64>(a, stream);
  } else {
    launch_d<T, 128>(a, stream);
  }
}

template void launch_swizzle<__half>(const Args<__half>&, cudaStream_t);
template void launch_swizzle<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
