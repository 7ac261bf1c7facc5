#include "wb/ceilings.h"

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/timing.h"

namespace wb {

double measure_copy_bandwidth_GBps(std::size_t bytes) {
  DeviceAllocation src(bytes), dst(bytes);
  WB_CUDA_CHECK(cudaMemset(src.get(), 0x3C,
                           bytes));  // any non-zero pattern; contents do not matter to a copy
  const TimingResult t = time_on_stream([&](cudaStream_t s) {
    WB_CUDA_CHECK(cudaMemcpyAsync(dst.get(), src.get(), bytes, cudaMemcpyDeviceToDevice, s));
  });
  return 2.0 * static_cast<double>(bytes) / (t.median_ms * 1e-3) / 1e9;
}

}  // namespace wb
