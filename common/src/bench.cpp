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
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#ifndef WB_SOURCE_DIR
#error "WB_SOURCE_DIR must be defined by the build (the repository root)"
#endif
#ifndef WB_BINARY_DIR
#error "WB_BINARY_DIR must be defined by the build (the build directory)"
#endif

namespace wb {

namespace {

// Google Benchmark 1.7 marks a run that called SkipWithError with `error_occurred` and
// `error_message`; 1.8 replaced them with `skipped` (an enum, non-zero when skipped) and
// `skip_message`. Whichever this version has: whether the run failed, and why.
template <class R>
auto run_error(const R& r, int) -> decltype(r.error_occurred, std::pair<bool, std::string>()) {
  return {r.error_occurred, r.error_message};
}
template <class R>
auto run_error(const R& r, long) -> decltype(r.skipped, std::pair<bool, std::string>()) {
  return {static_cast<int>(r.skipped) != 0, r.skip_message};
}

// Google Benchmark appends "/iterations:1/manual_time" to the names of cases registered with
// Iterations(1) and UseManualTime(). The results contract names rows chNN/<step>/<size>, so both
// the console and the file reporter drop those two suffixes before printing. The display
// reporter also keeps every run (iterations, not aggregates) for the ladder, in order.
template <class Base>
class ContractNames : public Base {
 public:
  explicit ContractNames(std::vector<BenchRun>* runs = nullptr) : runs_(runs) {}
  void ReportRuns(const std::vector<benchmark::BenchmarkReporter::Run>& runs) override {
    std::vector<benchmark::BenchmarkReporter::Run> renamed = runs;
    for (auto& run : renamed) {
      run.run_name.iterations.clear();
      run.run_name.time_type.clear();
      if (runs_ != nullptr && run.run_type == benchmark::BenchmarkReporter::Run::RT_Iteration)
        runs_->push_back(bench_run_from(run));
    }
    Base::ReportRuns(renamed);
  }

