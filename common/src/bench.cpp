#include "wb/bench.h"

#include "wb/ceilings.h"
#include "wb/chapter.h"
#include "wb/check.h"
#include "wb/device.h"
#include "wb/exercise.h"
#include "wb/ladder.h"
#include "wb/random.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <iostream>
#include <sstream>
#include <vector>

#ifndef WB_SOURCE_DIR
#error "WB_SOURCE_DIR must be defined by the build (the repository root)"
#endif
#ifndef WB_BINARY_DIR
#error "WB_BINARY_DIR must be defined by the build (the build directory)"
#endif

namespace wb {

namespace {

// Google Benchmark appends "/iterations:1/manual_time" to the names of cases registered with
// Iterations(1) and UseManualTime(). The results contract names rows chNN/<step>/<size>, so both
// the console and the file reporter drop those two suffixes before printing.
template <class Base>
class ContractNames : public Base {
 public:
  using Base::Base;
  void ReportRuns(const std::vector<benchmark::BenchmarkReporter::Run>& runs) override {
    std::vector<benchmark::BenchmarkReporter::Run> renamed = runs;
    for (auto& run : renamed) {
      run.run_name.iterations.clear();
      run.run_name.time_type.clear();
    }
    Base::ReportRuns(renamed);
  }
};

// The commit the measured code came from: WB_GIT_COMMIT when set (a copy of the tree without
// .git, as on a lent machine), else git's answer, marked "-dirty" when tracked files differ.
std::string git_commit() {
  if (const char* env = std::getenv("WB_GIT_COMMIT"); env != nullptr && env[0] != '\0') return env;
  const std::string dir = WB_SOURCE_DIR;
  std::string sha = first_output_line("git -C '" + dir + "' rev-parse --short=12 HEAD 2>/dev/null");
  if (sha.empty()) return "unknown";
  if (!first_output_line("git -C '" + dir + "' status --porcelain --untracked-files=no 2>/dev/null")
           .empty()) {
    sha += "-dirty";
  }
  return sha;
}

std::string recorded_path(const ChapterBench& chapter) {
  return std::string(WB_SOURCE_DIR) + "/bench/results/h100/" + chapter.results_name + ".json";
}

int print_recorded(const ChapterBench& chapter, const std::string& why) {
  const std::string path = recorded_path(chapter);
  if (!std::filesystem::exists(path)) {
    std::cout << why << "\nNo recorded results at " << path << " yet: nothing to show.\n";
    return 0;
  }
  const Ladder ladder = build_ladder(json::parse_file(path));
  std::ostringstream banner;
  banner << "RECORDED ladder for " << chapter.id << " (" << chapter.title << "), read from " << path
         << "\n"
         << why << "\nThese numbers were measured on " << ladder.gpu << " on " << ladder.date
         << " at commit " << ladder.commit << ", not on this machine.";
  std::cout << format_ladder(ladder, banner.str());
  return 0;
}

void add_context(const ChapterBench& chapter, double ceiling) {
  const DeviceInfo d = device_info();
  auto put = [](const char* key, const std::string& value) {
    benchmark::AddCustomContext(key, value);
  };
  auto num = [](double x) {
    std::ostringstream s;
    s.precision(10);
    s << x;
    return s.str();
  };
  put("wb_chapter", chapter.id);
  put("wb_gpu", d.name);
  put("wb_compute_capability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor));
  put("wb_sm_count", std::to_string(d.sm_count));
  put("wb_l2_bytes", std::to_string(d.l2_bytes));
  put("wb_sm_clock_max_mhz", num(d.sm_clock_max_mhz));
  put("wb_mem_clock_max_mhz", num(d.mem_clock_max_mhz));
  put("wb_clocks_at_start", d.clocks_now);
  put("wb_driver", d.driver);
  put("wb_cuda_runtime", std::to_string(d.cuda_runtime));
  put("wb_cuda_driver_api", std::to_string(d.cuda_driver_api));
  put("wb_dram_peak_datasheet_GBps", num(d.dram_peak_GBps()));
  put("wb_fp32_peak_tflops", num(d.fp32_peak_tflops()));
  put("wb_commit", git_commit());
  put("wb_seed", std::to_string(base_seed()));
  const TimingOptions t = options_from_env({});
  put("wb_timing", "median of " + std::to_string(t.reps) + " CUDA-event timed runs after " +
                       std::to_string(t.warmup) + " warm-ups, L2 flushed before each");
  put("wb_ceiling_kind", chapter.ceiling_kind);
  put("wb_ceiling_value", num(ceiling));
  put("wb_ceiling_unit", chapter.ceiling_kind == "bandwidth" ? "GB/s" : "TFLOP/s");
  put("wb_ceiling_what", chapter.ceiling_what);
  put("wb_vendor_step", chapter.vendor_step);
}

}  // namespace

namespace {

// An exercise still marked WB_EXERCISE_TODO is listed once and never timed (in the learner's
// bench, chNN_bench_mine; the reference bench has none).
bool skip_unfinished(const std::string& step) {
  if (!is_unfinished(step)) return false;
  static std::set<std::string> noted;
  if (noted.insert(step).second)
    std::cout << "[wb] " << step
              << ": UNFINISHED exercise (still marked WB_EXERCISE_TODO): not timed\n";
  return true;
}

}  // namespace

void add_case(const std::string& chapter, const std::string& step,
              const std::vector<std::int64_t>& args, std::function<void(benchmark::State&)> body) {
  if (skip_unfinished(step)) return;
  benchmark::RegisterBenchmark((chapter + "/" + step).c_str(),
                               [body](benchmark::State& state) { body(state); })
      ->Args(args)
      ->UseManualTime()
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
}

void add_case(const std::string& chapter, const std::string& step,
              const std::vector<std::string>& size, std::function<void(benchmark::State&)> body) {
  if (skip_unfinished(step)) return;
  std::string name = chapter + "/" + step;
  for (const std::string& token : size) {
    WB_REQUIRE_ARG(!token.empty() && token.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789_.-") == std::string::npos,
                   "wb::add_case", "size token '" + token + "' must be letters, digits, _ . -");
    name += "/" + token;
  }
  benchmark::RegisterBenchmark(name.c_str(), [body](benchmark::State& state) { body(state); })
      ->UseManualTime()
      ->Iterations(1)
      ->Unit(benchmark::kMillisecond);
}

void bench_device_copy(benchmark::State& state, void* dst, const void* src, std::size_t bytes) {
  // Correctness next to the timing, as for every step: a copy that moved the wrong bytes (or
  // none: dst is first filled with 0xFF) is reported, not timed.
  WB_CUDA_CHECK(cudaMemset(dst, 0xFF, bytes));
  WB_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice));
  std::vector<unsigned char> got(bytes), want(bytes);
  WB_CUDA_CHECK(cudaMemcpy(got.data(), dst, bytes, cudaMemcpyDeviceToHost));
  WB_CUDA_CHECK(cudaMemcpy(want.data(), src, bytes, cudaMemcpyDeviceToHost));
  if (got != want) {
    state.SkipWithError("cudaMemcpy copied the wrong bytes");
    return;
  }
  for (auto _ : state) {
    report_timing(state, time_on_stream([&](cudaStream_t s) {
                    WB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, s));
                  }),
                  2.0 * static_cast<double>(bytes), 0.0);
  }
}

