// Chapter 03, step 2 — coalesced: threadIdx.x walks the columns of C.
//
// The idea: swap x and y. A warp now computes 32 neighbouring outputs of one row: its load of B is
// 32 consecutive floats (4 sectors), its load of A is one address (a broadcast), and its stores of
// C are 128 contiguous bytes. Nothing else changes.
//
// Prediction at 4096^3: sectors per request drop from 32 to ~2.5 (4 for B, 1 for A), so L1 is no
// longer the wall; each FMA still needs two loads through the LSU pipe (A and B), and L1 hit
// bandwidth bounds it at ~1 warp-load per clock per SM, i.e. 2 loads per 32 FMAs: ~16 FMAs per
// clock per SM, 1/8 of peak: ~6-8 TFLOP/s, about 4x step 1.
//
// Limits: rows are now on grid y (65535 blocks of 8): M up to 524,280; N and K up to 2^31 - 1.
//
// Read "Step 2: coalesced" in chapters/03-sgemm/README.md.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"

namespace ch03 {
namespace {

constexpr int kBlockX = 32;  // threads along x: a warp, now along the columns of C
constexpr int kBlockY = 8;   // threads along y: rows of C

__global__ void sgemm_coalesced_kernel(int M, int N, int K, float alpha,
                                       const float* __restrict__ gA, int lda,
                                       const float* __restrict__ gB, int ldb, float beta,
                                       float* __restrict__ gC, int ldc) {
  // WB_EXERCISE_BEGIN
  const int col = blockIdx.x * blockDim.x + threadIdx.x;  // a warp: 32 neighbouring columns
  const int row = blockIdx.y * blockDim.y + threadIdx.y;
  if (row >= M || col >= N) return;
  const float* gArow = gA + static_cast<std::size_t>(row) * lda;  // (K), same for the whole warp
  float acc = 0.0f;
  for (int k = 0; k < K; ++k)
    acc += gArow[k] * gB[static_cast<std::size_t>(k) * ldb + col];
  float* c = gC + static_cast<std::size_t>(row) * ldc + col;
  *c = axpby(acc, alpha, beta, c);
  // WB_EXERCISE_END
}

}  // namespace

void launch_coalesced(const Args& a, cudaStream_t stream) {
  const char* where = "ch03::launch_coalesced";
  wb::gemm::validate(a, where);
  const dim3 grid = wb::gemm::tile_grid(a.M, a.N, kBlockY, kBlockX, where);  // x: N / 32, y: M / 8
  sgemm_coalesced_kernel<<<grid, dim3(kBlockX, kBlockY), 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
