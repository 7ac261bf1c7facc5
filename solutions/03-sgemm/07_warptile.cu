// Chapter 03, step 7 — warp tiling: each warp owns a WM x WN tile of C made of strided 4 x 4
// sub-tiles; shared memory is double-buffered; the tile configuration is tuned for the H100.
//
// The idea, in three parts:
//  1. Warp tile. Step 6 gives thread t the contiguous 8 x 8 block at (tr*8, tc*8), so the 16-byte
//     shared loads of a warp are 32 bytes apart: 2-way bank conflicts, and the loads of A cover
//     256 bytes. Here a warp is a 4 x 8 grid of threads; thread (tm, tn) owns the 4 x 4 sub-tiles
//     at rows i*16 + tm*4 and columns j*32 + tn*4 of its warp tile (in the chosen 64 x 64 warp
//     tile, i = 0..3 and j = 0..1: 16 x 8 outputs): for each k the warp's loads of B are 8
//     neighbouring float4s (128 bytes, one wavefront) and of A 4 neighbouring float4s (broadcast
//     to 8 lanes each). warp_tile_pos() in sgemm.h is this mapping; the CPU tests check
//     that it covers the block tile exactly once.
//  2. Double buffering. While the FMAs of tile t run on one shared buffer, the loads of tile t+1
//     are already in flight into registers; they go to the other buffer after the FMAs. One
//     __syncthreads per tile instead of two, and global latency hidden behind 512 FMAs.
//  3. Tuning. BM, BN, BK, the warp tile and the warp grid are template parameters; `ch03_bench
//     --ch03_sweep` times every compiled configuration at 4096^3. README "Tuning for the H100"
//     gives the choice and the numbers.
//
// Prediction at 4096^3 (made for the first configuration, 128 x 128 tiles of 8 x 8 per thread):
// 4 LDS.128 per 64 FFMA, no bank conflicts, global loads hidden: FFMA issue becomes the limit,
// ~85% of issue slots -> 0.80-0.90x cuBLAS (~42-46 TFLOP/s). The sweep measured 0.78x for it and
// 0.91x for 128 x 256 tiles of 16 x 8 per thread (6 LDS.128 per 128 FFMA), now the chosen one.
// Nsight Compute: shared wavefronts per request -> 1, sm__pipe_fma_cycles_active and
// smsp__issue_active near their peak.
#include "sgemm.h"
#include "sgemm_device.cuh"

#include "wb/check.h"

