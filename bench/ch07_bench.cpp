// Chapter 07 benchmark: every step, cuBLAS, and the context rows (chapter 03's best fp32 SGEMM
// step, chapter 06's final step) at the ladder sizes, in fp16 and in bf16, in one run, against the
// measured mma.sync peak (chapter 06's peak kernel, linked from its library).
//
// FLOPs and bytes per run (counted before optimising): 2 M N K FLOPs; at least 2 (M K + K N + M N)
// bytes (beta = 0: C is not read). At 4096^3: 137.4 GFLOP against 101 MB, 1365 FLOP per byte, far
// right of the tensor-core ridge (~627 TFLOP/s / 3.0 TB/s ~ 209 FLOP/byte): the ceiling is
// arithmetic, the mma.sync peak. cuBLAS uses wgmma on the H100 and beats that ceiling (README
// "Why the ceiling is the mma.sync peak").
//
// The path of the whole GEMM part of the workbook in one run: ch03-<best> (SIMT fp32), ch06-<final>
// (tensor cores, synchronous copies; the same kernel as this chapter's step 1, so the two rows
// also show the run-to-run spread), steps 1-7, cuBLAS. Every row is checked (2048 random entries
// plus the whole last row and column against the fp64 reference, and a scan of all of C for
// unwritten entries) before it is timed.
//
//   ch07_bench                 the ladder (JSON under <build>/bench/results/)
//   ch07_bench --ch07_sweep    every compiled configuration (step 4's stages, step 6's tiles and
//                              stages, step 8's rings) at 2048^3, 4096^3 and 8192^3 in fp16 and
//                              bf16, next to cuBLAS and the mma.sync peak, then exit (step 7's
//                              choice); WB_SWEEP_ONLY=<text> keeps the names containing <text>
//   ch07_bench --wb_profile    each step once at 4096^3 (fp16; plus steps 7 and 8 in bf16, cuBLAS
//                              and the peak kernel), for Nsight Compute
#include "peak_bench.h"
#include "pipeline.h"

#include "wb/bench.h"
#include "wb/bench_mode.h"
#include "wb/gemm.h"
#include "wb/gemm_bench.h"

#if WB_CH07_WITH_CH03
#include "sgemm.h"
#endif

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

namespace gemm = wb::gemm;
using gemm::Shape;

// Inputs seeded by type and shape: "bench/<type>/<MxNxK>".
constexpr gemm::BenchSeed kSeed = gemm::BenchSeed::kTypeAndShape;

const std::vector<Shape>& ladder_shapes() {
  static const std::vector<Shape> shapes = gemm::half_ladder_shapes(
      {"fits in L2", "a target size (0.65x cuBLAS)", "a target size (0.75x cuBLAS)",
       "a target size (0.75x cuBLAS)", "non-square: long K, narrow N"});
  return shapes;
}

template <class T>
void register_type(const Shape& shape) {
  const std::vector<std::string> size = gemm::size_tokens<T>(shape);
#if WB_CH07_WITH_CH03
  // Context: the same size in fp32 on the CUDA cores (its own fp32 inputs and reference).
  const gemm::Launcher<float> simt = ch03::best_step().launch;
  wb::add_case(
      "ch07", std::string("ch03-") + ch03::best_step().name, size,
      [simt, shape](benchmark::State& s) { gemm::bench_case<float>(s, simt, shape, kSeed); });
#endif
  const ch06::Step& ch06_final = ch06::steps().back();
  const gemm::Launcher<T> tc = ch06_final.launcher<T>();
  wb::add_case("ch07", std::string("ch06-") + ch06_final.name, size,
               [tc, shape](benchmark::State& s) { gemm::bench_case<T>(s, tc, shape, kSeed); });
  gemm::add_step_cases<T>("ch07", ch07::steps(), shape, kSeed);
  gemm::add_cublas_case<T>("ch07", shape, kSeed);
}

// The configurations the sweep times: all of them, or, with WB_SWEEP_ONLY set, those whose name
// contains it (e.g. WB_SWEEP_ONLY=hoist/ for step 8's rings only).
std::vector<ch07::tuning::Config> swept_configs() {
  const char* only = std::getenv("WB_SWEEP_ONLY");
  std::vector<ch07::tuning::Config> configs;
  for (const ch07::tuning::Config& c : ch07::tuning::all_configs())
    if (only == nullptr || std::string(c.name).find(only) != std::string::npos)
      configs.push_back(c);
  return configs;
}

// Every swept configuration at one size and type, next to cuBLAS and the peak, as a table.
template <class T>
void sweep_type(const Shape& shape, double peak_tflops) {
  gemm::print_config_table<T>(
      shape, kSeed, std::string("SWEEP ") + gemm::type_name<T>() + " " + shape.str(),
      std::string(gemm::type_name<T>()) + " " + shape.str(), peak_tflops, 40, swept_configs());
}

int sweep() {
  const ch06::peak::Peaks peaks = ch06::peak::measure_and_print();
  for (const std::int64_t n : {2048, 4096, 8192}) {
    const Shape shape{n, n, n, "sweep"};
    sweep_type<__half>(shape, peaks.fp16);
    sweep_type<__nv_bfloat16>(shape, peaks.bf16);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  wb::ChapterBench chapter = ch06::peak::gemm_chapter(
      "ch07", "cp.async software pipelining: multistage HGEMM",
      "chapter 06's mma.sync.aligned.m16n8k16 fp16 x fp16 -> fp32 peak kernel from registers only "
      "(8 independent accumulator tiles per warp, 4 blocks of 8 warps per SM, result checked), "
      "median of the run's timed repetitions");
  chapter.register_cases = [] {
#if !WB_CH07_WITH_CH03
    gemm::note_without_ch03("ch07");
#endif
    gemm::register_half_blocks(
        ladder_shapes(), [](auto tag, const Shape& shape) { register_type<decltype(tag)>(shape); });
  };
  chapter.profile = [] {
    // 4096^3, a target size: every step once in fp16, steps 7 and 8 in bf16, cuBLAS, the peak
    // kernel.
    gemm::profile_half(
        {4096, 4096, 4096, "profile"}, kSeed,
        [](const gemm::Args<__half>& args) {
          for (const ch07::Step& step : ch07::steps())
            step.fp16(args, nullptr);
          gemm::launch_cublas<__half>(args, nullptr);
        },
        [](const gemm::Args<__nv_bfloat16>& args) {
          ch07::launch_tuned<__nv_bfloat16>(args, nullptr);
          ch07::launch_hoist<__nv_bfloat16>(args, nullptr);
        });
    ch06::peak::launch_for_profile();
  };
  return wb::bench_main_or_mode(argc, argv, chapter, {"--ch07_sweep", "sweep", sweep});
}
