/// @file hd.h
/// @brief `WB_HD`: marks pure index math that both kernels and CPU tests call.
///
/// Swizzles, tile coordinates and row splits are written once as `WB_HD` functions so that a
/// plain C++ test (compiled by the host compiler, no GPU needed) checks exactly the code the
/// kernel runs.
#pragma once

#if defined(__CUDACC__)
/// Expands to `__host__ __device__` under nvcc and to nothing under a host-only compiler.
#define WB_HD __host__ __device__
#else
#define WB_HD
#endif
