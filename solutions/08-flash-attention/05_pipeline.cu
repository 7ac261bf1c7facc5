// Chapter 08, step 5 — pipeline: K and V tiles copied with cp.async into two buffers.
//
// The idea (chapter 07): in step 4 every key tile starts with a copy that the whole block waits
// for: each thread's 16-byte loads travel through its registers into shared memory, and between
// the barriers the tensor cores idle. Here the copies are cp.async (wb::async::copy16_zfill: global
// to shared directly, zero-filled past Sk), and there are two buffers for K and V: while the warps
// compute tile j from one, the copies of tile j + 1 fill the other. Every iteration commits one
// group (empty on the last tile, so the count stays uniform) and waits with wait_group 1: all but
// the newest group have landed, i.e. tile j is in. A barrier after the wait makes every thread's
// copies visible; one after the compute keeps iteration j + 1 from overwriting the buffer others
// still read. Q comes in the first group with tile 0.
//
// Prediction at B4 H16 S4096 d128 fp16: shared memory grows from 48 to 80 KB per block (2 blocks,
// 8 warps per SM, instead of 4 blocks by shared memory but 2 by registers), and the ~1 us of
// L2 latency per tile is hidden behind the previous tile's ~2 x 64 x 64 x 128 x 2 FLOP per warp.
// Expect 1.2-1.5x step 4 (150-260 TFLOP/s). Nsight Compute: the barrier and long-scoreboard stalls
// per issued instruction fall; LDGSTS instructions replace LDG + STS.
#include "attention.h"
#include "attention_device.cuh"

namespace ch08 {
namespace {

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD>::kThreads)
    attention_pipeline_kernel(const Params<T> p) {
  using Tl = Tiles<kD>;
  using Layout = wb::smem::Swizzled<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  // WB_EXERCISE_BEGIN
  std::uint16_t* sQ = smem16;                          // (Br, D)
  std::uint16_t* sK = sQ + Layout::elems(Tl::Br);      // (2, Bc, D): buffer j % 2 holds tile j
  std::uint16_t* sV = sK + 2 * Layout::elems(Tl::Bc);  // (2, Bc, D)
  const BlockRows<T> blk = block_rows(p, blockIdx.x, Tl::Br, kD);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int wq = 16 * warp;  // the warp's first row in the block
  const int tiles = (p.Sk + Tl::Bc - 1) / Tl::Bc;
  // Issues the copies of key tile j into buffer j % 2 (the caller commits).
  auto issue = [&](int j) {
    const int k0 = j * Tl::Bc, keys = min(Tl::Bc, p.Sk - k0), buf = j % 2;
    copy_rows_async<Layout, Tl::Bc, kD, Tl::kThreads>(
        sK + buf * Layout::elems(Tl::Bc), blk.gK + static_cast<std::int64_t>(k0) * kD, keys);
    copy_rows_async<Layout, Tl::Bc, kD, Tl::kThreads>(
        sV + buf * Layout::elems(Tl::Bc), blk.gV + static_cast<std::int64_t>(k0) * kD, keys);
  };
  copy_rows_async<Layout, Tl::Br, kD, Tl::kThreads>(sQ, blk.gQ, blk.rows);
  issue(0);
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
        wb::mma::ldmatrix_x4_trans(b, sVj + Layout::offset(16 * kk + r.row, 16 * n2 + r.col));
        wb::mma::mma_m16n8k16<T>(rO[2 * n2], rP[kk], b[0], b[1]);
        wb::mma::mma_m16n8k16<T>(rO[2 * n2 + 1], rP[kk], b[2], b[3]);
      }
    }
    __syncthreads();  // every warp is done with buffer j % 2 before tile j + 2 is issued into it
  }
  store_rows<T, kD>(rO, stat, 1.0f, blk.gO + static_cast<std::int64_t>(wq) * kD, blk.gLse + wq,
                    blk.rows - wq, lane);
  // WB_EXERCISE_END
}

template <class T, int kD>
void launch_d(const Args<T>& a, cudaStream_t stream) {
  using Tl = Tiles<kD>;
  const int smem = tile_bytes(Tl::Br + 4 * Tl::Bc, kD);
  launch_kernel(attention_pipeline_kernel<T, kD>, tile_grid(a.Sq, a.H, a.B, Tl::Br), Tl::kThreads,
                smem, params_of(a), where_of<T>("pipeline"), stream);
}

}  // namespace

template <class T>
void launch_pipeline(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("pipeline").c_str());
  if (a.d == 64) {
    launch_d<T, 64>(a, stream);
  } else {
    launch_d<T, 128>(a, stream);
  }
}

template void launch_pipeline<__half>(const Args<__half>&, cudaStream_t);
template void launch_pipeline<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
