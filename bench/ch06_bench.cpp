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

#include "wb/bench.h"
#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/device.h"
#include "wb/gemm.h"
#include "wb/random.h"

#if WB_CH06_WITH_CH03
#include "sgemm.h"
#endif

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
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

// One problem at a time lives on the host and the device: all rows of one (type, size) share it,
// and its sampled fp64 reference is computed once.
template <class T>
struct Prepared {
  wb::gemm::Problem<T> problem;
  wb::gemm::SampledReference sampled;
  wb::DeviceBuffer<T> A, B, C;
  explicit Prepared(const Shape& shape)
      : problem(wb::gemm::make_problem<T>(
            shape,
            wb::derive_seed(wb::base_seed(),
                            std::string("bench/") + wb::gemm::type_name<T>() + "/" + shape.str()),
            1.0f, 0.0f)),
        // 2048 random entries plus the whole last row and column: the tails are where bugs live.
        sampled(wb::gemm::sample_reference(problem, {2048, true}, problem.seed)),
        A(problem.A),
        B(problem.B),
        C(problem.C.size()) {}
  wb::gemm::Args<T> args() {
    const wb::gemm::Problem<T>& p = problem;
    return {p.shape.M, p.shape.N, p.shape.K, p.alpha,  A.data(), p.lda,
            B.data(),  p.ldb,     p.beta,    C.data(), p.ldc};
  }
};

// The current problem of each type; preparing a new size frees every type's old one first.
template <class T>
std::unique_ptr<Prepared<T>>& slot() {
  static std::unique_ptr<Prepared<T>> current;
  return current;
}
void free_all() {
  slot<__half>().reset();
  slot<__nv_bfloat16>().reset();
  slot<float>().reset();
}
template <class T>
Prepared<T>& prepared(const Shape& shape) {
  std::unique_ptr<Prepared<T>>& current = slot<T>();
  if (!current || current->problem.shape.str() != shape.str()) {
    free_all();
    current = std::make_unique<Prepared<T>>(shape);
  }
  return *current;
}

// Runs `launch` once on poisoned C and checks the sampled entries and the poison scan; returns
// the run's time in ms (to size the repetitions), or -1 on a wrong result with `error` set.
template <class T>
double checked_run(Prepared<T>& p, wb::gemm::Launcher<T> launch, std::string* error) {
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
  // cuBLAS is held to its own stated bound (wb/gemm.h, "The vendor row"); every step to the fused.
  const wb::gemm::Epilogue epilogue = launch == wb::gemm::Launcher<T>(wb::gemm::launch_cublas<T>)
                                          ? wb::gemm::Epilogue::kRoundedProduct
                                          : wb::gemm::Epilogue::kFused;
  const wb::gemm::RunReport r =
      wb::gemm::check_sampled(p.problem, p.sampled, p.C.download(), epilogue);
  if (!r.ok()) {
    *error = "wrong result: " +
             r.describe(std::string(wb::gemm::type_name<T>()) + " " + p.problem.shape.str());
    return -1;
  }
  return ms;
}

// Slow runs (the naive step at 8192^3) get fewer repetitions; WB_REPS and WB_WARMUP still override.
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

template <class T>
void bench_gemm(benchmark::State& state, wb::gemm::Launcher<T> launch, const Shape& shape) {
  Prepared<T>& p = prepared<T>(shape);
  std::string error;
  const double first_ms = checked_run(p, launch, &error);  // correctness next to the timing
  if (first_ms < 0) {
    state.SkipWithError(error.c_str());
    return;
  }
  const wb::gemm::Args<T> args = p.args();
  for (auto _ : state) {
    wb::report_timing(
        state, wb::time_on_stream([&](cudaStream_t s) { launch(args, s); }, options_for(first_ms)),
        wb::gemm::min_bytes(shape.M, shape.N, shape.K, sizeof(T), false),
        wb::gemm::flops(shape.M, shape.N, shape.K));
  }
}

const std::vector<Shape>& ladder_shapes() {
  static const std::vector<Shape> shapes = {
      {1024, 1024, 1024, "fits in L2"},
      {2048, 2048, 2048, ""},
      {4096, 4096, 4096, "the target size"},
      {8192, 8192, 8192, "the other target size"},
      {4096, 1024, 8192, "non-square: long K, narrow N"},
  };
  return shapes;
}

template <class T>
void register_type(const Shape& shape) {
  const std::vector<std::string> size = {wb::gemm::type_name<T>(), std::to_string(shape.M),
                                         std::to_string(shape.N), std::to_string(shape.K)};
  for (const ch06::Step& step : ch06::steps()) {
    const wb::gemm::Launcher<T> launch = step.launcher<T>();
    wb::add_case("ch06", step.name, size,
                 [launch, shape](benchmark::State& s) { bench_gemm<T>(s, launch, shape); });
  }
  wb::add_case("ch06", "vendor-cublas", size, [shape](benchmark::State& s) {
    bench_gemm<T>(s, wb::gemm::launch_cublas<T>, shape);
  });
#if WB_CH06_WITH_CH03
  // Context: the same problem size in fp32 on the CUDA cores (its own fp32 inputs and reference).
  wb::add_case("ch06", ch03_context::row_name(), size,
               [shape](benchmark::State& s) { bench_gemm<float>(s, ch03_context::launch, shape); });
#endif
}

