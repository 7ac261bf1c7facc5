// Chapter 07, step 7 — tuned: step 6's kernel at the tile and stage configuration the recorded
// sweep chose.
//
// The idea: steps 2-6 kept chapter 06's 128 x 128 x 64 block tile so that each diff shows one
// idea. With the latency hidden, the tile and the stage count trade against each other: a bigger
// block tile reads fewer bytes per FLOP from L2 (128 x 256: 85 FLOP per byte against 64) but
// needs more shared memory per stage (at BK = 32, 24 KB against 16 KB) and more registers per
// block, so fewer stages or fewer blocks fit. `ch07_bench --ch07_sweep` times every compiled
// configuration of step 6 (tuning::rasterize_configs) at 2048^3, 4096^3 and 8192^3 in fp16 and
// bf16; this step runs the one it chose. No kernel code here: the choice is the step.
//
// The choice before the sweep ran was 128 x 256 x 32 with 64 x 64 warp tiles (8 warps) and 4
// stages (96 KB): the highest FLOP per byte of L2 traffic among the configurations that keep 3
// tiles in flight; expected 1.0-1.15x step 6. The recorded sweep
// (bench/results/h100/chapter-07.sweep.txt, commit c733b71) put 128 x 128 x 32 with 64 x 64 warp
// tiles and 4 stages (4 x 16 KB) first at 4096^3 (308.6 TFLOP/s fp16, against 293.0 for
// 128 x 256 x 32) and level with it at 8192^3 (306.1 against 306.4; bf16 322.8 against 310.2):
// that is the choice.
#include "pipeline.h"

#include "wb/exercise.h"

#include <type_traits>

WB_STEP_NEEDS("tuned", "rasterize");  // this step runs step 6's kernel

namespace ch07 {
namespace {

constexpr const char* kChosen = "rasterize/128x128x32 w64x64 4 stages";  // the recorded sweep

const tuning::Config& chosen() {
  static const tuning::Config& config =
      tuning::find(tuning::rasterize_configs(), kChosen, "ch07::launch_tuned");
  return config;
}

}  // namespace

template <class T>
void launch_tuned(const Args<T>& a, cudaStream_t stream) {
  if constexpr (std::is_same_v<T, __half>) {
    chosen().fp16(a, stream);
  } else {
    chosen().bf16(a, stream);
  }
}

template void launch_tuned<__half>(const Args<__half>&, cudaStream_t);
template void launch_tuned<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch07
