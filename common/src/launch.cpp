#include "wb/launch.h"

#include <string>

namespace wb {

int max_dynamic_smem_per_block() {
  int device = 0, bytes = 0;
  WB_CUDA_CHECK(cudaGetDevice(&device));
  WB_CUDA_CHECK(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  return bytes;
}

void allow_dynamic_smem(const void* kernel, std::size_t bytes, const char* where) {
  if (bytes <= kDefaultDynamicSmemBytes) return;
  const int limit = max_dynamic_smem_per_block();
  WB_REQUIRE_ARG(bytes <= static_cast<std::size_t>(limit), where,
                 "needs " + std::to_string(bytes) +
                     " bytes of shared memory per block; this GPU "
                     "allows " +
                     std::to_string(limit));
  WB_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                     static_cast<int>(bytes)));
}

dim3 grid_2d(std::int64_t x, std::int64_t y, const char* where) {
  WB_REQUIRE_ARG(x >= 1 && x <= kMaxGridX, where,
                 "needs " + std::to_string(x) + " blocks along grid x; the limit is 2^31 - 1");
  WB_REQUIRE_ARG(y >= 1 && y <= kMaxGridYZ, where,
                 "needs " + std::to_string(y) + " blocks along grid y; the limit is 65535");
  return dim3(static_cast<unsigned>(x), static_cast<unsigned>(y));
}

}  // namespace wb
