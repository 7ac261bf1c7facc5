/// @file bench.h
/// @brief Wiring chapter benchmarks into Google Benchmark, and the ladder printed after them.
///
/// A chapter's bench program registers one benchmark per (step, size) with `add_case`, in ladder
/// order, and calls `bench_main`. Each case first checks its result against the CPU reference
/// (a benchmark without a correctness check next to it proves nothing), then times itself with
/// `time_on_stream` and reports the median through `report_timing`.
///
/// `bench_main` then:
///  - with a GPU that can run the chapter: measures the chapter's ceiling, records GPU, clocks,
///    driver, CUDA version and git commit, runs the cases, and writes Google Benchmark's JSON (by
///    default `<build>/bench/results/chapter-NN.json`). The ladder is built in the process from
///    the runs themselves (wb/ladder.h holds its rules) and written next to it as
///    `chapter-NN.ladder.json` (for the notebooks) and `chapter-NN.ladder.txt` (the table it
///    prints). A row whose benchmark reported an error is FAILED, and the program exits 1;
///  - without a GPU, or on one below the chapter's minimum compute capability: prints the ladder
///    recorded on the H100 (`bench/results/h100/chapter-NN.ladder.txt`) under a banner that says
///    so, then the chapter's `recorded_extras` (e.g. chapter 08's peers table), and exits 0.
/// `--wb_profile` runs each step once at the chapter's profile size instead (for Nsight Compute).
#pragma once

#include "wb/ladder.h"
#include "wb/timing.h"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace wb {

/// What a chapter's bench program tells the harness about itself.
struct ChapterBench {
  std::string id;                          ///< "ch01": the prefix of every benchmark name
  std::string results_name;                ///< "chapter-01": the results file's base name
  std::string title;                       ///< "memory coalescing", for the banner
  std::string ceiling_kind = "bandwidth";  ///< "bandwidth" (GB/s) or "compute" (TFLOP/s)
  std::string vendor_step;  ///< the vendor row "x vendor" compares with, e.g. "vendor-memcpy"
  /// Measures the ceiling in the ceiling's unit; default: device-to-device copy bandwidth.
  std::function<double()> measure_ceiling;
  /// How the ceiling was measured, in words (stored in the results and printed).
  std::string ceiling_what = "cudaMemcpy device-to-device, 1 GiB, bytes read + written";
  /// Registers the benchmarks (with add_case), in ladder order.
  std::function<void()> register_cases;
  /// Runs every step once at a size fit for Nsight Compute (used by `make chapter-NN-profile`).
  std::function<void()> profile;
  /// Other files recorded on the H100 beside the ladder, by name under bench/results/h100/ (e.g.
  /// "chapter-08.peers.txt": peers measured by another program), printed after the recorded
  /// ladder, each under a line naming the file it was read from. Empty: the ladder alone.
  std::vector<std::string> recorded_extras;
  /// Given the path of the ladder JSON just written, what to print after a ladder measured now:
  /// e.g. how to measure the peers the ladder has no row for. Empty: nothing.
  std::function<std::string(const std::string& ladder_json)> after_measured;
};

/// Registers benchmark `chapter/step/args...` (arguments joined by '/') running `body` once, with
/// manual (CUDA-event) time. `body` must call report_timing, or state.SkipWithError on a wrong
/// result.
void add_case(const std::string& chapter, const std::string& step,
              const std::vector<std::int64_t>& args, std::function<void(benchmark::State&)> body);

/// The same with size tokens that may be words, e.g. {"fp16", "4096", "4096", "4096"}: the row
/// is named `chapter/step/fp16/4096/4096/4096`, and rows of one size (tokens included) form one
/// block of the ladder. Tokens hold letters, digits, '_', '.' and '-' only.
void add_case(const std::string& chapter, const std::string& step,
              const std::vector<std::string>& size, std::function<void(benchmark::State&)> body);

/// Reports a measurement: the median becomes the row's `real_time`; the counters `bytes` and
/// `flops` (per run), `reps`, `min_ms` and `max_ms` go next to it.
void report_timing(benchmark::State& state, const TimingResult& timing, double bytes, double flops);

/// The `vendor-memcpy` row of a memory-bound chapter: copies `bytes` from `src` to `dst` (device
/// pointers) with cudaMemcpy device-to-device, checks byte for byte that the copy is right, then
/// times cudaMemcpyAsync and reports 2 * bytes moved (read + written). `dst` is overwritten.
void bench_device_copy(benchmark::State& state, void* dst, const void* src, std::size_t bytes);

/// One Google Benchmark run as a ladder row's measurement: its name, its time (the manual time
/// per iteration, in seconds) and its counters, or, when it reported an error (SkipWithError;
/// `error_occurred` in Google Benchmark 1.7, `skipped` in 1.8), failed with the message and no
/// time at all.
BenchRun bench_run_from(const benchmark::BenchmarkReporter::Run& run);

/// Runs the registered benchmarks with Google Benchmark's console reporter and, when
/// `write_file`, its JSON reporter (which needs `--benchmark_out`), both naming rows by the
/// results contract. Returns the runs (not aggregates), in order, for build_ladder.
std::vector<BenchRun> run_benchmarks(bool write_file);

/// Runs the chapter's benchmarks (or prints the recorded ladder; see the file comment).
int bench_main(int argc, char** argv, const ChapterBench& chapter);

}  // namespace wb