namespace ch03 {
namespace {

// Everything derived from the five tile parameters, checked once.
template <int BM_, int BN_, int BK_, int WM_, int WN_, int kWarpRows_, int kMinBlocks_>
struct WarpTiles {
  static constexpr int BM = BM_, BN = BN_, BK = BK_;      // block tile of C, k per shared tile
  static constexpr int WM = WM_, WN = WN_;                // warp tile of C
  static constexpr int kWarpRows = kWarpRows_;            // threads of a warp along m
  static constexpr int kWarpCols = 32 / kWarpRows;        // threads of a warp along n
  static constexpr int kIterM = WM / (4 * kWarpRows);     // 4 x 4 sub-tiles per thread along m
  static constexpr int kIterN = WN / (4 * kWarpCols);     // ... along n
  static constexpr int TM = 4 * kIterM, TN = 4 * kIterN;  // outputs per thread
  static constexpr int kWarpsN = BN / WN;
  static constexpr int kThreads = (BM / WM) * kWarpsN * 32;
  static constexpr int kMinBlocks = kMinBlocks_;  // resident blocks per SM we ask registers for
  static constexpr int kPadA = 4;                 // floats; rows stay 16-byte aligned
  static constexpr int kLdA = BM + kPadA;         // row length of the transposed A tile
  static constexpr int kLoadsA = BM * BK / 4 / kThreads;  // float4 of A per thread per tile
  static constexpr int kLoadsB = BK * BN / 4 / kThreads;  // float4 of B per thread per tile
  static constexpr std::size_t kSmemBytes = 2 * (BK * kLdA + BK * BN) * sizeof(float);
  static_assert(32 % kWarpRows == 0, "a warp grid must use all 32 lanes");
  static_assert(kIterM >= 1 && kIterN >= 1 && TM * TN <= 256,
                "each thread owns whole 4 x 4 sub-tiles, and its outputs fit in registers");
  static_assert(WM % (4 * kWarpRows) == 0 && WN % (4 * kWarpCols) == 0, "whole sub-tiles");
  static_assert(BM % WM == 0 && BN % WN == 0, "whole warp tiles");
  static_assert(BK % 4 == 0, "A is loaded as float4 along k");
  static_assert(kLoadsA * 4 * kThreads == BM * BK && kLoadsB * 4 * kThreads == BK * BN,
                "whole float4 loads per thread");
  static_assert(kThreads % (BK / 4) == 0 && kThreads % (BN / 4) == 0,
                "every float4 load of a thread sits in the same column of its tile");
  static_assert(kThreads <= 1024, "at most 1024 threads per block");
};

template <class T, bool kVec>
__global__ void __launch_bounds__(T::kThreads, T::kMinBlocks)
    sgemm_warptile_kernel(int M, int N, int K, float alpha, const float* __restrict__ gA, int lda,
                          const float* __restrict__ gB, int ldb, float beta, float* __restrict__ gC,
                          int ldc) {
  extern __shared__ __align__(16) float smem[];
  float* sA = smem;                        // [2][BK][kLdA]: A tiles, transposed
  float* sB = smem + 2 * T::BK * T::kLdA;  // [2][BK][BN]: B tiles
  const int tid = threadIdx.x, lane = tid % 32, warp = tid / 32;
  const int m0 = blockIdx.y * T::BM, n0 = blockIdx.x * T::BN;
  const int wm0 = (warp / T::kWarpsN) * T::WM, wn0 = (warp % T::kWarpsN) * T::WN;  // warp tile
  const int tm = lane / T::kWarpCols, tn = lane % T::kWarpCols;  // place in the warp grid

  // What this thread copies: float4 number s of A is row aRow[s], k offset aCol; of B row bRow[s],
  // column bCol.
  int aRow[T::kLoadsA], bRow[T::kLoadsB];
  const int aCol = (tid % (T::BK / 4)) * 4, bCol = (tid % (T::BN / 4)) * 4;
#pragma unroll
  for (int s = 0; s < T::kLoadsA; ++s)
    aRow[s] = (tid + s * T::kThreads) / (T::BK / 4);
#pragma unroll
  for (int s = 0; s < T::kLoadsB; ++s)
    bRow[s] = (tid + s * T::kThreads) / (T::BN / 4);

  float4 ldA[T::kLoadsA], ldB[T::kLoadsB];  // the next tile, in flight
  auto load_tile = [&](int k0) {
#pragma unroll
    for (int s = 0; s < T::kLoadsA; ++s) {
      const int r = m0 + aRow[s];
      ldA[s] = load4<kVec>(gA + static_cast<std::size_t>(r) * lda, k0 + aCol, K, r < M);
    }
#pragma unroll
    for (int s = 0; s < T::kLoadsB; ++s) {
      const int k = k0 + bRow[s];
      ldB[s] = load4<kVec>(gB + static_cast<std::size_t>(k) * ldb + n0, bCol, N - n0, k < K);
    }
  };
  auto store_tile = [&](int buf) {
    float* a = sA + buf * T::BK * T::kLdA;
    float* b = sB + buf * T::BK * T::BN;
#pragma unroll
    for (int s = 0; s < T::kLoadsA; ++s) {  // transpose: (m, k..k+3) -> sA[k..k+3][m]
      a[(aCol + 0) * T::kLdA + aRow[s]] = ldA[s].x;
      a[(aCol + 1) * T::kLdA + aRow[s]] = ldA[s].y;
      a[(aCol + 2) * T::kLdA + aRow[s]] = ldA[s].z;
      a[(aCol + 3) * T::kLdA + aRow[s]] = ldA[s].w;
    }
#pragma unroll
    for (int s = 0; s < T::kLoadsB; ++s)
      *reinterpret_cast<float4*>(b + bRow[s] * T::BN + bCol) = ldB[s];
  };

  float acc[T::TM][T::TN] = {};
  const int tiles = static_cast<int>((K + T::BK - 1) / T::BK);
  load_tile(0);
  store_tile(0);
  __syncthreads();
  for (int t = 0; t < tiles; ++t) {
    const int buf = t & 1;
    if (t + 1 < tiles) load_tile((t + 1) * T::BK);               // in flight during the FMAs below
    const float* a = sA + buf * T::BK * T::kLdA + wm0 + tm * 4;  // (BK, kIterM x 4) strided
    const float* b = sB + buf * T::BK * T::BN + wn0 + tn * 4;    // (BK, kIterN x 4) strided
#pragma unroll
    for (int kk = 0; kk < T::BK; ++kk) {
      float rA[T::TM], rB[T::TN];
#pragma unroll
      for (int i = 0; i < T::kIterM; ++i)  // sub-tile i: rows i * 4 * kWarpRows + tm * 4 + 0..3
        *reinterpret_cast<float4*>(&rA[4 * i]) =
            *reinterpret_cast<const float4*>(a + kk * T::kLdA + i * 4 * T::kWarpRows);
#pragma unroll
      for (int j = 0; j < T::kIterN; ++j)  // sub-tile j: columns j * 4 * kWarpCols + tn * 4 + 0..3
        *reinterpret_cast<float4*>(&rB[4 * j]) =
            *reinterpret_cast<const float4*>(b + kk * T::BN + j * 4 * T::kWarpCols);
#pragma unroll
      for (int i = 0; i < T::TM; ++i) {
#pragma unroll
        for (int j = 0; j < T::TN; ++j)
          acc[i][j] += rA[i] * rB[j];
      }
    }
    if (t + 1 < tiles) store_tile(buf ^ 1);  // nobody reads buf ^ 1 now: all passed the last sync
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < T::TM; ++i) {
    const int row = m0 + wm0 + (i / 4) * 4 * T::kWarpRows + tm * 4 + i % 4;
    float* gCrow = gC + static_cast<std::size_t>(row) * ldc + n0;
#pragma unroll
    for (int j = 0; j < T::kIterN; ++j) {
      const float4 r =
          make_float4(acc[i][4 * j], acc[i][4 * j + 1], acc[i][4 * j + 2], acc[i][4 * j + 3]);
      store4<kVec>(gCrow, wn0 + j * 4 * T::kWarpCols + tn * 4, N - n0, row < M, r, alpha, beta);
    }
  }
}

template <class T>
void launch_config(const SgemmArgs& a, cudaStream_t stream) {
  const char* where = "ch03::launch_warptile";
  validate(a, where);
  const dim3 grid = tile_grid(a, T::BM, T::BN, where);
  auto kernel =
      vector_friendly(a) ? sgemm_warptile_kernel<T, true> : sgemm_warptile_kernel<T, false>;
  allow_dynamic_smem(reinterpret_cast<const void*>(kernel), T::kSmemBytes);
  kernel<<<grid, T::kThreads, T::kSmemBytes, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

// The chosen configuration (see README "Tuning for the H100"): 128 x 256 block tiles, 8 warps of
// 64 x 64, 16 x 8 outputs per thread (~210 registers, one block of 8 warps per SM).
using Chosen = WarpTiles<128, 256, 8, 64, 64, 4, 1>;

}  // namespace

void launch_warptile(const SgemmArgs& a, cudaStream_t stream) {
  launch_config<Chosen>(a, stream);
}

const std::vector<tuning::Config>& tuning::warptile_configs() {
  static const std::vector<Config> configs = {
      {"128x256x8 w64x64 t16x8 (chosen)", launch_config<Chosen>},
      {"128x128x8 w32x64 t8x8", launch_config<WarpTiles<128, 128, 8, 32, 64, 4, 2>>},
      {"128x128x16 w32x64 t8x8", launch_config<WarpTiles<128, 128, 16, 32, 64, 4, 2>>},
      {"128x128x8 w64x32 t8x8 (warp 8x4)", launch_config<WarpTiles<128, 128, 8, 64, 32, 8, 2>>},
      {"128x256x16 w64x64 t16x8", launch_config<WarpTiles<128, 256, 16, 64, 64, 4, 1>>},
      {"128x256x8 w64x64 t8x16 (warp 8x4)", launch_config<WarpTiles<128, 256, 8, 64, 64, 8, 1>>},
      {"256x128x8 w64x64 t16x8", launch_config<WarpTiles<256, 128, 8, 64, 64, 4, 1>>},
      {"256x128x16 w64x64 t16x8", launch_config<WarpTiles<256, 128, 16, 64, 64, 4, 1>>},
      {"64x128x8 w32x64 t8x8 (128 threads)", launch_config<WarpTiles<64, 128, 8, 32, 64, 4, 4>>},
  };
  return configs;
}

}  // namespace ch03
