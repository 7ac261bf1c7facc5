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

#include <algorithm>
#include <climits>
#include <string>

namespace ch03 {
namespace {

template <class T, bool kVec>
__global__ void __launch_bounds__(T::kThreads, T::kMinBlocks)
    sgemm_split_k_kernel(int M, int N, int K, int k_per_split, const float* __restrict__ gA,
                         int lda, const float* __restrict__ gB, int ldb, float* __restrict__ gW,
                         int ldw) {
  // WB_EXERCISE_BEGIN
  // This block's share of K: kn values from kb. Every split is non-empty, so kb < K; kn is
  // min(k_per_split, K - kb), never kb + k_per_split (which can pass 2^31 - 1).
  const int kb = blockIdx.z * k_per_split;
  const int kn = min(k_per_split, K - kb);
  gA += kb;                                  // columns kb .. of A
  gB += static_cast<std::size_t>(kb) * ldb;  // rows kb .. of B
  K = kn;                                    // from here on: step 8 on the sub-problem

  extern __shared__ __align__(16) float smem[];  // T::smem_bytes(2) bytes, laid out as:
  float* sA = smem;                              // [2][BK][kLdA]: A tiles, transposed
  float* sB = smem + 2 * T::BK * T::kLdA;        // [2][BK][BN]: B tiles
  const int tid = threadIdx.x, lane = tid % 32;
  const int m0 = blockIdx.y * T::BM, n0 = blockIdx.x * T::BN;
  const TilePos w = warp_tile_origin(tid / 32, T::kWarpsN, T::WM, T::WN);

  float4 ldA[T::kLoadsA], ldB[T::kLoadsB];  // the next tile, in flight
  auto load_tile = [&](int k0) {            // global -> registers
#pragma unroll
    for (int s = 0; s < T::kLoadsA; ++s) {
      const TilePos p = tile_load_pos(tid, s, T::kThreads, T::BK / 4);
      const int m = m0 + p.row, k = k0 + p.col;  // < 2^31: see warp_tiles.h
      ldA[s] = load4<kVec>(gA + static_cast<std::size_t>(m) * lda, k, K, m < M);
    }
#pragma unroll
    for (int s = 0; s < T::kLoadsB; ++s) {
      const TilePos p = tile_load_pos(tid, s, T::kThreads, T::BN / 4);
      const int k = k0 + p.row;
      ldB[s] = load4<kVec>(gB + static_cast<std::size_t>(k) * ldb + n0, p.col, N - n0, k < K);
    }
  };
  auto store_tile = [&](int stage) {  // registers -> shared stage
    float* a = sA + stage * T::BK * T::kLdA;
    float* b = sB + stage * T::BK * T::BN;
#pragma unroll
    for (int s = 0; s < T::kLoadsA; ++s) {  // transpose: (m, k .. k+3) -> a[k .. k+3][m]
      const TilePos p = tile_load_pos(tid, s, T::kThreads, T::BK / 4);
      a[(p.col + 0) * T::kLdA + p.row] = ldA[s].x;
      a[(p.col + 1) * T::kLdA + p.row] = ldA[s].y;
      a[(p.col + 2) * T::kLdA + p.row] = ldA[s].z;
      a[(p.col + 3) * T::kLdA + p.row] = ldA[s].w;
    }
#pragma unroll
    for (int s = 0; s < T::kLoadsB; ++s) {
      const TilePos p = tile_load_pos(tid, s, T::kThreads, T::BN / 4);
      *reinterpret_cast<float4*>(b + p.row * T::BN + p.col) = ldB[s];
    }
  };

  float acc[T::TM][T::TN] = {};
  const int tiles = wb::ceil_div(K, T::BK);
  load_tile(0);
  store_tile(0);
  __syncthreads();
  for (int t = 0; t < tiles; ++t) {
    const int stage = t & 1;
    if (t + 1 < tiles) load_tile((t + 1) * T::BK);  // in flight during the FMAs below
    const float* a = sA + stage * T::BK * T::kLdA + w.row;
    const float* b = sB + stage * T::BK * T::BN + w.col;
#pragma unroll
    for (int kk = 0; kk < T::BK; ++kk) {
      float rA[T::TM], rB[T::TN];
#pragma unroll
      for (int i = 0; i < T::kIterM; ++i)
        *reinterpret_cast<float4*>(&rA[4 * i]) = *reinterpret_cast<const float4*>(
            a + kk * T::kLdA + warp_tile_pos(lane, T::kWarpRows, 4 * i, 0).row);
#pragma unroll
      for (int j = 0; j < T::kIterN; ++j)
        *reinterpret_cast<float4*>(&rB[4 * j]) = *reinterpret_cast<const float4*>(
            b + kk * T::BN + warp_tile_pos(lane, T::kWarpRows, 0, 4 * j).col);
#pragma unroll
      for (int i = 0; i < T::TM; ++i) {
#pragma unroll
        for (int j = 0; j < T::TN; ++j)
          acc[i][j] += rA[i] * rB[j];
      }
    }
    if (t + 1 < tiles) store_tile(stage ^ 1);  // nobody reads it now: all passed the last barrier
    __syncthreads();
  }
  // The raw partial sum goes to partial blockIdx.z of the workspace (rows of ldw floats, a
  // multiple of 4: always 16-byte aligned); the reduction kernel applies alpha and beta.
  float* out = gW + static_cast<std::size_t>(blockIdx.z) * M * ldw;
#pragma unroll
  for (int i = 0; i < T::TM; ++i) {
    const int r = w.row + warp_tile_pos(lane, T::kWarpRows, i, 0).row;
    float* row = out + static_cast<std::size_t>(m0 + r) * ldw + n0;
#pragma unroll
    for (int j = 0; j < T::kIterN; ++j) {
      const int c = w.col + warp_tile_pos(lane, T::kWarpRows, 0, 4 * j).col;
      const float4 v =
          make_float4(acc[i][4 * j], acc[i][4 * j + 1], acc[i][4 * j + 2], acc[i][4 * j + 3]);
      store4<true>(row, c, N - n0, r < M - m0, v, 1.0f, 0.0f);  // exact: 1 * acc, nothing read
    }
  }
  // WB_EXERCISE_END
}

// C = alpha * (sum of the `splits` partials, in split order) + beta * C. Threads walk the columns
// (coalesced), blocks the rows (grid y, stepping by gridDim.y when M > 65535).
__global__ void sgemm_split_k_reduce_kernel(int M, int N, int splits, const float* __restrict__ gW,
                                            int ldw, float alpha, float beta,
                                            float* __restrict__ gC, int ldc) {
  // WB_EXERCISE_BEGIN
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= N) return;
  const std::size_t partial = static_cast<std::size_t>(M) * ldw;  // floats between partials
  for (int i = blockIdx.y; i < M; i += gridDim.y) {
    const float* p = gW + static_cast<std::size_t>(i) * ldw + j;
    float sum = 0.0f;
    for (int z = 0; z < splits; ++z)
      sum += p[z * partial];
    float* c = gC + static_cast<std::size_t>(i) * ldc + j;
    *c = axpby(sum, alpha, beta, c);
  }
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
