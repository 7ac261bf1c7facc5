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
#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/exercise.h"
#include "wb/random.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace gemm = wb::gemm;

// One problem at a time lives on the host and the device; all steps of a size share it, and the
// sampled fp64 reference is computed once per size.
struct Prepared {
  gemm::Problem<float> problem;
  gemm::SampledReference sampled;
  wb::DeviceBuffer<float> A, B, C;
  explicit Prepared(const gemm::Shape& shape)
      : problem(gemm::make_problem<float>(
            shape, wb::derive_seed(wb::base_seed(), "bench/" + shape.str()), 1.0f, 0.0f)),
        // 2048 random entries plus the whole last row and column: the tails are where bugs live.
        sampled(gemm::sample_reference(problem, {2048, true}, problem.seed)),
        A(problem.A),
        B(problem.B),
        C(problem.C.size()) {}
  ch03::Args args() {
    const gemm::Problem<float>& p = problem;
    return {p.shape.M, p.shape.N, p.shape.K, p.alpha,  A.data(), p.lda,
            B.data(),  p.ldb,     p.beta,    C.data(), p.ldc};
  }
};

Prepared& prepared(const gemm::Shape& shape) {
  static std::unique_ptr<Prepared> current;
  if (!current || current->problem.shape.str() != shape.str()) {
    current.reset();  // free the previous size first
    current = std::make_unique<Prepared>(shape);
  }
  return *current;
}

// Runs `launch` once on poisoned C, checks the sampled entries (and the poison scan), and returns
// the run's time in ms (an untimed-quality estimate used to size the repetitions), or -1 on a
// wrong result with `error` set.
double checked_run(Prepared& p, ch03::Launcher launch, std::string* error) {
  p.C.poison();
  cudaEvent_t start, stop;
  WB_CUDA_CHECK(cudaEventCreate(&start));
  WB_CUDA_CHECK(cudaEventCreate(&stop));
  WB_CUDA_CHECK(cudaEventRecord(start));
  launch(p.args(), nullptr);
  WB_CUDA_CHECK(cudaEventRecord(stop));
  WB_CUDA_CHECK(cudaEventSynchronize(stop));
  float ms = 0;
  WB_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
  WB_CUDA_CHECK(cudaEventDestroy(start));
  WB_CUDA_CHECK(cudaEventDestroy(stop));
  const gemm::RunReport r = gemm::check_sampled(p.problem, p.sampled, p.C.download());
  if (!r.ok()) {
    *error = "wrong result: " + r.describe(p.problem.shape.str());
    return -1;
  }
  return ms;
}

// Slow steps (the naive kernels at 8192^3 take about a second) get fewer repetitions; WB_REPS and
// WB_WARMUP still override.
wb::TimingOptions options_for(double first_ms) {
  wb::TimingOptions o;
  if (first_ms > 200) {
    o.warmup = 1;
    o.reps = 5;
  } else if (first_ms > 50) {
    o.warmup = 2;
    o.reps = 10;
  }
  return o;
}

void bench_gemm(benchmark::State& state, ch03::Launcher launch, const gemm::Shape& shape) {
  Prepared& p = prepared(shape);
  std::string error;
  const double first_ms = checked_run(p, launch, &error);  // correctness next to the timing
  if (first_ms < 0) {
    state.SkipWithError(error.c_str());
    return;
  }
  const ch03::Args args = p.args();
  for (auto _ : state) {
    wb::report_timing(
        state, wb::time_on_stream([&](cudaStream_t s) { launch(args, s); }, options_for(first_ms)),
        gemm::min_bytes(shape.M, shape.N, shape.K, 4, false),
        gemm::flops(shape.M, shape.N, shape.K));
  }
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
  Prepared& p = prepared({8192, 8192, 8192, "ceiling"});
  std::string error;
  if (checked_run(p, ch03::vendor_step().launch, &error) < 0) throw std::runtime_error(error);
  const ch03::Args args = p.args();
  const wb::TimingResult t =
      wb::time_on_stream([&](cudaStream_t s) { ch03::vendor_step().launch(args, s); });
  return gemm::flops(8192, 8192, 8192) / (t.median_ms * 1e-3) / 1e12;
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
      Prepared& p = prepared({4096, 4096, 4096, "profile"});
      for (const ch03::Step& step : all)
        if (!wb::is_unfinished(step.name)) step.launch(p.args(), nullptr);
      ch03::vendor_step().launch(p.args(), nullptr);
    }
    Prepared& p = prepared({1024, 1024, 1024, "profile"});
    for (std::size_t i = all.size() - 2; i < all.size(); ++i)
      if (!wb::is_unfinished(all[i].name)) all[i].launch(p.args(), nullptr);
    ch03::vendor_step().launch(p.args(), nullptr);
  };
  return wb::bench_main(argc, argv, chapter);
}
