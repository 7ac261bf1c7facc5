// Chapter 02 limits tier: every step and both vendor rows at the documented maximum of each
// dimension (rows and cols each up to 2^31 - 1), and at a shape past 2^31 elements whose rows
// take step 5's 16-byte path. The vendor-cublas row documents a smaller maximum,
// ch02::kCublasGeamMaxDim = 2^31 - 32768 (cuBLAS refuses more: transpose.h says where that was
// measured): at 2^31 - 1 it must refuse with its documented message, and it runs at its own
// maximum along that dimension instead. Hidden ([.limits]); `make chapter-02-limits` runs each
// (step, test case) pair in its own process (scripts/limits.sh). Inputs are made and outputs
// checked on the device from an exact pattern: at 8 GiB per matrix a host reference would take
// longer than the kernels.
//
// The test cases are tagged [.limits] and not [steps]: a Catch2 filter "[steps]" (the per-step
// CTest entries, the exercise check) also selects hidden test cases that carry the tag, and these
// need 16 GiB each. They honour --wb-step through wb::step_is_ready all the same.
#include "transpose.h"

#include "wb/buffer.h"
#include "wb/catch.h"
#include "wb/check.h"
#include "wb/device/limits.cuh"
#include "wb/testing.h"

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// in(i) = 1 + i mod (2^24 - 3): never zero, exact in fp32, and different for any two elements
// less than 2^24 - 3 apart, so an element moved to the wrong place shows.
struct InPattern {
  __device__ float operator()(std::int64_t i) const { return static_cast<float>(1 + i % 16777213); }
};

// What a transpose writes at output index o = c * rows + r: input element (r, c).
struct TransposedPattern {
  std::int64_t rows, cols;
  __device__ float operator()(std::int64_t o) const {
    const std::int64_t c = o / rows, r = o - c * rows;
    return InPattern{}(r * cols + c);
  }
};

constexpr std::int64_t kMaxDim = 2147483647;  // 2^31 - 1: every step's documented maximum

struct Tested {
  std::string name;
  ch02::Launcher launch;
  bool copies;           // vendor-memcpy copies `in` instead of transposing it
  std::int64_t max_dim;  // the documented maximum of rows and of cols
  std::string where;     // below kMaxDim: the launcher, as its refusal names it
  std::string record;    // below kMaxDim: the file recording the limit, as its refusal names it
};

std::vector<Tested> tested() {
  std::vector<Tested> all;
  for (const ch02::Step& step : ch02::steps())
    all.push_back({step.name, step.launch, false, kMaxDim, "", ""});
  for (const ch02::Step& step : ch02::vendor_steps()) {
    const bool geam = std::string(step.name) == "vendor-cublas";
    if (geam) {
      all.push_back({step.name, step.launch, false, ch02::kCublasGeamMaxDim, "ch02::launch_cublas",
                     "bench/results/h100/cublas-geam-limit.txt"});
    } else {
      all.push_back({step.name, step.launch, false, kMaxDim, "", ""});
    }
  }
  all.push_back({"vendor-memcpy", ch02::launch_vendor_memcpy, true, kMaxDim, "", ""});
  return all;
}

// A shape above the row's documented maximum must be refused before anything runs, with the
// message transpose.h documents: the launcher, the limit, and the file that records it. Fake
// addresses 2^40 bytes apart (never dereferenced; the views do not overlap).
void expect_rejected(const Tested& t, std::int64_t rows, std::int64_t cols) {
  float* const in = reinterpret_cast<float*>(std::uintptr_t{1} << 40);
  float* const out = reinterpret_cast<float*>(std::uintptr_t{2} << 40);
  std::string message = "(no exception)";
  try {
    t.launch(ch02::TransposeArgs{in, out, rows, cols}, nullptr);
  } catch (const std::invalid_argument& e) {
    message = e.what();
  }
  INFO("step " << t.name << " at " << rows << " x " << cols << ": " << message);
  CHECK(message.find(t.where) != std::string::npos);
  CHECK(message.find("at most " + std::to_string(t.max_dim)) != std::string::npos);
  CHECK(message.find(t.record) != std::string::npos);
  std::printf("[limits] %s, %lld x %lld: refused as documented (at most %lld): %s\n",
              t.name.c_str(), static_cast<long long>(rows), static_cast<long long>(cols),
              static_cast<long long>(t.max_dim), message.c_str());
}

