// Chapter 03 tuning sweep (not part of the ladder): every compiled tile configuration of step 8
// and several split counts of step 9, at 1024^3, 2048^3 and 4096^3, next to cuBLAS and to steps
// 7, 8 and 9 as the ladder runs them. It is the record behind README "Tuning for the H100" (which
// tile steps 7-9 use) and "Step 9: split-K" (the size rule): for each size it prints how many
// blocks each row launches and what the rule chose, so the rule can be checked against the times.
//
//   ch03_sweep                 the three sizes
//   ch03_sweep 1024 8192       other cube sizes
//
// Every row is checked (2048 random entries plus the whole last row and column against the fp64
// reference, and a scan of C for unwritten entries) before it is timed. Timing: bench/
// sweep_timing.h, the ladder's L2 flush ("dirty": the timed kernel writes back what the flush left)
// and a clean L2 ("clean"); ratios to cuBLAS are taken in the same column.
#include "sgemm.h"
#include "sweep_timing.h"
#include "warp_tiles.h"

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/device.h"
#include "wb/random.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

namespace {

namespace gemm = wb::gemm;

struct Row {
  std::string name;
  ch03::Launcher launch;
  std::int64_t blocks;  // blocks of the (first) kernel: what fills the SMs
};

template <int S>
void split_k_fixed(const ch03::Args& a, cudaStream_t stream) {
  ch03::launch_split_k_with(a, stream, S);
}

int sweep_size(std::int64_t n) {
  const gemm::Shape shape{n, n, n, "sweep"};
  const gemm::Problem<float> problem = gemm::make_problem<float>(
      shape, wb::derive_seed(wb::base_seed(), "sweep/" + shape.str()), 1.0f, 0.0f);
  const gemm::SampledReference sampled = gemm::sample_reference(problem, {2048, true}, 1);
  wb::DeviceBuffer<float> A(problem.A), B(problem.B), C(problem.C.size());
  const ch03::Args args{n,        n,           n,    1.0f,     A.data(),   problem.lda,
                        B.data(), problem.ldb, 0.0f, C.data(), problem.ldc};
  auto tiles = [&](int BM, int BN) {
    return wb::ceil_div(n, std::int64_t{BM}) * wb::ceil_div(n, std::int64_t{BN});
  };
  const std::int64_t tuned = tiles(128, 256);
  const ch03::SplitPlan rule = ch03::split_k_plan(args);
  int sms = 0, device = 0;
  WB_CUDA_CHECK(cudaGetDevice(&device));
  WB_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));

  std::vector<Row> rows = {
      {"cuBLAS (vendor-cublas)", ch03::vendor_step().launch, 0},
      {"step 7 warptile", ch03::launch_warptile, tuned},
      {"step 8 double_buffer", ch03::launch_double_buffer, tuned},
  };
  for (const ch03::TileConfig& c : ch03::double_buffer_configs())
    rows.push_back({std::string("  step 8 kernel ") + c.name, c.launch, tiles(c.BM, c.BN)});
  const struct {
    int splits;
    ch03::Launcher launch;
  } forced[] = {{1, split_k_fixed<1>}, {2, split_k_fixed<2>}, {3, split_k_fixed<3>},
                {4, split_k_fixed<4>}, {6, split_k_fixed<6>}, {8, split_k_fixed<8>}};
  // Row names are the same at every size (the figures match rows across sizes by name); the
  // block header says what the rule chose.
  // One split is step 8's kernel (launch_split_k calls launch_double_buffer then); the row says so.
  for (const auto& f : forced) {
    const ch03::SplitPlan p = ch03::plan_for_splits(n, f.splits, ch03::Tuned::BK);
    rows.push_back({"  step 9 kernel, splits " + std::to_string(f.splits) +
                        (p.splits == 1 ? " (= step 8's kernel)" : ""),
                    f.launch, tuned * p.splits});
  }
  rows.push_back({"step 9 split_k (the size rule)", ch03::launch_split_k, tuned * rule.splits});

  const double gflop = gemm::flops(n, n, n) * 1e-9;
  // The layout of bench/ch02_sweep.cu and bench/ch04_sweep.cu: a block per size, then per row
  // "name blocks | dirty: ms spread TFLOP/s x cuBLAS | clean: ms x cuBLAS".
  std::printf(
      "\n-- %lld^3 (%d SMs; 128 x 256 tiles make %lld blocks; the size rule, plan_split_k, "
      "chose %d split(s) of %lld)\n",
      static_cast<long long>(n), sms, static_cast<long long>(tuned), rule.splits,
      static_cast<long long>(rule.k_per_split));
  std::printf("%-56s %7s | %10s %7s %8s %9s | %10s %9s\n", "variant", "blocks", "ms dirty",
              "spread", "TFLOP/s", "x cuBLAS", "ms clean", "x cuBLAS");
  double cublas_dirty = 0, cublas_clean = 0;
  int wrong = 0;
  for (const Row& r : rows) {
    C.poison();
    r.launch(args, nullptr);
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    const gemm::RunReport report = gemm::check_sampled(problem, sampled, C.download());
    if (!report.ok()) {
      std::printf("%-56s WRONG: %s\n", r.name.c_str(), report.describe(shape.str()).c_str());
      ++wrong;
      continue;
    }
    const sweep::Timing t = sweep::time_both([&](cudaStream_t s) { r.launch(args, s); });
    if (cublas_dirty == 0) {
      cublas_dirty = t.dirty_ms;
      cublas_clean = t.clean_ms;
    }
    std::printf("%-56s %7lld | %10.4f %6.1f%% %8.2f %9.3f | %10.4f %9.3f\n", r.name.c_str(),
                static_cast<long long>(r.blocks), t.dirty_ms, 100.0 * t.spread, gflop / t.dirty_ms,
                cublas_dirty / t.dirty_ms, t.clean_ms, cublas_clean / t.clean_ms);
  }
  return wrong;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::int64_t> sizes;
  for (int i = 1; i < argc; ++i) {
    sizes.push_back(std::atoll(argv[i]));
    if (sizes.back() < 1) {
      std::fprintf(stderr, "usage: ch03_sweep [N ...]   (cube sizes, default 1024 2048 4096)\n");
      return 2;
    }
  }
  if (sizes.empty()) sizes = {1024, 2048, 4096};
  std::string reason;
  if (!wb::gpu_available(&reason)) {
    std::printf("ch03_sweep needs a CUDA GPU: %s. Nothing was measured.\n", reason.c_str());
    return 77;
  }
  std::printf(
      "SWEEP chapter 03: step 8's tile configurations and step 9's split counts, checked "
      "then timed (median of 25, L2 flushed: dirty; and clean), x cuBLAS in the same "
      "column\n");
  try {
    int wrong = 0;
    for (const std::int64_t n : sizes)
      wrong += sweep_size(n);
    return wrong == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ch03_sweep: %s\n", e.what());
    return 1;
  }
}
