// Chapter 01 limits tier: every step and the vendor row at the documented maximum of each
// dimension (rows and cols each up to 2^31 - 1), and at a square shape past 2^31 elements. Hidden
// ([.limits]); `make chapter-01-limits` runs each (step, test case) pair in its own process
// (scripts/limits.sh). Inputs are made and outputs checked on the device from exact integer
// patterns: at 8 GiB per matrix a host reference would take longer than the kernels.
//
// The test cases are tagged [.limits] and not [steps]: a Catch2 filter "[steps]" (the per-step
// CTest entries, the exercise check) also selects hidden test cases that carry the tag, and these
// need up to 24 GiB each. They honour --wb-step through wb::step_is_ready all the same.
#include "coalescing.h"

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

// in(i) = +-(1 + i mod 251), alternating in sign: never zero, and the product with a scale of at
// most 7 is an integer below 2^11, exact in fp32.
struct InPattern {
  __device__ float operator()(std::int64_t i) const {
    const float m = static_cast<float>(1 + i % 251);
    return (i & 1) != 0 ? -m : m;
  }
};

// scale(r) = 1 + r mod 7.
struct ScalePattern {
  __device__ float operator()(std::int64_t r) const { return static_cast<float>(1 + r % 7); }
};

// What a step must write at element i of the (rows, cols) output: in(i) * scale(i / cols).
struct ScaledPattern {
  std::int64_t cols;
  __device__ float operator()(std::int64_t i) const {
    return InPattern{}(i)*ScalePattern{}(i / cols);
  }
};

struct Tested {
  std::string name;
  ch01::Launcher launch;
  bool copies;  // the vendor row copies `in` instead of scaling it
};

std::vector<Tested> tested() {
  std::vector<Tested> all;
  for (const ch01::Step& step : ch01::steps())
    all.push_back({step.name, step.launch, false});
  all.push_back({"vendor-memcpy", ch01::launch_vendor_memcpy, true});
  return all;
}

// Runs every ready step at rows x cols, with the views at `offset` floats past a 256-byte
// boundary (in and out alike, so the vectorized steps accept them).
void run_at(std::int64_t rows, std::int64_t cols, int offset) {
  const std::int64_t n = rows * cols;
  const double bytes = (2.0 * static_cast<double>(n) + static_cast<double>(rows)) * 4.0;
  INFO("rows " << rows << ", cols " << cols << " needs " << bytes / (1 << 30) << " GiB");
  REQUIRE(wb::device_memory_free(bytes));

  wb::DeviceAllocation in_mem(static_cast<std::size_t>(n + offset) * sizeof(float));
  wb::DeviceAllocation scale_mem(static_cast<std::size_t>(rows) * sizeof(float));
  wb::GuardedOutput out(n, offset);
  float* const in = static_cast<float*>(in_mem.get()) + offset;
  float* const scale = static_cast<float*>(scale_mem.get());
  wb::fill_on_device(in, n, InPattern{});
  wb::fill_on_device(scale, rows, ScalePattern{});

  for (const Tested& t : tested()) {
    if (!wb::step_is_ready(t.name)) continue;
    out.poison();
    t.launch(ch01::ScaleRowsArgs{in, scale, out.data(), rows, cols}, nullptr);
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    const wb::DeviceMismatches got = t.copies
                                         ? wb::check_on_device(out.data(), n, InPattern{})
                                         : wb::check_on_device(out.data(), n, ScaledPattern{cols});
    const bool guards_ok = out.guards_intact();
    std::printf("[limits] %s at %lld x %lld, views %d floats in: %s%s\n", t.name.c_str(),
                static_cast<long long>(rows), static_cast<long long>(cols), offset,
                got.describe().c_str(), guards_ok ? "" : "; WROTE OUTSIDE THE OUTPUT");
    INFO("step " << t.name << ", shape " << rows << "x" << cols << ", views " << offset
                 << " floats in: " << got.describe());
    CHECK(got.count == 0);
    CHECK(guards_ok);  // nothing written before or after the output
  }
}

}  // namespace

TEST_CASE("limits rows at 2^31 - 1 with one column", "[ch01][gpu][.limits]") {
  for (const int offset : {0, 1})
    run_at(2147483647, 1, offset);
}

TEST_CASE("limits columns at 2^31 - 1 in one row", "[ch01][gpu][.limits]") {
  for (const int offset : {0, 1})
    run_at(1, 2147483647, offset);
}

TEST_CASE("limits past 2^31 elements at 46341 x 46341", "[ch01][gpu][.limits]") {
  // 2,147,488,281 elements: neither dimension is large, but every offset past 2^31 needs 64 bits.
  for (const int offset : {0, 1})
    run_at(46341, 46341, offset);
}
