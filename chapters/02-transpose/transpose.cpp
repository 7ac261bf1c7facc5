// Chapter 02 plumbing shared by every step: the ladder table, argument checks, the grid, the
// problem generator and reference, and the run-and-compare used by both tests and benchmark.
#include "transpose.h"

#include "wb/buffer.h"
#include "wb/views.h"
#include "wb/check.h"
#include "wb/random.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>

namespace ch02 {

const std::vector<Step>& steps() {
  static const std::vector<Step> ladder = {
      {"naive", "01_naive.cu", launch_naive},
      {"smem_tile", "02_smem_tile.cu", launch_smem_tile},
      {"padded_tile", "03_padded_tile.cu", launch_padded_tile},
      {"swizzled_tile", "04_swizzled_tile.cu", launch_swizzled_tile},
      {"wide", "05_wide.cu", launch_wide},
      {"grouped", "06_grouped.cu", launch_grouped},
      {"big_tile", "07_big_tile.cu", launch_big_tile},
      {"column_order", "08_column_order.cu", launch_column_order},
  };
  return ladder;
}

const std::vector<Step>& vendor_steps() {
  static const std::vector<Step> vendors = {
      {"vendor-cublas", "cublas_transpose.cpp", launch_cublas},
  };
  return vendors;
}

void launch_vendor_memcpy(const TransposeArgs& a, cudaStream_t stream) {
  validate(a, "ch02::launch_vendor_memcpy");
  WB_CUDA_CHECK(cudaMemcpyAsync(a.out, a.in,
                                static_cast<std::size_t>(a.rows * a.cols) * sizeof(float),
                                cudaMemcpyDeviceToDevice, stream));
}

void validate(const TransposeArgs& a, const char* where) {
  WB_REQUIRE_ARG(a.in != nullptr, where, "in is a null pointer");
  WB_REQUIRE_ARG(a.out != nullptr, where, "out is a null pointer");
  const std::string shape = std::to_string(a.rows) + " x " + std::to_string(a.cols);
  WB_REQUIRE_ARG(a.rows > 0 && a.cols > 0, where, "rows and cols must be positive, got " + shape);
  WB_REQUIRE_ARG(a.rows <= INT_MAX && a.cols <= INT_MAX, where,
                 "rows and cols must each be below 2^31 (the limit this chapter documents and its "
                 "limits tier tests), got " +
                     shape);
  WB_REQUIRE_ARG(wb::address_of(a.in) % 4 == 0 && wb::address_of(a.out) % 4 == 0, where,
                 "in and out must be 4-byte aligned float pointers");
  const std::int64_t matrix_bytes = a.rows * a.cols * 4;
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.in, matrix_bytes, a.out, matrix_bytes), where,
                 "in and out overlap; this transpose is out-of-place (an in-place transpose of a "
                 "non-square matrix is a different algorithm), so pass two separate buffers");
}

void validate_cublas(const TransposeArgs& a, const char* where) {
  validate(a, where);
  WB_REQUIRE_ARG(a.rows <= kCublasGeamMaxDim && a.cols <= kCublasGeamMaxDim, where,
                 "rows and cols must each be at most " + std::to_string(kCublasGeamMaxDim) +
                     " (2^31 - 32768) for the vendor row: cuBLAS's cublasSgeam_64 refuses a "
                     "larger dimension (CUBLAS_STATUS_INVALID_VALUE, measured on the H100 with "
                     "CUDA 13.0 and recorded in bench/results/h100/cublas-geam-limit.txt), got " +
                     std::to_string(a.rows) + " x " + std::to_string(a.cols));
}

bool can_vectorize(const TransposeArgs& a) {
  return a.rows % WideShape::kVec == 0 && a.cols % WideShape::kVec == 0 &&
         wb::address_of(a.in) % 16 == 0 && wb::address_of(a.out) % 16 == 0;
}

dim3 tile_grid(const TransposeArgs& a, const char* where, int tile) {
  const std::int64_t tiles = tile_count(a.rows, a.cols, tile);
  WB_REQUIRE_ARG(tiles <= INT_MAX, where,
                 "the matrix has " + std::to_string(tiles) + " tiles of " + std::to_string(tile) +
                     " x " + std::to_string(tile) +
                     ", more than a grid has blocks along x (2^31 - 1)");
  return dim3(static_cast<unsigned>(tiles));
}

double min_bytes(std::int64_t rows, std::int64_t cols) {
  return 8.0 * static_cast<double>(rows) * static_cast<double>(cols);
}

Problem make_problem(const wb::Shape2D& shape, std::uint64_t seed) {
  Problem p;
  p.shape = shape;
  p.seed = seed;
  p.in.resize(static_cast<std::size_t>(shape.elements()));
  wb::fill_random(p.in, wb::derive_seed(seed, "in"));
  p.ref.resize(p.in.size());
  for (std::int64_t r = 0; r < shape.rows; ++r) {
    for (std::int64_t c = 0; c < shape.cols; ++c) {
      p.ref[static_cast<std::size_t>(c * shape.rows + r)] =
          p.in[static_cast<std::size_t>(r * shape.cols + c)];
    }
  }
  return p;
}

wb::Tolerance tolerance() {
  return wb::Tolerance{0.0, 0.0, "a transpose rounds nothing: every element must be exact"};
}

std::vector<float> run_once(Launcher launch, const Problem& p, bool* guards_ok, int in_offset,
                            int out_offset) {
  // Offsets shift the views inside slightly larger buffers (wb::run_on_views); the guards stay
  // around the whole buffer.
  return wb::run_on_views(p.in, p.in.size(), in_offset, out_offset, guards_ok,
                          [&](const float* in, float* out) {
                            launch(TransposeArgs{in, out, p.shape.rows, p.shape.cols}, nullptr);
                          });
}

wb::CompareReport run_and_compare(Launcher launch, const Problem& p, bool* guards_ok, int in_offset,
                                  int out_offset) {
  return wb::compare(run_once(launch, p, guards_ok, in_offset, out_offset), p.ref, tolerance());
}

}  // namespace ch02
