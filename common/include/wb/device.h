/// @file device.h
/// @brief Is there a GPU, and which one: what tests, benchmarks and results record.
#pragma once

#include <string>

namespace wb {

/// Whether a CUDA device can be used. When not, `reason` says why (no driver, no device, or
/// CUDA's own error message), in words fit to print next to a skipped test.
bool gpu_available(std::string* reason = nullptr);

/// Facts about the current device, read once. Clocks and driver come from nvidia-smi when it
/// answers (current clocks are what the benchmark ran at) and are "unknown" otherwise.
struct DeviceInfo {
  std::string name;              ///< e.g. "NVIDIA H100 80GB HBM3"
  int cc_major = 0;              ///< compute capability, major
  int cc_minor = 0;              ///< compute capability, minor
  int sm_count = 0;              ///< streaming multiprocessors
  int l2_bytes = 0;              ///< L2 cache size in bytes
  double sm_clock_max_mhz = 0;   ///< peak SM clock (cudaDevAttrClockRate)
  double mem_clock_max_mhz = 0;  ///< peak memory clock (cudaDevAttrMemoryClockRate)
  int mem_bus_bits = 0;          ///< memory bus width in bits
  std::string driver;            ///< driver version, e.g. "580.159.04"
  std::string clocks_now;        ///< "sm <MHz>, mem <MHz>" as nvidia-smi read them, or "unknown"
  int cuda_runtime = 0;          ///< runtime version, e.g. 13000
  int cuda_driver_api = 0;       ///< highest CUDA version the driver supports, e.g. 13000

  /// Datasheet-style peak DRAM bandwidth from clock and bus width (2 transfers per clock), GB/s.
  /// A lead only: ceilings the ladder uses are measured (ceilings.h).
  double dram_peak_GBps() const;
  /// FP32 FMA peak: SMs * 128 lanes * 2 FLOP * peak clock, in TFLOP/s (valid for sm_80..sm_90).
  double fp32_peak_tflops() const;
};

/// Reads DeviceInfo for the current device (throws CudaError when there is none).
DeviceInfo device_info();

/// First line a shell command prints (trailing newline removed), or "" when it cannot run.
/// Used for nvidia-smi and git, whose answers are optional facts in the results.
std::string first_output_line(const std::string& command);

}  // namespace wb