 private:
  std::vector<BenchRun>* runs_;
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

std::string recorded_file(const std::string& name) {
  return std::string(WB_SOURCE_DIR) + "/bench/results/h100/" + name;
}

// Prints the ladder recorded on the H100 as the bench wrote it there: the committed text file,
// under a banner that says it was not measured here; then the chapter's other recorded files.
int print_recorded(const ChapterBench& chapter, const std::string& why) {
  const std::string path = recorded_file(chapter.results_name + ".ladder.txt");
  std::ifstream file(path);
  if (!file) {
    std::cout << why << "\nNo recorded ladder at " << path << " yet: nothing to show.\n";
    return 0;
  }
  std::ostringstream text;
  text << file.rdbuf();
  std::cout << "RECORDED ladder for " << chapter.id << " (" << chapter.title << "), read from "
            << path << "\n"
            << why
            << "\nThese numbers were measured on the GPU, on the date and at the commit below, "
               "not on this machine.\n\n"
            << text.str();
  for (const std::string& name : chapter.recorded_extras) {
    const std::string extra_path = recorded_file(name);
    std::ifstream extra(extra_path);
    if (!extra) {
      std::cout << "\nNo recorded " << name << " at " << extra_path << " yet: nothing to show.\n";
      continue;
    }
    std::ostringstream extra_text;
    extra_text << extra.rdbuf();
    std::cout << "\nRECORDED beside the ladder, read from " << extra_path
              << " (measured on the GPU, not on this machine; its header says when and how):\n\n"
              << extra_text.str();
  }
  return 0;
}

// Now as Google Benchmark writes it in its JSON: 2026-11-21T04:27:46+00:00.
std::string local_date() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", &local);
  std::string s = buf;  // ...+0000: put the colon into the offset
  if (s.size() >= 5) s.insert(s.size() - 2, ":");
  return s;
}

// Records the run's context twice: in Google Benchmark's JSON (AddCustomContext) and in the
// ladder's context, which the ladder file carries for the notebooks.
LadderContext add_context(const ChapterBench& chapter, double ceiling,
                          const std::string& results_file) {
  const DeviceInfo d = device_info();
  LadderContext ladder;
  ladder.chapter = chapter.id;
  ladder.title = chapter.title;
  ladder.results = results_file;
  ladder.gpu = d.name;
  ladder.date = local_date();
  ladder.commit = git_commit();
  ladder.ceiling_kind = chapter.ceiling_kind;
  ladder.ceiling = ceiling;
  ladder.ceiling_what = chapter.ceiling_what;
  ladder.vendor_steps = split_list(chapter.vendor_step);
  ladder.recorded.emplace_back("date", ladder.date);
  auto put = [&ladder](const char* key, const std::string& value) {
    benchmark::AddCustomContext(key, value);
    ladder.recorded.emplace_back(key, value);
  };
  auto num = [](double x) {
    std::ostringstream s;
    s.precision(10);
    s << x;
    return s.str();
  };
  put("wb_chapter", chapter.id);
  put("wb_title", chapter.title);
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
  put("wb_commit", ladder.commit);
  put("wb_seed", std::to_string(base_seed()));
  const TimingOptions t = options_from_env({});
  put("wb_timing", "median of " + std::to_string(t.reps) + " CUDA-event timed runs after " +
                       std::to_string(t.warmup) + " warm-ups, L2 flushed before each");
  put("wb_ceiling_kind", chapter.ceiling_kind);
  put("wb_ceiling_value", num(ceiling));
  put("wb_ceiling_unit", chapter.ceiling_kind == "bandwidth" ? "GB/s" : "TFLOP/s");
  put("wb_ceiling_what", chapter.ceiling_what);
  put("wb_vendor_step", chapter.vendor_step);
  return ladder;
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

BenchRun bench_run_from(const benchmark::BenchmarkReporter::Run& run) {
  BenchRun out;
  out.name = run.benchmark_name();
  const auto [failed, message] = run_error(run, 0);
  if (failed) {  // never timed: a wrong result has no time worth showing
    out.failed = true;
    out.error = message.empty() ? "error" : message;
    return out;
  }
  // Manual time: real_accumulated_time is the sum of the SetIterationTime values, in seconds.
  out.time_s =
      run.real_accumulated_time / static_cast<double>(run.iterations > 0 ? run.iterations : 1);
  auto counter = [&run](const char* name) {
    const auto it = run.counters.find(name);
    return it == run.counters.end() ? 0.0 : static_cast<double>(it->second.value);
  };
  out.bytes = counter("bytes");
  out.flops = counter("flops");
  out.reps = counter("reps");
  out.min_ms = counter("min_ms");
  out.max_ms = counter("max_ms");
  return out;
}

std::vector<BenchRun> run_benchmarks(bool write_file) {
  std::vector<BenchRun> runs;
  ContractNames<benchmark::ConsoleReporter> console(&runs);
  ContractNames<benchmark::JSONReporter> file;
  if (write_file) {
    benchmark::RunSpecifiedBenchmarks(&console, &file);
  } else {
    benchmark::RunSpecifiedBenchmarks(&console);
  }
  return runs;
}

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
    const std::filesystem::path results(out_path);
    const LadderContext context = add_context(chapter, ceiling, results.filename().string());
    chapter.register_cases();

    const std::vector<BenchRun> runs = run_benchmarks(true);
    benchmark::Shutdown();

    // The ladder from the runs themselves, written next to Google Benchmark's JSON:
    // results/chapter-NN.json -> results/chapter-NN.ladder.json and results/chapter-NN.ladder.txt
    const Ladder ladder = build_ladder(context, runs);
    const std::string text = format_ladder(ladder);
    const std::filesystem::path json_path =
        std::filesystem::path(results).replace_extension(".ladder.json");
    const std::filesystem::path text_path =
        std::filesystem::path(results).replace_extension(".ladder.txt");
    std::ofstream(json_path) << ladder_json(ladder);
    std::ofstream(text_path) << text;
    std::cout << "\nMeasured now, on this machine. Written: " << out_path << ", "
              << json_path.string() << ", " << text_path.string() << "\n\n"
              << text;
    if (chapter.after_measured) std::cout << "\n" << chapter.after_measured(json_path.string());
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
