// Chapter 06, step 1 — naive: one thread per element of C, fp32 FMAs on inputs converted to fp32.
//
// The idea: chapter 03's coalesced kernel with 16-bit inputs. threadIdx.x walks the columns, so a
// warp reads 32 neighbouring elements of a row of B (64 bytes) and A's element is one address for
// the warp (a broadcast); each product is an FFMA on the CUDA cores, the tensor cores idle.
//
// Prediction at 4096^3 (137.4 GFLOP; 101 MB moved at least in fp16, a floor of 0.21 ms at the
// measured ~647 TFLOP/s mma.sync peak): chapter 03's coalesced step measured 5.9 TFLOP/s in fp32,
// bound by two global loads (L1) per FMA. Here each load is 2 bytes instead of 4 but as many
// instructions, plus a conversion per element (HADD2.F32 / PRMT, one per input): expect the same
// order, ~5 TFLOP/s, under 1% of the mma.sync peak. Nsight Compute: the tensor pipe
// (sm__inst_executed_pipe_tensor) at 0, FMA pipe busy, ~2 global load requests per FFMA.
#include "hgemm.h"
#include "hgemm_device.cuh"

#include "wb/device/gemm_tile.cuh"
#include "wb/device/vec.cuh"

namespace ch06 {
namespace {

constexpr int kBlockX = 32;  // threads along x: a warp, along the columns of C
constexpr int kBlockY = 8;   // threads along y: rows of C

template <class T>
__global__ void hgemm_naive_kernel(int M, int N, int K, float alpha, const T* __restrict__ gA,
                                   int lda, const T* __restrict__ gB, int ldb, float beta,
                                   T* __restrict__ gC, int ldc) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;  // a warp: 32 columns of one row
  const int row = blockIdx.y * blockDim.y + threadIdx.y;
  if (row >= M || col >= N) return;
  const T* gArow = gA + static_cast<std::int64_t>(row) * lda;  // (K) row `row` of A
  float acc = 0.0f;
  for (int k = 0; k < K; ++k)
    acc += wb::load_f32(gArow + k) * wb::load_f32(gB + static_cast<std::int64_t>(k) * ldb + col);
  T* c = gC + static_cast<std::int64_t>(row) * ldc + col;
  wb::store_f32(c, wb::tile::axpby(acc, alpha, beta, c));
}

}  // namespace

template <class T>
void launch_naive(const Args<T>& a, cudaStream_t stream) {
  launch_tiled<T>(a, hgemm_naive_kernel<T>, hgemm_naive_kernel<T>, kBlockY, kBlockX,
                  dim3(kBlockX, kBlockY), "naive", stream);
}

template void launch_naive<__half>(const Args<__half>&, cudaStream_t);
template void launch_naive<__nv_bfloat16>(const Args<__nv_bfloat16>&, cudaStream_t);

}  // namespace ch06