// Every compiled configuration at 4096^3 in both types, next to cuBLAS and the peak, as a table.
template <class T>
void explore_type(double peak_tflops) {
  const Shape shape{4096, 4096, 4096, "explore"};
  Prepared<T>& p = prepared<T>(shape);
  const wb::gemm::Args<T> args = p.args();
  auto time_of = [&](wb::gemm::Launcher<T> launch, std::string* error) {
    if (checked_run(p, launch, error) < 0) return -1.0;
    return wb::time_on_stream([&](cudaStream_t s) { launch(args, s); }).median_ms;
  };
  std::string error;
  const double cublas_ms = time_of(wb::gemm::launch_cublas<T>, &error);
  if (cublas_ms < 0) {
    std::printf("cuBLAS %s: %s\n", wb::gemm::type_name<T>(), error.c_str());
    return;
  }
  const double gflop = wb::gemm::flops(4096, 4096, 4096) * 1e-9;
  std::printf(
      "\nEXPLORE %s 4096^3 (median of the default repetitions, L2 flushed); mma.sync peak "
      "%.1f TFLOP/s\n",
      wb::gemm::type_name<T>(), peak_tflops);
  std::printf("%-36s %10s %10s %10s %10s\n", "configuration", "ms", "TFLOP/s", "x cuBLAS",
              "x peak");
  std::printf("%-36s %10.4f %10.2f %10.3f %10.3f\n", "cuBLAS", cublas_ms, gflop / cublas_ms, 1.0,
              gflop / cublas_ms / peak_tflops);
  for (const ch06::tuning::Config& c : ch06::tuning::all_configs()) {
    const wb::gemm::Launcher<T> launch = [&] {
      if constexpr (std::is_same_v<T, __half>) {
        return c.fp16;
      } else {
        return c.bf16;
      }
    }();
    const double ms = time_of(launch, &error);
    if (ms < 0) {
      std::printf("%-36s WRONG: %s\n", c.name, error.c_str());
      continue;
    }
    std::printf("%-36s %10.4f %10.2f %10.3f %10.3f\n", c.name, ms, gflop / ms, cublas_ms / ms,
                gflop / ms / peak_tflops);
  }
}

int explore() {
  const double peak_fp16 = ch06::peak::measure_tflops<__half>();
  const double peak_bf16 = ch06::peak::measure_tflops<__nv_bfloat16>();
  std::printf("mma.sync peak: fp16 %.1f TFLOP/s, bf16 %.1f TFLOP/s\n", peak_fp16, peak_bf16);
  explore_type<__half>(peak_fp16);
  explore_type<__nv_bfloat16>(peak_bf16);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  bool want_explore = false;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--ch06_explore") == 0) {
      want_explore = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (want_explore) {
    std::string reason;
    if (!wb::gpu_available(&reason)) {
      std::fprintf(stderr, "--ch06_explore needs a CUDA GPU: %s\n", reason.c_str());
      return 1;
    }
    try {
      return explore();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "explore error: %s\n", e.what());
      return 1;
    }
  }
  wb::ChapterBench chapter;
  chapter.id = "ch06";
  chapter.results_name = "chapter-06";
  chapter.title = "tensor cores: HGEMM with mma.sync and ldmatrix";
  chapter.ceiling_kind = "compute";
  chapter.measure_ceiling = ch06::peak::measure_tflops<__half>;
  chapter.ceiling_what =
      "mma.sync.aligned.m16n8k16 fp16 x fp16 -> fp32 from registers only (8 independent "
      "accumulator tiles per warp, 4 blocks of 8 warps per SM, result checked), median of the "
      "run's timed repetitions";
  chapter.vendor_step = "vendor-cublas";
  chapter.register_cases = [] {
#if !WB_CH06_WITH_CH03
    std::fprintf(stderr,
                 "[ch06] chapter 03 is not in this build (WB_CHAPTERS): no ch03 context rows\n");
#endif
    for (const Shape& shape : ladder_shapes()) {
      register_type<__half>(shape);
      register_type<__nv_bfloat16>(shape);
    }
  };
  chapter.profile = [] {
    // 4096^3, the target size: every step once in fp16, the padded layout (against the swizzle's
    // bank-conflict counters), step 6 in bf16, cuBLAS, and the peak kernel.
    const Shape shape{4096, 4096, 4096, "profile"};
    {
      Prepared<__half>& p = prepared<__half>(shape);
      for (const ch06::Step& step : ch06::steps())
        step.fp16(p.args(), nullptr);
      for (const ch06::tuning::Config& c : ch06::tuning::swizzle_configs())
        if (std::string(c.name) != "swizzle/swizzled") c.fp16(p.args(), nullptr);
      wb::gemm::launch_cublas<__half>(p.args(), nullptr);
    }
    {
      Prepared<__nv_bfloat16>& p = prepared<__nv_bfloat16>(shape);
      ch06::launch_warptile<__nv_bfloat16>(p.args(), nullptr);
    }
    const int blocks = 4 * wb::device_info().sm_count;  // as the ceiling measures it
    wb::DeviceBuffer<float> out(static_cast<std::size_t>(blocks) * ch06::peak::kThreads);
    ch06::peak::launch<__half>(out.data(), blocks, 4096, nullptr);
  };
  return wb::bench_main(static_cast<int>(args.size()), args.data(), chapter);
}
