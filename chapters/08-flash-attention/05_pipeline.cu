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
#include "wb/exercise.h"
WB_EXERCISE_TODO("pipeline",
                 "Read \"Step 5: pipeline\" in README.md: step 4 with K and V tiles copied by "
                 "cp.async into two buffers, tile j + 1 in flight while tile j is computed");

namespace ch08 {
namespace {

template <class T, int kD>
__global__ void __launch_bounds__(Tiles<kD>::kThreads)
    attention_pipeline_kernel(const Params<T> p) {
  using Tl = Tiles<kD>;
  using Layout = wb::smem::Swizzled<kD>;
  extern __shared__ __align__(128) std::uint16_t smem16[];
  // WB_EXERCISE_BEGIN
  // TODO(exercise, README "Step 5: pipeline"): write the kernel body: step 4's, with two
  //   buffers of K and V and cp.async copies. smem16: sQ (Br, D), then sK as 2 buffers of
  //   (Bc, D) (buffer b at sK + b * Layout::elems(Tl::Bc)), then sV likewise (smem is
  //   tile_bytes(Br + 4 Bc, kD), set by the launcher).
  //   1. tiles = ceil(p.Sk / Bc). A helper (a lambda is fine) issues tile j: copy_rows_async of
  //      keys j * Bc .. of blk.gK and blk.gV (min(Bc, Sk - j Bc) valid rows) into buffer j % 2.
  //      As in step 3, the key offset is 64-bit: blk.gK + std::int64_t(j) * Bc * kD (j * Bc * kD
  //      in int overflows once Sk * d passes 2^31, e.g. Sk = 2^24 at d 128).
  //   2. copy_rows_async of Q into sQ, issue tile 0, wb::async::commit() (one group),
  //      wb::async::wait<0>(), __syncthreads(); Q's fragments by ldmatrix as in step 4.
  //   3. For j = 0 .. tiles - 1: if j + 1 < tiles issue tile j + 1; wb::async::commit() every
  //      iteration (an empty group on the last keeps the count uniform); wb::async::wait<1>()
  //      (all groups but the newest have landed: tile j is in); __syncthreads() (every thread's
  //      copies visible); compute tile j from buffer j % 2 exactly as step 4 does (k0 = j * Bc);
  //      __syncthreads() at the end (nobody still reads buffer j % 2 when iteration j + 1 issues
  //      tile j + 2 into it).
  //   4. The epilogue of step 4.
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
