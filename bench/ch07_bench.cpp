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
//                              stages) at 2048^3, 4096^3 and 8192^3 in fp16 and bf16, next to
//                              cuBLAS and the mma.sync peak, then exit (step 7's choice)
//   ch07_bench --wb_profile    each step once at 4096^3 (fp16; plus step 7 in bf16, cuBLAS and
//                              the peak kernel), for Nsight Compute
#include "pipeline.h"

#include "wb/bench.h"
#include "wb/buffer.h"
#include "wb/device.h"
#include "wb/gemm.h"
#include "wb/gemm_bench.h"

#if WB_CH07_WITH_CH03
#include "sgemm.h"
#endif

#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace {

namespace gemm = wb::gemm;
using gemm::Shape;

// Inputs seeded by type and shape: "bench/<type>/<MxNxK>".
constexpr gemm::BenchSeed kSeed = gemm::BenchSeed::kTypeAndShape;

const std::vector<Shape>& ladder_shapes() {
  static const std::vector<Shape> shapes = {
      {1024, 1024, 1024, "fits in L2"},
      {2048, 2048, 2048, "a target size (0.65x cuBLAS)"},
      {4096, 4096, 4096, "a target size (0.75x cuBLAS)"},
      {8192, 8192, 8192, "a target size (0.75x cuBLAS)"},
      {4096, 1024, 8192, "non-square: long K, narrow N"},
  };
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
  for (const ch07::Step& step : ch07::steps()) {
    const gemm::Launcher<T> launch = step.launcher<T>();
    wb::add_case("ch07", step.name, size, [launch, shape](benchmark::State& s) {
      gemm::bench_case<T>(s, launch, shape, kSeed);
    });
  }
  gemm::add_cublas_case<T>("ch07", shape, kSeed);
}

// Every compiled configuration at one size and type, next to cuBLAS and the peak, as a table.
template <class T>
void sweep_type(const Shape& shape, double peak_tflops) {
  gemm::Prepared<T>& p = gemm::prepared<T>(shape, kSeed);
  std::string error;
  const double cublas_ms = gemm::checked_median_ms<T>(p, gemm::launch_cublas<T>,
                                                      gemm::Epilogue::kRoundedProduct, &error);
  if (cublas_ms < 0) {
    std::printf("cuBLAS %s %s: %s\n", gemm::type_name<T>(), shape.str().c_str(), error.c_str());
    return;
  }
  const double gflop = gemm::flops(shape.M, shape.N, shape.K) * 1e-9;
  std::printf(
      "\nSWEEP %s %s (median of the default repetitions, L2 flushed); mma.sync peak "
      "%.1f TFLOP/s\n",
      gemm::type_name<T>(), shape.str().c_str(), peak_tflops);
  std::printf("%-40s %10s %10s %10s %10s\n", "configuration", "ms", "TFLOP/s", "x cuBLAS",
              "x peak");
  std::printf("%-40s %10.4f %10.2f %10.3f %10.3f\n", "cuBLAS", cublas_ms, gflop / cublas_ms, 1.0,
              gflop / cublas_ms / peak_tflops);
  for (const ch07::tuning::Config& c : ch07::tuning::all_configs()) {
    const gemm::Launcher<T> launch = [&] {
      if constexpr (std::is_same_v<T, __half>) {
        return c.fp16;
      } else {
        return c.bf16;
      }
    }();
    const double ms = gemm::checked_median_ms(p, launch, gemm::Epilogue::kFused, &error);
    if (ms < 0) {
      std::printf("%-40s WRONG: %s\n", c.name, error.c_str());
      continue;
    }
    std::printf("%-40s %10.4f %10.2f %10.3f %10.3f\n", c.name, ms, gflop / ms, cublas_ms / ms,
                gflop / ms / peak_tflops);
  }
}

int sweep() {
  const double peak_fp16 = ch06::peak::measure_tflops<__half>();
  const double peak_bf16 = ch06::peak::measure_tflops<__nv_bfloat16>();
  std::printf("mma.sync peak: fp16 %.1f TFLOP/s, bf16 %.1f TFLOP/s\n", peak_fp16, peak_bf16);
  for (const std::int64_t n : {2048, 4096, 8192}) {
    const Shape shape{n, n, n, "sweep"};
    sweep_type<__half>(shape, peak_fp16);
    sweep_type<__nv_bfloat16>(shape, peak_bf16);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  bool want_sweep = false;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--ch07_sweep") == 0) {
      want_sweep = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (want_sweep) {
    std::string reason;
    if (!wb::gpu_available(&reason)) {
      std::fprintf(stderr, "--ch07_sweep needs a CUDA GPU: %s\n", reason.c_str());
      return 1;
    }
    try {
      return sweep();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sweep error: %s\n", e.what());
      return 1;
    }
  }
  wb::ChapterBench chapter;
  chapter.id = "ch07";
  chapter.results_name = "chapter-07";
  chapter.title = "cp.async software pipelining: multistage HGEMM";
  chapter.ceiling_kind = "compute";
  chapter.measure_ceiling = ch06::peak::measure_tflops<__half>;
  chapter.ceiling_what =
      "chapter 06's mma.sync.aligned.m16n8k16 fp16 x fp16 -> fp32 peak kernel from registers only "
      "(8 independent accumulator tiles per warp, 4 blocks of 8 warps per SM, result checked), "
      "median of the run's timed repetitions";
  chapter.vendor_step = "vendor-cublas";
  chapter.register_cases = [] {
#if !WB_CH07_WITH_CH03
    std::fprintf(stderr,
                 "[ch07] chapter 03 is not in this build (WB_CHAPTERS): no ch03 context rows\n");
#endif
    for (const Shape& shape : ladder_shapes()) {
      register_type<__half>(shape);
      register_type<__nv_bfloat16>(shape);
    }
  };
  chapter.profile = [] {
    // 4096^3, a target size: every step once in fp16, step 7 in bf16, cuBLAS, the peak kernel.
    const Shape shape{4096, 4096, 4096, "profile"};
    {
      gemm::Prepared<__half>& p = gemm::prepared<__half>(shape, kSeed);
      for (const ch07::Step& step : ch07::steps())
        step.fp16(p.args(), nullptr);
      gemm::launch_cublas<__half>(p.args(), nullptr);
    }
    {
      gemm::Prepared<__nv_bfloat16>& p = gemm::prepared<__nv_bfloat16>(shape, kSeed);
      ch07::launch_tuned<__nv_bfloat16>(p.args(), nullptr);
    }
    const int blocks = 4 * wb::device_info().sm_count;  // as the ceiling measures it
    wb::DeviceBuffer<float> out(static_cast<std::size_t>(blocks) * ch06::peak::kThreads);
    ch06::peak::launch<__half>(out.data(), blocks, 4096, nullptr);
  };
  return wb::bench_main(static_cast<int>(args.size()), args.data(), chapter);
}
