// Chapter 01 benchmark: every step and cudaMemcpy at sizes far above L2, in one run.
//
// Bytes and FLOPs per run (counted before optimising): read rows*cols floats and rows scales,
// write rows*cols floats -> 4 * (2 * rows * cols + rows) bytes; one multiply per element ->
// rows*cols FLOP. At 1/8 FLOP per byte the operation is memory-bound, so the ceiling is copy
// bandwidth.
#include "coalescing.h"

#include "wb/bench.h"
#include "wb/bench_2d.h"
#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/random.h"

#include <memory>
#include <string>

namespace {

// One problem at a time lives on the host and the device; all steps of a size share it.
struct Prepared {
  ch01::Problem problem;
  wb::DeviceBuffer<float> in, scale, out;
  explicit Prepared(const wb::Shape2D& shape)
      : problem(
            ch01::make_problem(shape, wb::derive_seed(wb::base_seed(), "bench/" + shape.str()))),
        in(problem.in),
        scale(problem.scale),
        out(problem.in.size()) {}
};

Prepared& prepared(const wb::Shape2D& shape) {
  return wb::prepared_2d<Prepared>(shape);
}

void bench_step(benchmark::State& state, const ch01::Step& step, const wb::Shape2D& shape) {
  Prepared& p = prepared(shape);
  const ch01::ScaleRowsArgs args{p.in.data(), p.scale.data(), p.out.data(), shape.rows, shape.cols};
  wb::bench_checked_row(
      state, step.name, p.out, p.problem.ref, ch01::tolerance(),
      [&](cudaStream_t s) { step.launch(args, s); }, ch01::min_bytes(shape.rows, shape.cols),
      static_cast<double>(shape.elements()));
}

}  // namespace

int main(int argc, char** argv) {
  wb::ChapterBench chapter;
  chapter.id = "ch01";
  chapter.results_name = "chapter-01";
  chapter.title = "memory coalescing";
  chapter.vendor_step = "vendor-memcpy";
  chapter.register_cases = [] {
    for (const wb::Shape2D& shape : wb::bench_shapes_2d()) {
      for (const ch01::Step& step : ch01::steps()) {
        wb::add_case("ch01", step.name, {shape.rows, shape.cols},
                     [step, shape](benchmark::State& s) { bench_step(s, step, shape); });
      }
      wb::add_case("ch01", "vendor-memcpy", {shape.rows, shape.cols}, [shape](benchmark::State& s) {
        Prepared& p = prepared(shape);
        wb::bench_device_copy(s, p.out.data(), p.in.data(), p.in.bytes());
      });
    }
  };
  chapter.profile = [] {
    // 4096 x 4096: 128 MiB moved, still 2.5x the H100's L2, and quick under Nsight Compute's
    // replays.
    const wb::Shape2D shape{4096, 4096, "profile"};
    Prepared& p = prepared(shape);
    const ch01::ScaleRowsArgs args{p.in.data(), p.scale.data(), p.out.data(), shape.rows,
                                   shape.cols};
    for (const ch01::Step& step : ch01::steps())
      step.launch(args, nullptr);
  };
  return wb::bench_main(argc, argv, chapter);
}
