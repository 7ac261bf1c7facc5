// Chapter 03 device helpers shared by the step files (CUDA only): the epilogue and the predicated
// 4-float loads and stores the vectorized steps use at the edges of a matrix.
//
// Limits are passed as what is left of a row ("limit = N - n0"), never as an end index, and the
// tests compare `c + e < limit` with c and e small: nothing here adds two large ints.
#pragma once

#include <cuda_runtime.h>

namespace ch03 {

// C = alpha * acc + beta * C for one element; C is not read when beta == 0 (BLAS semantics, so a
// NaN in an output-only C cannot leak into the result).
__device__ __forceinline__ float axpby(float acc, float alpha, float beta, const float* c) {
  return beta == 0.0f ? alpha * acc : alpha * acc + beta * *c;
}

// Four consecutive floats row[c .. c+3], zero where c+e >= limit or when !row_ok. kVec: one 16-byte
// load when all four are in bounds (legal only when the row and c are 16-byte aligned, i.e. the
// launcher checked wb::gemm::vector_friendly()); otherwise, and at the edge, four predicated
// scalar loads.
template <bool kVec>
__device__ __forceinline__ float4 load4(const float* __restrict__ row, int c, int limit,
                                        bool row_ok) {
  if (kVec && row_ok && c + 3 < limit) return *reinterpret_cast<const float4*>(row + c);
  float4 v;
  v.x = row_ok && c + 0 < limit ? row[c + 0] : 0.0f;
  v.y = row_ok && c + 1 < limit ? row[c + 1] : 0.0f;
  v.z = row_ok && c + 2 < limit ? row[c + 2] : 0.0f;
  v.w = row_ok && c + 3 < limit ? row[c + 3] : 0.0f;
  return v;
}

// row[c .. c+3] = alpha * acc + beta * row[c .. c+3] for the columns below `limit`, if row_ok.
template <bool kVec>
__device__ __forceinline__ void store4(float* __restrict__ row, int c, int limit, bool row_ok,
                                       float4 acc, float alpha, float beta) {
  if (!row_ok) return;
  if (kVec && c + 3 < limit) {
    float4 v = make_float4(alpha * acc.x, alpha * acc.y, alpha * acc.z, alpha * acc.w);
    if (beta != 0.0f) {
      const float4 old = *reinterpret_cast<const float4*>(row + c);
      v.x += beta * old.x;
      v.y += beta * old.y;
      v.z += beta * old.z;
      v.w += beta * old.w;
    }
    *reinterpret_cast<float4*>(row + c) = v;
    return;
  }
  const float a[4] = {acc.x, acc.y, acc.z, acc.w};
#pragma unroll
  for (int e = 0; e < 4; ++e) {
    if (c + e < limit) row[c + e] = axpby(a[e], alpha, beta, row + c + e);
  }
}

}  // namespace ch03
