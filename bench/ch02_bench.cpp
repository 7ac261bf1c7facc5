// Chapter 02 benchmark: every step, cuBLAS's transpose and cudaMemcpy at sizes far above L2, in
// one run.
//
// Bytes and FLOPs per run (counted before optimising): read rows*cols floats, write rows*cols
// floats -> 8 * rows * cols bytes; no arithmetic. The floor is therefore the copy ceiling, and a
// same-size cudaMemcpy is the yardstick: a transpose that matches it has made its column side free.
#include "transpose.h"

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
  ch02::Problem problem;
  wb::DeviceBuffer<float> in, out;
  explicit Prepared(const wb::Shape2D& shape)
      : problem(
            ch02::make_problem(shape, wb::derive_seed(wb::base_seed(), "bench/" + shape.str()))),
        in(problem.in),
        out(problem.in.size()) {}
};

Prepared& prepared(const wb::Shape2D& shape) {
  return wb::prepared_2d<Prepared>(shape);
}

void bench_transpose(benchmark::State& state, const char* name, ch02::Launcher launch,
                     const wb::Shape2D& shape) {
  Prepared& p = prepared(shape);
  const ch02::TransposeArgs args{p.in.data(), p.out.data(), shape.rows, shape.cols};
  wb::bench_checked_row(
      state, name, p.out, p.problem.ref, ch02::tolerance(),
      [&](cudaStream_t s) { launch(args, s); }, ch02::min_bytes(shape.rows, shape.cols), 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  wb::ChapterBench chapter;
  chapter.id = "ch02";
  chapter.results_name = "chapter-02";
  chapter.title = "shared-memory tiling: transpose";
  chapter.vendor_step = "vendor-cublas,vendor-memcpy";
  chapter.register_cases = [] {
    for (const wb::Shape2D& shape : wb::bench_shapes_2d()) {
      for (const ch02::Step& step : ch02::steps()) {
        wb::add_case("ch02", step.name, {shape.rows, shape.cols},
                     [step, shape](benchmark::State& s) {
                       bench_transpose(s, step.name, step.launch, shape);
                     });
      }
      wb::add_case("ch02", "vendor-cublas", {shape.rows, shape.cols}, [shape](benchmark::State& s) {
        bench_transpose(s, "cublasSgeam", ch02::launch_cublas, shape);
      });
      wb::add_case("ch02", "vendor-memcpy", {shape.rows, shape.cols}, [shape](benchmark::State& s) {
        Prepared& p = prepared(shape);
        wb::bench_device_copy(s, p.out.data(), p.in.data(), p.in.bytes());
      });
    }
  };
  chapter.profile = [] {
    // 4096 x 4096: 128 MiB moved, 2.5x the H100's L2, and quick under Nsight Compute's replays.
    const wb::Shape2D shape{4096, 4096, "profile"};
    Prepared& p = prepared(shape);
    const ch02::TransposeArgs args{p.in.data(), p.out.data(), shape.rows, shape.cols};
    for (const ch02::Step& step : ch02::steps())
      step.launch(args, nullptr);
    ch02::launch_cublas(args, nullptr);  // the vendor's kernel, for comparison
    WB_CUDA_CHECK(cudaDeviceSynchronize());
  };
  return wb::bench_main(argc, argv, chapter);
}
