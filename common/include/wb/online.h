/// @file online.h
/// @brief Mergeable running statistics: the online softmax state and Welford's mean and variance.
///
/// Both are taught in chapter 05 (`chapters/05-softmax-layernorm/README.md`, "The online
/// softmax" and "Welford"). They are states with an associative merge, so any reduction tree
/// (a thread's registers, a warp's shuffles, a block, a sequence of tiles) combines them; chapter
/// 08's flash attention runs the same online-softmax merge over tiles of keys. Everything here is
/// `WB_HD`, so the CPU tests check the code the kernels run.
#pragma once

#include "wb/hd.h"

#include <math.h>

namespace wb {

/// The running state of an online softmax over some set of values x_j: `m` = max x_j and
/// `l` = sum_j exp(x_j - m). The empty set (and a set of only `-inf`) is {-inf, 0}.
struct OnlineSoftmax {
  float m;  ///< running maximum
  float l;  ///< sum of exp(x_j - m) over the values seen
};

/// The state of the empty set: the identity of online_merge.
WB_HD inline OnlineSoftmax online_identity() {
  return OnlineSoftmax{-INFINITY, 0.0f};
}

/// exp(x - m), except 0 when m is -inf (every value seen so far is masked; exp(-inf - -inf)
/// would be NaN).
WB_HD inline float exp_shifted(float x, float m) {
  return m == -INFINITY ? 0.0f : expf(x - m);
}

/// Merges two states: the state of the union of both sets. Rescales each partial sum to the new
/// maximum, l = l_a * exp(m_a - m) + l_b * exp(m_b - m). Associative and commutative up to fp32
/// rounding of `l` (`m` is exact), so any reduction tree gives the same answer within the
/// tolerance. Two fully masked states merge to {-inf, 0}, not NaN.
WB_HD inline OnlineSoftmax online_merge(OnlineSoftmax a, OnlineSoftmax b) {
  const float m = fmaxf(a.m, b.m);
  return OnlineSoftmax{m, a.l * exp_shifted(a.m, m) + b.l * exp_shifted(b.m, m)};
}

/// Adds one value x to a state: online_merge(s, {x, 1}). A masked x (-inf) leaves s unchanged.
WB_HD inline OnlineSoftmax online_push(OnlineSoftmax s, float x) {
  return online_merge(s, OnlineSoftmax{x, x == -INFINITY ? 0.0f : 1.0f});
}

/// 1 / l, or 0 when l is 0 (a fully masked row: every output is then exp_shifted(..) * 0 = 0).
WB_HD inline float inverse_or_zero(float l) {
  return l > 0.0f ? 1.0f / l : 0.0f;
}

/// Count, mean and sum of squared deviations of a set of values (Welford, and Chan et al.'s
/// pairwise merge). The empty set is {0, 0, 0}. `n` is a float so a warp can shuffle it; it
/// counts exactly up to 2^24 values (a caller with longer sets merges partial counts that stay
/// below that, or documents its limit).
struct Welford {
  float n;     ///< number of values
  float mean;  ///< their mean
  float m2;    ///< sum of (x - mean)^2
};

/// The empty set: the identity of welford_merge.
WB_HD inline Welford welford_identity() {
  return Welford{0.0f, 0.0f, 0.0f};
}

/// Merges two partial statistics (Chan, Golub, LeVeque 1979):
/// delta = mean_b - mean_a, mean = mean_a + delta * n_b / n,
/// m2 = m2_a + m2_b + delta^2 * n_a * n_b / n. Merging with the empty set returns the other
/// operand exactly.
WB_HD inline Welford welford_merge(Welford a, Welford b) {
  const float n = a.n + b.n;
  if (n == 0.0f) return welford_identity();
  const float delta = b.mean - a.mean;
  const float wb = b.n / n;  // weight of b in the merged mean
  return Welford{n, a.mean + delta * wb, a.m2 + b.m2 + delta * delta * a.n * wb};
}

/// The statistics of a single value x: {1, x, 0}.
WB_HD inline Welford welford_single(float x) {
  return Welford{1.0f, x, 0.0f};
}

}  // namespace wb
