// Chapter 05 benchmark: every softmax and LayerNorm step and cudaMemcpy at the headline shapes,
// in one run.
//
// Bytes and FLOPs per run (counted before optimising):
//  - softmax: read rows*cols elements, write rows*cols -> 2 * rows * cols * (4 or 2) bytes;
//    about 5 FLOP per element (max, subtract, exp counted as 1, add, multiply).
//  - LayerNorm: read x and residual, write out (rows*cols floats each), read gamma and beta (cols
//    floats each) -> 4 * (3 * rows * cols + 2 * cols) bytes; about 9 FLOP per element.
// Both are far below the H100's ridge point (~22 FLOP/byte): memory-bound, ceiling = copy
// bandwidth. Rows are named ch05/<family>-<step>/<rows>/<cols>/<bits per element>, and
// vendor-memcpy copies the same number of bytes as the softmax at that size.
#include "softmax_layernorm.h"

#include "wb/bench.h"
#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/random.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Headline {
  std::int64_t rows, cols;
};
const Headline kHeadlines[] = {{8192, 8192}, {16384, 1024}};

// One softmax problem at a time lives on the host and the device; all steps of a size share it.
struct SoftmaxPrepared {
  ch05::SoftmaxProblem problem;
  wb::DeviceBuffer<float> in32, out32, workspace;
  wb::DeviceBuffer<__nv_bfloat16> in16, out16;
  SoftmaxPrepared(const wb::Shape2D& shape, ch05::DType t)
      : problem(ch05::make_softmax_problem(
            shape, t,
            wb::derive_seed(wb::base_seed(),
                            "bench/softmax/" + shape.str() + ch05::dtype_name(t)))),
        workspace(static_cast<std::size_t>(2 * shape.rows)) {
    const std::size_t n = static_cast<std::size_t>(shape.elements());
    if (t == ch05::DType::f32) {
      in32 = wb::DeviceBuffer<float>(problem.in_f32);
      out32 = wb::DeviceBuffer<float>(n);
    } else {
      in16 = wb::DeviceBuffer<__nv_bfloat16>(problem.in_bf16);
      out16 = wb::DeviceBuffer<__nv_bfloat16>(n);
    }
  }
  ch05::SoftmaxArgs args() {
    const bool f32 = problem.dtype == ch05::DType::f32;
    ch05::SoftmaxArgs a;
    a.in = f32 ? static_cast<const void*>(in32.data()) : static_cast<const void*>(in16.data());
    a.out = f32 ? static_cast<void*>(out32.data()) : static_cast<void*>(out16.data());
    a.rows = problem.shape.rows;
    a.cols = problem.shape.cols;
    a.dtype = problem.dtype;
    a.workspace = workspace.data();
    return a;
  }
  // Poisons the output, runs `launch` once and compares with the reference.
  wb::CompareReport check(ch05::SoftmaxLauncher launch) {
    const bool f32 = problem.dtype == ch05::DType::f32;
    if (f32) {
      out32.poison();
    } else {
      out16.poison();
    }
    launch(args(), nullptr);
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    const wb::Tolerance tol = ch05::softmax_tolerance(problem);
    return f32 ? wb::compare(out32.download(), problem.ref, tol)
               : wb::compare(out16.download(), problem.ref, tol);
  }
  std::size_t in_bytes() const {
    return problem.dtype == ch05::DType::f32 ? in32.bytes() : in16.bytes();
  }
};

struct LayerNormPrepared {
  ch05::LayerNormProblem problem;
  wb::DeviceBuffer<float> x, residual, gamma, beta, out, workspace;
  explicit LayerNormPrepared(const wb::Shape2D& shape)
      : problem(ch05::make_layernorm_problem(
            shape, wb::derive_seed(wb::base_seed(), "bench/layernorm/" + shape.str()))),
        x(problem.x),
        residual(problem.residual),
        gamma(problem.gamma),
        beta(problem.beta),
        out(problem.x.size()),
        workspace(
            static_cast<std::size_t>(ch05::layernorm_naive_workspace(shape.rows, shape.cols))) {}
  ch05::LayerNormArgs args() {
    ch05::LayerNormArgs a;
    a.x = x.data();
    a.residual = residual.data();
    a.gamma = gamma.data();
    a.beta = beta.data();
    a.out = out.data();
    a.rows = problem.shape.rows;
    a.cols = problem.shape.cols;
    a.eps = problem.eps;
    a.workspace = workspace.data();
    return a;
  }
};

// The one live problem (softmax or LayerNorm); switching frees the previous one first.
std::unique_ptr<SoftmaxPrepared> g_softmax;
std::unique_ptr<LayerNormPrepared> g_layernorm;

SoftmaxPrepared& softmax_prepared(const wb::Shape2D& shape, ch05::DType t) {
  if (!g_softmax || g_softmax->problem.shape.rows != shape.rows ||
      g_softmax->problem.shape.cols != shape.cols || g_softmax->problem.dtype != t) {
    g_softmax.reset();
    g_layernorm.reset();
    g_softmax = std::make_unique<SoftmaxPrepared>(shape, t);
  }
  return *g_softmax;
}

