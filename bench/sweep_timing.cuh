// Timing for the design sweeps (bench/ch02_sweep.cu, bench/ch04_sweep.cu; not part of a ladder).
//
// The ladders time with wb::time_on_stream, which overwrites a buffer twice the L2 size with
// cudaMemsetAsync before each repetition. That leaves the L2 full of *dirty* lines, and the timed
// kernel pays for writing them back to DRAM as it evicts them (up to ~50 MB, ~17 us at 3 TB/s).
// Every step and every vendor pays it alike, so the ladders' ratios are fair; but a kernel that
// evicts less (cache hints) could look faster only because it leaves the write-back to whoever
// runs next. So the sweeps time each variant twice: after the ladder's memset ("dirty"), and after
// the memset followed by a read-only pass over a second buffer twice the L2 size ("clean", which
// leaves the L2 full of clean lines: nothing to write back). A variant must win in both columns.
#pragma once

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/timing.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <vector>

namespace sweep {

__global__ void read_all_kernel(const float4* __restrict__ gIn, std::size_t vectors,
                                float* __restrict__ gSink) {
  float v = 0.0f;
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < vectors;
       i += std::size_t{gridDim.x} * blockDim.x) {
    const float4 x = gIn[i];
    v += x.x + x.y + x.z + x.w;
  }
  if (v == 1.2345f) gSink[0] = v;  // keeps the loads; (practically) never taken
}

struct Timing {
  double dirty_ms = 0, clean_ms = 0, spread = 0;  // medians; spread = (max - min) / median, dirty
};

class Timer {
 public:
  explicit Timer(int reps = 25) : reps_(reps) {
    int dev = 0, l2 = 0;
    WB_CUDA_CHECK(cudaGetDevice(&dev));
    WB_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev));
    bytes_ = 2 * static_cast<std::size_t>(l2);
    WB_CUDA_CHECK(cudaMalloc(&dirty_, bytes_));
    WB_CUDA_CHECK(cudaMalloc(&clean_, bytes_));
    WB_CUDA_CHECK(cudaMalloc(&sink_, sizeof(float)));
    WB_CUDA_CHECK(cudaMemset(clean_, 0x3c, bytes_));
  }
  ~Timer() {
    cudaFree(dirty_);
    cudaFree(clean_);
    cudaFree(sink_);
  }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  Timing time(const std::function<void(cudaStream_t)>& work) {
    Timing t;
    double lo = 0, hi = 0;
    t.dirty_ms = run(work, false, &lo, &hi);
    t.spread = (hi - lo) / t.dirty_ms;
    t.clean_ms = run(work, true, &lo, &hi);
    return t;
  }

 private:
  double run(const std::function<void(cudaStream_t)>& work, bool clean, double* lo, double* hi) {
    for (int i = 0; i < 3; ++i)
      work(nullptr);
    std::vector<cudaEvent_t> ev(2 * reps_);
    for (cudaEvent_t& e : ev)
      WB_CUDA_CHECK(cudaEventCreate(&e));
    for (int i = 0; i < reps_; ++i) {
      WB_CUDA_CHECK(cudaMemsetAsync(dirty_, i & 0xFF, bytes_, nullptr));
      if (clean) {
        read_all_kernel<<<1024, 512>>>(static_cast<const float4*>(clean_), bytes_ / 16,
                                       static_cast<float*>(sink_));
        WB_CHECK_LAUNCH();
      }
      WB_CUDA_CHECK(cudaEventRecord(ev[2 * i], nullptr));
      work(nullptr);
      WB_CUDA_CHECK(cudaEventRecord(ev[2 * i + 1], nullptr));
    }
    WB_CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<double> ms;
    for (int i = 0; i < reps_; ++i) {
      float x = 0;
      WB_CUDA_CHECK(cudaEventElapsedTime(&x, ev[2 * i], ev[2 * i + 1]));
      ms.push_back(x);
    }
    for (cudaEvent_t e : ev)
      cudaEventDestroy(e);
    *lo = *std::min_element(ms.begin(), ms.end());
    *hi = *std::max_element(ms.begin(), ms.end());
    return wb::median(ms);
  }

  int reps_;
  std::size_t bytes_ = 0;
  void* dirty_ = nullptr;
  void* clean_ = nullptr;
  void* sink_ = nullptr;
};

}  // namespace sweep
