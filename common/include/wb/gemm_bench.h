/// @file gemm_bench.h
/// @brief The plumbing every GEMM bench program shares (chapters 03, 06 and 07): one prepared
/// problem per element type with its sampled fp64 reference, a checked first run before any
/// timing, repetitions sized from that run, and a Google Benchmark case body that does both.
///
/// A ladder row of a GEMM chapter is: prepare the problem of its size (once for every row of that
/// size: inputs on the device, the reference at 2048 random entries plus the whole last row and
/// column, computed once), run the step once on a poisoned C and check it, then time it. A wrong
/// result is reported as the row's error (`FAILED` in the ladder) and never timed.
///
/// Header-only: bench programs link `wb_bench` (Google Benchmark) and `wb_gemm` (the GEMM layer)
/// already, and this needs exactly those two.
#pragma once

#include "wb/bench.h"
#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/gemm.h"
#include "wb/random.h"
#include "wb/timing.h"
#include "wb/typed_step.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <array>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace wb::gemm {

/// Which label a bench program derives its inputs' seed from (wb::derive_seed of the run's base
/// seed). Each program keeps its own, so its recorded inputs stay what they were.
enum class BenchSeed {
  kShape,         ///< "bench/<MxNxK>": chapter 03 (one element type)
  kTypeAndShape,  ///< "bench/<type>/<MxNxK>": chapters 06 and 07 (fp16, bf16 and the fp32 row)
};

/// The seed label of `shape` for element type T under `seeding`.
template <class T>
std::string bench_seed_label(const Shape& shape, BenchSeed seeding) {
  return seeding == BenchSeed::kShape ? "bench/" + shape.str()
                                      : std::string("bench/") + type_name<T>() + "/" + shape.str();
}

/// One problem on the host and the device, shared by every row of its size, with its sampled
/// fp64 reference (2048 random entries plus the whole last row and column: the tails are where
/// bugs live). alpha = 1, beta = 0, packed rows: C is output only.
template <class T>
struct Prepared {
  Problem<T> problem;        ///< the host problem (inputs, shape, seed)
  SampledReference sampled;  ///< the reference at the checked entries
  DeviceBuffer<T> A;         ///< device copy of A
  DeviceBuffer<T> B;         ///< device copy of B
  DeviceBuffer<T> C;         ///< device C, poisoned before every checked run
  std::string label;         ///< the seed label, which identifies the problem in the cache
  /// Draws the problem of `shape` from the seed of `seed_label`, uploads it, samples the reference.
  Prepared(const Shape& shape, const std::string& seed_label)
      : problem(make_problem<T>(shape, derive_seed(base_seed(), seed_label), 1.0f, 0.0f)),
        sampled(sample_reference(problem, {2048, true}, problem.seed)),
        A(problem.A),
        B(problem.B),
        C(problem.C.size()),
        label(seed_label) {}
  /// The arguments of a launch on the device copies.
  Args<T> args() {
    const Problem<T>& p = problem;
    return {p.shape.M, p.shape.N, p.shape.K, p.alpha,  A.data(), p.lda,
            B.data(),  p.ldb,     p.beta,    C.data(), p.ldc};
  }
};

namespace detail {
/// The current problem of element type T (at most one per type lives at a time).
template <class T>
std::unique_ptr<Prepared<T>>& prepared_slot() {
  static std::unique_ptr<Prepared<T>> current;
  return current;
}
}  // namespace detail

/// Frees every type's prepared problem (device and host memory).
inline void free_prepared() {
  detail::prepared_slot<float>().reset();
  detail::prepared_slot<__half>().reset();
  detail::prepared_slot<__nv_bfloat16>().reset();
}

/// The prepared problem of `shape` for element type T: reused while consecutive rows ask for the
/// same one; a new one frees every type's old problem first (an 8192^3 problem of each type would
/// not leave room for the next size).
template <class T>
Prepared<T>& prepared(const Shape& shape, BenchSeed seeding) {
  const std::string label = bench_seed_label<T>(shape, seeding);
  std::unique_ptr<Prepared<T>>& current = detail::prepared_slot<T>();
  if (!current || current->label != label) {
    free_prepared();
    current = std::make_unique<Prepared<T>>(shape, label);
  }
  return *current;
}

