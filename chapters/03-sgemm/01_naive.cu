// Chapter 03, step 1 — naive: one thread per element of C, threadIdx.x walks the rows.
//
// The idea: C[i][j] is a dot product of row i of A and column j of B, so give each output its own
// thread and let it loop over k. Mapping x to the row "because i comes first" makes a warp's 32
// threads handle 32 rows of one column: their loads of A are a row (lda floats) apart, so each
// warp-wide load of A touches 32 sectors for 4 useful bytes each, and the stores of C are just as
// scattered. The load of B is one address for the whole warp (a broadcast).
//
// Prediction at 4096^3 (137 GFLOP; 201 MB moved at least; floor ~2.7 ms at cuBLAS's ~51
// TFLOP/s): every FMA needs a fresh A element, and a warp's load of A touches 32 sectors. L1
// delivers about 4 sectors (128 B) per clock per SM, so one warp-FMA (32 lanes) costs ~8 clocks of
// L1: 4 FMAs per clock per SM against a peak of 128, about 1/32 of peak: ~2 TFLOP/s.
// Nsight Compute: l1tex__t_sectors / l1tex__t_requests = 32 for the global loads of A.
//
// Limits: rows on grid x (up to 2^31 - 1 blocks), columns on grid y (up to 65535 blocks of 8):
// M up to 2^31 - 1, N up to 524,280, K up to 2^31 - 1. Indices into A, B and C are 64-bit
// (row * lda reaches 2^62), the loop counter k stays below K and never overflows.
//
// Read "Step 1: naive" in chapters/03-sgemm/README.md.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"
#include "wb/launch.h"
#include "wb/math.h"

namespace ch03 {
namespace {

constexpr int kBlockX = 32;  // threads along x: a warp, here along the rows of C
constexpr int kBlockY = 8;   // threads along y: columns of C

__global__ void sgemm_naive_kernel(int M, int N, int K, float alpha, const float* __restrict__ gA,
                                   int lda, const float* __restrict__ gB, int ldb, float beta,
                                   float* __restrict__ gC, int ldc) {
  const int row = blockIdx.x * blockDim.x + threadIdx.x;  // a warp: 32 rows of one column
  const int col = blockIdx.y * blockDim.y + threadIdx.y;
  if (row >= M || col >= N) return;
  const float* gArow = gA + static_cast<std::size_t>(row) * lda;  // (K) row `row` of A
  float acc = 0.0f;
  for (int k = 0; k < K; ++k)
    acc += gArow[k] * gB[static_cast<std::size_t>(k) * ldb + col];
  float* c = gC + static_cast<std::size_t>(row) * ldc + col;
  *c = axpby(acc, alpha, beta, c);
}

}  // namespace

void launch_naive(const Args& a, cudaStream_t stream) {
  const char* where = "ch03::launch_naive";
  wb::gemm::validate(a, where);
  const std::int64_t gy = wb::ceil_div(a.N, std::int64_t{kBlockY});
  WB_REQUIRE_ARG(gy <= wb::kMaxGridYZ, where,
                 "N = " + std::to_string(a.N) + " needs " + std::to_string(gy) +
                     " blocks of 8 columns along grid y; the limit is 65535, so N <= 524280 for "
                     "this step");
  const dim3 grid = wb::grid_2d(wb::ceil_div(a.M, std::int64_t{kBlockX}), gy, where);
  sgemm_naive_kernel<<<grid, dim3(kBlockX, kBlockY), 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
