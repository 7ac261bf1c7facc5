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
#include "wb/exercise.h"
WB_EXERCISE_TODO("swizzle",
                 "Read \"Step 4: swizzle\" in README.md: step 3 with Layout = Swizzled and every "
                 "fragment loaded by ldmatrix");

namespace ch08 {
namespace {

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD>::kThreads) attention_swizzle_kernel(const Params<T> p) {
  using Tl = Tiles<kD>;
  using Layout = wb::smem::Swizzled<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 4: swizzle"): write the kernel body: step 3's, with Layout now
  //   wb::smem::Swizzled<kD> (the same sQ, sK, sV in smem16, the same copies: copy_rows places
  //   each 16-byte chunk with Layout::offset) and every fragment loaded by ldmatrix, from
  //   r = wb::mma::ldmatrix_row(lane), the row of a 16 x 16 tile this lane addresses:
  //   - Q: wb::mma::ldmatrix_x4(rQ[ks], sQ + Layout::offset(wq + r.row, 16 * ks + r.col)).
  //   - K: for each ks and n2 < Tl::kSTiles / 2: ldmatrix_x4 (no .trans) of the 16 keys x 16 d at
  //     sK + Layout::offset(16 * n2 + r.row, 16 * ks + r.col) into std::uint32_t b[4]; S tile
  //     2 n2 + h (h = 0, 1) takes b[k_ldmatrix_reg(h, 0)], b[k_ldmatrix_reg(h, 1)].
  //   - V: for each kk and n2 < Tl::kOTiles / 2: ldmatrix_x4_trans at
  //     sV + Layout::offset(16 * kk + r.row, 16 * n2 + r.col); O tile 2 n2 takes b[0], b[1],
  //     tile 2 n2 + 1 takes b[2], b[3] (as chapter 06's B).
  //   Never compute an offset by hand: the swizzle permutes 16-byte chunks and Layout::offset is
  //   the function the CPU tests check. Barriers, masking, softmax and epilogue as in step 3.
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
