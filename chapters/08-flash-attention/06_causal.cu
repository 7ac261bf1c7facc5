// Chapter 08, step 6 — causal: skip the key tiles no row of the block sees, mask only the
// tiles that need it.
//
// The idea: with the causal mask, query rows [q0, q0 + Br) see no key past q0 + Br - 1 + (Sk -
// Sq), yet step 5 computes every key tile and masks it element by element, so half the mma and
// exponentials of a square causal problem produce scores that are thrown away. Here a block
// visits only ch08::key_tiles(...) tiles (a block whose rows see nothing visits none and writes
// O = 0, lse = +inf), and only the tiles that straddle the diagonal or Sk
// (ch08::tile_needs_mask) pay for the comparisons; every other tile is just scaled. Without the
// causal mask only the last tile (past Sk) is masked. Blocks now differ in work (the last query
// tile of a square problem does Sq / Br times the first's), so the grid hands out query tiles from
// the last to the first: the heaviest blocks start first and the light ones fill the tail.
//
// Prediction at B4 H16 S4096 d128 fp16, causal: half the tiles (FLOPs counted as half, so the
// TFLOP/s doubles if the time halves): expect ~1.8-1.9x step 5's causal time (the diagonal tiles
// still cost a full tile), i.e. near step 5's non-causal TFLOP/s. Non-causal: within a few per
// cent of step 5 (the mask comparisons leave all but the last tile). Nsight Compute:
// smsp__inst_executed_pipe_tensor_op_hmma halves for causal.
#include "attention.h"
#include "attention_device.cuh"
#include "wb/exercise.h"
WB_EXERCISE_TODO("causal",
                 "Read \"Step 6: causal\" in README.md: step 5 visiting only the key tiles the "
                 "block sees, masking only the tiles that need it, heaviest query tiles first");

namespace ch08 {
namespace {

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD>::kThreads) attention_causal_kernel(const Params<T> p) {
  using Tl = Tiles<kD>;
  using Layout = wb::smem::Swizzled<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 6: causal"): write the kernel body: step 5's, with three
  //   changes.
  //   1. The block's query tile is gridDim.x - 1 - blockIdx.x (the last, heaviest tiles start
  //      first): blk = block_rows(p, q_tile, Tl::Br, kD).
  //   2. tiles = key_tiles(blk.q0, Tl::Br, Tl::Bc, p.Sq, p.Sk, p.causal) instead of all of them;
  //      issue tile 0 only when tiles > 0 (commit and wait anyway). A block with no tile writes
  //      O = 0 and lse = +inf through the same epilogue.
  //   3. Per tile, if tile_needs_mask(blk.q0, k0, Tl::Bc, p.Sq, p.Sk, p.causal) (the same for
  //      the whole block) scale_and_mask every S tile as before; otherwise only multiply every
  //      score by p.scale.
  // WB_EXERCISE_END
}

template <class T, int kD>
void launch_d(const Args<T>& a, cudaStream_t stream) {
  using Tl = Tiles<kD>;
  const int smem = tile_bytes(Tl::Br + 4 * Tl::Bc, kD);
  launch_kernel(attention_causal_kernel<T, kD>, tile_grid(a.Sq, a.H, a.B, Tl::Br), Tl::kThreads,
                smem, params_of(a), where_of<T>("causal"), stream);
}

}  // namespace

template <class T>
void launch_causal(const Args<T>& a, cudaStream_t stream) {
  validate(a, where_of<T>("causal").c_str());
  if (a.d == 64) {
    launch_d<T, 64>(a, stream);
  } else {
    launch_d<T, 128>(a, stream);
  }
}

template void launch_causal<__half>(const Args<__half>&, cudaStream_t);
template void launch_causal<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch08
