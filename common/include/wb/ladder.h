/// @file ladder.h
/// @brief The ladder: each step's time, rate, fraction of the ceiling and speedups, from a
/// Google Benchmark results file.
///
/// ## The results contract
/// `bench/results/h100/chapter-NN.json` is the Google Benchmark JSON written by
/// `make chapter-NN-bench` on the H100. Each benchmark is named `chNN/<step>/<size args>`, for
/// example `ch01/vectorized/16384/16384`; steps appear in ladder order starting with `naive`;
/// vendor baselines are steps named `vendor-<library>`; `real_time` is the CUDA-event median;
/// the counters `bytes` and `flops` give the minimum bytes moved and operations done by one run.
/// The context holds the GPU, its clocks and driver, the CUDA version, the git commit and the
/// measured ceiling (`wb_ceiling_kind` = `bandwidth` or `compute`, `wb_ceiling_value`,
/// `wb_ceiling_unit`, `wb_ceiling_what`) and `wb_vendor_step`: the vendor rows the ladder divides
/// by, comma-separated (the first is "the" vendor; each gets its own "x vendor-..." column).
///
/// A chapter with two operations names its steps `<family>-<step>` (chapter 05:
/// `softmax-naive`, `softmax-online`, `layernorm-naive`, ...). "x naive" then compares with the
/// family's `<family>-naive` row and "x prev" with the previous row of the same family.
#pragma once

#include "wb/json.h"

#include <string>
#include <vector>

namespace wb {

/// One benchmark row as read from the file.
struct BenchRun {
  std::string name;     ///< full name, e.g. "ch01/naive/16384/16384"
  std::string chapter;  ///< "ch01"
  std::string step;     ///< "naive", "coalesced", ..., "vendor-memcpy"
  std::string size;     ///< the size arguments joined by '/', e.g. "16384/16384"
  double time_s = 0;    ///< real_time converted to seconds
  double bytes = 0;     ///< minimum bytes moved by one run
  double flops = 0;     ///< floating-point operations of one run
  bool failed = false;  ///< the benchmark reported an error (a wrong result, say)
  std::string error;    ///< its error message
  /// True for vendor baselines (step starts with "vendor-").
  bool is_vendor() const { return step.rfind("vendor-", 0) == 0; }
  /// The step's family: the text before the first '-' of a non-vendor step ("softmax" for
  /// "softmax-online"), empty for plain steps and vendor rows.
  std::string family() const;
};

/// One line of the ladder. Ratios are NaN where they do not apply.
struct LadderRow {
  BenchRun run;                   ///< the row's measurement
  double gbps = 0;                ///< bytes / time, in GB/s (1e9 bytes)
  double tflops = 0;              ///< flops / time, in TFLOP/s
  double pct_ceiling = 0;         ///< rate / measured ceiling, in percent
  double x_naive = 0;             ///< the family's naive time / this time, same size
  double x_prev = 0;              ///< previous (non-vendor) step's time in the family / this time
  double x_vendor = 0;            ///< first vendor's time / this time, same size
  std::vector<double> x_vendors;  ///< each vendor's time / this time (Ladder::vendor_steps order)
};

/// A chapter's ladder: rows grouped by size, in file order.
struct Ladder {
  std::string chapter;       ///< "ch01"
  std::string gpu;           ///< context wb_gpu
  std::string date;          ///< context date
  std::string commit;        ///< context wb_commit
  std::string ceiling_kind;  ///< "bandwidth" or "compute"
  double ceiling = 0;        ///< ceiling value, GB/s or TFLOP/s
  std::string ceiling_what;  ///< how it was measured
  std::string vendor_step;   ///< the vendor row "x vendor" divides by (the first listed)
  std::vector<std::string> vendor_steps;  ///< every vendor row with an "x" column
  std::vector<std::string> sizes;         ///< distinct sizes in file order
  std::vector<LadderRow> rows;            ///< all rows, grouped by size, file order within a size
};

/// Splits "ch01/vectorized/16384/16384" into chapter, step and size. Returns false if the name
/// does not follow the contract.
bool parse_bench_name(const std::string& name, BenchRun* out);

/// Builds the ladder from a parsed Google Benchmark JSON document.
/// Throws std::runtime_error when the document does not follow the results contract.
Ladder build_ladder(const json::Value& results);

/// Renders the ladder as a text table, one block per size, under `banner`.
std::string format_ladder(const Ladder& ladder, const std::string& banner);

}  // namespace wb
