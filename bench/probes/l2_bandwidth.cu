// Probe, not part of the build: nvcc -O3 -arch=sm_90 -o l2_bandwidth bench/probes/l2_bandwidth.cu
// Recorded: bench/results/h100/l2-bandwidth.txt (the prediction is in that file, written first).
//
// How many bytes per second the SMs can read from the L2 cache: the question chapters 06 and 07
// leave as [measure: the H100's L2-to-SM bandwidth]. Every thread of a full grid (8 blocks of 256
// threads per SM) reads 16-byte chunks of a buffer of W bytes with ld.global.cg (L2 only, not L1),
// four loads in flight per thread, consecutive threads on consecutive chunks, the whole buffer once
// per pass and many passes per launch. Once the buffer has been read (a warm-up launch), a W that
// fits in the L2 (50 MB on the H100 SXM) is served from it; a W far above it from DRAM, which
// cross-checks the method against chapter 01's copy ceiling. The loads' values are XORed into one
// word per thread and stored only if it matches an impossible value, so none can be dropped.
// Time: CUDA events around `kLaunches` launches, median of 5 such measurements.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CHECK(x)                                                                      \
  do {                                                                                \
    cudaError_t e = (x);                                                              \
    if (e != cudaSuccess) {                                                           \
      std::fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, cudaGetErrorString(e)); \
      std::exit(1);                                                                   \
    }                                                                                 \
  } while (0)

__global__ void __launch_bounds__(256)
    read_passes(const uint4* __restrict__ p, std::int64_t n, int passes, unsigned* out) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  const std::int64_t first = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  unsigned acc = 0;
  for (int pass = 0; pass < passes; ++pass) {
    for (std::int64_t i = first; i < n; i += 4 * stride) {
      uint4 v[4];
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        const std::int64_t j = i + u * stride;
        v[u] = j < n ? __ldcg(p + j) : make_uint4(0, 0, 0, 0);
      }
#pragma unroll
      for (int u = 0; u < 4; ++u)
        acc ^= v[u].x ^ v[u].y ^ v[u].z ^ v[u].w;
    }
  }
  if (acc == 0x9e3779b9u) out[first] = acc;  // keeps every load; the inputs make it false
}

int main() {
  cudaDeviceProp prop{};
  CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("%s, %d SMs, L2 %d MB\n", prop.name, prop.multiProcessorCount,
              prop.l2CacheSize >> 20);
  const int blocks = prop.multiProcessorCount * 8;
  const std::vector<double> sizes_mb = {2, 4, 8, 16, 24, 32, 40, 48, 64, 256, 1024};
  const std::int64_t max_bytes = static_cast<std::int64_t>(1024) << 20;
  uint4* buf = nullptr;
  unsigned* out = nullptr;
  CHECK(cudaMalloc(&buf, max_bytes));
  CHECK(cudaMalloc(&out, static_cast<std::size_t>(blocks) * 256 * sizeof(unsigned)));
  CHECK(cudaMemset(buf, 0x5a, max_bytes));  // every word 0x5a5a5a5a: the XOR is never the marker
  cudaEvent_t t0, t1;
  CHECK(cudaEventCreate(&t0));
  CHECK(cudaEventCreate(&t1));
  std::printf("%10s %8s %10s %12s\n", "W (MB)", "passes", "ms/launch", "read GB/s");
  for (double mb : sizes_mb) {
    const std::int64_t bytes = static_cast<std::int64_t>(mb * (1 << 20));
    const std::int64_t n = bytes / 16;
    // About 1 ms per launch at 8 TB/s, at least one pass.
    const int passes = std::max<int>(1, static_cast<int>(8e12 * 1e-3 / static_cast<double>(bytes)));
    constexpr int kLaunches = 20;
    read_passes<<<blocks, 256>>>(buf, n, passes, out);  // warm-up: the buffer into L2 if it fits
    CHECK(cudaDeviceSynchronize());
    std::vector<double> ms;
    for (int rep = 0; rep < 5; ++rep) {
      CHECK(cudaEventRecord(t0));
      for (int l = 0; l < kLaunches; ++l)
        read_passes<<<blocks, 256>>>(buf, n, passes, out);
      CHECK(cudaEventRecord(t1));
      CHECK(cudaEventSynchronize(t1));
      float t = 0;
      CHECK(cudaEventElapsedTime(&t, t0, t1));
      ms.push_back(t / kLaunches);
    }
    CHECK(cudaGetLastError());
    std::sort(ms.begin(), ms.end());
    const double med = ms[ms.size() / 2];
    std::printf("%10.0f %8d %10.4f %12.1f\n", mb, passes, med,
                static_cast<double>(bytes) * passes / (med * 1e-3) / 1e9);
  }
  return 0;
}
