// CPU tests of the results reader and the ladder arithmetic.
#include "wb/catch.h"
#include "wb/json.h"
#include "wb/ladder.h"

#include <cmath>
#include <string>

namespace {

// A results file in the contract's format: two sizes, a naive row, two steps and a vendor row.
const char* kResults = R"({
  "context": {
    "date": "2026-11-21T05:00:00+00:00",
    "wb_gpu": "Test GPU", "wb_commit": "abc123",
    "wb_ceiling_kind": "bandwidth", "wb_ceiling_value": "2000", "wb_ceiling_what": "a copy",
    "wb_vendor_step": "vendor-memcpy"
  },
  "benchmarks": [
    {"name": "ch01/naive/100/200", "run_type": "iteration", "real_time": 4.0, "time_unit": "ms", "bytes": 4e9, "flops": 0},
    {"name": "ch01/fast/100/200", "run_type": "iteration", "real_time": 2.0, "time_unit": "ms", "bytes": 4e9, "flops": 0},
    {"name": "ch01/faster/100/200", "run_type": "iteration", "real_time": 2500, "time_unit": "us", "bytes": 4e9, "flops": 0},
    {"name": "ch01/vendor-memcpy/100/200", "run_type": "iteration", "real_time": 2.5e6, "time_unit": "ns", "bytes": 4e9},
    {"name": "ch01/naive/7", "run_type": "iteration", "real_time": 1.0, "time_unit": "s", "bytes": 1e9},
    {"name": "ch01/fast/7", "run_type": "iteration", "error_occurred": true, "error_message": "wrong result"},
    {"name": "ch01/fast/7", "run_type": "aggregate", "real_time": 9.0, "time_unit": "s"}
  ]
})";

bool close(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::fabs(b);
}

}  // namespace

TEST_CASE("benchmark names follow chNN/<step>/<size args>", "[harness][cpu]") {
  wb::BenchRun run;
  REQUIRE(wb::parse_bench_name("ch01/vectorized/16384/16384", &run));
  REQUIRE(run.chapter == "ch01");
  REQUIRE(run.step == "vectorized");
  REQUIRE(run.size == "16384/16384");
  REQUIRE(wb::parse_bench_name("ch04/vendor-cub/268435456", &run));
  REQUIRE(run.is_vendor());
  REQUIRE_FALSE(wb::parse_bench_name("ch01/naive", &run));                 // no size
  REQUIRE_FALSE(wb::parse_bench_name("ch01/naive/1/iterations:1", &run));  // suffix left in
  REQUIRE_FALSE(wb::parse_bench_name("chapter1/naive/1", &run));
  REQUIRE_FALSE(wb::parse_bench_name("ch01//1", &run));
}

TEST_CASE("ladder ratios: x naive, x previous step, x vendor, % of ceiling", "[harness][cpu]") {
  const wb::Ladder l = wb::build_ladder(wb::json::parse(kResults));
  REQUIRE(l.chapter == "ch01");
  REQUIRE(l.gpu == "Test GPU");
  REQUIRE(l.commit == "abc123");
  REQUIRE(l.ceiling == 2000.0);
  REQUIRE(l.sizes == std::vector<std::string>{"100/200", "7"});
  REQUIRE(l.rows.size() == 6);  // the aggregate row is not a ladder row

  const wb::LadderRow& naive = l.rows[0];
  const wb::LadderRow& fast = l.rows[1];
  const wb::LadderRow& faster = l.rows[2];
  const wb::LadderRow& vendor = l.rows[3];
  REQUIRE(close(naive.gbps, 1000.0));  // 4e9 B in 4 ms
  REQUIRE(close(naive.pct_ceiling, 50.0));
  REQUIRE(close(naive.x_naive, 1.0));
  REQUIRE(std::isnan(naive.x_prev));
  REQUIRE(close(fast.x_naive, 2.0));
  REQUIRE(close(fast.x_prev, 2.0));
  REQUIRE(close(fast.x_vendor, 1.25));        // vendor 2.5 ms / 2.0 ms
  REQUIRE(close(faster.run.time_s, 2.5e-3));  // 2500 us
  REQUIRE(close(faster.x_prev, 0.8));         // slower than the step before it
  REQUIRE(close(vendor.run.time_s, 2.5e-3));  // 2.5e6 ns
  REQUIRE(close(vendor.x_vendor, 1.0));
  REQUIRE(std::isnan(vendor.x_prev));  // vendor rows are not rungs of the ladder

  // Second size: the naive row is in seconds; the failed row carries its error and no ratios.
  REQUIRE(close(l.rows[4].gbps, 1.0));
  REQUIRE(l.rows[5].run.failed);
  REQUIRE(l.rows[5].run.error == "wrong result");
  REQUIRE(std::isnan(l.rows[5].x_naive));
  REQUIRE(std::isnan(l.rows[4].x_vendor));  // no vendor row at that size
}

