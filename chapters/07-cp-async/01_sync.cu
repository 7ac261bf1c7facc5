// Chapter 07, step 1 — sync: chapter 06's final kernel, the starting point.
//
// Not a copy: this step calls chapter 06's launcher (ch06::launch_warptile, linked from chapter
// 06's library), so the ladder starts from exactly the kernel chapter 06 ended with. Its k-loop
// is synchronous: every thread loads its share of the A and B tiles from global memory into
// registers, stores them to shared memory, and the block waits at a barrier before any warp can
// multiply; after the multiply a second barrier keeps the next copy from overwriting a tile still
// being read. While a block copies, its tensor cores idle; while it multiplies, its loads idle.
// Only other blocks on the same SM (two, at 128 threads and 255 registers per thread) fill the
// gaps. Nsight Compute shows it as stall_long_scoreboard (waiting for the global loads) and
// stall_barrier.
//
// Measured in chapter 06's ladder (bench/results/h100/chapter-06.ladder.txt, commit 146c357):
// 239.6 TFLOP/s at 4096^3 fp16, 0.30x cuBLAS.
//
// In a learner's copy chapter 06's library is the learner's own: this step runs their chapter 06
// step 6, so it counts as unfinished while that exercise is (WB_STEP_NEEDS below).
#include "pipeline.h"

#include "wb/exercise.h"

WB_STEP_NEEDS("sync", "06:warptile");  // chapter 06 step 6

namespace ch07 {

template <class T>
void launch_sync(const Args<T>& a, cudaStream_t stream) {
  ch06::launch_warptile<T>(a, stream);
}

template void launch_sync<__half>(const Args<__half>&, cudaStream_t);
template void launch_sync<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch07
