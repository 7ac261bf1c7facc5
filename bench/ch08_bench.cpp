// Chapter 08 benchmark: every step at the ladder sizes, fp16 and bf16, causal and not, in one
// run, against the measured mma.sync peak (chapter 06's ch06::peak, linked).
//
// FLOPs per run (counted as FlashAttention and PyTorch count them): 4 B H Sq Sk d, halved with
// the causal mask. Bytes at least: Q, K, V read once, O written once, lse written once
// (ch08::min_bytes). At B4 H16 S4096 d128 that is 0.55 TFLOP against 0.27 GB: ~2000 FLOP per
// byte, far right of the H100's tensor-core ridge (~647 TFLOP/s / 3.0 TB/s ~ 216 FLOP/byte), so
// the ceiling is arithmetic: the mma.sync peak measured at the start of the run by chapter 06's
// peak kernel (chapter 06's library is linked: chapter.cmake). The vendor
// peers (PyTorch's scaled_dot_product_attention with its FlashAttention-2 and cuDNN backends)
// run in the same device call from bench/ch08_pytorch_peer.py, at the same shapes, and are
// recorded beside this ladder (chapter-08.pytorch.json); bench/ch08_peer_table.py sets them next
// to each step as x FA2 and x cuDNN (chapter-08.peers.txt, printed after the recorded ladder).
//
// Each (type, shape, mask) is its own ladder block, e.g. fp16/b4/h16/s4096/d128/causal. Every row
// is checked before it is timed: 256 query rows (each head's first and last among them) against
// the fp64 reference under the tests' rule, and the poison scan of those rows.
//
//   ch08_bench                   the ladder (JSON under <build>/bench/results/)
//   ch08_bench --wb_profile      each step once at B2 H16 S4096 d128 fp16 (causal and not), for
//                                Nsight Compute (half the headline batch: the naive step's S and P
//                                are 4.3 GB there, and Nsight Compute saves and restores what a
//                                kernel writes for each replay)
#include "attention.h"

#include "wb/bench.h"
#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/device.h"
#include "wb/random.h"

