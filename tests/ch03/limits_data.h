// Device-side data for chapter 03's limits tier (sgemm_limits_test.cpp): inputs made and results
// checked on the GPU, because at 2^31 elements a host-side random fill and reference would take
// longer than the GEMM and 8 GiB of host memory per matrix.
//
// Every value is a small integer, so every result is exact in fp32 whatever the summation order,
// and a result is right only if it equals the expected value bit for bit:
//   - value(i, salt): an integer in [-1023, 1023] from a hash of i (a wrong index reads a
//     different value: the hash has no short period);
//   - the K case: A[k] = +1 or -1 (hash), B[k] = 1 for about one k in 256 and for the first and
//     last 256 values of k, else 0. So sum_k |A[k] B[k]| < 2^24: every partial sum of every order
//     (split-K, cuBLAS's) is an integer below 2^24, exact in fp32.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace ch03_limits {

/// p[i] = value(i, salt) for i < n.
void fill_values(float* p, std::int64_t n, std::uint32_t salt);
/// p[i] = v for i < n.
void fill_constant(float* p, std::int64_t n, float v);
/// The K case's A (K values of +-1) and B (K values of 0 or 1), both contiguous.
void fill_k_case(float* A, float* B, std::int64_t K);
/// sum_k A[k] B[k] of the K case, computed on the device from the same formulas (exact, int64).
std::int64_t k_case_sum(std::int64_t K);

/// Entries of C that differ from scale * value(i, salt_x) + beta * value(i, salt_c) (the second
/// term only when beta != 0), and the first of them.
struct Mismatch {
  std::uint64_t count = 0;  ///< entries that differ
  std::int64_t first = -1;  ///< index of the first, -1 when none
  float got = 0;            ///< C there
  float expected = 0;       ///< what it should hold
};
/// Checks C[0 .. n) (contiguous) against the formula above.
Mismatch check_values(const float* C, std::int64_t n, float scale, std::uint32_t salt_x, float beta,
                      std::uint32_t salt_c);

}  // namespace ch03_limits
