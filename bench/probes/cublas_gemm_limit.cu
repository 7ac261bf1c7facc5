// Probe, not part of the build: nvcc -O2 -arch=sm_90 -o gemm_limit
// bench/probes/cublas_gemm_limit.cu -lcublas. Recorded: bench/results/h100/cublas-gemm-limit.txt.
// The largest M (with N = K = 1) and the largest N (with M = K = 1) that cublasGemmEx_64 accepts,
// called exactly as wb::gemm::launch_cublas calls it (row-major C = A B as column-major
// C^T = B^T A^T: cuBLAS's m is the workbook's N, its n the workbook's M), for fp32 and for fp16
// inputs with fp32 compute; found by bisection between 1 and 2^31 - 1. Then the output just at
// the largest accepted size: the last element and the first, with beta 0 and beta 2.
#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>

namespace {
cublasHandle_t h;
void* bufA;
void* bufB;
void* bufC;

template <class T>
cudaDataType_t type_of();
template <>
cudaDataType_t type_of<float>() {
  return CUDA_R_32F;
}
template <>
cudaDataType_t type_of<__half>() {
  return CUDA_R_16F;
}

float to_float(float x) {
  return x;
}
float to_float(__half x) {
  return __half2float(x);
}

// M x N x K with lda = K, ldb = N, ldc = N (packed row-major), as the limits tests call it.
template <class T>
int call(int64_t M, int64_t N, float beta) {
  const int64_t K = 1;
  const float alpha = 1.0f;
  cublasStatus_t s = cublasGemmEx_64(h, CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, &alpha, bufB,
                                     type_of<T>(), N, bufA, type_of<T>(), K, &beta, bufC,
                                     type_of<T>(), N, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  cudaError_t e = cudaDeviceSynchronize();
  if (e != cudaSuccess) {
    std::printf("  CUDA error %s at M %lld N %lld\n", cudaGetErrorString(e), (long long)M,
                (long long)N);
    return -1;
  }
  return static_cast<int>(s);
}

template <class T>
void put(void* base, int64_t i, float v) {
  T x = T(v);
  cudaMemcpy(static_cast<T*>(base) + i, &x, sizeof(T), cudaMemcpyHostToDevice);
}
template <class T>
float get(void* base, int64_t i) {
  T x;
  cudaMemcpy(&x, static_cast<T*>(base) + i, sizeof(T), cudaMemcpyDeviceToHost);
  return to_float(x);
}

template <class T>
void probe(const char* name) {
  const int64_t big = (int64_t(1) << 31) - 1;
  for (int dir = 0; dir < 2; ++dir) {  // 0: M = n, N = 1; 1: M = 1, N = n
    auto st = [&](int64_t n) { return dir ? call<T>(1, n, 0.0f) : call<T>(n, 1, 0.0f); };
    const char* what = dir ? "N (M = K = 1)" : "M (N = K = 1)";
    const int at_max = st(big);
    std::printf("%s %s: at 2^31 - 1 status %d\n", name, what, at_max);
    if (at_max == 0) continue;
    int64_t lo = 1, hi = big;
    if (st(lo) != 0) {
      std::printf("%s %s: refused even at 1\n", name, what);
      continue;
    }
    while (hi - lo > 1) {
      const int64_t mid = lo + (hi - lo) / 2;
      (st(mid) == 0 ? lo : hi) = mid;
    }
    std::printf("%s %s: largest accepted %lld = 2^31 - %lld; refused from %lld (status %d)\n", name,
                what, (long long)lo, (long long)((int64_t(1) << 31) - lo), (long long)hi, st(hi));
    // the output at the largest accepted size: C[i] = A[i] * B[0] (M) or A[0] * B[i] (N)
    for (float beta : {0.0f, 2.0f}) {
      cudaMemset(bufA, 0, lo * sizeof(T));
      cudaMemset(bufB, 0, lo * sizeof(T));
      cudaMemset(bufC, 0, lo * sizeof(T));
      put<T>(bufA, 0, 3.0f);
      put<T>(bufB, 0, 5.0f);
      put<T>(dir ? bufB : bufA, lo - 1, 7.0f);
      put<T>(bufC, 0, 1.0f);
      put<T>(bufC, lo - 1, 1.0f);
      const int s = dir ? call<T>(1, lo, beta) : call<T>(lo, 1, beta);
      const float first = get<T>(bufC, 0), last = get<T>(bufC, lo - 1);
      const float want_first = 15.0f + beta, want_last = (dir ? 21.0f : 35.0f) + beta;
      std::printf("  beta %g: status %d, C[0] %g (%s), C[%lld] %g (%s)\n", beta, s, first,
                  first == want_first ? "right" : "WRONG", (long long)(lo - 1), last,
                  last == want_last ? "right" : "WRONG");
    }
  }
}
}  // namespace

int main() {
  cublasCreate(&h);
  const size_t bytes = ((size_t(1) << 31) - 1) * sizeof(float);
  if (cudaMalloc(&bufA, bytes) != cudaSuccess || cudaMalloc(&bufB, bytes) != cudaSuccess ||
      cudaMalloc(&bufC, bytes) != cudaSuccess) {
    std::printf("cannot allocate 3 x 8 GiB\n");
    return 1;
  }
  int v = 0;
  cublasGetVersion(h, &v);
  std::printf("cuBLAS %d\n", v);
  probe<float>("fp32");
  probe<__half>("fp16");
  return 0;
}
