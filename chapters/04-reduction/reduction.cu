// Chapter 04 plumbing shared by every step: the ladder table, argument checks, the workspace, the
// problem generator and fp64 references, the run-and-compare used by tests and benchmark, and the
// grid size of the grid-stride steps.
#include "reduction.h"

#include "wb/check.h"
#include "wb/random.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <string>

namespace ch04 {

const std::vector<Step>& steps() {
  static const std::vector<Step> ladder = {
      {"naive", "01_naive.cu", launch_naive},
      {"sequential", "02_sequential.cu", launch_sequential},
      {"first_add", "03_first_add.cu", launch_first_add},
      {"unroll_last_warp", "04_unroll_last_warp.cu", launch_unroll_last_warp},
      {"warp_shuffle", "05_warp_shuffle.cu", launch_warp_shuffle},
      {"grid_stride", "06_grid_stride.cu", launch_grid_stride},
      {"vectorized", "07_vectorized.cu", launch_vectorized},
      {"single_pass", "08_single_pass.cu", launch_single_pass},
  };
  return ladder;
}

const std::vector<Step>& vendor_steps() {
  static const std::vector<Step> vendors = {
      {"vendor-cub", "vendor_cub.cu", launch_cub},
  };
  return vendors;
}

std::int64_t workspace_floats_for(std::int64_t n) {
  return std::max(passes_workspace(n, kThreads), single_pass_workspace(n));
}

int sm_count() {
  static const int count = [] {
    int dev = 0, sms = 0;
    WB_CUDA_CHECK(cudaGetDevice(&dev));
    WB_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
    return sms;
  }();
  return count;
}

int machine_blocks(const void* kernel, std::int64_t items, int waves) {
  static std::mutex mutex;
  static std::map<const void*, int> resident;  // blocks per SM, per kernel
  int per_sm = 0;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = resident.find(kernel);
    if (it == resident.end()) {
      WB_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kThreads, 0));
      it = resident.emplace(kernel, std::max(per_sm, 1)).first;
    }
    per_sm = it->second;
  }
  const std::int64_t fill = static_cast<std::int64_t>(waves) * per_sm * sm_count();
  const std::int64_t needed = wb::ceil_div(std::max<std::int64_t>(items, 1), kThreads * kUnroll);
  return static_cast<int>(std::min(fill, needed));
}

wb::Tolerance tolerance(Op op, std::int64_t n) {
  if (op == Op::kMax) {
    wb::Tolerance t = wb::tolerance_for<float>(0);
    t.reason += "; max is exact, the tests also require equality";
    return t;
  }
  const std::int64_t min_threads = static_cast<std::int64_t>(sm_count()) * kThreads;
  const std::int64_t depth = add_depth_bound(n, min_threads);
  wb::Tolerance t = wb::tolerance_for<float>(depth);
  t.reason +=
      "; here the reduction length is the summation-tree height bound add_depth_bound(n = " +
      std::to_string(n) + ", " + std::to_string(min_threads) +
      " threads), times sum |x| (chapters/04-reduction/reduction.h)";
  return t;
}

namespace {

template <class OpT>
__global__ void write_identity_kernel(float* gOut) {
  gOut[0] = OpT::identity();
}

}  // namespace

