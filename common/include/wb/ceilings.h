/// @file ceilings.h
/// @brief Ceilings measured on the running GPU, so every row reports its fraction of speed of
/// light.
///
/// Datasheet numbers are leads, not ceilings: an H100 SXM's 3.35 TB/s HBM3 figure is never reached
/// by any kernel. The ceiling a memory-bound kernel is judged against is what the vendor's own
/// device-to-device copy achieves on this GPU, measured in the same run.
#pragma once

#include <cstddef>

namespace wb {

/// Device-to-device `cudaMemcpyAsync` bandwidth in GB/s (1e9 B/s), counting bytes read plus
/// bytes written, for a copy of `bytes` (default 1 GiB: far above L2). Median of WB_REPS runs.
double measure_copy_bandwidth_GBps(std::size_t bytes = std::size_t{1} << 30);

}  // namespace wb
