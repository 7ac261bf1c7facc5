// CPU tests of the ladder: its rules on runs held in memory, its two files, and the runs as they
// come out of Google Benchmark (a benchmark that reports an error is FAILED, never timed).
#include "wb/bench.h"
#include "wb/catch.h"
#include "wb/ladder.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace {

bool close(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::fabs(b);
}

wb::BenchRun timed(const std::string& name, double ms, double bytes, double flops = 0) {
  wb::BenchRun r;
  r.name = name;
  r.time_s = ms * 1e-3;
  r.bytes = bytes;
  r.flops = flops;
  return r;
}

wb::BenchRun failed(const std::string& name, const std::string& error) {
  wb::BenchRun r;
  r.name = name;
  r.failed = true;
  r.error = error;
  r.time_s = 1e-3;  // whatever a failed run carries, it is not a time
  r.bytes = 1e9;
  return r;
}

wb::LadderContext context(const std::string& vendors, double ceiling = 2000,
                          const std::string& kind = "bandwidth") {
  wb::LadderContext c;
  c.chapter = "ch01";
  c.title = "test chapter";
  c.results = "chapter-01.json";
  c.gpu = "Test GPU";
  c.date = "2026-11-21T05:00:00+00:00";
  c.commit = "abc123";
  c.ceiling_kind = kind;
  c.ceiling = ceiling;
  c.ceiling_what = "a copy";
  c.vendor_steps = wb::split_list(vendors);
  c.recorded = {{"date", c.date}, {"wb_gpu", c.gpu}, {"wb_note", "quote \" and \\ and\nnewline"}};
  return c;
}

// Two sizes: a naive row, two steps and a vendor row; then a size with a failed step.
std::vector<wb::BenchRun> two_sizes() {
  return {timed("ch01/naive/100/200", 4.0, 4e9),
          timed("ch01/fast/100/200", 2.0, 4e9),
          timed("ch01/faster/100/200", 2.5, 4e9),
          timed("ch01/vendor-memcpy/100/200", 2.5, 4e9),
          timed("ch01/naive/7", 1000.0, 1e9),
          failed("ch01/fast/7", "wrong result: 3 of 7 elements differ"),
          timed("ch01/faster/7", 500.0, 1e9)};
}

}  // namespace

TEST_CASE("benchmark names follow chNN/<step>/<size tokens>", "[harness][cpu]") {
  wb::BenchRun run;
  REQUIRE(wb::parse_bench_name("ch01/vectorized/16384/16384", &run));
  REQUIRE(run.chapter == "ch01");
  REQUIRE(run.step == "vectorized");
  REQUIRE(run.size == "16384/16384");
  REQUIRE(wb::parse_bench_name("ch04/vendor-cub/268435456", &run));
  REQUIRE(run.is_vendor());
  REQUIRE(wb::parse_bench_name("ch06/tensor_core/fp16/4096/4096/4096", &run));
  REQUIRE(run.size == "fp16/4096/4096/4096");
  REQUIRE_FALSE(wb::parse_bench_name("ch01/naive", &run));                 // no size
  REQUIRE_FALSE(wb::parse_bench_name("ch01/naive/1/iterations:1", &run));  // suffix left in
  REQUIRE_FALSE(wb::parse_bench_name("chapter1/naive/1", &run));
  REQUIRE_FALSE(wb::parse_bench_name("ch01//1", &run));
  REQUIRE(wb::split_list("vendor-a,,vendor-b,") ==
          std::vector<std::string>{"vendor-a", "vendor-b"});
}

