#include "wb/ladder.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

namespace wb {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double to_seconds(double t, const std::string& unit) {
  if (unit == "ns") return t * 1e-9;
  if (unit == "us") return t * 1e-6;
  if (unit == "ms") return t * 1e-3;
  if (unit == "s") return t;
  throw std::runtime_error("unknown time_unit '" + unit + "' in results");
}

std::string fixed(double x, int decimals) {
  if (std::isnan(x)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, x);
  return buf;
}

std::string ratio(double x) {
  return std::isnan(x) ? "-" : fixed(x, 2) + "x";
}

std::string pad(const std::string& s, std::size_t width, bool left) {
  if (s.size() >= width) return s;
  return left ? s + std::string(width - s.size(), ' ') : std::string(width - s.size(), ' ') + s;
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024.0 && u < 4) {
    b /= 1024.0;
    ++u;
  }
  return fixed(b, u == 0 ? 0 : 2) + " " + units[u];
}

}  // namespace

std::string BenchRun::family() const {
  if (is_vendor()) return "";
  const std::size_t dash = step.find('-');
  return dash == std::string::npos ? "" : step.substr(0, dash);
}

bool parse_bench_name(const std::string& name, BenchRun* out) {
  // chNN/<step>/<arg>/<arg>...: at least chapter, step and one size argument.
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = name.find('/', start);
    parts.push_back(name.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 3 || parts[0].size() != 4 || parts[0].rfind("ch", 0) != 0 || parts[1].empty())
    return false;
  for (std::size_t i = 2; i < parts.size(); ++i) {
    if (parts[i].empty() || parts[i].find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                       "0123456789_.-") != std::string::npos)
      return false;
  }
  out->name = name;
  out->chapter = parts[0];
  out->step = parts[1];
  out->size = parts[2];
  for (std::size_t i = 3; i < parts.size(); ++i)
    out->size += "/" + parts[i];
  return true;
}

Ladder build_ladder(const json::Value& results) {
  const json::Value* context = results.find("context");
  const json::Value* benchmarks = results.find("benchmarks");
  if (context == nullptr || benchmarks == nullptr ||
      benchmarks->type() != json::Value::Type::kArray) {
    throw std::runtime_error("results file has no 'context' object or no 'benchmarks' array");
  }
  Ladder ladder;
  ladder.gpu = context->get_string("wb_gpu", "unknown GPU");
  ladder.date = context->get_string("date", "unknown date");
  ladder.commit = context->get_string("wb_commit", "unknown commit");
  ladder.ceiling_kind = context->get_string("wb_ceiling_kind", "bandwidth");
  ladder.ceiling = context->get_number("wb_ceiling_value", kNaN);
  ladder.ceiling_what = context->get_string("wb_ceiling_what", "");
  ladder.vendor_step = context->get_string("wb_vendor_step", "");
  if (ladder.ceiling_kind != "bandwidth" && ladder.ceiling_kind != "compute") {
    throw std::runtime_error("wb_ceiling_kind must be 'bandwidth' or 'compute', got '" +
                             ladder.ceiling_kind + "'");
  }

  std::map<std::string, std::vector<BenchRun>> by_size;
  for (const json::Value& b : benchmarks->items()) {
    // Only plain iterations are ladder rows; aggregates (mean, median, ...) are skipped.
    if (b.get_string("run_type", "iteration") != "iteration") continue;
    BenchRun run;
    const std::string name = b.get_string("name");
    if (!parse_bench_name(name, &run)) {
      throw std::runtime_error("benchmark name '" + name +
                               "' does not follow chNN/<step>/<size args>");
    }
    if (ladder.chapter.empty()) ladder.chapter = run.chapter;
    if (run.chapter != ladder.chapter) {
      throw std::runtime_error("results mix chapters " + ladder.chapter + " and " + run.chapter);
    }
    if (const json::Value* e = b.find("error_occurred");
        e != nullptr && e->type() == json::Value::Type::kBool && e->as_bool()) {
      run.failed = true;
      run.error = b.get_string("error_message", "error");
    } else {
      run.time_s = to_seconds(b.get_number("real_time", kNaN), b.get_string("time_unit", "ns"));
      run.bytes = b.get_number("bytes", 0.0);
      run.flops = b.get_number("flops", 0.0);
    }
    auto& group = by_size[run.size];
    if (group.empty()) ladder.sizes.push_back(run.size);
    group.push_back(run);
  }
  if (ladder.sizes.empty()) throw std::runtime_error("results file holds no benchmark rows");
  const std::string vendors = context->get_string("wb_vendor_step", "");
  for (std::size_t start = 0; start < vendors.size();) {
    std::size_t comma = vendors.find(',', start);
    if (comma == std::string::npos) comma = vendors.size();
    if (comma > start) ladder.vendor_steps.push_back(vendors.substr(start, comma - start));
    start = comma + 1;
  }
  if (ladder.vendor_steps.empty()) {  // default: the first vendor row in the file
    for (const auto& size : ladder.sizes) {
      for (const auto& run : by_size[size]) {
        if (run.is_vendor() && ladder.vendor_steps.empty()) ladder.vendor_steps.push_back(run.step);
      }
    }
  }
  if (!ladder.vendor_steps.empty()) ladder.vendor_step = ladder.vendor_steps.front();

  for (const auto& size : ladder.sizes) {
    const auto& group = by_size[size];
    std::map<std::string, double> naive;  // by family
    std::vector<double> vendor(ladder.vendor_steps.size(), kNaN);
    for (const auto& run : group) {
      if (run.failed) continue;
      const std::string family = run.family();
      if (run.step == (family.empty() ? "naive" : family + "-naive")) naive[family] = run.time_s;
      for (std::size_t v = 0; v < vendor.size(); ++v) {
        if (run.step == ladder.vendor_steps[v]) vendor[v] = run.time_s;
      }
    }
    std::map<std::string, double> prev;  // by family: the previous rung's time
    for (const auto& run : group) {
      LadderRow row;
      row.run = run;
      const std::string family = run.family();
      if (run.failed) {
        row.gbps = row.tflops = row.pct_ceiling = row.x_naive = row.x_prev = row.x_vendor = kNaN;
        row.x_vendors.assign(vendor.size(), kNaN);
        ladder.rows.push_back(row);
        if (!run.is_vendor()) prev[family] = kNaN;
        continue;
      }
      row.gbps = run.bytes / run.time_s / 1e9;
      row.tflops = run.flops / run.time_s / 1e12;
      const double achieved = ladder.ceiling_kind == "bandwidth" ? row.gbps : row.tflops;
      row.pct_ceiling = 100.0 * achieved / ladder.ceiling;
      const auto n = naive.find(family);
      row.x_naive = (run.is_vendor() || n == naive.end()) ? kNaN : n->second / run.time_s;
      for (double t : vendor)
        row.x_vendors.push_back(t / run.time_s);
      row.x_vendor = row.x_vendors.empty() ? kNaN : row.x_vendors.front();
      const auto p = prev.find(family);
      row.x_prev = (run.is_vendor() || p == prev.end()) ? kNaN : p->second / run.time_s;
      if (!run.is_vendor()) prev[family] = run.time_s;
      ladder.rows.push_back(row);
    }
  }
  return ladder;
}

