// Probe, not part of the build: nvcc -O2 -arch=sm_90 -o geam_limit
// bench/probes/cublas_geam_limit.cu -lcublas Recorded: bench/results/h100/cublas-geam-limit.txt
// (H100, CUDA 13.0, driver 580.159.04). The largest dimension cublasSgeam_64 accepts for a
// transpose of rows x 1 and 1 x cols (bisection), and whether the output is right just below and at
// the boundary.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cstdio>
#include <cstdint>
int main() {
  cublasHandle_t h;
  cublasCreate(&h);
  const int64_t big = (int64_t(1) << 31) - 1;
  float *in, *out;
  cudaMalloc(&in, big * 4);
  cudaMalloc(&out, big * 4);
  float one = 1.f, zero = 0.f;
  for (int dir = 0; dir < 2; ++dir) {
    auto st = [&](int64_t n) {
      int64_t r = dir ? 1 : n, c = dir ? n : 1;
      cublasStatus_t s =
          cublasSgeam_64(h, CUBLAS_OP_T, CUBLAS_OP_N, r, c, &one, in, c, &zero, out, r, out, r);
      cudaDeviceSynchronize();
      return int(s);
    };
    int64_t lo = (int64_t(1) << 31) - 32768,
            hi = (int64_t(1) << 31) - 1024;  // lo accepted, hi refused
    std::printf("dir %d: st(lo)=%d st(hi)=%d\n", dir, st(lo), st(hi));
    while (hi - lo > 1) {
      int64_t mid = (lo + hi) / 2;
      (st(mid) == 0 ? lo : hi) = mid;
    }
    std::printf("dir %d (%s): largest accepted %lld = 2^31 - %lld; refused from %lld\n", dir,
                dir ? "1 x cols" : "rows x 1", (long long)lo, (long long)((int64_t(1) << 31) - lo),
                (long long)hi);
    // the output at the largest accepted length: three probes
    cudaMemset(out, 0xFF, lo * 4);
    float p = 7.f;
    cudaMemcpy(in + lo - 1, &p, 4, cudaMemcpyHostToDevice);
    st(lo);
    float v = 0;
    cudaMemcpy(&v, out + lo - 1, 4, cudaMemcpyDeviceToHost);
    std::printf("  last element at %lld: %s\n", (long long)lo, v == p ? "right" : "WRONG");
  }
  return 0;
}