TEST_CASE("ladder ratios: x naive, x previous step, x vendor, % of ceiling", "[harness][cpu]") {
  const wb::Ladder l = wb::build_ladder(context("vendor-memcpy"), two_sizes());
  REQUIRE(l.context.chapter == "ch01");
  REQUIRE(l.context.gpu == "Test GPU");
  REQUIRE(l.sizes == std::vector<std::string>{"100/200", "7"});
  REQUIRE(l.rows.size() == 7);
  REQUIRE(l.rate_unit() == "GB/s");

  const wb::LadderRow& naive = l.rows[0];
  const wb::LadderRow& fast = l.rows[1];
  const wb::LadderRow& faster = l.rows[2];
  const wb::LadderRow& vendor = l.rows[3];
  REQUIRE(naive.run.step == "naive");
  REQUIRE(naive.run.size == "100/200");
  REQUIRE(close(naive.gbps, 1000.0));  // 4e9 B in 4 ms
  REQUIRE(close(naive.pct_ceiling, 50.0));
  REQUIRE(close(naive.x_naive, 1.0));
  REQUIRE(std::isnan(naive.x_prev));
  REQUIRE(close(fast.x_naive, 2.0));
  REQUIRE(close(fast.x_prev, 2.0));
  REQUIRE(close(fast.x_vendor, 1.25));  // vendor 2.5 ms / 2.0 ms
  REQUIRE(close(faster.x_prev, 0.8));   // slower than the step before it
  REQUIRE(close(vendor.x_vendor, 1.0));
  REQUIRE(std::isnan(vendor.x_prev));  // vendor rows are not rungs of the ladder
  REQUIRE(std::isnan(vendor.x_naive));

  // Second size: the failed row has no time, no rate and no ratio, and the row after it has no
  // previous step to compare with (the failed one has no time); no vendor row at that size.
  const wb::LadderRow& bad = l.rows[5];
  REQUIRE(bad.run.failed);
  REQUIRE(bad.run.error == "wrong result: 3 of 7 elements differ");
  REQUIRE(std::isnan(bad.run.time_s));
  REQUIRE(std::isnan(bad.gbps));
  REQUIRE(std::isnan(bad.pct_ceiling));
  REQUIRE(std::isnan(bad.x_naive));
  REQUIRE(std::isnan(bad.x_vendor));
  REQUIRE(close(l.rows[6].x_naive, 2.0));  // 1000 ms / 500 ms
  REQUIRE(std::isnan(l.rows[6].x_prev));
  REQUIRE(std::isnan(l.rows[4].x_vendor));
}

TEST_CASE("x prev pairs steps within one size, even when the runs interleave sizes",
          "[harness][cpu]") {
  // A step measured only at some sizes must not be compared with a step of another size.
  const std::vector<wb::BenchRun> runs = {
      timed("ch01/naive/8", 8.0, 1e9), timed("ch01/naive/9", 9.0, 1e9),
      timed("ch01/warp/9", 3.0, 1e9),  // only at size 9
      timed("ch01/online/8", 2.0, 1e9), timed("ch01/online/9", 1.0, 1e9)};
  const wb::Ladder l = wb::build_ladder(context(""), runs);
  REQUIRE(l.sizes == std::vector<std::string>{"8", "9"});
  REQUIRE(l.rows[1].run.name == "ch01/online/8");  // grouped by size, run order within it
  REQUIRE(close(l.rows[1].x_prev, 4.0));           // naive/8, not warp/9
  REQUIRE(l.rows[3].run.name == "ch01/warp/9");
  REQUIRE(close(l.rows[4].x_prev, 3.0));  // warp/9 3 ms / online/9 1 ms
  REQUIRE(l.vendor_steps.empty());        // no vendor listed and none measured
  REQUIRE(l.rows[4].x_vendors.empty());
  REQUIRE(std::isnan(l.rows[4].x_vendor));
}

TEST_CASE("word size tokens make separate blocks", "[harness][cpu]") {
  const std::vector<wb::BenchRun> runs = {
      timed("ch01/naive/fp16/64/64", 4.0, 1e9, 1e12), timed("ch01/fast/fp16/64/64", 1.0, 1e9, 1e12),
      timed("ch01/naive/bf16/64/64", 8.0, 1e9, 1e12), timed("ch01/fast/bf16/64/64", 2.0, 1e9, 1e12),
      timed("ch01/vendor-blas/fp16/64/64", 0.5, 1e9, 1e12)};
  const wb::Ladder l = wb::build_ladder(context("vendor-blas", 1000, "compute"), runs);
  REQUIRE(l.sizes == std::vector<std::string>{"fp16/64/64", "bf16/64/64"});
  REQUIRE(l.rate_unit() == "TFLOP/s");
  REQUIRE(close(l.rows[1].tflops, 1000.0));  // 1e12 FLOP in 1 ms
  REQUIRE(close(l.rows[1].pct_ceiling, 100.0));
  REQUIRE(close(l.rows[1].x_vendor, 0.5));  // the fp16 vendor row
  REQUIRE(l.rows[3].run.name == "ch01/naive/bf16/64/64");
  REQUIRE(close(l.rows[4].x_prev, 4.0));    // bf16 naive, not fp16's
  REQUIRE(std::isnan(l.rows[4].x_vendor));  // no vendor row in the bf16 block
  const std::string text = wb::format_ladder(l);
  REQUIRE(text.find("size fp16/64/64") != std::string::npos);
  REQUIRE(text.find("size bf16/64/64") != std::string::npos);
}

