// Chapter 03, step 9 — split-K: when the tiles of C are too few to fill the GPU, split the
// reduction over K across blocks too.
//
// The idea: step 8 gives each 128 x 256 tile of C to one block, and one block of 8 warps fills an
// SM. At 4096^3 that is 512 blocks, 3.9 waves over 132 SMs; at 1024^3 it is 32 blocks, and 100 of
// the 132 SMs idle (the recorded ladder's 0.34x cuBLAS there). Here a third grid dimension splits
// K: block (x, y, z) computes tile (y, x) of C over k in [z * k_per_split, (z + 1) *
// k_per_split), with step 8's double-buffered loop on that sub-problem (A's columns and B's rows
// offset by the split's first k). Each block writes its partial tile, raw, to a workspace, and a
// second kernel adds the partials in split order and applies alpha and beta. How many splits is
// the size rule, ch03::plan_split_k in sgemm.h (pure, checked by the CPU tests): when tiles x 1
// already fills one wave of resident blocks (SMs x blocks per SM, from the occupancy API), no
// split; otherwise slots / tiles splits, each at least 256 k long. With one split (the rule's
// choice, or launch_split_k_with(..., 1)) the launcher calls launch_double_buffer: exactly step
// 8's kernel and tile, not a copy of its loop in this file. (An earlier version ran its own kernel
// with grid z = 1 there, and on the H100 it was 4% slower than step 8's: two copies of one loop
// need not compile alike. README "Step 9: split-K".) So the kernel below always has company:
// it runs only with 2 or more splits, and always writes partials. The workspace (splits x M x
// round_up(N, 4) floats, 16 MiB at 1024^3) is allocated and freed on the launch's stream
// (cudaMallocAsync / cudaFreeAsync: stream-ordered, served from the driver's pool after the first
// call). The tolerance is unchanged: splitting the sum changes its order, not the number of
// roundings any product goes through (at most K + 2).
//
// Prediction at 1024^3: 4 splits, 128 blocks of 256 k each, every SM but 4 running step 8's
// kernel at its 4096^3 rate: ~47 us of FMAs, plus ~2 us for the partial tiles, ~4 us for the
// reduction (20 MB through L2) and a launch gap: ~55-60 us, about 0.9-1.1x cuBLAS's 62 us (the
// target is 0.8x). At 2048^3 (128 tiles) and above the rule does not split: step 8's kernel, so
// step 8's time within run-to-run noise.
// Nsight Compute at 1024^3: launch__grid_size 128 instead of 32 and sm__cycles_active near 100%.
//
// Limits: M up to 8,388,480 (grid y); N, K up to 2^31 - 1. At M = N = 1, K = 2^31 - 1 the rule
// makes 132 splits, so the one output no longer waits for one block to walk 2^31 values of k.
//
// Read "Step 9: split-K" in chapters/03-sgemm/README.md.
#include "sgemm.h"
#include "sgemm_device.cuh"
#include "warp_tiles.h"

#include "wb/check.h"
#include "wb/launch.h"
#include "wb/math.h"
#include "wb/exercise.h"

#include <algorithm>
#include <climits>
#include <string>

WB_EXERCISE_TODO("split_k",
                 "start from your step 8 kernel: offset A, B and K to this block's split "
                 "(blockIdx.z), always write raw partials to gW (one split runs your step 8 "
                 "instead); then the reduction kernel");

namespace ch03 {
namespace {

template <class T, bool kVec>
__global__ void __launch_bounds__(T::kThreads, T::kMinBlocks)
    sgemm_split_k_kernel(int M, int N, int K, int k_per_split, const float* __restrict__ gA,
                         int lda, const float* __restrict__ gB, int ldb, float* __restrict__ gW,
                         int ldw) {
  // WB_EXERCISE_BEGIN
  // TODO(step 9, kernel 1 of 2): write the kernel, starting from your 08_double_buffer.cu kernel
  // (same T, shared-memory layout, indices, loop and FMAs). The launchers below are done: they
  // pick the number of splits (plan_split_k in sgemm.h); with one split they call your step 8
  // (launch_double_buffer: finish 08_double_buffer.cu first, or step 9's tests fail wherever the
  // rule does not split). With 2 or more they allocate the workspace gW, launch this kernel on a
  // grid of (tiles of N, tiles of M, splits) blocks, then kernel 2.
  // Then delete the WB_EXERCISE_TODO statement at the top of this file and run
  // `make chapter-03-check`.
  //   1. This block's split: kb = blockIdx.z * k_per_split (< K: no split is empty) and
  //      kn = min(k_per_split, K - kb) (never kb + k_per_split: it can pass 2^31 - 1). Offset the
  //      problem to it: gA += kb (columns kb .. of A), gB += kb * ldb (rows kb .. of B, in
  //      std::size_t), K = kn. From here on the code is step 8's on this sub-problem.
  //   2. Dynamic shared memory, as in step 8: T::smem_bytes(2) bytes,
  //        extern __shared__ __align__(16) float smem[];
  //        float* sA = smem;                        // [2][BK][kLdA]
  //        float* sB = smem + 2 * T::BK * T::kLdA;  // [2][BK][BN]
  //   3. Step 8's load_tile / store_tile, its loop over wb::ceil_div(K, T::BK) tiles and its FMAs.
  //   4. Epilogue: step 8's loop over i < T::TM and j < T::kIterN, but the raw sums go to
  //      partial z = blockIdx.z of the workspace, rows of ldw floats from gW + z * M * ldw
  //      (std::size_t), not to C: store4<true>(&W_z[m0 + r][n0], c, N - n0, r < M - m0, acc, 1.0f,
  //      0.0f) (ldw is a multiple of 4, so the 16-byte path is always legal there). Kernel 2
  //      applies alpha and beta.
  // WB_EXERCISE_END
}

// C = alpha * (sum of the `splits` partials, in split order) + beta * C. Threads walk the columns
// (coalesced), blocks the rows (grid y, stepping by gridDim.y when M > 65535).
__global__ void sgemm_split_k_reduce_kernel(int M, int N, int splits, const float* __restrict__ gW,
                                            int ldw, float alpha, float beta,
                                            float* __restrict__ gC, int ldc) {
  // WB_EXERCISE_BEGIN
  // TODO(step 9, kernel 2 of 2): C = alpha * (sum of the `splits` partials) + beta * C.
  // Launched with 256 threads per block, grid x = ceil(N / 256) (columns), grid y = min(M, 65535)
  // (rows, so a block walks rows i = blockIdx.y, + gridDim.y, ... while i < M). No shared memory.
  //   1. j = blockIdx.x * blockDim.x + threadIdx.x; return when j >= N.
  //   2. For each of this block's rows i: sum = partial 0 + partial 1 + ... in split order, where
  //      element (i, j) of partial z is gW[z * M * ldw + i * ldw + j] (std::size_t indices).
  //   3. gC[i * ldc + j] = axpby(sum, alpha, beta, &gC[i * ldc + j]).
  // WB_EXERCISE_END
}

using T = Tuned;
constexpr int kReduceThreads = 256;

// Blocks of the split-K kernel that run at once on this GPU: SMs x resident blocks per SM (the
// occupancy API; 132 x 1 for the tuned tile on an H100).
std::int64_t resident_blocks(const void* kernel, std::size_t smem) {
  int device = 0, sms = 0, per_sm = 0;
  WB_CUDA_CHECK(cudaGetDevice(&device));
  WB_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  WB_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, T::kThreads, smem));
  return std::int64_t{sms} * std::max(per_sm, 1);
}

