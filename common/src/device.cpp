#include "wb/device.h"

#include "wb/check.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace wb {

bool gpu_available(std::string* reason) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    if (reason != nullptr) {
      // Without any NVIDIA driver CUDA says "driver version is insufficient", which misleads.
      const bool driver_loaded = std::filesystem::exists("/proc/driver/nvidia/version");
      *reason = std::string(driver_loaded ? "no usable CUDA device"
                                          : "no NVIDIA GPU driver on this machine") +
                " (cudaGetDeviceCount: " + cudaGetErrorName(status) + ")";
    }
    cudaGetLastError();  // clear the error so later calls do not see it
    return false;
  }
  if (count == 0) {
    if (reason != nullptr) *reason = "no CUDA device is visible";
    return false;
  }
  return true;
}

std::string first_output_line(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return "";
  char buf[256] = {};
  if (std::fgets(buf, sizeof(buf), pipe.get()) == nullptr) return "";
  std::string line(buf);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
    line.pop_back();
  return line;
}

double DeviceInfo::dram_peak_GBps() const {
  return 2.0 * mem_clock_max_mhz * 1e6 * (mem_bus_bits / 8.0) / 1e9;
}

double DeviceInfo::fp32_peak_tflops() const {
  return sm_count * 128.0 * 2.0 * sm_clock_max_mhz * 1e6 / 1e12;
}

DeviceInfo device_info() {
  int dev = 0;
  WB_CUDA_CHECK(cudaGetDevice(&dev));
  cudaDeviceProp p{};
  WB_CUDA_CHECK(cudaGetDeviceProperties(&p, dev));
  DeviceInfo info;
  info.name = p.name;
  info.cc_major = p.major;
  info.cc_minor = p.minor;
  info.sm_count = p.multiProcessorCount;
  info.l2_bytes = p.l2CacheSize;
  info.mem_bus_bits = p.memoryBusWidth;
  int khz = 0;
  WB_CUDA_CHECK(cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, dev));
  info.sm_clock_max_mhz = khz / 1000.0;
  WB_CUDA_CHECK(cudaDeviceGetAttribute(&khz, cudaDevAttrMemoryClockRate, dev));
  info.mem_clock_max_mhz = khz / 1000.0;
  WB_CUDA_CHECK(cudaRuntimeGetVersion(&info.cuda_runtime));
  WB_CUDA_CHECK(cudaDriverGetVersion(&info.cuda_driver_api));
  const std::string index = std::to_string(dev);
  info.driver = first_output_line(
      "nvidia-smi --query-gpu=driver_version --format=csv,noheader -i " + index + " 2>/dev/null");
  if (info.driver.empty()) info.driver = "unknown";
  const std::string clocks =
      first_output_line("nvidia-smi --query-gpu=clocks.sm,clocks.mem --format=csv,noheader -i " +
                        index + " 2>/dev/null");
  info.clocks_now = clocks.empty() ? "unknown" : "sm, mem: " + clocks;
  return info;
}

}  // namespace wb