TEST_CASE("families compare within themselves; every listed vendor gets a column",
          "[harness][cpu]") {
  const char* results = R"({
    "context": {"wb_ceiling_kind": "bandwidth", "wb_ceiling_value": 1000,
                "wb_vendor_step": "vendor-blas,vendor-memcpy"},
    "benchmarks": [
      {"name": "ch05/softmax-naive/8/8", "real_time": 8.0, "time_unit": "ms", "bytes": 1e9},
      {"name": "ch05/softmax-fused/8/8", "real_time": 2.0, "time_unit": "ms", "bytes": 1e9},
      {"name": "ch05/layernorm-naive/8/8", "real_time": 6.0, "time_unit": "ms", "bytes": 1e9},
      {"name": "ch05/layernorm-fused/8/8", "real_time": 3.0, "time_unit": "ms", "bytes": 1e9},
      {"name": "ch05/vendor-blas/8/8", "real_time": 4.0, "time_unit": "ms", "bytes": 1e9},
      {"name": "ch05/vendor-memcpy/8/8", "real_time": 1.0, "time_unit": "ms", "bytes": 1e9}
    ]})";
  const wb::Ladder l = wb::build_ladder(wb::json::parse(results));
  REQUIRE(l.vendor_steps == std::vector<std::string>{"vendor-blas", "vendor-memcpy"});
  REQUIRE(l.vendor_step == "vendor-blas");
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
  const std::string text = wb::format_ladder(l, "B");
  REQUIRE(text.find("x vendor-blas") != std::string::npos);
  REQUIRE(text.find("x vendor-memcpy") != std::string::npos);
}

TEST_CASE("the formatted ladder shows every row and the failure", "[harness][cpu]") {
  const std::string text = wb::format_ladder(wb::build_ladder(wb::json::parse(kResults)), "BANNER");
  REQUIRE(text.rfind("BANNER", 0) == 0);
  REQUIRE(text.find("Test GPU") != std::string::npos);
  REQUIRE(text.find("commit abc123") != std::string::npos);
  REQUIRE(text.find("size 100/200") != std::string::npos);
  REQUIRE(text.find("x vendor-memcpy") != std::string::npos);
  REQUIRE(text.find("FAILED: wrong result") != std::string::npos);
  REQUIRE(text.find("2.00x") != std::string::npos);
  REQUIRE(text.find("1000") != std::string::npos);
}

TEST_CASE("results that break the contract are refused with a reason", "[harness][cpu]") {
  auto error_of = [](const std::string& text) {
    try {
      wb::build_ladder(wb::json::parse(text));
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  REQUIRE(error_of(R"({"benchmarks": []})").find("context") != std::string::npos);
  REQUIRE(error_of(R"({"context": {}, "benchmarks": []})").find("no benchmark rows") !=
          std::string::npos);
  REQUIRE(error_of(R"({"context": {}, "benchmarks": [{"name": "bad"}]})").find("does not follow") !=
          std::string::npos);
  REQUIRE(
      error_of(
          R"({"context": {}, "benchmarks": [{"name": "ch01/a/1", "real_time": 1, "time_unit": "ms"},
                                                     {"name": "ch02/a/1", "real_time": 1, "time_unit": "ms"}]})")
          .find("mix chapters") != std::string::npos);
  REQUIRE(
      error_of(
          R"({"context": {}, "benchmarks": [{"name": "ch01/a/1", "real_time": 1, "time_unit": "fortnights"}]})")
          .find("time_unit") != std::string::npos);
}