void report_timing(benchmark::State& state, const TimingResult& timing, double bytes,
                   double flops) {
  state.SetIterationTime(timing.median_ms * 1e-3);
  state.counters["bytes"] = bytes;
  state.counters["flops"] = flops;
  state.counters["reps"] = static_cast<double>(timing.ms.size());
  state.counters["min_ms"] = timing.min_ms;
  state.counters["max_ms"] = timing.max_ms;
}

int bench_main(int argc, char** argv, const ChapterBench& chapter) {
  bool profile = false, recorded = false, has_out = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--wb_profile") {
      profile = true;
      continue;
    }
    if (a == "--wb_recorded") {
      recorded = true;
      continue;
    }
    if (a.rfind("--benchmark_out=", 0) == 0) has_out = true;
    args.push_back(argv[i]);
  }
  try {
    std::string reason;
    if (!chapter_runnable(&reason)) {
      if (profile) {
        std::cerr << "chapter profile needs a CUDA GPU: " << reason << "\n";
        return 1;
      }
      return print_recorded(
          chapter, "Not measured here (" + reason + "): showing the recorded ladder instead.");
    }
    if (recorded) return print_recorded(chapter, "Asked for the recorded ladder (--wb_recorded).");
    if (profile) {
      chapter.profile();
      WB_CUDA_CHECK(cudaDeviceSynchronize());
      return 0;
    }

    std::string out_arg = "--benchmark_out=" + std::string(WB_BINARY_DIR) + "/bench/results/" +
                          chapter.results_name + ".json";
    if (!has_out) args.push_back(out_arg.data());
    std::string out_path;
    for (char* a : args) {
      const std::string s = a;
      if (s.rfind("--benchmark_out=", 0) == 0) out_path = s.substr(16);
    }
    // Google Benchmark cannot create folders: make the results file's folder, default or given.
    const std::filesystem::path out_dir = std::filesystem::path(out_path).parent_path();
    if (!out_dir.empty()) std::filesystem::create_directories(out_dir);
    int n = static_cast<int>(args.size());
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 2;

    std::cerr << "[wb] measuring the ceiling: " << chapter.ceiling_what << "\n";
    const double ceiling =
        chapter.measure_ceiling ? chapter.measure_ceiling() : measure_copy_bandwidth_GBps();
    add_context(chapter, ceiling);
    chapter.register_cases();

    ContractNames<benchmark::ConsoleReporter> console;
    ContractNames<benchmark::JSONReporter> file;
    benchmark::RunSpecifiedBenchmarks(&console, &file);
    benchmark::Shutdown();

    const Ladder ladder = build_ladder(json::parse_file(out_path));
    const std::string text =
        format_ladder(ladder, "Ladder for " + chapter.id + " (" + chapter.title +
                                  "), measured now; results in " + out_path);
    std::cout << "\n" << text;
    // The ladder as text next to the JSON: results/chapter-NN.json -> results/chapter-NN.ladder.txt
    const std::filesystem::path text_path =
        std::filesystem::path(out_path).replace_extension(".ladder.txt");
    std::ofstream(text_path) << text;
    for (const auto& row : ladder.rows) {
      if (row.run.failed) {
        std::cerr << "\n[wb] " << row.run.name << " FAILED: " << row.run.error << "\n";
        return 1;
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace wb