// Frees the workspace on the stream when the launcher leaves, even through an exception.
struct StreamWorkspace {
  float* ptr = nullptr;
  cudaStream_t stream = nullptr;
  ~StreamWorkspace() {
    if (ptr != nullptr) cudaFreeAsync(ptr, stream);  // a destructor must not throw
  }
};

using Kernel = void (*)(int, int, int, int, const float*, int, const float*, int, float*, int);

Kernel kernel_for(const Args& a) {
  return wb::gemm::vector_friendly(a) ? sgemm_split_k_kernel<T, true>
                                      : sgemm_split_k_kernel<T, false>;
}

void run(const Args& a, cudaStream_t stream, const SplitPlan& plan, const char* where) {
  const dim3 tiles = wb::gemm::tile_grid(a.M, a.N, T::BM, T::BN, where);
  if (plan.splits == 1) {  // no split: step 8 itself (same kernel, same tile: T is Tuned in both)
    launch_double_buffer(a, stream);
    return;
  }
  const std::int64_t ldw = wb::round_up(a.N, 4);  // rows of a partial: 16-byte aligned
  WB_REQUIRE_ARG(ldw <= INT_MAX, where,
                 "a split K needs N <= 2^31 - 4 (workspace rows), got N = " + std::to_string(a.N));
  const Kernel kernel = kernel_for(a);
  const std::size_t smem = T::smem_bytes(2);
  wb::allow_dynamic_smem(kernel, smem, where);
  StreamWorkspace work{nullptr, stream};
  const std::size_t bytes =
      static_cast<std::size_t>(plan.splits) * static_cast<std::size_t>(a.M * ldw) * sizeof(float);
  WB_CUDA_CHECK(cudaMallocAsync(reinterpret_cast<void**>(&work.ptr), bytes, stream));
  kernel<<<dim3(tiles.x, tiles.y, plan.splits), T::kThreads, smem, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K),
      static_cast<int>(plan.k_per_split), a.A, static_cast<int>(a.lda), a.B,
      static_cast<int>(a.ldb), work.ptr, static_cast<int>(ldw));
  WB_CHECK_LAUNCH();
  const dim3 grid(static_cast<unsigned>(wb::ceil_div(a.N, std::int64_t{kReduceThreads})),
                  static_cast<unsigned>(std::min(a.M, wb::kMaxGridYZ)));
  sgemm_split_k_reduce_kernel<<<grid, kReduceThreads, 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), plan.splits, work.ptr, static_cast<int>(ldw),
      a.alpha, a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

}  // namespace

SplitPlan split_k_plan(const Args& a) {
  const char* where = "ch03::launch_split_k";
  wb::gemm::validate(a, where);
  const dim3 tiles = wb::gemm::tile_grid(a.M, a.N, T::BM, T::BN, where);
  const Kernel kernel = kernel_for(a);
  wb::allow_dynamic_smem(kernel, T::smem_bytes(2), where);
  const std::int64_t slots =
      resident_blocks(reinterpret_cast<const void*>(kernel), T::smem_bytes(2));
  return plan_split_k(std::int64_t{tiles.x} * tiles.y, a.K, slots, T::BK);
}

void launch_split_k(const Args& a, cudaStream_t stream) {
  run(a, stream, split_k_plan(a), "ch03::launch_split_k");
}

void launch_split_k_with(const Args& a, cudaStream_t stream, int splits) {
  const char* where = "ch03::launch_split_k";
  wb::gemm::validate(a, where);
  WB_REQUIRE_ARG(splits >= 1 && splits <= 65535, where,
                 "splits must be in 1 .. 65535 (grid z), got " + std::to_string(splits));
  run(a, stream, plan_for_splits(a.K, splits, T::BK), where);
}

}  // namespace ch03