#include "hgemm.h"  // chapter 06's mma.sync peak kernel: the ceiling

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace {

using ch08::Shape;

// One problem at a time lives on the host and the device: all rows of one block share it, and
// its sampled fp64 reference is computed once.
template <class T>
struct Prepared {
  ch08::Problem<T> problem;
  ch08::Reference reference;
  wb::DeviceBuffer<T> Q, K, V, O;
  wb::DeviceBuffer<float> lse;
  wb::DeviceBuffer<float> workspace;  // the naive step's, allocated when it first runs
  explicit Prepared(const Shape& shape)
      : problem(ch08::make_problem<T>(
            shape, wb::derive_seed(wb::base_seed(), std::string("bench/") + ch08::type_name<T>() +
                                                        "/" + shape.str()))),
        reference(ch08::make_reference(problem)),
        Q(problem.Q),
        K(problem.K),
        V(problem.V),
        O(problem.Q.size()),
        lse(static_cast<std::size_t>(shape.B * shape.H * shape.Sq)) {}
  ch08::Args<T> args(bool naive) {
    const Shape& s = problem.shape;
    if (naive && workspace.size() == 0)
      workspace = wb::DeviceBuffer<float>(
          static_cast<std::size_t>(ch08::naive_workspace_floats(s.B, s.H, s.Sq, s.Sk)));
    return ch08::make_args(s, problem.scale, Q.data(), K.data(), V.data(), O.data(), lse.data(),
                           naive ? workspace.data() : nullptr);
  }
};

// The device holds one block's problem at a time (the naive step's workspace alone is 34 GB at
// S 16384): asking for another shape or type frees the current one first.
std::shared_ptr<void>& current_problem() {
  static std::shared_ptr<void> current;
  return current;
}
template <class T>
Prepared<T>& prepared(const Shape& shape) {
  static std::string current_key;
  std::shared_ptr<void>& held = current_problem();
  const std::string key = std::string(ch08::type_name<T>()) + " " + shape.str();
  if (!held || current_key != key) {
    held.reset();
    held = std::make_shared<Prepared<T>>(shape);
    current_key = key;
  }
  return *static_cast<Prepared<T>*>(held.get());
}

// Runs the step once on poisoned outputs and checks the sampled rows; returns the run's time in
// ms (to size the repetitions), or -1 with `error` set.
template <class T>
double checked_run(Prepared<T>& p, const ch08::Step& step, std::string* error) {
  p.O.poison();
  p.lse.poison();
  const ch08::Args<T> a = p.args(std::string(step.name) == "naive");
  // Wall time of one synchronised run: only to size the repetitions (the timing is
  // wb::time_on_stream's, with events); it includes the launch overhead, which is what a
  // repetition budget should count.
  const auto start = std::chrono::steady_clock::now();
  step.launcher<T>()(a, nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ch08::Report r = ch08::check_outputs(p.problem, p.reference, p.O.download(), p.lse.download());
  r.guards_ok = p.O.guards_intact() && p.lse.guards_intact();
  if (!r.ok()) {
    *error = "wrong result: " + r.describe(std::string(step.name) + " " + ch08::type_name<T>() +
                                           " " + p.problem.shape.str());
    return -1;
  }
  return ms;
}

// Repetitions within a time budget: the harness's default 25 (and 3 warm-ups) for runs under
// 80 ms, down to 5 (and 1 warm-up) for the naive step's seconds-long runs at S 16384.
// WB_REPS and WB_WARMUP still override.
wb::TimingOptions options_for(double first_ms) {
  wb::TimingOptions o;
  const int budget_reps = static_cast<int>(2000.0 / std::max(first_ms, 1e-3));
  o.reps = std::clamp(budget_reps, 5, o.reps);
  o.warmup = first_ms > 100 ? 1 : o.warmup;
  return o;
}

template <class T>
void bench_step(benchmark::State& state, const ch08::Step& step, const Shape& shape) {
  Prepared<T>& p = prepared<T>(shape);
  std::string error;
  const double first_ms = checked_run(p, step, &error);  // correctness next to the timing
  if (first_ms < 0) {
    state.SkipWithError(error.c_str());
    return;
  }
  const ch08::Args<T> a = p.args(std::string(step.name) == "naive");
  const ch08::Launcher<T> launch = step.launcher<T>();
  for (auto _ : state) {
    wb::report_timing(
        state, wb::time_on_stream([&](cudaStream_t s) { launch(a, s); }, options_for(first_ms)),
        ch08::min_bytes(shape.B, shape.H, shape.Hkv, shape.Sq, shape.Sk, shape.d, sizeof(T)),
        ch08::flops(shape.B, shape.H, shape.Sq, shape.Sk, shape.d, shape.causal));
  }
}

// The ladder's blocks: the two headline shapes in both types and masks, one grouped-query shape
// and one long sequence (fp16, both masks). The peer script runs the same list.
struct Block {
  Shape shape;
  bool fp16;
  bool bf16;
};
std::vector<Block> blocks() {
  std::vector<Block> v;
  for (const bool causal : {false, true}) {
    v.push_back({Shape{4, 16, 16, 4096, 4096, 128, causal}, true, true});
    v.push_back({Shape{8, 16, 16, 2048, 2048, 64, causal}, true, true});
  }
  for (const bool causal : {false, true}) {
    v.push_back({Shape{4, 32, 8, 4096, 4096, 128, causal}, true, false});     // grouped-query
    v.push_back({Shape{1, 16, 16, 16384, 16384, 128, causal}, true, false});  // long sequence
  }
  return v;
}

std::vector<std::string> size_tokens(const Shape& s, const char* type) {
  std::vector<std::string> t = {type, "b" + std::to_string(s.B), "h" + std::to_string(s.H)};
  if (s.Hkv != s.H) t.push_back("kv" + std::to_string(s.Hkv));
  t.push_back("s" + std::to_string(s.Sq));
  t.push_back("d" + std::to_string(s.d));
  t.push_back(s.causal ? "causal" : "full");
  return t;
}

template <class T>
void register_block(const Shape& shape) {
  for (const ch08::Step& step : ch08::steps()) {
    wb::add_case("ch08", step.name, size_tokens(shape, ch08::type_name<T>()),
                 [&step, shape](benchmark::State& s) { bench_step<T>(s, step, shape); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  wb::ChapterBench chapter;
  // The ceiling first: chapter 06's peak kernel, the fastest mma.sync can go on this GPU.
  chapter.measure_ceiling = ch06::peak::measure_tflops<__half>;
  chapter.ceiling_kind = "compute";
  chapter.ceiling_what =
      "chapter 06's mma.sync peak: m16n8k16 fp16 x fp16 -> fp32 issued from registers, no memory "
      "traffic in the loop, result checked; median of the run's repetitions";
  // The vendor peers are PyTorch's, measured by bench/ch08_pytorch_peer.py (it needs PyTorch);
  // bench/ch08_peer_table.py sets them beside the ladder as x FA2 and x cuDNN.
  chapter.vendor_step = "";
  chapter.recorded_extras = {"chapter-08.peers.txt"};
  chapter.after_measured = [](const std::string& ladder_json) {
    const std::string dir = std::filesystem::path(ladder_json).parent_path().string();
    const std::string peers = (dir.empty() ? "" : dir + "/") + "chapter-08.pytorch.json";
    return "This ladder has no vendor row: x FA2 and x cuDNN come from PyTorch's\n"
           "scaled_dot_product_attention at the same shapes, measured by a Python script that\n"
           "needs PyTorch with CUDA. On this GPU, right after this run (the same session), from\n"
           "the repository's root:\n"
           "  python3 bench/ch08_pytorch_peer.py " +
           peers + "\n" + "  python3 bench/ch08_peer_table.py " + ladder_json + " " + peers + "\n";
  };
  chapter.results_name = "chapter-08";
  chapter.id = "ch08";
  chapter.title = "flash attention, forward";
  chapter.register_cases = [] {
    for (const Block& b : blocks()) {
      if (b.fp16) register_block<__half>(b.shape);
      if (b.bf16) register_block<__nv_bfloat16>(b.shape);
    }
  };
  chapter.profile = [] {
    // The target shape at half the batch (see the file comment): every step once, non-causal
    // then causal.
    for (const bool causal : {false, true}) {
      Prepared<__half>& p = prepared<__half>(Shape{2, 16, 16, 4096, 4096, 128, causal});
      for (const ch08::Step& step : ch08::steps())
        step.fp16(p.args(std::string(step.name) == "naive"), nullptr);
      WB_CUDA_CHECK(cudaDeviceSynchronize());
    }
  };
  return wb::bench_main(argc, argv, chapter);
}
