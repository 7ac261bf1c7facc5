// Chapter 05 device plumbing shared by every step (included by the .cu files only): the
// shared-memory tree reduction of the naive and block steps, and the element-type dispatch of the
// softmax launchers.
//
// The rest comes from the workbook's shared layer: element conversion and 16-byte vectors
// (wb/device/vec.cuh, chapter 01 step 3), the warp and block shuffle reductions with their Sum,
// Max, OnlineMerge and WelfordMerge operations (wb/device/warp.cuh, chapter 04 step 5), the
// online-softmax and Welford merges this chapter teaches (wb/online.h), the row split (wb/rows.h)
// and the dynamic shared-memory opt-in (wb/launch.h).
#pragma once

#include "softmax_layernorm.h"

#include "wb/device/vec.cuh"
#include "wb/device/warp.cuh"
#include "wb/launch.h"
#include "wb/online.h"
#include "wb/rows.h"

#include <cuda_bf16.h>

namespace ch05 {

using wb::exp_shifted;
using wb::inverse_or_zero;
using wb::load_f32;
using wb::load_vec;
using wb::online_identity;
using wb::online_merge;
using wb::online_push;
using wb::OnlineSoftmax;
using wb::store_f32;
using wb::store_vec;
using wb::Vec;
using wb::Welford;

/// `op` (wb::Sum or wb::Max) of `v` over the block, through `sRed` (blockDim.x floats, blockDim.x
/// a power of two). Every thread gets the result. The classic tree of chapter 04's first steps:
/// log2(blockDim.x) rounds, each halving the active threads and ending with a barrier.
template <class Op>
__device__ __forceinline__ float block_reduce_smem(float v, Op op, float* sRed) {
  const int t = threadIdx.x;
  sRed[t] = v;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s /= 2) {
    if (t < s) sRed[t] = op(sRed[t], sRed[t + s]);
    __syncthreads();
  }
  const float result = sRed[0];
  __syncthreads();  // sRed may be reused right after
  return result;
}

/// A type carried as a value, so a generic lambda can receive "the element type".
template <class T>
struct TypeTag {
  using type = T;  ///< the carried type
};

/// Calls `f(TypeTag<float>{})` or `f(TypeTag<__nv_bfloat16>{})` according to `t`: each softmax
/// launcher writes its launch once, for both element types.
template <class F>
void with_dtype(DType t, F&& f) {
  if (t == DType::f32) {
    f(TypeTag<float>{});
  } else {
    f(TypeTag<__nv_bfloat16>{});
  }
}

}  // namespace ch05
