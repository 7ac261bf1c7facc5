// The vendor baseline: cub::DeviceReduce::Sum (CUB ships with the CUDA toolkit, header-only).
// CUB sizes its own grid and runs two kernels (a grid of partials, then one block over them).
// Its temporary storage is the caller's, so the benchmark allocates it once, outside timing;
// launch_cub, the same call as a launcher for the tests, allocates it on the stream.
#include "reduction.h"

#include "wb/check.h"

#include <cub/cub.cuh>

namespace ch04 {

std::size_t cub_sum_temp_bytes(std::int64_t n) {
  WB_REQUIRE_ARG(n >= 0 && n <= kMaxN, "ch04::cub_sum_temp_bytes", "n must be in 0 .. 2^31 - 1");
  std::size_t bytes = 0;
  WB_CUDA_CHECK(cub::DeviceReduce::Sum(nullptr, bytes, static_cast<const float*>(nullptr),
                                       static_cast<float*>(nullptr), static_cast<int>(n)));
  return bytes;
}

void cub_sum(const float* in, float* out, std::int64_t n, void* temp, std::size_t temp_bytes,
             cudaStream_t stream) {
  WB_REQUIRE_ARG(in != nullptr && out != nullptr && temp != nullptr, "ch04::cub_sum",
                 "in, out and temp must not be null");
  WB_REQUIRE_ARG(n >= 0 && n <= kMaxN, "ch04::cub_sum", "n must be in 0 .. 2^31 - 1");
  WB_CUDA_CHECK(cub::DeviceReduce::Sum(temp, temp_bytes, in, out, static_cast<int>(n), stream));
}

void launch_cub(const ReduceArgs& a, cudaStream_t stream) {
  validate(a, 0, "ch04::launch_cub");
  WB_REQUIRE_ARG(a.op == Op::kSum, "ch04::launch_cub",
                 "the vendor row computes the sum only (cub::DeviceReduce::Sum)");
  const std::size_t bytes = cub_sum_temp_bytes(a.n);
  void* temp = nullptr;
  WB_CUDA_CHECK(cudaMallocAsync(&temp, bytes > 0 ? bytes : 1, stream));
  cub_sum(a.in, a.out, a.n, temp, bytes, stream);
  WB_CUDA_CHECK(cudaFreeAsync(temp, stream));
}

}  // namespace ch04
