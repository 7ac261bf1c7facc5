// Chapter 03, known-bad variant: step 3 without its tail handling. DO NOT USE: it exists to be
// caught.
//
// This is the most common bug reported against public SGEMM tutorials: code written for sizes
// that are multiples of the tile. The grid is rounded down (M / 32 by N / 32 blocks), the k loop
// stops at the last whole tile, and no load or store is predicated. At 4096^3 every tile is whole
// and the answer is exactly step 3's. At 4097^3 the last row and column of C are never written and
// every entry misses its last product (k = 4096); tests/ch03/sgemm_test.cpp proves the harness
// sees both. (Rounding down, rather than forgetting the predicates of a rounded-up grid, keeps all
// accesses in bounds: an out-of-bounds fault would end the whole test program.)
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"

namespace ch03::known_bad {
namespace {

constexpr int kTile = 32;

__global__ void sgemm_smem_tiles_no_tail_kernel(int K, float alpha, const float* __restrict__ gA,
                                                int lda, const float* __restrict__ gB, int ldb,
                                                float beta, float* __restrict__ gC, int ldc) {
  __shared__ float sA[kTile][kTile];
  __shared__ float sB[kTile][kTile];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int row = blockIdx.y * kTile + ty;
  const int col = blockIdx.x * kTile + tx;
  float acc = 0.0f;
  for (int k0 = 0; k0 + kTile <= K; k0 += kTile) {  // BUG (deliberate): drops K % 32 products
    sA[ty][tx] = gA[static_cast<std::size_t>(row) * lda + k0 + tx];
    sB[ty][tx] = gB[static_cast<std::size_t>(k0 + ty) * ldb + col];
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTile; ++kk)
      acc += sA[ty][kk] * sB[kk][tx];
    __syncthreads();
  }
  float* c = gC + static_cast<std::size_t>(row) * ldc + col;
  *c = axpby(acc, alpha, beta, c);
}

}  // namespace

void launch_smem_tiles_no_tail(const Args& a, cudaStream_t stream) {
  wb::gemm::validate(a, "ch03::known_bad::launch_smem_tiles_no_tail");
  // BUG (deliberate): rounded down, so a partial tile at the bottom or right is never computed.
  const dim3 grid(static_cast<unsigned>(a.N / kTile), static_cast<unsigned>(a.M / kTile));
  if (grid.x == 0 || grid.y == 0) return;  // nothing whole to compute: C stays unwritten
  sgemm_smem_tiles_no_tail_kernel<<<grid, dim3(kTile, kTile), 0, stream>>>(
      static_cast<int>(a.K), a.alpha, a.A, static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb),
      a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03::known_bad
