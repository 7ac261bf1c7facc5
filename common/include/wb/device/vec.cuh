/// @file vec.cuh
/// @brief Element conversion and 16-byte vector loads and stores for fp32, fp16 and bf16 (device
/// code only).
///
/// Taught in chapter 01, step 3 (16-byte accesses: a quarter of the load instructions for the same
/// bytes) and used from chapter 05 on. A kernel computes in fp32 whatever type it loads and
/// stores. A 16-byte access is legal only at a 16-byte aligned address: callers cut their rows
/// with wb::split_row (rows.h) or check alignment on the host and fall back to scalar accesses.
#pragma once

#include "wb/rows.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace wb {

/// Loads one element as fp32 (exact for every type here).
__device__ __forceinline__ float load_f32(const float* p) {
  return *p;
}
/// Loads one bf16 element as fp32 (exact).
__device__ __forceinline__ float load_f32(const __nv_bfloat16* p) {
  return __bfloat162float(*p);
}
/// Loads one fp16 element as fp32 (exact).
__device__ __forceinline__ float load_f32(const __half* p) {
  return __half2float(*p);
}
/// Stores an fp32 value.
__device__ __forceinline__ void store_f32(float* p, float v) {
  *p = v;
}
/// Stores an fp32 value rounded to the nearest bf16.
__device__ __forceinline__ void store_f32(__nv_bfloat16* p, float v) {
  *p = __float2bfloat16_rn(v);
}
/// Stores an fp32 value rounded to the nearest fp16.
__device__ __forceinline__ void store_f32(__half* p, float v) {
  *p = __float2half_rn(v);
}

/// Elements of T in one 16-byte vector: 4 floats, or 8 fp16 or bf16 values.
template <class T>
struct Vec {
  static constexpr int kN = kVecBytes / static_cast<int>(sizeof(T));  ///< elements per vector
  static_assert(kVecBytes % sizeof(T) == 0, "a vector holds whole elements");
};

/// Loads 16 bytes at `p` (16-byte aligned) as 4 fp32 values: one LDG.E.128.
__device__ __forceinline__ void load_vec(const float* p, float (&r)[4]) {
  const float4 v = *reinterpret_cast<const float4*>(p);
  r[0] = v.x;
  r[1] = v.y;
  r[2] = v.z;
  r[3] = v.w;
}
/// Loads 16 bytes at `p` (16-byte aligned) as 8 bf16 values widened to fp32.
__device__ __forceinline__ void load_vec(const __nv_bfloat16* p, float (&r)[8]) {
  const uint4 v = *reinterpret_cast<const uint4*>(p);
  const unsigned words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    // A bf16 is the top half of an fp32: shifting its 16 bits up is the exact conversion.
    r[2 * i] = __uint_as_float(words[i] << 16);
    r[2 * i + 1] = __uint_as_float(words[i] & 0xffff0000u);
  }
}
/// Loads 16 bytes at `p` (16-byte aligned) as 8 fp16 values widened to fp32.
__device__ __forceinline__ void load_vec(const __half* p, float (&r)[8]) {
  const uint4 v = *reinterpret_cast<const uint4*>(p);
  const __half2* pairs = reinterpret_cast<const __half2*>(&v);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 f = __half22float2(pairs[i]);
    r[2 * i] = f.x;
    r[2 * i + 1] = f.y;
  }
}
/// Stores 4 fp32 values to 16-byte aligned `p`: one STG.E.128.
__device__ __forceinline__ void store_vec(float* p, const float (&r)[4]) {
  *reinterpret_cast<float4*>(p) = make_float4(r[0], r[1], r[2], r[3]);
}
/// Stores 8 fp32 values rounded to bf16 at 16-byte aligned `p`.
__device__ __forceinline__ void store_vec(__nv_bfloat16* p, const float (&r)[8]) {
  uint4 v;
  __nv_bfloat162* pairs = reinterpret_cast<__nv_bfloat162*>(&v);
#pragma unroll
  for (int i = 0; i < 4; ++i)
    pairs[i] = __floats2bfloat162_rn(r[2 * i], r[2 * i + 1]);  // .x is the low half
  *reinterpret_cast<uint4*>(p) = v;
}
/// Stores 8 fp32 values rounded to fp16 at 16-byte aligned `p`.
__device__ __forceinline__ void store_vec(__half* p, const float (&r)[8]) {
  uint4 v;
  __half2* pairs = reinterpret_cast<__half2*>(&v);
#pragma unroll
  for (int i = 0; i < 4; ++i)
    pairs[i] = __floats2half2_rn(r[2 * i], r[2 * i + 1]);  // .x is the low half
  *reinterpret_cast<uint4*>(p) = v;
}

}  // namespace wb
