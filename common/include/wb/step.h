/// @file step.h
/// @brief A ladder step of a chapter whose steps all take one argument struct (chapters 01, 02
/// and 04): its name, its file and its launcher.
///
/// Chapters whose steps run in fp16 and bf16 use wb::TypedStep (typed_step.h) instead.
#pragma once

#include <cuda_runtime_api.h>

namespace wb {

/// A step's launcher: validates `args` (throws std::invalid_argument), computes the grid, launches
/// on `stream` (one or more kernels) and checks each launch (throws wb::CudaError).
template <class Args>
using StepLauncher = void (*)(const Args& args, cudaStream_t stream);

/// One rung of the ladder.
template <class Args>
struct Step {
  const char* name;           ///< benchmark and test name, e.g. "naive"
  const char* file;           ///< the file that holds it, e.g. "02_coalesced.cu"
  StepLauncher<Args> launch;  ///< its launcher
};

}  // namespace wb