/// Runs `launch` once on a poisoned C, checks the sampled entries and scans all of C for unwritten
/// entries, with `epilogue`'s bound (Epilogue::kRoundedProduct for the cuBLAS row of 16-bit
/// types, wb/gemm.h "The vendor row"). Returns that run's time in ms (to size the repetitions), or
/// -1 on a wrong result with `error` saying what was wrong, for which type and shape.
template <class T>
double checked_run(Prepared<T>& p, Launcher<T> launch, Epilogue epilogue, std::string* error) {
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
  const RunReport r = check_sampled(p.problem, p.sampled, p.C.download(), epilogue);
  if (!r.ok()) {
    *error =
        "wrong result: " + r.describe(std::string(type_name<T>()) + " " + p.problem.shape.str());
    return -1;
  }
  return ms;
}

/// Repetitions for a run that took `first_ms`: slow runs (a naive kernel at 8192^3 takes a
/// quarter of a second or more) get fewer; WB_REPS and WB_WARMUP still override.
inline TimingOptions options_for(double first_ms) {
  TimingOptions o;
  if (first_ms > 200) {
    o.warmup = 1;
    o.reps = 5;
  } else if (first_ms > 50) {
    o.warmup = 2;
    o.reps = 10;
  }
  return o;
}

/// The body of one ladder row: the checked run (a wrong result becomes the row's error), then the
/// timing with report_timing (bytes: read A and B, write C; FLOPs: 2 M N K).
template <class T>
void bench_case(benchmark::State& state, Launcher<T> launch, const Shape& shape, BenchSeed seeding,
                Epilogue epilogue = Epilogue::kFused) {
  Prepared<T>& p = prepared<T>(shape, seeding);
  std::string error;
  const double first_ms = checked_run(p, launch, epilogue, &error);  // correctness next to timing
  if (first_ms < 0) {
    state.SkipWithError(error.c_str());
    return;
  }
  const Args<T> args = p.args();
  for (auto _ : state) {
    report_timing(
        state, time_on_stream([&](cudaStream_t s) { launch(args, s); }, options_for(first_ms)),
        min_bytes(shape.M, shape.N, shape.K, sizeof(T), false), flops(shape.M, shape.N, shape.K));
  }
}

/// The ladder's size tokens of a typed row: {"fp16", "M", "N", "K"}.
template <class T>
std::vector<std::string> size_tokens(const Shape& shape) {
  return {type_name<T>(), std::to_string(shape.M), std::to_string(shape.N),
          std::to_string(shape.K)};
}

/// Registers the vendor row "vendor-cublas" (wb::gemm::launch_cublas<T>) of a typed ladder block,
/// checked with the library's stated bound (Epilogue::kRoundedProduct).
template <class T>
void add_cublas_case(const std::string& chapter, const Shape& shape, BenchSeed seeding) {
  add_case(chapter, "vendor-cublas", size_tokens<T>(shape), [shape, seeding](benchmark::State& s) {
    bench_case<T>(s, launch_cublas<T>, shape, seeding, Epilogue::kRoundedProduct);
  });
}

/// Checks `launch` on the prepared problem, then times it with the default repetitions: the median
/// in ms, or -1 with `error` set on a wrong result. For design sweeps and measured ceilings.
template <class T>
double checked_median_ms(Prepared<T>& p, Launcher<T> launch, Epilogue epilogue,
                         std::string* error) {
  if (checked_run(p, launch, epilogue, error) < 0) return -1;
  const Args<T> args = p.args();
  return time_on_stream([&](cudaStream_t s) { launch(args, s); }).median_ms;
}

/// TFLOP/s of `launch` at `shape` (checked first; throws std::runtime_error on a wrong result):
/// a measured ceiling such as chapter 03's cuBLAS SGEMM rate.
template <class T>
double checked_tflops(Launcher<T> launch, const Shape& shape, BenchSeed seeding,
                      Epilogue epilogue = Epilogue::kFused) {
  std::string error;
  const double ms = checked_median_ms(prepared<T>(shape, seeding), launch, epilogue, &error);
  if (ms < 0) throw std::runtime_error(error);
  return flops(shape.M, shape.N, shape.K) / (ms * 1e-3) / 1e12;
}

/// The sizes of the 16-bit GEMM ladders (chapters 06 and 07), in order: 1024^3 (fits in L2),
/// 2048^3, 4096^3, 8192^3 and 4096 x 1024 x 8192 (non-square: long K, narrow N), each with the
/// chapter's note on it.
inline std::vector<Shape> half_ladder_shapes(const std::array<const char*, 5>& notes) {
  return {{1024, 1024, 1024, notes[0]},
          {2048, 2048, 2048, notes[1]},
          {4096, 4096, 4096, notes[2]},
          {8192, 8192, 8192, notes[3]},
          {4096, 1024, 8192, notes[4]}};
}

