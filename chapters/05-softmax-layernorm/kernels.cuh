// Chapter 05 device helpers shared by every step (included by the .cu files only): element
// conversion, 16-byte vector loads and stores, shared-memory tree reductions, and warp-shuffle
// reductions of floats, online-softmax states and Welford statistics.
//
// The shuffle reductions are chapter 04's butterfly (chapters/04-reduction/README.md explains
// __shfl_xor_sync); here they reduce the chapter's own merge operations from
// softmax_layernorm.h, so a warp combines 32 partial states in 5 steps without shared memory.
#pragma once

#include "softmax_layernorm.h"

#include "wb/check.h"

#include <cuda_bf16.h>

#include <cstddef>
#include <cstdint>

namespace ch05 {

/// Every lane of a full warp takes part in the shuffles.
constexpr unsigned kFullMask = 0xffffffffu;

// ---- element conversion: the kernels compute in fp32 whatever they load and store ----------

/// Loads one element as fp32.
__device__ __forceinline__ float load_f32(const float* p) {
  return *p;
}
/// Loads one bf16 element as fp32 (exact).
__device__ __forceinline__ float load_f32(const __nv_bfloat16* p) {
  return __bfloat162float(*p);
}
/// Stores an fp32 value.
__device__ __forceinline__ void store_f32(float* p, float v) {
  *p = v;
}
/// Stores an fp32 value rounded to the nearest bf16.
__device__ __forceinline__ void store_f32(__nv_bfloat16* p, float v) {
  *p = __float2bfloat16_rn(v);
}

/// Elements of T in one 16-byte vector: 4 floats or 8 bf16.
template <class T>
struct Vec {
  static constexpr int kN = kVecBytes / static_cast<int>(sizeof(T));  ///< elements per vector
  static_assert(kVecBytes % sizeof(T) == 0, "a vector holds whole elements");
};

/// Loads 16 bytes at `p` (16-byte aligned) as kN fp32 values: one LDG.E.128.
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
/// Stores 4 fp32 values to 16-byte aligned `p`: one STG.E.128.
__device__ __forceinline__ void store_vec(float* p, const float (&r)[4]) {
  *reinterpret_cast<float4*>(p) = make_float4(r[0], r[1], r[2], r[3]);
}
/// Stores 8 fp32 values rounded to bf16 at 16-byte aligned `p`.
__device__ __forceinline__ void store_vec(__nv_bfloat16* p, const float (&r)[8]) {
  uint4 v;
  unsigned* words = &v.x;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const __nv_bfloat162 pair = __floats2bfloat162_rn(r[2 * i], r[2 * i + 1]);  // .x low half
    words[i] = *reinterpret_cast<const unsigned*>(&pair);
  }
  *reinterpret_cast<uint4*>(p) = v;
}

// ---- shared-memory tree reductions (the naive and block steps) ------------------------------

/// Max of `v` over the block, through `sRed` (blockDim.x floats, blockDim.x a power of two).
/// Every thread gets the result. The classic tree: log2(blockDim.x) rounds, each with a barrier.
__device__ __forceinline__ float block_max_smem(float v, float* sRed) {
  const int t = threadIdx.x;
  sRed[t] = v;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s /= 2) {
    if (t < s) sRed[t] = fmaxf(sRed[t], sRed[t + s]);
    __syncthreads();
  }
  const float result = sRed[0];
  __syncthreads();  // sRed may be reused right after
  return result;
}

/// Sum of `v` over the block, through `sRed` (as block_max_smem).
__device__ __forceinline__ float block_sum_smem(float v, float* sRed) {
  const int t = threadIdx.x;
  sRed[t] = v;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s /= 2) {
    if (t < s) sRed[t] += sRed[t + s];
    __syncthreads();
  }
  const float result = sRed[0];
  __syncthreads();
  return result;
}

// ---- warp-shuffle reductions: 5 butterfly steps, every lane ends with the result -------------

/// Max over the 32 lanes of a warp.
__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2)
    v = fmaxf(v, __shfl_xor_sync(kFullMask, v, offset));
  return v;
}

/// Sum over the 32 lanes of a warp.
__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2)
    v += __shfl_xor_sync(kFullMask, v, offset);
  return v;
}

/// online_merge over the 32 lanes of a warp.
__device__ __forceinline__ OnlineSoftmax warp_merge(OnlineSoftmax s) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) {
    const OnlineSoftmax other{__shfl_xor_sync(kFullMask, s.m, offset),
                              __shfl_xor_sync(kFullMask, s.l, offset)};
    s = online_merge(s, other);
  }
  return s;
}

/// welford_merge over the 32 lanes of a warp.
__device__ __forceinline__ Welford warp_merge(Welford w) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) {
    const Welford other{__shfl_xor_sync(kFullMask, w.n, offset),
                        __shfl_xor_sync(kFullMask, w.mean, offset),
                        __shfl_xor_sync(kFullMask, w.m2, offset)};
    w = welford_merge(w, other);
  }
  return w;
}

/// Merges one state per thread over the whole block (blockDim.x a multiple of 32): each warp
/// merges with shuffles, warp leaders park their result in `sPart` (one slot per warp, at most
/// 32), and every warp then merges the parked states with shuffles again. One barrier pair
/// instead of log2(blockDim.x) barriers. `identity` is the merge's neutral state (what the lanes
/// past the last warp contribute). Every thread gets the result.
template <class State>
__device__ __forceinline__ State block_merge(State s, State* sPart, State identity) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  s = warp_merge(s);
  if (lane == 0) sPart[warp] = s;
  __syncthreads();
  s = lane < warps ? sPart[lane] : identity;
  s = warp_merge(s);
  __syncthreads();  // sPart may be reused right after
  return s;
}

// ---- launcher plumbing -------------------------------------------------------------------------

/// A type carried as a value, so a generic lambda can receive "the element type".
template <class T>
struct TypeTag {
  using type = T;  ///< the carried type
};

/// Calls `f(TypeTag<float>{})` or `f(TypeTag<__nv_bfloat16>{})` according to `t`: each launcher
/// writes its launch once, for both element types.
template <class F>
void with_dtype(DType t, F&& f) {
  if (t == DType::f32) {
    f(TypeTag<float>{});
  } else {
    f(TypeTag<__nv_bfloat16>{});
  }
}

/// The device's opt-in limit of dynamic shared memory per block, in bytes (227 KB on an H100).
int max_dynamic_smem_per_block();

/// Raises `kernel`'s dynamic shared-memory limit to `bytes` when that is above the default 48 KB.
template <class Kernel>
void allow_dynamic_smem(Kernel kernel, std::size_t bytes) {
  if (bytes > 48 * 1024) {
    WB_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(bytes)));
  }
}

}  // namespace ch05
