/// @file bench_2d.h
/// @brief The plumbing the bench programs of the (rows, cols) float chapters share (01, 02): one
/// prepared problem per size, and a ladder row that checks its output before it times itself.
///
/// Header-only; bench programs link `wb_bench` already.
#pragma once

#include "wb/bench.h"
#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/compare.h"
#include "wb/shapes.h"
#include "wb/timing.h"

#include <cuda_runtime_api.h>

#include <memory>
#include <string>
#include <vector>

namespace wb {

/// The prepared problem of `shape` (a `P` built from the shape, with a member `problem` that
/// holds its `shape`), shared by every row of that size: reused while consecutive rows ask for
/// the same size; a new size frees the previous problem first.
template <class P>
P& prepared_2d(const Shape2D& shape) {
  static std::unique_ptr<P> current;
  if (!current || current->problem.shape.rows != shape.rows ||
      current->problem.shape.cols != shape.cols) {
    current.reset();  // free the previous size first
    current = std::make_unique<P>(shape);
  }
  return *current;
}

/// The body of a ladder row whose result is the float buffer `out`: correctness next to the
/// timing. `run(nullptr)` once on a poisoned `out`, compared with `ref` under `tolerance` (a wrong
/// result becomes the row's error, naming `name`), then `run` timed on the stream with
/// report_timing's `bytes` and `flops`.
template <class Run>
void bench_checked_row(benchmark::State& state, const std::string& name, DeviceBuffer<float>& out,
                       const std::vector<double>& ref, const Tolerance& tolerance, Run run,
                       double bytes, double flops) {
  out.poison();
  run(nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  const CompareReport report = compare(out.download(), ref, tolerance);
  if (!report.ok()) {
    state.SkipWithError(("wrong result: " + report.describe(name)).c_str());
    return;
  }
  for (auto _ : state) {
    report_timing(state, time_on_stream([&](cudaStream_t s) { run(s); }), bytes, flops);
  }
}

}  // namespace wb