TEST_CASE("families compare within themselves; every listed vendor gets a column",
          "[harness][cpu]") {
  const std::vector<wb::BenchRun> runs = {
      timed("ch05/softmax-naive/8/8", 8.0, 1e9),   timed("ch05/softmax-fused/8/8", 2.0, 1e9),
      timed("ch05/layernorm-naive/8/8", 6.0, 1e9), timed("ch05/layernorm-fused/8/8", 3.0, 1e9),
      timed("ch05/vendor-blas/8/8", 4.0, 1e9),     timed("ch05/vendor-memcpy/8/8", 1.0, 1e9)};
  wb::LadderContext c = context("vendor-blas,vendor-memcpy", 1000);
  c.chapter.clear();  // taken from the runs
  const wb::Ladder l = wb::build_ladder(c, runs);
  REQUIRE(l.context.chapter == "ch05");
  REQUIRE(l.vendor_steps == std::vector<std::string>{"vendor-blas", "vendor-memcpy"});
  REQUIRE(l.rows[1].run.family() == "softmax");
  REQUIRE(close(l.rows[1].x_naive, 4.0));  // softmax-naive 8 ms / 2 ms
  REQUIRE(close(l.rows[1].x_prev, 4.0));
  REQUIRE(close(l.rows[3].x_naive, 2.0));  // layernorm-naive 6 ms / 3 ms, not softmax's
  REQUIRE(close(l.rows[3].x_prev, 2.0));
  REQUIRE(std::isnan(l.rows[2].x_prev));  // a family's first rung has no previous step
  REQUIRE(l.rows[3].x_vendors.size() == 2);
  REQUIRE(close(l.rows[3].x_vendors[0], 4.0 / 3.0));
  REQUIRE(close(l.rows[3].x_vendors[1], 1.0 / 3.0));
  REQUIRE(close(l.rows[3].x_vendor, 4.0 / 3.0));
  REQUIRE(std::isnan(l.rows[5].x_naive));  // vendor rows are not compared with naive
  const std::string text = wb::format_ladder(l);
  REQUIRE(text.find("x vendor-blas") != std::string::npos);
  REQUIRE(text.find("x vendor-memcpy") != std::string::npos);
}

TEST_CASE("without a listed vendor, the first vendor row is the vendor", "[harness][cpu]") {
  const wb::Ladder l = wb::build_ladder(
      context(""), {timed("ch01/naive/4", 2.0, 1e9), timed("ch01/vendor-x/4", 1.0, 1e9),
                    timed("ch01/vendor-y/4", 1.0, 1e9)});
  REQUIRE(l.vendor_steps == std::vector<std::string>{"vendor-x"});
  REQUIRE(close(l.rows[0].x_vendor, 0.5));
}

TEST_CASE("the text table shows every row, and the failed one as FAILED", "[harness][cpu]") {
  const std::string text =
      wb::format_ladder(wb::build_ladder(context("vendor-memcpy"), two_sizes()));
  REQUIRE(text.rfind("Ladder for ch01 (test chapter): the runs in chapter-01.json\n", 0) == 0);
  REQUIRE(text.find("GPU Test GPU | 2026-11-21T05:00:00+00:00 | commit abc123") !=
          std::string::npos);
  REQUIRE(text.find("ceiling: 2000 GB/s (a copy)") != std::string::npos);
  REQUIRE(text.find("size 100/200") != std::string::npos);
  REQUIRE(text.find("x vendor-memcpy") != std::string::npos);
  REQUIRE(text.find("fast              FAILED: wrong result: 3 of 7 elements differ") !=
          std::string::npos);
  REQUIRE(text.find("2.00x") != std::string::npos);
  REQUIRE(text.find("1000") != std::string::npos);
  REQUIRE(text.find("4.0000") != std::string::npos);  // naive's time in ms
}

TEST_CASE("the ladder file holds the context and every computed column", "[harness][cpu]") {
  const std::string json = wb::ladder_json(wb::build_ladder(context("vendor-memcpy"), two_sizes()));
  auto has = [&json](const std::string& s) { return json.find(s) != std::string::npos; };
  REQUIRE(json.rfind("{\n  \"format\": \"wb-ladder/1\",\n", 0) == 0);
  REQUIRE(has("\"ceiling\": {\"kind\": \"bandwidth\", \"value\": 2000, \"unit\": \"GB/s\""));
  REQUIRE(has("\"vendor_steps\": [\"vendor-memcpy\"]"));
  REQUIRE(has("\"sizes\": [\"100/200\", \"7\"]"));
  REQUIRE(has("\"wb_note\": \"quote \\\" and \\\\ and\\nnewline\""));  // escaped
  REQUIRE(
      has("{\"name\": \"ch01/fast/100/200\", \"step\": \"fast\", \"family\": \"\", "
          "\"size\": \"100/200\", \"vendor\": false, \"failed\": false, \"error\": \"\", "
          "\"time_ms\": 2, \"bytes\": 4e+09, \"flops\": 0"));
  REQUIRE(
      has("\"x_naive\": 2, \"x_prev\": 2, \"x_vendor\": 1.25, "
          "\"x_vendors\": {\"vendor-memcpy\": 1.25}}"));
  // The failed row: no time, no rate, no ratio; its error kept.
  REQUIRE(
      has("{\"name\": \"ch01/fast/7\", \"step\": \"fast\", \"family\": \"\", \"size\": \"7\", "
          "\"vendor\": false, \"failed\": true, "
          "\"error\": \"wrong result: 3 of 7 elements differ\", \"time_ms\": null, "
          "\"bytes\": null, \"flops\": null"));
  REQUIRE(
      has("\"x_naive\": null, \"x_prev\": null, \"x_vendor\": null, "
          "\"x_vendors\": {\"vendor-memcpy\": null}}"));
}

