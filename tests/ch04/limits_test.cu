// Chapter 04 limits tier: every step and the vendor row at the documented maximum n = 2^31 - 1,
// with the input on a 256-byte boundary and 1 float past it. Hidden ([.limits]);
// `make chapter-04-limits` runs each (step, test case) pair in its own process
// (scripts/limits.sh). The input (8 GiB) is made on the device from the exact pattern of
// limits_pattern.h, whose sum is known in closed form: no host data at that size.
//
// The test case is tagged [.limits] and not [steps]: a Catch2 filter "[steps]" (the per-step
// CTest entries, the exercise check) also selects hidden test cases that carry the tag, and this
// one needs 8 GiB. It honours --wb-step through wb::step_is_ready all the same.
#include "limits_pattern.h"
#include "reduction.h"
#include "tested.h"

#include "wb/buffer.h"
#include "wb/catch.h"
#include "wb/check.h"
#include "wb/device/limits.cuh"
#include "wb/testing.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace {

struct Pattern {
  std::int64_t n;
  __device__ float operator()(std::int64_t j) const { return ch04_limits::value(j, n); }
};

// Runs `launch` for `op` once on the view and returns the result; out is poisoned first.
float run(const ch04::Step& step, const float* in, std::int64_t n, ch04::Op op,
          wb::DeviceBuffer<float>& out, ch04::Workspace& ws) {
  out.poison();
  ws.reset();
  step.launch(ch04::ReduceArgs{in, out.data(), n, ws.data(), ws.floats(), op}, nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  return out.download()[0];
}

}  // namespace

TEST_CASE("limits n at 2^31 - 1", "[ch04][gpu][.limits]") {
  const std::int64_t n = ch04::kMaxN;
  INFO("n = 2^31 - 1 needs 8 GiB of device memory for the input");
  REQUIRE(wb::device_memory_free(4.0 * static_cast<double>(n)));

  wb::DeviceAllocation in_mem(static_cast<std::size_t>(n + 1) * sizeof(float));
  wb::DeviceBuffer<float> out(1);
  ch04::Workspace ws(n);
  const double want_sum = ch04_limits::exact_sum(n);
  for (const int offset : {0, 1}) {
    float* const in = static_cast<float*>(in_mem.get()) + offset;
    wb::fill_on_device(in, n, Pattern{n});
    for (const ch04_tests::Tested& t : ch04_tests::tested()) {
      if (!wb::step_is_ready(t.step.name)) continue;
      const float sum = run(t.step, in, n, ch04::Op::kSum, out, ws);
      const bool sum_ok = static_cast<double>(sum) == want_sum && out.guards_intact();
      bool max_ok = true;
      float max = ch04_limits::kLast;
      if (t.has_max) {
        max = run(t.step, in, n, ch04::Op::kMax, out, ws);
        max_ok = max == ch04_limits::kLast && out.guards_intact();
      }
      std::printf(
          "[limits] %s at n = %lld, input %d floats in: sum %.1f (exact %.1f), max %.1f%s\n",
          t.step.name, static_cast<long long>(n), offset, static_cast<double>(sum), want_sum,
          static_cast<double>(max), sum_ok && max_ok ? "" : "  WRONG");
      INFO("step " << t.step.name << ", n = " << n << ", input " << offset << " floats in: sum "
                   << sum << " (exact " << want_sum << "), max " << max << " (exact "
                   << ch04_limits::kLast << ")");
      CHECK(sum_ok);
      CHECK(max_ok);
    }
  }
}