void validate(const ReduceArgs& a, std::int64_t need, const char* where) {
  WB_REQUIRE_ARG(a.in != nullptr, where, "in is a null pointer");
  WB_REQUIRE_ARG(a.out != nullptr, where, "out is a null pointer");
  WB_REQUIRE_ARG(a.n >= 0 && a.n <= kMaxN, where,
                 "n must be in 0 .. 2^31 - 1, got " + std::to_string(a.n));
  WB_REQUIRE_ARG(wb::address_of(a.in) % 4 == 0 && wb::address_of(a.out) % 4 == 0, where,
                 "in and out must be 4-byte aligned float pointers");
  WB_REQUIRE_ARG(a.op == Op::kSum || a.op == Op::kMax, where, "op must be Op::kSum or Op::kMax");
  const std::int64_t in_bytes = 4 * a.n;
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.out, 4, a.in, in_bytes), where, "out overlaps in");
  if (need > 0) {
    WB_REQUIRE_ARG(a.workspace != nullptr, where,
                   "workspace is a null pointer, and n = " + std::to_string(a.n) +
                       " needs one (ch04::Workspace)");
    WB_REQUIRE_ARG(a.workspace_floats >= need, where,
                   "workspace too small: " + std::to_string(a.workspace_floats) +
                       " floats, n = " + std::to_string(a.n) + " needs " + std::to_string(need) +
                       " (ch04::workspace_floats_for)");
    WB_REQUIRE_ARG(wb::address_of(a.workspace) % 16 == 0, where,
                   "workspace must be 16-byte aligned");
    const std::int64_t ws_bytes = 4 * a.workspace_floats;
    WB_REQUIRE_ARG(!wb::ranges_overlap(a.workspace, ws_bytes, a.in, in_bytes), where,
                   "workspace overlaps in");
    WB_REQUIRE_ARG(!wb::ranges_overlap(a.workspace, ws_bytes, a.out, 4), where,
                   "workspace overlaps out");
  }
}

void write_identity(const ReduceArgs& a, cudaStream_t stream) {
  with_op(a.op, [&](auto op) { write_identity_kernel<decltype(op)><<<1, 1, 0, stream>>>(a.out); });
  WB_CHECK_LAUNCH();
}

Workspace::Workspace(std::int64_t n) : buf_(static_cast<std::size_t>(workspace_floats_for(n))) {
  reset();
}

void Workspace::reset() {
  buf_.poison();
  WB_CUDA_CHECK(cudaMemset(buf_.data(), 0, kCounterFloats * sizeof(float)));
}

Problem make_problem(std::int64_t n, std::uint64_t seed, Inputs kind) {
  Problem p;
  p.n = n;
  p.seed = seed;
  p.in.resize(static_cast<std::size_t>(n));
  if (kind == Inputs::kIntegers) {
    std::mt19937_64 rng(seed);
    for (float& x : p.in) {
      const std::uint64_t r = rng();
      const float magnitude = static_cast<float>(1 + (r & 3u));  // 1..4
      x = (r & 4u) ? magnitude : -magnitude;
    }
  } else {
    wb::fill_random(p.in, seed);
    if (kind == Inputs::kPositive) {
      for (float& x : p.in)
        x = std::fabs(x);
    }
  }
  for (const float x : p.in) {
    p.ref_sum += static_cast<double>(x);
    p.abs_sum += std::fabs(static_cast<double>(x));
    p.ref_max = std::max(p.ref_max, static_cast<double>(x));
  }
  return p;
}

RunResult run_once(Launcher launch, const Problem& p, Op op, int in_offset) {
  const std::size_t n = p.in.size();
  // The view starts in_offset floats into its buffer; the prefix holds non-zero filler.
  wb::DeviceBuffer<float> in(n + static_cast<std::size_t>(in_offset));
  std::vector<float> staged(n + static_cast<std::size_t>(in_offset), 1.0f);
  std::copy(p.in.begin(), p.in.end(), staged.begin() + in_offset);
  in.upload(staged);
  wb::DeviceBuffer<float> out(1);
  out.poison();
  Workspace ws(p.n);

  ReduceArgs args;
  args.in = in.data() + in_offset;
  args.out = out.data();
  args.n = p.n;
  args.workspace = ws.data();
  args.workspace_floats = ws.floats();
  args.op = op;
  launch(args, nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());

  RunResult r;
  r.value = out.download()[0];
  r.out_guards_ok = out.guards_intact();
  return r;
}

wb::CompareReport compare_result(float value, const Problem& p, Op op) {
  const bool sum = op == Op::kSum;
  const double ref = sum ? p.ref_sum : p.ref_max;
  const double scale = sum ? p.abs_sum : std::fabs(p.ref_max);
  return wb::compare(std::vector<float>{value}, std::vector<double>{ref}, tolerance(op, p.n),
                     std::vector<double>{scale});
}

double min_bytes(std::int64_t n) {
  return 4.0 * static_cast<double>(n) + 4.0;
}

}  // namespace ch04
