// Chapter 01 plumbing shared by every step: the ladder table, argument checks, the problem
// generator and fp64 reference, and the run-and-compare used by both tests and benchmark.
#include "coalescing.h"

#include "wb/buffer.h"
#include "wb/views.h"
#include "wb/check.h"
#include "wb/random.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>

namespace ch01 {

const std::vector<Step>& steps() {
  static const std::vector<Step> ladder = {
      {"naive", "01_naive.cu", launch_naive},
      {"coalesced", "02_coalesced.cu", launch_coalesced},
      {"vectorized", "03_vectorized.cu", launch_vectorized},
      {"ilp", "04_ilp.cu", launch_ilp},
  };
  return ladder;
}

void validate(const ScaleRowsArgs& a, const char* where) {
  WB_REQUIRE_ARG(a.in != nullptr, where, "in is a null pointer");
  WB_REQUIRE_ARG(a.scale != nullptr, where, "scale is a null pointer");
  WB_REQUIRE_ARG(a.out != nullptr, where, "out is a null pointer");
  const std::string shape = std::to_string(a.rows) + " x " + std::to_string(a.cols);
  WB_REQUIRE_ARG(a.rows > 0 && a.cols > 0, where, "rows and cols must be positive, got " + shape);
  WB_REQUIRE_ARG(
      a.rows <= INT_MAX && a.cols <= INT_MAX, where,
      "rows and cols must each be below 2^31 (kernels index them with int), got " + shape);
  WB_REQUIRE_ARG(wb::address_of(a.in) % 4 == 0 && wb::address_of(a.scale) % 4 == 0 &&
                     wb::address_of(a.out) % 4 == 0,
                 where, "in, scale and out must be 4-byte aligned float pointers");
  const std::int64_t matrix_bytes = a.rows * a.cols * 4;
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.in, matrix_bytes, a.out, matrix_bytes), where,
                 "in and out overlap; this operation is out-of-place");
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.scale, a.rows * 4, a.out, matrix_bytes), where,
                 "scale and out overlap");
}

void validate_same_alignment(const ScaleRowsArgs& a, const char* where) {
  const unsigned in_mod = wb::address_of(a.in) % 16, out_mod = wb::address_of(a.out) % 16;
  WB_REQUIRE_ARG(in_mod == out_mod, where,
                 "in and out must have the same address modulo 16 so that one split into 16-byte "
                 "vectors serves both (in % 16 = " +
                     std::to_string(in_mod) + ", out % 16 = " + std::to_string(out_mod) +
                     "); use the coalesced step for such views");
}

void launch_vendor_memcpy(const ScaleRowsArgs& a, cudaStream_t stream) {
  validate(a, "ch01::launch_vendor_memcpy");
  WB_CUDA_CHECK(cudaMemcpyAsync(a.out, a.in,
                                static_cast<std::size_t>(a.rows * a.cols) * sizeof(float),
                                cudaMemcpyDeviceToDevice, stream));
}

double min_bytes(std::int64_t rows, std::int64_t cols) {
  return 4.0 *
         (2.0 * static_cast<double>(rows) * static_cast<double>(cols) + static_cast<double>(rows));
}

Problem make_problem(const wb::Shape2D& shape, std::uint64_t seed) {
  Problem p;
  p.shape = shape;
  p.seed = seed;
  p.in.resize(static_cast<std::size_t>(shape.elements()));
  p.scale.resize(static_cast<std::size_t>(shape.rows));
  wb::fill_random(p.in, wb::derive_seed(seed, "in"));
  wb::fill_random(p.scale, wb::derive_seed(seed, "scale"));
  p.ref.resize(p.in.size());
  for (std::int64_t r = 0; r < shape.rows; ++r) {
    for (std::int64_t c = 0; c < shape.cols; ++c) {
      const std::size_t i = static_cast<std::size_t>(r * shape.cols + c);
      p.ref[i] = static_cast<double>(p.in[i]) * static_cast<double>(p.scale[r]);  // exact in fp64
    }
  }
  return p;
}

wb::Tolerance tolerance() {
  return wb::tolerance_for<float>(0);
}

std::vector<float> run_once(Launcher launch, const Problem& p, bool* guards_ok, int in_offset,
                            int out_offset) {
  // Offsets shift the views inside slightly larger buffers (wb::run_on_views); the guards stay
  // around the whole buffer.
  wb::DeviceBuffer<float> scale(p.scale);
  return wb::run_on_views(
      p.in, p.in.size(), in_offset, out_offset, guards_ok, [&](const float* in, float* out) {
        launch(ScaleRowsArgs{in, scale.data(), out, p.shape.rows, p.shape.cols}, nullptr);
      });
}

wb::CompareReport run_and_compare(Launcher launch, const Problem& p, bool* guards_ok, int in_offset,
                                  int out_offset) {
  return wb::compare(run_once(launch, p, guards_ok, in_offset, out_offset), p.ref, tolerance());
}

}  // namespace ch01
