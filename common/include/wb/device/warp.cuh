/// @file warp.cuh
/// @brief Warp and block reductions with register shuffles (device code only).
///
/// Taught in chapter 04, step 5 (`chapters/04-reduction/README.md`, "Warp shuffles"): a warp
/// exchanges registers with `__shfl_*_sync`, so 32 values combine in 5 steps without shared memory
/// or barriers. Two shapes of the same idea:
///  - warp_reduce: `__shfl_down_sync`, lane 0 ends with the result (chapter 04's reductions);
///  - warp_allreduce: the `__shfl_xor_sync` butterfly, every lane ends with the result (chapter
///    05's row statistics, where every thread needs the row's max and sum).
/// Both work for any associative operation and any state `shfl_xor`/`shfl_down` can move: floats,
/// and the online-softmax and Welford states of online.h (chapter 05).
#pragma once

#include "wb/online.h"

namespace wb {

/// Every lane of a full warp takes part in the shuffles.
constexpr unsigned kFullMask = 0xffffffffu;
/// Threads in a warp.
constexpr int kWarpSize = 32;

/// The `v` of lane (this lane ^ lane_mask).
__device__ __forceinline__ float shfl_xor(float v, int lane_mask) {
  return __shfl_xor_sync(kFullMask, v, lane_mask);
}
/// The `v` of lane (this lane + delta), or this lane's own `v` past lane 31.
__device__ __forceinline__ float shfl_down(float v, int delta) {
  return __shfl_down_sync(kFullMask, v, delta);
}
/// An online-softmax state, field by field.
__device__ __forceinline__ OnlineSoftmax shfl_xor(OnlineSoftmax s, int lane_mask) {
  return OnlineSoftmax{shfl_xor(s.m, lane_mask), shfl_xor(s.l, lane_mask)};
}
/// A Welford state, field by field.
__device__ __forceinline__ Welford shfl_xor(Welford w, int lane_mask) {
  return Welford{shfl_xor(w.n, lane_mask), shfl_xor(w.mean, lane_mask), shfl_xor(w.m2, lane_mask)};
}

/// Reduces `v` over the 32 lanes of a warp; lane 0 returns the result (other lanes return partial
/// results). All 32 lanes must call it (the mask is kFullMask).
///
/// `__shfl_down_sync(mask, v, d)` returns the `v` of lane (this lane + d). Halving d from 16 to 1
/// folds the upper half of the lanes onto the lower half five times:
///
///     d = 16: lane i += lane i+16   (lanes 0..15 now hold pairs)
///     d =  8: lane i += lane i+8    (lanes 0..7 hold sums of 4)
///     ...     d = 1: lane 0 holds the sum of all 32.
///
/// Lanes whose source would be past lane 31 get their own `v` back, which only pollutes lanes
/// whose result is never used. The `_sync` suffix and the mask make the warp converge first
/// (Volta and later schedule the threads of a warp independently).
template <class T, class Op>
__device__ __forceinline__ T warp_reduce(T v, Op op) {
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2)
    v = op(v, shfl_down(v, offset));
  return v;
}

/// Reduces `v` over the 32 lanes of a warp; every lane returns the result. The butterfly: at
/// distance d each lane combines with lane ^ d, so after d = 16, 8, 4, 2, 1 every lane has seen
/// every other lane's value exactly once. Same 5 shuffles as warp_reduce.
template <class T, class Op>
__device__ __forceinline__ T warp_allreduce(T v, Op op) {
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2)
    v = op(v, shfl_xor(v, offset));
  return v;
}

/// Reduces `v` over each group of kWidth consecutive lanes (kWidth a power of two, at most 32);
/// every lane returns its group's result. The butterfly of warp_allreduce stopped after
/// log2(kWidth) steps: XOR with offsets below kWidth never leaves the group. Chapter 08 uses it
/// with kWidth = 4: the four lanes of an mma "quad" (wb/mma_layout.h, thread_in_group) hold one
/// row of an accumulator tile between them. All 32 lanes must call it.
template <int kWidth, class T, class Op>
__device__ __forceinline__ T group_allreduce(T v, Op op) {
  static_assert(kWidth > 0 && kWidth <= kWarpSize && (kWidth & (kWidth - 1)) == 0,
                "a power-of-two group of lanes within the warp");
#pragma unroll
  for (int offset = kWidth / 2; offset > 0; offset /= 2)
    v = op(v, shfl_xor(v, offset));
  return v;
}

/// Reduces one value per thread over the whole block (blockDim.x a multiple of 32, at most 1024):
/// each warp reduces with shuffles, warp leaders park their result in `sPart` (shared memory, one
/// slot per warp, 32 slots), and every warp then reduces the parked values with shuffles again.
/// One barrier pair instead of log2(blockDim.x) barriers. `identity` is the operation's neutral
/// value (what the slots past the last warp contribute). Every thread returns the result.
template <class T, class Op>
__device__ __forceinline__ T block_allreduce(T v, Op op, T identity, T* sPart) {
  const int lane = threadIdx.x % kWarpSize, warp = threadIdx.x / kWarpSize;
  const int warps = blockDim.x / kWarpSize;
  v = warp_allreduce(v, op);
  if (lane == 0) sPart[warp] = v;
  __syncthreads();
  v = lane < warps ? sPart[lane] : identity;
  v = warp_allreduce(v, op);
  __syncthreads();  // sPart may be reused right after
  return v;
}

/// a + b, as a functor for the reductions above.
struct Sum {
  /// The sum.
  __device__ __forceinline__ float operator()(float a, float b) const { return a + b; }
};
/// max(a, b), as a functor (fmaxf: a NaN operand yields the other operand).
struct Max {
  /// The maximum.
  __device__ __forceinline__ float operator()(float a, float b) const { return fmaxf(a, b); }
};
/// online_merge (online.h), as a functor.
struct OnlineMerge {
  /// The merged state.
  __device__ __forceinline__ OnlineSoftmax operator()(OnlineSoftmax a, OnlineSoftmax b) const {
    return online_merge(a, b);
  }
};
/// welford_merge (online.h), as a functor.
struct WelfordMerge {
  /// The merged state.
  __device__ __forceinline__ Welford operator()(Welford a, Welford b) const {
    return welford_merge(a, b);
  }
};

}  // namespace wb
