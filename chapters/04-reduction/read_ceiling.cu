// Chapter 04's ceiling: how fast can this GPU READ? A reduction reads n floats and writes one, so
// the copy bandwidth (read + write) of chapter 01 is the wrong yardstick: DRAM turns around
// between reads and writes, and a pure read stream can be faster. Two minimal read-only kernels,
// no tree, no shared memory, each timed over 1 GiB (20x the H100's L2) with the harness's timer;
// the faster one is the ceiling.
#include "reduction.h"

#include "wb/check.h"
#include "wb/timing.h"

#include <algorithm>
#include <cstdio>

namespace ch04 {
namespace {

// One float4 per thread, one block per 256 float4s: the simplest streaming read.
__global__ void read_once_kernel(const float4* __restrict__ gIn, std::int64_t vectors,
                                 float* gSink) {
  const std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= vectors) return;
  const float4 x = gIn[i];
  const float s = x.x + x.y + x.z + x.w;
  if (s == -1.0f) gSink[0] = s;  // never true for the positive fill; keeps the load alive
}

// A grid that fills the GPU once; each thread keeps kUnroll float4 loads in flight.
__global__ void __launch_bounds__(kThreads)
    read_strided_kernel(const float4* __restrict__ gIn, std::int64_t vectors, float* gSink) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  float s = 0.0f;
  for (; j + (kUnroll - 1) * stride < vectors; j += kUnroll * stride) {
    float4 rX[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      rX[u] = gIn[j + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
      s += rX[u].x + rX[u].y + rX[u].z + rX[u].w;
  }
  for (; j < vectors; j += stride)
    s += gIn[j].x;
  if (s == -1.0f) gSink[0] = s;
}

}  // namespace

double measure_read_bandwidth_GBps() {
  const std::int64_t vectors = (std::int64_t{1} << 30) / 16;  // 1 GiB of float4s
  wb::DeviceAllocation in(static_cast<std::size_t>(vectors) * 16), sink(16);
  WB_CUDA_CHECK(cudaMemset(in.get(), 0x3C, in.bytes()));  // 0x3C3C3C3C: a small positive float
  const float4* gIn = static_cast<const float4*>(in.get());
  float* gSink = static_cast<float*>(sink.get());

  const unsigned once_blocks = static_cast<unsigned>(wb::ceil_div(vectors, kThreads));
  const wb::TimingResult once = wb::time_on_stream([&](cudaStream_t s) {
    read_once_kernel<<<once_blocks, kThreads, 0, s>>>(gIn, vectors, gSink);
    WB_CHECK_LAUNCH();
  });
  const int strided_blocks =
      machine_blocks(reinterpret_cast<const void*>(read_strided_kernel), vectors, 1);
  const wb::TimingResult strided = wb::time_on_stream([&](cudaStream_t s) {
    read_strided_kernel<<<strided_blocks, kThreads, 0, s>>>(gIn, vectors, gSink);
    WB_CHECK_LAUNCH();
  });
  const double bytes = static_cast<double>(in.bytes());
  std::fprintf(stderr,
               "[ch04] read ceiling: one float4 per thread %.0f GB/s, one-round grid %.0f GB/s\n",
               bytes / (once.median_ms * 1e-3) / 1e9, bytes / (strided.median_ms * 1e-3) / 1e9);
  const double best_ms = std::min(once.median_ms, strided.median_ms);
  return bytes / (best_ms * 1e-3) / 1e9;
}

}  // namespace ch04
