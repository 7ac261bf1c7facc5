// Chapter 04 benchmark: every step and CUB's DeviceReduce::Sum on the same inputs, in one run.
//
// Bytes and FLOPs per run (counted before optimising): read n floats and write one ->
// 4n + 4 bytes; n - 1 additions -> n FLOP (counted as n). At 1/4 FLOP per byte the operation is
// memory-bound, and since it only reads, the ceiling is the measured READ bandwidth
// (ch04::measure_read_bandwidth_GBps), not chapter 01's copy bandwidth.
//
// Workspaces (the steps' partials, CUB's temporary storage) are allocated once per size, outside
// the timed region, like the input.
#include "reduction.h"

#include "wb/bench.h"
#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/random.h"

#include <memory>
#include <string>

namespace {

// One size: n floats, the input view starting `offset` floats into its buffer.
struct Size {
  std::int64_t n;
  int offset;
};

// The headline size (2^28 floats, 1 GiB: 20x the H100's L2), the same length minus 3 starting
// 1 float past a 16-byte boundary (head 31, tail 2 for the vectorized steps), and 2^24 (64 MiB),
// where a microsecond of launch overhead is worth ~5%.
const Size kSizes[] = {
    {std::int64_t{1} << 28, 0}, {(std::int64_t{1} << 28) - 3, 1}, {std::int64_t{1} << 24, 0}};

// One problem at a time lives on the host and the device; all steps of a size share it.
struct Prepared {
  Size size;
  ch04::Problem problem;
  wb::DeviceBuffer<float> in, out;
  ch04::Workspace workspace;
  std::size_t cub_bytes;
  wb::DeviceBuffer<unsigned char> cub_temp;
  explicit Prepared(const Size& s)
      : size(s),
        problem(ch04::make_problem(
            s.n, wb::derive_seed(wb::base_seed(), "bench/" + std::to_string(s.n)))),
        in(static_cast<std::size_t>(s.n + s.offset)),
        out(1),
        workspace(s.n),
        cub_bytes(ch04::cub_sum_temp_bytes(s.n)),
        cub_temp(cub_bytes > 0 ? cub_bytes : 1) {
    std::vector<float> staged(static_cast<std::size_t>(s.n + s.offset), 1.0f);
    std::copy(problem.in.begin(), problem.in.end(), staged.begin() + s.offset);
    in.upload(staged);
  }
  ch04::ReduceArgs args() {
    return ch04::ReduceArgs{in.data() + size.offset, out.data(),         size.n,
                            workspace.data(),        workspace.floats(), ch04::Op::kSum};
  }
};

Prepared& prepared(const Size& s) {
  static std::unique_ptr<Prepared> current;
  if (!current || current->size.n != s.n || current->size.offset != s.offset) {
    current.reset();  // free the previous size first
    current = std::make_unique<Prepared>(s);
  }
  return *current;
}

// Correctness next to the timing: the timed code must give the right answer at this size.
bool check(benchmark::State& state, Prepared& p, const std::string& what) {
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  const float value = p.out.download()[0];
  const wb::CompareReport report = ch04::compare_result(value, p.problem, ch04::Op::kSum);
  if (!report.ok()) {
    state.SkipWithError(("wrong result: " + report.describe(what)).c_str());
    return false;
  }
  return true;
}

void bench_step(benchmark::State& state, const ch04::Step& step, const Size& s) {
  Prepared& p = prepared(s);
  const ch04::ReduceArgs args = p.args();
  p.out.poison();
  step.launch(args, nullptr);
  if (!check(state, p, step.name)) return;
  for (auto _ : state) {
    wb::report_timing(state, wb::time_on_stream([&](cudaStream_t st) { step.launch(args, st); }),
                      ch04::min_bytes(s.n), static_cast<double>(s.n));
  }
}

void bench_cub(benchmark::State& state, const Size& s) {
  Prepared& p = prepared(s);
  const float* in = p.in.data() + s.offset;
  p.out.poison();
  ch04::cub_sum(in, p.out.data(), s.n, p.cub_temp.data(), p.cub_bytes, nullptr);
  if (!check(state, p, "cub::DeviceReduce::Sum")) return;
  for (auto _ : state) {
    wb::report_timing(state, wb::time_on_stream([&](cudaStream_t st) {
                        ch04::cub_sum(in, p.out.data(), s.n, p.cub_temp.data(), p.cub_bytes, st);
                      }),
                      ch04::min_bytes(s.n), static_cast<double>(s.n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  wb::ChapterBench chapter;
  chapter.id = "ch04";
  chapter.results_name = "chapter-04";
  chapter.title = "parallel reduction";
  chapter.vendor_step = "vendor-cub";
  chapter.measure_ceiling = [] { return ch04::measure_read_bandwidth_GBps(); };
  chapter.ceiling_what =
      "read bandwidth: the faster of two read-only float4 kernels (one load per thread; a grid "
      "that fills the GPU once, 4 loads in flight per thread) over 1 GiB, bytes read";
  chapter.register_cases = [] {
    for (const Size& s : kSizes) {
      for (const ch04::Step& step : ch04::steps()) {
        wb::add_case("ch04", step.name, {s.n, s.offset},
                     [step, s](benchmark::State& st) { bench_step(st, step, s); });
      }
      wb::add_case("ch04", "vendor-cub", {s.n, s.offset},
                   [s](benchmark::State& st) { bench_cub(st, s); });
    }
  };
  chapter.profile = [] {
    // 2^26 floats: 256 MiB read, 5x the H100's L2, and quick under Nsight Compute's replays.
    Prepared& p = prepared({std::int64_t{1} << 26, 0});
    const ch04::ReduceArgs args = p.args();
    for (const ch04::Step& step : ch04::steps())
      step.launch(args, nullptr);
    ch04::cub_sum(p.in.data(), p.out.data(), p.size.n, p.cub_temp.data(), p.cub_bytes, nullptr);
  };
  return wb::bench_main(argc, argv, chapter);
}