// Transposes with every ready row of `which` at rows x cols, both views `offset` floats past a
// 256-byte boundary, and checks every output element on the device. A row whose documented
// maximum is below rows or cols must refuse the shape instead (expect_rejected).
void run_at(const std::vector<Tested>& which, std::int64_t rows, std::int64_t cols, int offset) {
  std::vector<Tested> runs;
  for (const Tested& t : which) {
    if (!wb::step_is_ready(t.name)) continue;
    if (rows > t.max_dim || cols > t.max_dim) {
      expect_rejected(t, rows, cols);
    } else {
      runs.push_back(t);
    }
  }
  if (runs.empty()) return;  // nothing to run: no 16 GiB to allocate
  const std::int64_t n = rows * cols;
  INFO("rows " << rows << ", cols " << cols << " needs " << 8.0 * n / (1 << 30) << " GiB");
  REQUIRE(wb::device_memory_free(8.0 * static_cast<double>(n)));
  wb::DeviceAllocation in_mem(static_cast<std::size_t>(n + offset) * sizeof(float));
  float* const in = static_cast<float*>(in_mem.get()) + offset;
  wb::GuardedOutput out(n, offset);
  wb::fill_on_device(in, n, InPattern{});

  for (const Tested& t : runs) {
    out.poison();
    t.launch(ch02::TransposeArgs{in, out.data(), rows, cols}, nullptr);
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    const wb::DeviceMismatches got =
        t.copies ? wb::check_on_device(out.data(), n, InPattern{})
                 : wb::check_on_device(out.data(), n, TransposedPattern{rows, cols});
    const bool guards_ok = out.guards_intact();
    std::printf("[limits] %s, %lld x %lld, offset %d: %s%s\n", t.name.c_str(),
                static_cast<long long>(rows), static_cast<long long>(cols), offset,
                got.describe().c_str(), guards_ok ? "" : "; WROTE OUTSIDE THE OUTPUT");
    INFO("step " << t.name << " at " << rows << " x " << cols << ", offset " << offset << ": "
                 << got.describe());
    CHECK(got.count == 0);
    CHECK(guards_ok);
  }
}

}  // namespace

// The rows whose documented maximum is below 2^31 - 1 (vendor-cublas), each alone.
std::vector<std::vector<Tested>> below_max() {
  std::vector<std::vector<Tested>> rows;
  for (const Tested& t : tested())
    if (t.max_dim < kMaxDim) rows.push_back({t});
  return rows;
}

TEST_CASE("limits rows at 2^31 - 1 with one column", "[ch02][gpu][.limits]") {
  for (const int offset : {0, 1})
    run_at(tested(), kMaxDim, 1, offset);
  // A row that refused 2^31 - 1 runs at its own documented maximum instead.
  for (const std::vector<Tested>& row : below_max())
    for (const int offset : {0, 1})
      run_at(row, row.front().max_dim, 1, offset);
}

TEST_CASE("limits columns at 2^31 - 1 in one row", "[ch02][gpu][.limits]") {
  for (const int offset : {0, 1})
    run_at(tested(), 1, kMaxDim, offset);
  for (const std::vector<Tested>& row : below_max())
    for (const int offset : {0, 1})
      run_at(row, 1, row.front().max_dim, offset);
}

TEST_CASE("limits past 2^31 elements at 46344 x 46340", "[ch02][gpu][.limits]") {
  // 2,147,580,960 elements, rows and cols multiples of 4 but not of 32 or 64: with aligned views
  // step 5 and 6 take their 16-byte path on whole tiles, and every step has partial edge tiles.
  for (const int offset : {0, 1})
    run_at(tested(), 46344, 46340, offset);
}