LayerNormPrepared& layernorm_prepared(const wb::Shape2D& shape) {
  if (!g_layernorm || g_layernorm->problem.shape.rows != shape.rows ||
      g_layernorm->problem.shape.cols != shape.cols) {
    g_softmax.reset();
    g_layernorm.reset();
    g_layernorm = std::make_unique<LayerNormPrepared>(shape);
  }
  return *g_layernorm;
}

void bench_softmax(benchmark::State& state, const ch05::SoftmaxStep& step, const wb::Shape2D& shape,
                   ch05::DType t) {
  SoftmaxPrepared& p = softmax_prepared(shape, t);
  // Correctness next to the timing: the timed kernel must give the right answer at this size.
  const wb::CompareReport report = p.check(step.launch);
  if (!report.ok()) {
    state.SkipWithError(("wrong result: " + report.describe(step.name)).c_str());
    return;
  }
  const ch05::SoftmaxArgs args = p.args();
  for (auto _ : state) {
    wb::report_timing(state, wb::time_on_stream([&](cudaStream_t s) { step.launch(args, s); }),
                      ch05::softmax_min_bytes(shape.rows, shape.cols, t),
                      5.0 * static_cast<double>(shape.elements()));
  }
}

void bench_layernorm(benchmark::State& state, const ch05::LayerNormStep& step,
                     const wb::Shape2D& shape) {
  LayerNormPrepared& p = layernorm_prepared(shape);
  p.out.poison();
  step.launch(p.args(), nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  const wb::CompareReport report = wb::compare(
      p.out.download(), p.problem.ref, ch05::layernorm_tolerance(p.problem), p.problem.scale);
  if (!report.ok()) {
    state.SkipWithError(("wrong result: " + report.describe(step.name)).c_str());
    return;
  }
  const ch05::LayerNormArgs args = p.args();
  for (auto _ : state) {
    wb::report_timing(state, wb::time_on_stream([&](cudaStream_t s) { step.launch(args, s); }),
                      ch05::layernorm_min_bytes(shape.rows, shape.cols),
                      9.0 * static_cast<double>(shape.elements()));
  }
}

// cudaMemcpy of the softmax's input: the same bytes read and written as a softmax at this size.
void bench_memcpy(benchmark::State& state, const wb::Shape2D& shape, ch05::DType t) {
  SoftmaxPrepared& p = softmax_prepared(shape, t);
  const ch05::SoftmaxArgs a = p.args();
  wb::bench_device_copy(state, a.out, a.in, p.in_bytes());
}

}  // namespace

int main(int argc, char** argv) {
  wb::ChapterBench chapter;
  chapter.id = "ch05";
  chapter.results_name = "chapter-05";
  chapter.title = "fused softmax and residual + LayerNorm";
  chapter.vendor_step = "vendor-memcpy";
  chapter.register_cases = [] {
    for (const Headline& h : kHeadlines) {
      for (ch05::DType t : {ch05::DType::f32, ch05::DType::bf16}) {
        const wb::Shape2D shape{h.rows, h.cols, "headline"};
        const std::vector<std::int64_t> args{h.rows, h.cols, 8 * ch05::dtype_bytes(t)};
        for (const ch05::SoftmaxStep& step : ch05::softmax_steps()) {
          if (h.cols > step.max_cols(t)) continue;  // e.g. softmax-warp stops at 1024 columns
          wb::add_case("ch05", step.name, args,
                       [step, shape, t](benchmark::State& s) { bench_softmax(s, step, shape, t); });
        }
        if (t == ch05::DType::f32) {
          for (const ch05::LayerNormStep& step : ch05::layernorm_steps()) {
            wb::add_case("ch05", step.name, args,
                         [step, shape](benchmark::State& s) { bench_layernorm(s, step, shape); });
          }
        }
        wb::add_case("ch05", "vendor-memcpy", args,
                     [shape, t](benchmark::State& s) { bench_memcpy(s, shape, t); });
      }
    }
  };
  chapter.profile = [] {
    // 4096 x 4096 fp32: 128 MiB moved by a softmax, 2.5x the H100's L2, quick under ncu's replays.
    const wb::Shape2D shape{4096, 4096, "profile"};
    {
      SoftmaxPrepared& p = softmax_prepared(shape, ch05::DType::f32);
      for (const ch05::SoftmaxStep& step : ch05::softmax_steps()) {
        if (shape.cols <= step.max_cols(ch05::DType::f32)) step.launch(p.args(), nullptr);
      }
      // softmax-warp stops at 1024 columns: profile it on a 16384 x 1024 problem of the same bytes.
      SoftmaxPrepared& q = softmax_prepared({16384, 1024, "profile"}, ch05::DType::f32);
      for (const ch05::SoftmaxStep& step : ch05::softmax_steps())
        step.launch(q.args(), nullptr);
    }
    LayerNormPrepared& p = layernorm_prepared(shape);
    for (const ch05::LayerNormStep& step : ch05::layernorm_steps())
      step.launch(p.args(), nullptr);
  };
  return wb::bench_main(argc, argv, chapter);
}
