/// @file ladder.h
/// @brief The ladder: each step's time, rate, fraction of the ceiling and speedups, built from
/// the runs of one bench program, and the two files it is written to.
///
/// ## The rows
/// Every benchmark is named `chNN/<step>/<size tokens>`, for example
/// `ch01/vectorized/16384/16384` or `ch06/tensor_core/fp16/4096/4096/4096`; steps appear in
/// ladder order starting with `naive`; vendor baselines are steps named `vendor-<library>`. A
/// run's time is the CUDA-event median; `bytes` and `flops` are the minimum bytes moved and the
/// operations done by one run. Rows of one size (all its tokens) form one block of the ladder.
///
/// ## The rules, here and nowhere else
/// - rate: bytes / time in GB/s (1e9 bytes) and flops / time in TFLOP/s; "% ceil" is the rate of
///   the ceiling's kind (bandwidth: GB/s, compute: TFLOP/s) over the measured ceiling;
/// - "x naive": the family's naive time at the same size / this time;
/// - "x prev": the previous non-vendor row of the same family at the same size / this time (a
///   failed row leaves the next one with no previous step);
/// - "x vendor-...": that vendor's time at the same size / this time, one column per vendor step
///   listed in the context (the first is "the" vendor); vendor rows get no "x naive"/"x prev";
/// - a chapter with two operations names its steps `<family>-<step>` (chapter 05:
///   `softmax-naive`, `softmax-online`, `layernorm-naive`, ...): "x naive" then compares with
///   the family's `<family>-naive` row and "x prev" stays within the family;
/// - a run that reported an error (a wrong result: SkipWithError) is FAILED: no time, no rate,
///   no ratio, and it is never timed.
///
/// ## The files
/// A bench program writes, next to Google Benchmark's `chapter-NN.json`:
/// - `chapter-NN.ladder.json` (`ladder_json`): the context and every row with every computed
///   column; the notebooks and the lessons' figures read this file and compute no rule again;
/// - `chapter-NN.ladder.txt` (`format_ladder`): the table it prints. Without a GPU the bench
///   prints the one recorded on the H100, `bench/results/h100/chapter-NN.ladder.txt`.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace wb {

/// One benchmark run: its name and what it measured.
struct BenchRun {
  std::string name;     ///< full name, e.g. "ch01/naive/16384/16384"
  std::string chapter;  ///< "ch01" (filled from `name` by build_ladder)
  std::string step;     ///< "naive", "coalesced", ..., "vendor-memcpy" (idem)
  std::string size;     ///< the size tokens joined by '/', e.g. "16384/16384" (idem)
  double time_s = 0;    ///< the median time in seconds (0 for a failed run)
  double bytes = 0;     ///< minimum bytes moved by one run
  double flops = 0;     ///< floating-point operations of one run
  double reps = 0;      ///< timed repetitions behind the median (0: not reported)
  double min_ms = 0;    ///< fastest repetition in ms (0: not reported)
  double max_ms = 0;    ///< slowest repetition in ms (0: not reported)
  bool failed = false;  ///< the benchmark reported an error (a wrong result, say)
  std::string error;    ///< its error message
  /// True for vendor baselines (step starts with "vendor-").
  bool is_vendor() const { return step.rfind("vendor-", 0) == 0; }
  /// The step's family: the text before the first '-' of a non-vendor step ("softmax" for
  /// "softmax-online"), empty for plain steps and vendor rows.
  std::string family() const;
};

/// What the bench program recorded about the run, next to the rows.
struct LadderContext {
  std::string chapter;  ///< "ch01"
  std::string title;    ///< "memory coalescing"
  std::string results;  ///< Google Benchmark file of the same runs, "chapter-01.json"
  std::string gpu;      ///< the GPU's name
  std::string date;     ///< when it ran, ISO 8601
  std::string commit;   ///< the measured code's commit
  std::string ceiling_kind = "bandwidth";  ///< "bandwidth" (GB/s) or "compute" (TFLOP/s)
  double ceiling = 0;                      ///< the measured ceiling in its unit
  std::string ceiling_what;                ///< how the ceiling was measured, in words
  /// The vendor steps that get an "x" column, first one first; empty: the first vendor row.
  std::vector<std::string> vendor_steps;
  /// Everything else the run recorded (clocks, driver, timing rule, peaks: the `wb_*` keys and
  /// `date`), in order; written as the ladder file's "context" object.
  std::vector<std::pair<std::string, std::string>> recorded;
};

/// One line of the ladder. Ratios are NaN where they do not apply, and everything is NaN for a
/// failed row.
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

/// A chapter's ladder: rows grouped by size, in run order.
struct Ladder {
  LadderContext context;                  ///< as recorded
  std::vector<std::string> vendor_steps;  ///< every vendor step with an "x" column
  std::vector<std::string> sizes;         ///< distinct sizes in run order
  std::vector<LadderRow> rows;            ///< all rows, grouped by size, run order within a size
  /// "GB/s" for a bandwidth ceiling, "TFLOP/s" for a compute ceiling.
  std::string rate_unit() const;
};

/// Splits "ch01/vectorized/16384/16384" into chapter, step and size. Returns false if the name
/// does not follow the contract (chNN, a step, then at least one token of letters, digits, '_',
/// '.' and '-').
bool parse_bench_name(const std::string& name, BenchRun* out);

/// Splits a comma-separated list ("vendor-cublas,vendor-memcpy"), dropping empty items.
std::vector<std::string> split_list(const std::string& list);

/// Builds the ladder from the runs (names, times, counters, failures) and the context.
/// Throws std::runtime_error when they break the contract: a name not `chNN/<step>/<size>`, runs of
/// two chapters, no runs, or a ceiling kind other than "bandwidth" or "compute".
Ladder build_ladder(const LadderContext& context, const std::vector<BenchRun>& runs);

/// The ladder as a text table, one block per size, under a title line, the GPU, date and commit,
/// and the ceiling: the contents of `chapter-NN.ladder.txt`.
std::string format_ladder(const Ladder& ladder);

/// The ladder file `chapter-NN.ladder.json` (format "wb-ladder/1"): the context, the vendor
/// steps, the sizes and every row with every computed column; NaN is written as null.
std::string ladder_json(const Ladder& ladder);

}  // namespace wb
