// Chapter 03, exercise 2 — coalesced: threadIdx.x walks the columns of C.
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
// Read "Step 2" in README.md, write the kernel below (the launcher is done), delete the
// WB_EXERCISE_TODO line and run `make chapter-03-check`.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"
#include "wb/exercise.h"

WB_EXERCISE_TODO("coalesced",
                 "swap the roles of x and y in 01_naive.cu's kernel: col from "
                 "blockIdx.x/threadIdx.x, row from y");

namespace ch03 {
namespace {

constexpr int kBlockX = 32;  // threads along x: a warp, now along the columns of C
constexpr int kBlockY = 8;   // threads along y: rows of C

__global__ void sgemm_coalesced_kernel(int M, int N, int K, float alpha,
                                       const float* __restrict__ gA, int lda,
                                       const float* __restrict__ gB, int ldb, float beta,
                                       float* __restrict__ gC, int ldc) {
  // TODO(exercise 2):
  //   1. col = blockIdx.x * blockDim.x + threadIdx.x (a warp: 32 neighbouring columns); row from
  //   .y.
  //   2. Return when row >= M or col >= N.
  //   3. acc = sum over k of gA[row * lda + k] * gB[k * ldb + col] (index in std::size_t).
  //   4. C[row][col] = axpby(acc, alpha, beta, &C[row][col])  (sgemm_device.cuh: C unread when beta
  //   == 0).
}

}  // namespace

void launch_coalesced(const SgemmArgs& a, cudaStream_t stream) {
  validate(a, "ch03::launch_coalesced");
  const std::int64_t gy = ceil_div(a.M, kBlockY);
  WB_REQUIRE_ARG(gy <= 65535, "ch03::launch_coalesced",
                 "M = " + std::to_string(a.M) + " needs " + std::to_string(gy) +
                     " blocks along grid y; the limit is 65535");
  const dim3 block(kBlockX, kBlockY);
  const dim3 grid(static_cast<unsigned>(ceil_div(a.N, kBlockX)), static_cast<unsigned>(gy));
  sgemm_coalesced_kernel<<<grid, block, 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace ch03