/// Registers one ladder row per step of `steps` (records with `name` and `launcher<T>()`) in
/// element type T at `shape`, in order, each checked before it is timed (bench_case).
template <class T, class Steps>
void add_step_cases(const std::string& chapter, const Steps& steps, const Shape& shape,
                    BenchSeed seeding) {
  for (const auto& step : steps) {
    const Launcher<T> launch = step.template launcher<T>();
    add_case(chapter, step.name, size_tokens<T>(shape),
             [launch, shape, seeding](benchmark::State& s) {
               bench_case<T>(s, launch, shape, seeding);
             });
  }
}

/// The note of a bench program whose ladder has chapter 03's context row when chapter 03 is not in
/// the build (WB_CHAPTERS): "[<id>] chapter 03 is not in this build ...", on stderr.
inline void note_without_ch03(const std::string& id) {
  std::fprintf(stderr, "[%s] chapter 03 is not in this build (WB_CHAPTERS): no ch03 context rows\n",
               id.c_str());
}

/// Registers the typed ladder blocks of a 16-bit GEMM chapter: for every shape of `shapes`, in
/// order, `register_block(T{}, shape)` for fp16, then for bf16.
template <class Register>
void register_half_blocks(const std::vector<Shape>& shapes, Register&& register_block) {
  for (const Shape& shape : shapes) {
    register_block(__half{}, shape);
    register_block(__nv_bfloat16{}, shape);
  }
}

/// A `--wb_profile` run of a 16-bit GEMM chapter at `shape`: `fp16(args)` on the prepared fp16
/// problem, then `bf16(args)` on the prepared bf16 one (preparing it frees the fp16 one).
template <class F16, class BF16>
void profile_half(const Shape& shape, BenchSeed seeding, F16&& fp16, BF16&& bf16) {
  fp16(prepared<__half>(shape, seeding).args());
  bf16(prepared<__nv_bfloat16>(shape, seeding).args());
}

/// A design table (chapter 06's `--ch06_explore`, chapter 07's `--ch07_sweep`): cuBLAS, then every
/// configuration in `configs` (records with `name`, `fp16` and `bf16`) at `shape`, each checked
/// before it is timed (a wrong one prints WRONG and is not timed), with its median ms, TFLOP/s,
/// x cuBLAS and x the mma.sync peak `peak_tflops`. `title` heads the table ("SWEEP fp16 ...");
/// `cublas_label` names the problem if cuBLAS itself is wrong (and nothing else is run);
/// `name_width` is the width of the configuration column.
template <class T, class Config>
void print_config_table(const Shape& shape, BenchSeed seeding, const std::string& title,
                        const std::string& cublas_label, double peak_tflops, int name_width,
                        const std::vector<Config>& configs) {
  Prepared<T>& p = prepared<T>(shape, seeding);
  std::string error;
  const double cublas_ms =
      checked_median_ms<T>(p, launch_cublas<T>, Epilogue::kRoundedProduct, &error);
  if (cublas_ms < 0) {
    std::printf("cuBLAS %s: %s\n", cublas_label.c_str(), error.c_str());
    return;
  }
  const double gflop = flops(shape.M, shape.N, shape.K) * 1e-9;
  std::printf("\n%s (median of the default repetitions, L2 flushed); mma.sync peak %.1f TFLOP/s\n",
              title.c_str(), peak_tflops);
  std::printf("%-*s %10s %10s %10s %10s\n", name_width, "configuration", "ms", "TFLOP/s",
              "x cuBLAS", "x peak");
  std::printf("%-*s %10.4f %10.2f %10.3f %10.3f\n", name_width, "cuBLAS", cublas_ms,
              gflop / cublas_ms, 1.0, gflop / cublas_ms / peak_tflops);
  for (const Config& c : configs) {
    const Launcher<T> launch = wb::launcher_of<T>(c);
    const double ms = checked_median_ms(p, launch, Epilogue::kFused, &error);
    if (ms < 0) {
      std::printf("%-*s WRONG: %s\n", name_width, c.name, error.c_str());
      continue;
    }
    std::printf("%-*s %10.4f %10.2f %10.3f %10.3f\n", name_width, c.name, ms, gflop / ms,
                cublas_ms / ms, gflop / ms / peak_tflops);
  }
}

}  // namespace wb::gemm
