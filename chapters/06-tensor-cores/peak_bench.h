/// @file peak_bench.h
/// @brief What the bench programs of the 16-bit GEMM chapters (06, 07) do with chapter 06's
/// mma.sync peak kernel besides measuring the ladder's ceiling: the peaks of both types for a
/// design table, and one launch for Nsight Compute.
///
/// Header-only, over the ch06::peak API of hgemm.h (chapter 06's library).
#pragma once

#include "hgemm.h"

#include "wb/bench.h"
#include "wb/buffer.h"
#include "wb/device.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>

namespace ch06::peak {

/// The measured mma.sync peak of each element type, TFLOP/s.
struct Peaks {
  double fp16;  ///< fp16 x fp16 -> fp32
  double bf16;  ///< bf16 x bf16 -> fp32
};

/// Measures the peak in both types (measure_tflops) and prints them on one line, the first line
/// of a design table.
inline Peaks measure_and_print() {
  const Peaks peaks{measure_tflops<__half>(), measure_tflops<__nv_bfloat16>()};
  std::printf("mma.sync peak: fp16 %.1f TFLOP/s, bf16 %.1f TFLOP/s\n", peaks.fp16, peaks.bf16);
  return peaks;
}

/// One fp16 launch of the peak kernel as the ceiling measures it (4 blocks per SM, 4096
/// iterations), for the bench programs' --wb_profile.
inline void launch_for_profile() {
  const int blocks = 4 * wb::device_info().sm_count;  // as the ceiling measures it
  wb::DeviceBuffer<float> out(static_cast<std::size_t>(blocks) * kThreads);
  launch<__half>(out.data(), blocks, 4096, nullptr);
}

/// The bench description of a 16-bit GEMM chapter (`id` "ch07": results "chapter-07"), whose
/// ladder's ceiling is the fp16 peak (a compute ceiling, TFLOP/s, measured at the start of the
/// run; `ceiling_what` says how, for the recorded context) and whose vendor row is cuBLAS.
inline wb::ChapterBench gemm_chapter(const std::string& id, std::string title,
                                     std::string ceiling_what) {
  wb::ChapterBench chapter;
  chapter.id = id;
  chapter.results_name = "chapter-" + id.substr(2);
  chapter.title = std::move(title);
  chapter.ceiling_kind = "compute";
  chapter.measure_ceiling = measure_tflops<__half>;
  chapter.ceiling_what = std::move(ceiling_what);
  chapter.vendor_step = "vendor-cublas";
  return chapter;
}

}  // namespace ch06::peak
