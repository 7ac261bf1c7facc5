// Chapter 03 benchmark: every step and cuBLAS SGEMM at the ladder sizes, in one run.
//
// FLOPs and bytes per run (counted before optimising): 2 M N K FLOPs; at least 4 (M K + K N + M N)
// bytes (read A and B once, write C once; beta = 0 here, so C is not read). At 4096^3 that is
// 137.4 GFLOP against 201 MB: 683 FLOP/byte, far right of the H100's ridge (~22 FLOP/byte), so the
// ceiling is arithmetic: cuBLAS's strict-fp32 SGEMM rate, measured at the start of the run.
//
//   ch03_bench                 the ladder (JSON under <build>/bench/results/)
//   ch03_bench --ch03_sweep    step 7's tile configurations at 4096^3 next to cuBLAS, then exit
//   ch03_bench --wb_profile    each step and cuBLAS once at 4096^3, for Nsight Compute
#include "sgemm.h"

#include "wb/bench.h"
#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/random.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

// One problem at a time lives on the host and the device; all steps of a size share it, and the
// sampled fp64 reference is computed once per size.
struct Prepared {
  ch03::Problem problem;
  ch03::SampledReference sampled;
  wb::DeviceBuffer<float> A, B, C;
  explicit Prepared(const ch03::GemmShape& shape)
      : problem(ch03::make_problem(shape, wb::derive_seed(wb::base_seed(), "bench/" + shape.str()),
                                   1.0f, 0.0f)),
        // 2048 random entries plus the whole last row and column: the tails are where bugs live.
        sampled(ch03::sample_reference(problem, {2048, true}, problem.seed)),
        A(problem.A),
        B(problem.B),
        C(problem.C.size()) {}
  ch03::SgemmArgs args() {
    const ch03::Problem& p = problem;
    return {p.shape.M, p.shape.N, p.shape.K, p.alpha,  A.data(), p.lda,
            B.data(),  p.ldb,     p.beta,    C.data(), p.ldc};
  }
};

Prepared& prepared(const ch03::GemmShape& shape) {
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
  const ch03::RunReport r = ch03::check_sampled(p.problem, p.sampled, p.C.download());
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

void bench_gemm(benchmark::State& state, ch03::Launcher launch, const ch03::GemmShape& shape) {
  Prepared& p = prepared(shape);
  std::string error;
  const double first_ms = checked_run(p, launch, &error);  // correctness next to the timing
  if (first_ms < 0) {
    state.SkipWithError(error.c_str());
    return;
  }
  const ch03::SgemmArgs args = p.args();
  for (auto _ : state) {
    wb::report_timing(
        state, wb::time_on_stream([&](cudaStream_t s) { launch(args, s); }, options_for(first_ms)),
        ch03::min_bytes(shape.M, shape.N, shape.K, false), ch03::flops(shape.M, shape.N, shape.K));
  }
}

const std::vector<ch03::GemmShape>& ladder_shapes() {
  static const std::vector<ch03::GemmShape> shapes = {
      {1024, 1024, 1024, "fits in L2"},
      {2048, 2048, 2048, ""},
      {4096, 4096, 4096, "the target size"},
      {8192, 8192, 8192, ""},
      {4096, 1024, 8192, "non-square: long K, narrow N"},
  };
  return shapes;
}

double cublas_tflops() {
  Prepared& p = prepared({8192, 8192, 8192, "ceiling"});
  std::string error;
  if (checked_run(p, ch03::launch_cublas, &error) < 0) throw std::runtime_error(error);
  const ch03::SgemmArgs args = p.args();
  const wb::TimingResult t =
      wb::time_on_stream([&](cudaStream_t s) { ch03::launch_cublas(args, s); });
  return ch03::flops(8192, 8192, 8192) / (t.median_ms * 1e-3) / 1e12;
}

// Every compiled configuration of step 7 at 4096^3, next to cuBLAS, as a table on stdout.
int sweep() {
  const ch03::GemmShape shape{4096, 4096, 4096, "sweep"};
  Prepared& p = prepared(shape);
  const ch03::SgemmArgs args = p.args();
  auto time_of = [&](ch03::Launcher launch, std::string* error) {
    if (checked_run(p, launch, error) < 0) return -1.0;
    return wb::time_on_stream([&](cudaStream_t s) { launch(args, s); }).median_ms;
  };
  std::string error;
  const double cublas_ms = time_of(ch03::launch_cublas, &error);
  if (cublas_ms < 0) {
    std::printf("cuBLAS: %s\n", error.c_str());
    return 1;
  }
  const double gflop = ch03::flops(4096, 4096, 4096) * 1e-9;
  std::printf("SWEEP 4096^3 (median of the default repetitions, L2 flushed)\n");
  std::printf("%-40s %10s %10s %10s\n", "configuration", "ms", "TFLOP/s", "x cuBLAS");
  std::printf("%-40s %10.3f %10.2f %10.3f\n", "cuBLAS", cublas_ms, gflop / cublas_ms, 1.0);
  for (const ch03::tuning::Config& c : ch03::tuning::warptile_configs()) {
    const double ms = time_of(c.launch, &error);
    if (ms < 0) {
      std::printf("%-40s WRONG: %s\n", c.name, error.c_str());
      continue;
    }
    std::printf("%-40s %10.3f %10.2f %10.3f\n", c.name, ms, gflop / ms, cublas_ms / ms);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  bool want_sweep = false;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--ch03_sweep") == 0) {
      want_sweep = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (want_sweep) {
    try {
      return sweep();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sweep error: %s\n", e.what());
      return 1;
    }
  }
  wb::ChapterBench chapter;
  chapter.id = "ch03";
  chapter.results_name = "chapter-03";
  chapter.title = "SGEMM";
  chapter.ceiling_kind = "compute";
  chapter.measure_ceiling = cublas_tflops;
  chapter.ceiling_what =
      "cuBLAS cublasSgemm at 8192x8192x8192, CUBLAS_DEFAULT_MATH (fp32 compute, TF32 off), "
      "median of the run's timed repetitions, L2 flushed before each";
  chapter.vendor_step = "vendor-cublas";
  chapter.register_cases = [] {
    for (const ch03::GemmShape& shape : ladder_shapes()) {
      const std::vector<std::int64_t> size = {shape.M, shape.N, shape.K};
      for (const ch03::Step& step : ch03::steps()) {
        const ch03::Launcher launch = step.launch;
        wb::add_case("ch03", step.name, size,
                     [launch, shape](benchmark::State& s) { bench_gemm(s, launch, shape); });
      }
      wb::add_case("ch03", "vendor-cublas", size,
                   [shape](benchmark::State& s) { bench_gemm(s, ch03::launch_cublas, shape); });
    }
  };
  chapter.profile = [] {
    // 4096^3: the target size; every step and cuBLAS once (the naive step is ~0.1 s per replay).
    Prepared& p = prepared({4096, 4096, 4096, "profile"});
    for (const ch03::Step& step : ch03::steps())
      step.launch(p.args(), nullptr);
    ch03::launch_cublas(p.args(), nullptr);
  };
  return wb::bench_main(static_cast<int>(args.size()), args.data(), chapter);
}
