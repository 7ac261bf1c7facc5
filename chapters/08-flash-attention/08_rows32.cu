// Chapter 08, step 8 — rows32: 32 query rows per warp, so each K and V fragment feeds two mma.
//
// The idea: in step 7 a warp owns 16 query rows (one m16 row of mma tiles), so every K and V
// fragment it loads with ldmatrix feeds one mma row: per key tile a warp reads the whole (Bc, D)
// K tile and the whole V tile from shared memory (32 KB at d 128) for 128 mma. Give each warp 32
// rows (two m16 rows: Br = 128 with the same 4 warps) and every fragment feeds two mma: 256 mma
// for the same K and V reads. The price is registers: two m16 rows of O accumulators (128 floats
// per lane at d 128) and of S (64) leave no room to keep Q's fragments (another 64), so Q is read
// again from shared memory for every key tile (8 KB per warp): 40 KB for 256 mma, against 32 KB
// for 128. The key tile's copies, its barriers and its loop overhead are shared by 128 query rows
// instead of 64. This is FlashAttention-2's own tiling (128-row blocks of 4 warps at d 128).
//
// Prediction at B4 H16 S4096 d128 fp16 (README "Step 8: rows32"): per mma, the ldmatrix and the
// copy and loop instructions halve while the softmax's per-score instructions stay; expect
// smsp__inst_executed.sum down 15-25% and 1.1-1.3x step 7, at the same 8 warps per SM (2 blocks
// of 4 warps: 98,304 bytes of shared memory per block at d 128, and about 255 registers).
// Nsight Compute: the ldmatrix wavefronts (sm__sass_l1tex_data_pipe_lsu_wavefronts_mem_shared_
// op_ldsm.sum) down ~35% (K and V halved, Q's reads added); tensor pipe active up.
#include "attention.h"
#include "attention_device.cuh"
#include "wb/exercise.h"
WB_EXERCISE_TODO(
    "rows32",
    "Read \"Step 8: rows32\" in README.md: step 7's loop with two m16 rows of query rows per "
    "warp, so each K and V fragment from ldmatrix feeds two mma; Q's fragments read from shared "
    "memory for each key tile");

namespace ch08 {
namespace {

constexpr float kLog2e = 1.4426950408889634f;  // log2(e)
constexpr float kLn2 = 0.6931471805599453f;    // ln(2)

// Step 7's base-2 online-softmax update (online_softmax_tile_exp2), for one m16 row of the warp
// (its rows g and g + 8): stat[h].m is the row's running maximum times scale_log2, stat[h].l sums
// exp2(s * scale_log2 - m). O's accumulators of that m16 row are rescaled only when one of the
// warp's rows in it moved (a warp vote).
// WB_EXERCISE_BEGIN
// TODO(exercise, README "Step 8: rows32"): your step 7 online_softmax_tile_exp2 (07_exp2.cu),
//   unchanged but for its name, with this signature:
//     template <int kSTiles, int kOTiles>
//     __device__ __forceinline__ void online_softmax_row_exp2(float (&rS)[kSTiles][4],
//         float (&rO)[kOTiles][4], wb::OnlineSoftmax (&stat)[2], float scale_log2)
//   The kernel below calls it once per m16 row m with that row's rS[m], rO[m] and stat[m].
// WB_EXERCISE_END

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD, 2>::kThreads)
    attention_rows32_kernel(const Params<T> p) {
  using Tl = Tiles<kD, 2>;  // two m16 rows per warp: Br = 128
  using Layout = wb::smem::Swizzled<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  std::uint16_t* sQ = smem16;                          // (Br, D)
  std::uint16_t* sK = sQ + Layout::elems(Tl::Br);      // (2, Bc, D): buffer j % 2 holds tile j
  std::uint16_t* sV = sK + 2 * Layout::elems(Tl::Bc);  // (2, Bc, D)
  const int q_tile = gridDim.x - 1 - blockIdx.x;       // the heaviest (last) query tiles first
  const BlockRows<T> blk = block_rows(p, q_tile, Tl::Br, kD);
  const int lane = threadIdx.x % 32;
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
  wb::async::commit();  // group: Q and tile 0 (the loop's first wait<1> waits for it)
  const wb::mma::Coord r = wb::mma::ldmatrix_row(lane);  // the 16 x 16 tile row this lane gives
  const float scale_log2 = p.scale * kLog2e;
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 8: rows32"): write the rest of the kernel: step 7's loop and
  //   epilogue with the warp's 32 rows as kM = 2 m16 rows: constexpr int kM = Tl::kM; const int
  //   wq = 16 * kM * (threadIdx.x / 32) (the warp's first row in the block); row m starts at
  //   wq + 16 m.
  //   - State: float rO[kM][Tl::kOTiles][4] = {}; wb::OnlineSoftmax stat[kM][2], each
  //     wb::online_identity().
  //   - Per key tile j: step 7's issue / commit / wait<1> / __syncthreads (the first wait<1>
  //     also lands Q, which shares tile 0's group), then float rS[kM][Tl::kSTiles][4] = {}.
  //     For each k16 step ks over d: load both rows' Q fragments from sQ (ldmatrix_x4 at
  //     Layout::offset(wq + 16 m + r.row, 16 ks + r.col); Q is not kept in registers: there is
  //     no room beside two rows of O and S), then for each pair n2 of S tiles one ldmatrix_x4 of
  //     K, as step 7, used by the mma of both rows m.
  //   - Per row m: step 7's mask (scale_and_mask with scale 1.0f, query row blk.q0 + wq + 16 m)
  //     on tiles that need it, online_softmax_row_exp2(rS[m], rO[m], stat[m], scale_log2) and
  //     p_fragments<T>(rP[m], rS[m]) into std::uint32_t rP[kM][Tl::kPSteps][4].
  //   - P V: for each kk and pair n2, one ldmatrix_x4_trans of V, as step 7, used by the two mma
  //     of both rows m. Then the __syncthreads that frees buffer j % 2.
  //   - After the loop, store_rows<T, kD> per row m: O at row wq + 16 m, lse there, rows left
  //     blk.rows - (wq + 16 m).
  // WB_EXERCISE_END
  wb::async::wait<0>();  // nothing left in flight at exit (Q's group, when the block saw no key)
}

template <class T, int kD>
void launch_d(const Args<T>& a, cudaStream_t stream) {
  using Tl = Tiles<kD, 2>;
  const int smem = tile_bytes(Tl::Br + 4 * Tl::Bc, kD);
  launch_kernel(attention_rows32_kernel<T, kD>, tile_grid(a.Sq, a.H, a.B, Tl::Br), Tl::kThreads,
                smem, params_of(a), where_of<T>("rows32"), stream);
}

}  // namespace

template <class T>
void launch_rows32(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("rows32").c_str());
  if (a.d == 64) {
    launch_d<T, 64>(a, stream);
  } else {
    launch_d<T, 128>(a, stream);
  }
}

template void launch_rows32<__half>(const Args<__half>&, cudaStream_t);
template void launch_rows32<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
