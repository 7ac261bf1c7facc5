// Chapter 06 plumbing shared by the step files (CUDA only): the kernel signature, the launcher
// every step uses, and the block tiling of steps 2-5. The tile copy and the epilogue are in
// common/include/wb/device/gemm_tile.cuh, the fragment maps in wb/mma_layout.h.
#pragma once

#include "hgemm.h"

#include "wb/check.h"
#include "wb/gemm.h"

#include <cuda_runtime.h>

#include <string>

namespace ch06 {

/// Every step's kernel: sizes and leading dimensions as int (the launcher checked them), the
/// matrices as their element type.
template <class T>
using Kernel = void (*)(int M, int N, int K, float alpha, const T* A, int lda, const T* B, int ldb,
                        float beta, T* C, int ldc);

/// "ch06::launch_<step><fp16>": the `where` of every message a launcher throws.
template <class T>
std::string where_of(const char* step) {
  return std::string("ch06::launch_") + step + "<" + wb::gemm::type_name<T>() + ">";
}

/// The launcher of every step: checks the arguments (std::invalid_argument naming the step),
/// makes a grid of (ceil(N / BN), ceil(M / BM)) blocks of `block` threads, launches `vec` when
/// every row of A, B and C starts 16-byte aligned (wb::gemm::vector_friendly) and `scalar`
/// otherwise, and checks the launch.
template <class T>
void launch_tiled(const Args<T>& a, Kernel<T> vec, Kernel<T> scalar, int BM, int BN, dim3 block,
                  const char* step, cudaStream_t stream) {
  const std::string where = where_of<T>(step);
  wb::gemm::validate(a, where.c_str());
  const dim3 grid = wb::gemm::tile_grid(a.M, a.N, BM, BN, where.c_str());
  const Kernel<T> kernel = wb::gemm::vector_friendly(a) ? vec : scalar;
  kernel<<<grid, block, 0, stream>>>(
      static_cast<int>(a.M), static_cast<int>(a.N), static_cast<int>(a.K), a.alpha, a.A,
      static_cast<int>(a.lda), a.B, static_cast<int>(a.ldb), a.beta, a.C, static_cast<int>(a.ldc));
  WB_CHECK_LAUNCH();
}

/// The block tiling of steps 2-5: a 64 x 64 tile of C per block, k walked 32 at a time, 16 warps
/// in a 4 x 4 grid, each warp one 16 x 16 tile of C (one WMMA fragment, or two m16n8k16 tiles side
/// by side sharing their A fragment).
struct SmallTiles {
  static constexpr int BM = 64;                       ///< rows of C per block
  static constexpr int BN = 64;                       ///< columns of C per block
  static constexpr int BK = 32;                       ///< k per shared-memory tile
  static constexpr int WM = 16;                       ///< rows of C per warp
  static constexpr int WN = 16;                       ///< columns of C per warp
  static constexpr int kWarpsN = BN / WN;             ///< warps across the block tile: 4
  static constexpr int kWarps = (BM / WM) * kWarpsN;  ///< warps per block: 16
  static constexpr int kThreads = 32 * kWarps;        ///< threads per block: 512
  static_assert(BM % WM == 0 && BN % WN == 0 && BK % 16 == 0, "whole warp tiles and k-steps");
};

}  // namespace ch06
