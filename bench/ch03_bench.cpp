// Chapter 03 benchmark: every step and cuBLAS at the ladder sizes, in one run.
//
// FLOPs and bytes per run (counted before optimising): 2 M N K FLOPs; at least 4 (M K + K N + M N)
// bytes (read A and B once, write C once; beta = 0 here, so C is not read). At 4096^3 that is
// 137.4 GFLOP against 201 MB: 683 FLOP/byte, far right of the H100's ridge (~22 FLOP/byte), so the
// ceiling is arithmetic: cuBLAS's strict-fp32 SGEMM rate, measured at the start of the run.
//
//   ch03_bench                 the ladder (JSON under <build>/bench/results/)
//   ch03_bench --wb_profile    each step and cuBLAS once at 4096^3, then the last two steps and
//                              cuBLAS once at 1024^3, for Nsight Compute
//
// This program is also built against the learner's exercises (ch03_bench_mine), so it uses only
// what every build of the chapter has: ch03::steps(), ch03::vendor_step() and the GEMM layer. The
// tuning sweep is its own program, bench/ch03_sweep.cu.
#include "sgemm.h"

#include "wb/bench.h"
#include "wb/exercise.h"
#include "wb/gemm_bench.h"

#include <string>
#include <vector>

namespace {

namespace gemm = wb::gemm;

// Chapter 03's inputs are seeded by shape alone (one element type): "bench/<MxNxK>".
constexpr gemm::BenchSeed kSeed = gemm::BenchSeed::kShape;

void bench_gemm(benchmark::State& state, ch03::Launcher launch, const gemm::Shape& shape) {
  gemm::bench_case<float>(state, launch, shape, kSeed);
}

const std::vector<gemm::Shape>& ladder_shapes() {
  static const std::vector<gemm::Shape> shapes = {
      {1024, 1024, 1024, "fits in L2; 32 tiles of 128 x 256"},
      {2048, 2048, 2048, "128 tiles: about one wave"},
      {4096, 4096, 4096, "the target size"},
      {8192, 8192, 8192, ""},
      {4096, 1024, 8192, "non-square: long K, narrow N"},
  };
  return shapes;
}

double cublas_tflops() {
  return gemm::checked_tflops<float>(ch03::vendor_step().launch, {8192, 8192, 8192, "ceiling"},
                                     kSeed);
}

}  // namespace

int main(int argc, char** argv) {
  wb::ChapterBench chapter;
  chapter.id = "ch03";
  chapter.results_name = "chapter-03";
  chapter.title = "SGEMM";
  chapter.ceiling_kind = "compute";
  chapter.measure_ceiling = cublas_tflops;
  chapter.ceiling_what =
      "cuBLAS cublasGemmEx at 8192x8192x8192, CUBLAS_COMPUTE_32F (fp32 compute, no TF32), "
      "median of the run's timed repetitions, L2 flushed before each";
  chapter.vendor_step = ch03::vendor_step().name;
  chapter.register_cases = [] {
    for (const gemm::Shape& shape : ladder_shapes()) {
      const std::vector<std::int64_t> size = {shape.M, shape.N, shape.K};
      for (const ch03::Step& step : ch03::steps()) {
        const ch03::Launcher launch = step.launch;
        wb::add_case("ch03", step.name, size,
                     [launch, shape](benchmark::State& s) { bench_gemm(s, launch, shape); });
      }
      const ch03::Launcher vendor = ch03::vendor_step().launch;
      wb::add_case("ch03", ch03::vendor_step().name, size,
                   [vendor, shape](benchmark::State& s) { bench_gemm(s, vendor, shape); });
    }
  };
  chapter.profile = [] {
    // 4096^3, the target size: every finished step and cuBLAS once (the naive step is ~0.3 s per
    // replay). Then 1024^3, the size rule's case: the last two steps (step 8: 32 blocks; step 9:
    // its two kernels) and cuBLAS.
    const std::vector<ch03::Step>& all = ch03::steps();
    {
      gemm::Prepared<float>& p = gemm::prepared<float>({4096, 4096, 4096, "profile"}, kSeed);
      for (const ch03::Step& step : all)
        if (!wb::is_unfinished(step.name)) step.launch(p.args(), nullptr);
      ch03::vendor_step().launch(p.args(), nullptr);
    }
    gemm::Prepared<float>& p = gemm::prepared<float>({1024, 1024, 1024, "profile"}, kSeed);
    for (std::size_t i = all.size() - 2; i < all.size(); ++i)
      if (!wb::is_unfinished(all[i].name)) all[i].launch(p.args(), nullptr);
    ch03::vendor_step().launch(p.args(), nullptr);
  };
  return wb::bench_main(argc, argv, chapter);
}