TEST_CASE("runs that break the contract are refused with a reason", "[harness][cpu]") {
  auto error_of = [](const wb::LadderContext& c, const std::vector<wb::BenchRun>& runs) {
    try {
      wb::build_ladder(c, runs);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  REQUIRE(error_of(context(""), {}).find("no benchmark runs") != std::string::npos);
  REQUIRE(error_of(context(""), {timed("bad", 1, 1)}).find("does not follow") != std::string::npos);
  REQUIRE(error_of(context(""), {timed("ch01/a/1", 1, 1), timed("ch02/a/1", 1, 1)})
              .find("mix chapters") != std::string::npos);
  REQUIRE(error_of(context("", 1, "latency"), {timed("ch01/a/1", 1, 1)}).find("ceiling kind") !=
          std::string::npos);
}

TEST_CASE("Google Benchmark's runs: a benchmark that reports an error is FAILED, never timed",
          "[harness][cpu]") {
  // The same path as a bench program: wb::add_case, report_timing or SkipWithError, the
  // reporters, then the ladder. No GPU is touched: the times are given, not measured.
  wb::TimingResult t;
  t.ms = {3.0, 2.0, 2.5};
  t.median_ms = 2.5;
  t.min_ms = 2.0;
  t.max_ms = 3.0;
  wb::add_case("ch09", "naive", std::vector<std::int64_t>{64}, [t](benchmark::State& state) {
    for (auto _ : state)
      wb::report_timing(state, t, 1e9, 5e8);
  });
  wb::add_case("ch09", "fast", std::vector<std::int64_t>{64}, [](benchmark::State& state) {
    state.SkipWithError("wrong result: element 3 is 7, expected 8");
  });
  wb::add_case("ch09", "vendor-lib", std::vector<std::string>{"fp16", "64"},
               [t](benchmark::State& state) {
                 for (auto _ : state)
                   wb::report_timing(state, t, 2e9, 0);
               });
  const std::vector<wb::BenchRun> runs = wb::run_benchmarks(false);
  benchmark::ClearRegisteredBenchmarks();

  REQUIRE(runs.size() == 3);
  REQUIRE(runs[0].name == "ch09/naive/64");  // no "/iterations:1/manual_time"
  REQUIRE_FALSE(runs[0].failed);
  REQUIRE(close(runs[0].time_s, 2.5e-3));
  REQUIRE(runs[0].bytes == 1e9);
  REQUIRE(runs[0].flops == 5e8);
  REQUIRE(runs[0].reps == 3);
  REQUIRE(runs[0].min_ms == 2.0);
  REQUIRE(runs[0].max_ms == 3.0);
  REQUIRE(runs[1].name == "ch09/fast/64");
  REQUIRE(runs[1].failed);
  REQUIRE(runs[1].error == "wrong result: element 3 is 7, expected 8");
  REQUIRE(runs[1].time_s == 0);
  REQUIRE(runs[2].name == "ch09/vendor-lib/fp16/64");

  wb::LadderContext c = context("");
  c.chapter = "ch09";
  const wb::Ladder l = wb::build_ladder(c, runs);
  REQUIRE(l.sizes == std::vector<std::string>{"64", "fp16/64"});
  REQUIRE(close(l.rows[0].gbps, 400.0));  // 1e9 B in 2.5 ms
  REQUIRE(l.rows[1].run.failed);
  REQUIRE(std::isnan(l.rows[1].run.time_s));
  const std::string text = wb::format_ladder(l);
  REQUIRE(text.find("FAILED: wrong result: element 3 is 7, expected 8") != std::string::npos);
  REQUIRE(wb::ladder_json(l).find("\"failed\": true, \"error\": \"wrong result: element 3 is 7, "
                                  "expected 8\", \"time_ms\": null") != std::string::npos);
}
