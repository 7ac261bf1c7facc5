// Chapter 04 design sweep (not part of the ladder): how should step 6 spread 2^28 floats over the
// GPU? Times pass 1 + a 1-block pass 2 of a float4 reduction kernel for several layouts, next to
// the two read-ceiling kernels' layouts and CUB, in one run on one input. Prints a table.
//
//   interleaved: thread t of a grid of G threads reads float4s t, t + G, t + 2G, ...
//   contiguous:  block b reads its own contiguous chunk, its threads striding by blockDim inside
//   blocked:     as contiguous, but in tiles of blockDim x U float4s where each thread reads U
//                neighbouring float4s (64 bytes for U = 4): the layout CUB's DeviceReduce uses
//   waves:       grid = waves x (blocks resident per SM) x SMs
#include "reduction.h"

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/random.h"
#include "wb/timing.h"

#include <cstdio>
#include <string>
#include <vector>

namespace {

using ch04::kThreads;

template <int kU>
__global__ void __launch_bounds__(kThreads)
    blocked_kernel(const float4* __restrict__ gVec, std::int64_t vectors, std::int64_t chunk,
                   float* __restrict__ gOut) {
  __shared__ float sWarp[ch04::kWarps];
  const std::int64_t tile = static_cast<std::int64_t>(blockDim.x) * kU;
  const std::int64_t begin = static_cast<std::int64_t>(blockIdx.x) * chunk;
  std::int64_t end = begin + chunk;
  end = end < vectors ? end : vectors;
  float v = 0.0f;
  for (std::int64_t t0 = begin; t0 < end; t0 += tile) {
    const std::int64_t j = t0 + static_cast<std::int64_t>(threadIdx.x) * kU;  // U neighbours
    float4 r[kU];
#pragma unroll
    for (int u = 0; u < kU; ++u)
      r[u] = j + u < end ? gVec[j + u] : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll
    for (int u = 0; u < kU; ++u)
      v += (r[u].x + r[u].y) + (r[u].z + r[u].w);
  }
  const ch04::SumOp op;
  v = ch04::warp_reduce(v, op);
  if (threadIdx.x % 32 == 0) sWarp[threadIdx.x / 32] = v;
  __syncthreads();
  v = threadIdx.x < ch04::kWarps ? sWarp[threadIdx.x % 32] : 0.0f;
  v = ch04::warp_reduce(v, op);
  if (threadIdx.x == 0) gOut[blockIdx.x] = v;
}

template <int kU, bool kContiguous>
__global__ void __launch_bounds__(kThreads)
    sweep_kernel(const float4* __restrict__ gVec, std::int64_t vectors, std::int64_t chunk,
                 float* __restrict__ gOut) {
  __shared__ float sWarp[ch04::kWarps];
  std::int64_t begin, end, stride;
  if (kContiguous) {
    begin = static_cast<std::int64_t>(blockIdx.x) * chunk + threadIdx.x;
    end = static_cast<std::int64_t>(blockIdx.x + 1) * chunk;
    end = end < vectors ? end : vectors;
    stride = blockDim.x;
  } else {
    begin = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    end = vectors;
    stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  }
  float v = 0.0f;
  std::int64_t j = begin;
  for (; j + (kU - 1) * stride < end; j += kU * stride) {
    float4 r[kU];
#pragma unroll
    for (int u = 0; u < kU; ++u)
      r[u] = gVec[j + u * stride];
#pragma unroll
    for (int u = 0; u < kU; ++u)
      v += (r[u].x + r[u].y) + (r[u].z + r[u].w);
  }
  for (; j < end; j += stride) {
    const float4 x = gVec[j];
    v += (x.x + x.y) + (x.z + x.w);
  }
  const ch04::SumOp op;
  v = ch04::warp_reduce(v, op);
  if (threadIdx.x % 32 == 0) sWarp[threadIdx.x / 32] = v;
  __syncthreads();
  v = threadIdx.x < ch04::kWarps ? sWarp[threadIdx.x % 32] : 0.0f;
  v = ch04::warp_reduce(v, op);
  if (threadIdx.x == 0) gOut[blockIdx.x] = v;
}

__global__ void finish_kernel(const float* __restrict__ gPartials, int count, float* gOut) {
  __shared__ float sWarp[ch04::kWarps];
  float v = 0.0f;
  for (int b = threadIdx.x; b < count; b += blockDim.x)
    v += gPartials[b];
  const ch04::SumOp op;
  v = ch04::warp_reduce(v, op);
  if (threadIdx.x % 32 == 0) sWarp[threadIdx.x / 32] = v;
  __syncthreads();
  v = threadIdx.x < ch04::kWarps ? sWarp[threadIdx.x % 32] : 0.0f;
  v = ch04::warp_reduce(v, op);
  if (threadIdx.x == 0) gOut[0] = v;
}

struct Result {
  std::string name;
  int blocks;
  double ms, min_ms, max_ms;
  double value;
};

template <int kU, bool kContiguous>
Result run(const char* name, const float4* gVec, std::int64_t vectors, int blocks,
           wb::DeviceBuffer<float>& partials, wb::DeviceBuffer<float>& out) {
  const std::int64_t chunk = ch04::ceil_div(vectors, blocks);
  auto work = [&](cudaStream_t s) {
    sweep_kernel<kU, kContiguous>
        <<<blocks, kThreads, 0, s>>>(gVec, vectors, chunk, partials.data());
    WB_CHECK_LAUNCH();
    finish_kernel<<<1, 1024, 0, s>>>(partials.data(), blocks, out.data());
    WB_CHECK_LAUNCH();
  };
  work(nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  const double value = out.download()[0];
  const wb::TimingResult t = wb::time_on_stream(work);
  return {name, blocks, t.median_ms, t.min_ms, t.max_ms, value};
}

}  // namespace

int main() {
  const std::int64_t n = std::int64_t{1} << 28, vectors = n / 4;
  ch04::Problem p = ch04::make_problem(n, wb::derive_seed(wb::base_seed(), "sweep"));
  wb::DeviceBuffer<float> in(p.in);
  p.in.clear();
  p.in.shrink_to_fit();
  wb::DeviceBuffer<float> partials(1 << 20), out(1);
  const float4* gVec = reinterpret_cast<const float4*>(in.data());
  int dev = 0, sms = 0, per_sm4 = 0, per_sm8 = 0;
  WB_CUDA_CHECK(cudaGetDevice(&dev));
  WB_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  WB_CUDA_CHECK(
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm4, sweep_kernel<4, false>, kThreads, 0));
  WB_CUDA_CHECK(
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm8, sweep_kernel<8, false>, kThreads, 0));
  std::printf("SMs %d, resident blocks per SM: unroll 4 -> %d, unroll 8 -> %d\n", sms, per_sm4,
              per_sm8);

  std::vector<Result> results;
  for (int waves : {1, 2, 4, 8}) {
    const int b4 = waves * per_sm4 * sms, b8 = waves * per_sm8 * sms;
    const std::string w = " waves " + std::to_string(waves);
    results.push_back(run<4, 0>(("interleaved u4" + w).c_str(), gVec, vectors, b4, partials, out));
    results.push_back(run<8, 0>(("interleaved u8" + w).c_str(), gVec, vectors, b8, partials, out));
    results.push_back(run<4, 1>(("contiguous  u4" + w).c_str(), gVec, vectors, b4, partials, out));
    results.push_back(run<8, 1>(("contiguous  u8" + w).c_str(), gVec, vectors, b8, partials, out));
  }
  // The same as the first row with the body starting 16 bytes past a 128-byte line: each warp's
  // 512-byte load then touches 5 lines (17 sectors) instead of 4 (16).
  results.push_back(run<4, 0>("interleaved u4 waves 1, body +16 B", gVec + 1, vectors - 1,
                              per_sm4 * sms, partials, out));
  // CUB's layout: 5 rounds of blocks (its subscription factor), 16 KB tiles, 64 B per thread.
  results.push_back(run<4, 2>("blocked u4 waves 5 (CUB's layout)", gVec, vectors, 5 * per_sm4 * sms,
                              partials, out));
  results.push_back(
      run<4, 2>("blocked u4 waves 8", gVec, vectors, 8 * per_sm4 * sms, partials, out));
  // One tile per block (no loop): kThreads x 4 float4s = 16 KB per block, 65536 blocks.
  results.push_back(run<4, 1>("one 16 KB tile per block", gVec, vectors,
                              static_cast<int>(vectors / (kThreads * 4)), partials, out));
  results.push_back(run<4, 1>("one 64 KB chunk per block (u4 x 4)", gVec, vectors,
                              static_cast<int>(vectors / (kThreads * 16)), partials, out));

  const std::size_t temp_bytes = ch04::cub_sum_temp_bytes(n);
  wb::DeviceBuffer<unsigned char> temp(temp_bytes);
  auto cub = [&](cudaStream_t s) {
    ch04::cub_sum(in.data(), out.data(), n, temp.data(), temp_bytes, s);
  };
  cub(nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  const double cub_value = out.download()[0];
  const wb::TimingResult tc = wb::time_on_stream(cub);

  std::printf("n = 2^28 floats (1 GiB), median of %d reps, L2 flushed; ref sum %.6f\n",
              static_cast<int>(tc.ms.size()), p.ref_sum);
  std::printf("%-40s %8s %9s %9s %9s %8s %s\n", "layout", "blocks", "ms", "min", "max", "GB/s",
              "x cub");
  for (const Result& r : results) {
    std::printf("%-40s %8d %9.4f %9.4f %9.4f %8.0f %5.3f  sum %.3f\n", r.name.c_str(), r.blocks,
                r.ms, r.min_ms, r.max_ms, 4.0 * n / r.ms / 1e6, tc.median_ms / r.ms, r.value);
  }
  std::printf("%-40s %8s %9.4f %9.4f %9.4f %8.0f %5.3f  sum %.3f\n", "cub::DeviceReduce::Sum", "-",
              tc.median_ms, tc.min_ms, tc.max_ms, 4.0 * n / tc.median_ms / 1e6, 1.0, cub_value);
  std::printf("read ceiling (as the ladder measures it): %.0f GB/s\n",
              ch04::measure_read_bandwidth_GBps());
  return 0;
}
