// ONE-OFF conversion (deleted in the next commit, with the JSON reader it uses): builds the ladder
// files of a recorded Google Benchmark JSON with the ladder code that the bench programs now run
// in process (wb::build_ladder, wb::ladder_json, wb::format_ladder). Only the reading of the
// recorded runs is old: common/src/json.cpp. Build and run from the repository root:
//   g++ -std=c++17 -O1 -Icommon/include scripts/once/ladder_from_recorded.cpp common/src/json.cpp
//       common/src/ladder.cpp -o /tmp/ladder_from_recorded   (one command)
//   /tmp/ladder_from_recorded bench/results/h100/chapter-01.json ...
#include "wb/json.h"
#include "wb/ladder.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <stdexcept>

namespace {

double to_seconds(double t, const std::string& unit) {
  if (unit == "ns") return t * 1e-9;
  if (unit == "us") return t * 1e-6;
  if (unit == "ms") return t * 1e-3;
  if (unit == "s") return t;
  throw std::runtime_error("unknown time_unit '" + unit + "'");
}

// The titles the bench programs give their chapters (bench/chNN_bench.cpp, ChapterBench::title).
const std::map<std::string, std::string> kTitles = {
    {"ch01", "memory coalescing"},
    {"ch02", "shared-memory tiling: transpose"},
    {"ch03", "SGEMM"},
    {"ch04", "parallel reduction"},
    {"ch05", "fused softmax and residual + LayerNorm"}};

void convert(const std::filesystem::path& path) {
  const wb::json::Value doc = wb::json::parse_file(path.string());
  const wb::json::Value* ctx = doc.find("context");
  const wb::json::Value* benchmarks = doc.find("benchmarks");
  if (ctx == nullptr || benchmarks == nullptr) throw std::runtime_error("not a results file");
  wb::LadderContext c;
  c.chapter = ctx->get_string("wb_chapter");
  c.title = kTitles.count(c.chapter) ? kTitles.at(c.chapter) : "";
  c.results = path.filename().string();
  c.gpu = ctx->get_string("wb_gpu", "unknown GPU");
  c.date = ctx->get_string("date", "unknown date");
  c.commit = ctx->get_string("wb_commit", "unknown commit");
  c.ceiling_kind = ctx->get_string("wb_ceiling_kind", "bandwidth");
  c.ceiling = ctx->get_number("wb_ceiling_value", std::nan(""));
  c.ceiling_what = ctx->get_string("wb_ceiling_what");
  c.vendor_steps = wb::split_list(ctx->get_string("wb_vendor_step"));
  c.recorded.emplace_back("date", c.date);
  for (const auto& [key, value] : ctx->members()) {
    if (key.rfind("wb_", 0) == 0 && value.type() == wb::json::Value::Type::kString)
      c.recorded.emplace_back(key, value.as_string());
  }
  std::vector<wb::BenchRun> runs;
  for (const wb::json::Value& b : benchmarks->items()) {
    if (b.get_string("run_type", "iteration") != "iteration") continue;
    wb::BenchRun run;
    run.name = b.get_string("name");
    const wb::json::Value* e = b.find("error_occurred");
    if (e != nullptr && e->type() == wb::json::Value::Type::kBool && e->as_bool()) {
      run.failed = true;
      run.error = b.get_string("error_message", "error");
    } else {
      run.time_s = to_seconds(b.get_number("real_time", std::nan("")), b.get_string("time_unit"));
      run.bytes = b.get_number("bytes", 0.0);
      run.flops = b.get_number("flops", 0.0);
      run.reps = b.get_number("reps", 0.0);
      run.min_ms = b.get_number("min_ms", 0.0);
      run.max_ms = b.get_number("max_ms", 0.0);
    }
    runs.push_back(run);
  }
  const wb::Ladder ladder = wb::build_ladder(c, runs);
  std::filesystem::path json_path = path, text_path = path;
  json_path.replace_extension(".ladder.json");
  text_path.replace_extension(".ladder.txt");
  std::ofstream(json_path) << wb::ladder_json(ladder);
  std::ofstream(text_path) << wb::format_ladder(ladder);
  std::cout << "wrote " << json_path.string() << " and " << text_path.string() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  try {
    for (int i = 1; i < argc; ++i)
      convert(argv[i]);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
