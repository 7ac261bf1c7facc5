#include "wb/ladder.h"

#include <charconv>
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

namespace wb {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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

// JSON output: strings escaped per RFC 8259, numbers exact (17 significant digits), NaN and
// infinities as null.
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string number(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[64];
  const auto end = std::to_chars(buf, buf + sizeof(buf), x).ptr;  // shortest exact form
  return std::string(buf, end);
}

std::string boolean(bool b) {
  return b ? "true" : "false";
}

std::string string_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + quote(items[i]);
  return out + "]";
}

}  // namespace

std::string BenchRun::family() const {
  if (is_vendor()) return "";
  const std::size_t dash = step.find('-');
  return dash == std::string::npos ? "" : step.substr(0, dash);
}

std::string Ladder::rate_unit() const {
  return context.ceiling_kind == "bandwidth" ? "GB/s" : "TFLOP/s";
}

bool parse_bench_name(const std::string& name, BenchRun* out) {
  // chNN/<step>/<token>/<token>...: at least chapter, step and one size token.
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

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> items;
  for (std::size_t start = 0; start < list.size();) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) items.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

Ladder build_ladder(const LadderContext& context, const std::vector<BenchRun>& runs) {
  Ladder ladder;
  ladder.context = context;
  if (context.ceiling_kind != "bandwidth" && context.ceiling_kind != "compute") {
    throw std::runtime_error("the ceiling kind must be 'bandwidth' or 'compute', got '" +
                             context.ceiling_kind + "'");
  }
  std::map<std::string, std::vector<BenchRun>> by_size;
  for (const BenchRun& given : runs) {
    BenchRun run = given;
    if (!parse_bench_name(given.name, &run)) {
      throw std::runtime_error("benchmark name '" + given.name +
                               "' does not follow chNN/<step>/<size tokens>");
    }
    if (ladder.context.chapter.empty()) ladder.context.chapter = run.chapter;
    if (run.chapter != ladder.context.chapter) {
      throw std::runtime_error("the runs mix chapters " + ladder.context.chapter + " and " +
                               run.chapter);
    }
    if (run.failed) {  // a failed run is never timed, whatever it reported
      run.time_s = kNaN;
      run.bytes = run.flops = run.reps = run.min_ms = run.max_ms = kNaN;
    }
    auto& group = by_size[run.size];
    if (group.empty()) ladder.sizes.push_back(run.size);
    group.push_back(run);
  }
  if (ladder.sizes.empty()) throw std::runtime_error("no benchmark runs to build a ladder from");

  ladder.vendor_steps = context.vendor_steps;
  if (ladder.vendor_steps.empty()) {  // default: the first vendor row
    for (const auto& size : ladder.sizes) {
      for (const auto& run : by_size[size]) {
        if (run.is_vendor() && ladder.vendor_steps.empty()) ladder.vendor_steps.push_back(run.step);
      }
    }
  }

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
      const double achieved = context.ceiling_kind == "bandwidth" ? row.gbps : row.tflops;
      row.pct_ceiling = 100.0 * achieved / context.ceiling;
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

std::string format_ladder(const Ladder& ladder) {
  const LadderContext& c = ladder.context;
  const bool bandwidth = c.ceiling_kind == "bandwidth";
  const std::string unit = ladder.rate_unit();
  std::ostringstream out;
  out << "Ladder for " << c.chapter << (c.title.empty() ? "" : " (" + c.title + ")");
  if (!c.results.empty()) out << ": the runs in " << c.results;
  out << "\n";
  out << "GPU " << c.gpu << " | " << c.date << " | commit " << c.commit << "\n";
  out << "ceiling: " << fixed(c.ceiling, bandwidth ? 0 : 1) << " " << unit << " (" << c.ceiling_what
      << ")\n";
  std::size_t step_width = 18;  // the longest step name and two spaces, at least 18
  for (const auto& row : ladder.rows)
    step_width = std::max(step_width, row.run.step.size() + 2);
  std::string header = pad("step", step_width, true) + pad("time ms", 11, false) +
                       pad(unit, 10, false) + pad("% ceil", 8, false) + pad("x naive", 9, false) +
                       pad("x prev", 8, false);
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
        out << pad(row.run.step, step_width, true) << "FAILED: " << row.run.error << "\n";
        continue;
      }
      const double rate = bandwidth ? row.gbps : row.tflops;
      out << pad(row.run.step, step_width, true) << pad(fixed(row.run.time_s * 1e3, 4), 11, false)
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

std::string ladder_json(const Ladder& ladder) {
  const LadderContext& c = ladder.context;
  std::ostringstream out;
  out << "{\n";
  out << "  \"format\": \"wb-ladder/1\",\n";
  out << "  \"chapter\": " << quote(c.chapter) << ",\n";
  out << "  \"title\": " << quote(c.title) << ",\n";
  out << "  \"results\": " << quote(c.results) << ",\n";
  out << "  \"gpu\": " << quote(c.gpu) << ",\n";
  out << "  \"date\": " << quote(c.date) << ",\n";
  out << "  \"commit\": " << quote(c.commit) << ",\n";
  out << "  \"ceiling\": {\"kind\": " << quote(c.ceiling_kind)
      << ", \"value\": " << number(c.ceiling) << ", \"unit\": " << quote(ladder.rate_unit())
      << ", \"what\": " << quote(c.ceiling_what) << "},\n";
  out << "  \"vendor_steps\": " << string_list(ladder.vendor_steps) << ",\n";
  out << "  \"sizes\": " << string_list(ladder.sizes) << ",\n";
  out << "  \"context\": {";
  for (std::size_t i = 0; i < c.recorded.size(); ++i) {
    out << (i ? ",\n    " : "\n    ") << quote(c.recorded[i].first) << ": "
        << quote(c.recorded[i].second);
  }
  out << (c.recorded.empty() ? "},\n" : "\n  },\n");
  out << "  \"rows\": [";
  for (std::size_t i = 0; i < ladder.rows.size(); ++i) {
    const LadderRow& row = ladder.rows[i];
    const BenchRun& r = row.run;
    out << (i ? ",\n    " : "\n    ");
    out << "{\"name\": " << quote(r.name) << ", \"step\": " << quote(r.step)
        << ", \"family\": " << quote(r.family()) << ", \"size\": " << quote(r.size)
        << ", \"vendor\": " << boolean(r.is_vendor()) << ", \"failed\": " << boolean(r.failed)
        << ", \"error\": " << quote(r.error) << ", \"time_ms\": " << number(r.time_s * 1e3)
        << ", \"bytes\": " << number(r.bytes) << ", \"flops\": " << number(r.flops)
        << ", \"reps\": " << number(r.reps > 0 ? r.reps : std::nan(""))
        << ", \"min_ms\": " << number(r.min_ms > 0 ? r.min_ms : std::nan(""))
        << ", \"max_ms\": " << number(r.max_ms > 0 ? r.max_ms : std::nan(""))
        << ", \"gbps\": " << number(row.gbps) << ", \"tflops\": " << number(row.tflops)
        << ", \"pct_ceiling\": " << number(row.pct_ceiling)
        << ", \"x_naive\": " << number(row.x_naive) << ", \"x_prev\": " << number(row.x_prev)
        << ", \"x_vendor\": " << number(row.x_vendor) << ", \"x_vendors\": {";
    for (std::size_t v = 0; v < ladder.vendor_steps.size(); ++v) {
      out << (v ? ", " : "") << quote(ladder.vendor_steps[v]) << ": "
          << number(v < row.x_vendors.size() ? row.x_vendors[v] : std::nan(""));
    }
    out << "}}";
  }
  out << (ladder.rows.empty() ? "]\n" : "\n  ]\n");
  out << "}\n";
  return out.str();
}

}  // namespace wb