std::string format_ladder(const Ladder& ladder, const std::string& banner) {
  const bool bandwidth = ladder.ceiling_kind == "bandwidth";
  const std::string unit = bandwidth ? "GB/s" : "TFLOP/s";
  std::ostringstream out;
  out << banner << "\n";
  out << "GPU " << ladder.gpu << " | " << ladder.date << " | commit " << ladder.commit << "\n";
  out << "ceiling: " << fixed(ladder.ceiling, bandwidth ? 0 : 1) << " " << unit << " ("
      << ladder.ceiling_what << ")\n";
  std::string header = pad("step", 18, true) + pad("time ms", 11, false) + pad(unit, 10, false) +
                       pad("% ceil", 8, false) + pad("x naive", 9, false) + pad("x prev", 8, false);
  for (const auto& v : ladder.vendor_steps)
    header += pad("x " + v, 17, false);
  for (const auto& size : ladder.sizes) {
    double bytes = 0, flops = 0;
    for (const auto& row : ladder.rows) {
      if (row.run.size == size && !row.run.failed && row.run.bytes > bytes) {
        bytes = row.run.bytes;
        flops = row.run.flops;
      }
    }
    out << "\nsize " << size << ": " << human_bytes(bytes) << " moved";
    if (flops > 0) out << ", " << fixed(flops / 1e9, 3) << " GFLOP";
    out << "\n" << header << "\n" << std::string(header.size(), '-') << "\n";
    for (const auto& row : ladder.rows) {
      if (row.run.size != size) continue;
      if (row.run.failed) {
        out << pad(row.run.step, 18, true) << "  FAILED: " << row.run.error << "\n";
        continue;
      }
      const double rate = bandwidth ? row.gbps : row.tflops;
      out << pad(row.run.step, 18, true) << pad(fixed(row.run.time_s * 1e3, 4), 11, false)
          << pad(fixed(rate, bandwidth ? 0 : 2), 10, false)
          << pad(fixed(row.pct_ceiling, 1), 8, false) << pad(ratio(row.x_naive), 9, false)
          << pad(ratio(row.x_prev), 8, false);
      for (double x : row.x_vendors)
        out << pad(ratio(x), 17, false);
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace wb
