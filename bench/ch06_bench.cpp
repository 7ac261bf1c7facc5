// Chapter 06 benchmark: every step, cuBLAS and chapter 03's best fp32 step at the ladder sizes, in
// fp16 and in bf16, in one run, against the measured mma.sync peak.
//
// FLOPs and bytes per run (counted before optimising): 2 M N K FLOPs; at least 2 (M K + K N + M N)
// bytes (read A and B once, write C once; beta = 0 here, so C is not read). At 4096^3 that is
// 137.4 GFLOP against 101 MB: 1365 FLOP per byte, far right of the H100's tensor-core ridge
// (~647 TFLOP/s / 3.0 TB/s ~ 216 FLOP/byte), so the ceiling is arithmetic: the mma.sync peak,
// measured at the start of the run by a kernel that issues mma.sync from registers only
// (chapters/06-tensor-cores/mma_peak.cu). cuBLAS is the vendor row; on an H100 it uses wgmma and
// beats that ceiling (the lesson explains).
//
// Each dtype and size is its own ladder block: rows fp16/4096/4096/4096 and bf16/4096/4096/4096.
// Every row is checked (2048 random entries plus the whole last row and column against the fp64
// reference, and a scan of all of C for unwritten entries) before it is timed.
//
//   ch06_bench                   the ladder (JSON under <build>/bench/results/)
//   ch06_bench --ch06_explore    every compiled configuration (padded vs swizzled, the warp-tile
//                                sweep) at 4096^3 in fp16 and bf16, next to cuBLAS and the
//                                mma.sync peak of each type, then exit
//   ch06_bench --wb_profile      each step once at 4096^3 (fp16; plus the padded configuration,
//                                step 6 in bf16, cuBLAS and the peak kernel), for Nsight Compute
#include "hgemm.h"
#include "peak_bench.h"

#include "wb/bench.h"
#include "wb/bench_mode.h"
#include "wb/gemm.h"
#include "wb/gemm_bench.h"

#if WB_CH06_WITH_CH03
#include "sgemm.h"
#endif

#include <cstdio>
#include <string>
#include <vector>

namespace {

using wb::gemm::Shape;

#if WB_CH06_WITH_CH03
// The context row: chapter 03's best fp32 SGEMM step (ch03::best_step()), which takes the typed
// GEMM layer's wb::gemm::Args<float> as it is.
namespace ch03_context {
std::string row_name() {
  return std::string("ch03-") + ch03::best_step().name;
}
void launch(const wb::gemm::Args<float>& a, cudaStream_t s) {
  ch03::best_step().launch(a, s);
}
}  // namespace ch03_context
#endif

namespace gemm = wb::gemm;

// Inputs seeded by type and shape: "bench/<type>/<MxNxK>".
constexpr gemm::BenchSeed kSeed = gemm::BenchSeed::kTypeAndShape;

const std::vector<Shape>& ladder_shapes() {
  static const std::vector<Shape> shapes =
      gemm::half_ladder_shapes({"fits in L2", "", "the target size", "the other target size",
                                "non-square: long K, narrow N"});
  return shapes;
}

template <class T>
void register_type(const Shape& shape) {
  gemm::add_step_cases<T>("ch06", ch06::steps(), shape, kSeed);
  gemm::add_cublas_case<T>("ch06", shape, kSeed);
#if WB_CH06_WITH_CH03
  const std::vector<std::string> size = gemm::size_tokens<T>(shape);
  // Context: the same problem size in fp32 on the CUDA cores (its own fp32 inputs and reference).
  wb::add_case("ch06", ch03_context::row_name(), size, [shape](benchmark::State& s) {
    gemm::bench_case<float>(s, ch03_context::launch, shape, kSeed);
  });
#endif
}

// Every compiled configuration at 4096^3 in both types, next to cuBLAS and the peak, as a table.
template <class T>
void explore_type(double peak_tflops) {
  const Shape shape{4096, 4096, 4096, "explore"};
  gemm::print_config_table<T>(shape, kSeed,
                              std::string("EXPLORE ") + gemm::type_name<T>() + " 4096^3",
                              gemm::type_name<T>(), peak_tflops, 36, ch06::tuning::all_configs());
}

int explore() {
  const ch06::peak::Peaks peaks = ch06::peak::measure_and_print();
  explore_type<__half>(peaks.fp16);
  explore_type<__nv_bfloat16>(peaks.bf16);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  wb::ChapterBench chapter = ch06::peak::gemm_chapter(
      "ch06", "tensor cores: HGEMM with mma.sync and ldmatrix",
      "mma.sync.aligned.m16n8k16 fp16 x fp16 -> fp32 from registers only (8 independent "
      "accumulator tiles per warp, 4 blocks of 8 warps per SM, result checked), median of the "
      "run's timed repetitions");
  chapter.register_cases = [] {
#if !WB_CH06_WITH_CH03
    gemm::note_without_ch03("ch06");
#endif
    gemm::register_half_blocks(
        ladder_shapes(), [](auto tag, const Shape& shape) { register_type<decltype(tag)>(shape); });
  };
  chapter.profile = [] {
    // 4096^3, the target size: every step once in fp16, the padded layout (against the swizzle's
    // bank-conflict counters), step 6 in bf16, cuBLAS, and the peak kernel.
    gemm::profile_half(
        {4096, 4096, 4096, "profile"}, kSeed,
        [](const gemm::Args<__half>& args) {
          for (const ch06::Step& step : ch06::steps())
            step.fp16(args, nullptr);
          for (const ch06::tuning::Config& c : ch06::tuning::swizzle_configs())
            if (std::string(c.name) != "swizzle/swizzled") c.fp16(args, nullptr);
          gemm::launch_cublas<__half>(args, nullptr);
        },
        [](const gemm::Args<__nv_bfloat16>& args) {
          ch06::launch_warptile<__nv_bfloat16>(args, nullptr);
        });
    ch06::peak::launch_for_profile();
  };
  return wb::bench_main_or_mode(argc, argv, chapter, {"--ch06_explore", "explore", explore});
}
