// Chapter 03: the ladder table, with each step's documented size limits (sgemm.h, "Size limits").
// Everything else the steps share is the GEMM layer, wb/gemm.h.
#include "sgemm.h"

namespace ch03 {

namespace {

constexpr std::int64_t kMax = 2147483647;  // 2^31 - 1: what wb::gemm::validate accepts
constexpr std::int64_t kGridY = 65535;     // blocks along grid y

}  // namespace

const std::vector<Step>& steps() {
  // max: the grid puts one dimension of C on y, 65535 blocks of the step's tile (sgemm.h).
  static const std::vector<Step> ladder = {
      {"naive", "01_naive.cu", "ch03::launch_naive", launch_naive, {kMax, 8 * kGridY, kMax}},
      {"coalesced",
       "02_coalesced.cu",
       "ch03::launch_coalesced",
       launch_coalesced,
       {8 * kGridY, kMax, kMax}},
      {"smem_tiles",
       "03_smem_tiles.cu",
       "ch03::launch_smem_tiles",
       launch_smem_tiles,
       {32 * kGridY, kMax, kMax}},
      {"register_1d",
       "04_register_1d.cu",
       "ch03::launch_register_1d",
       launch_register_1d,
       {64 * kGridY, kMax, kMax}},
      {"register_2d",
       "05_register_2d.cu",
       "ch03::launch_register_2d",
       launch_register_2d,
       {128 * kGridY, kMax, kMax}},
      {"vectorized",
       "06_vectorized.cu",
       "ch03::launch_vectorized",
       launch_vectorized,
       {128 * kGridY, kMax, kMax}},
      {"warptile",
       "07_warptile.cu",
       "ch03::launch_warptile",
       launch_warptile,
       {128 * kGridY, kMax, kMax}},
      {"double_buffer",
       "08_double_buffer.cu",
       "ch03::launch_double_buffer",
       launch_double_buffer,
       {128 * kGridY, kMax, kMax}},
      {"split_k",
       "09_split_k.cu",
       "ch03::launch_split_k",
       launch_split_k,
       {128 * kGridY, kMax, kMax}},
  };
  return ladder;
}

const Step& best_step() {
  return steps().back();
}

const Step& vendor_step() {
  static const Step vendor = {"vendor-cublas",
                              "common/src/gemm_cublas.cpp",
                              "wb::gemm::launch_cublas<fp32>",
                              wb::gemm::launch_cublas<float>,
                              {wb::gemm::kCublasGemmMaxMN, wb::gemm::kCublasGemmMaxMN, kMax}};
  return vendor;
}

}  // namespace ch03
