/// @file compare.h
/// @brief Comparing a kernel's output with a higher-precision reference.
///
/// ## The tolerance, derived once
/// Let u be the unit roundoff of the type a result is computed and stored in (2^-24 for fp32,
/// 2^-11 for fp16, 2^-8 for bf16). A result that takes k rounded operations, each with relative
/// error at most u, is off from the exact value by at most
///
///     gamma_k = k*u / (1 - k*u)   times   sum |terms|
///
/// (the classic bound for sums and dot products; Higham, "Accuracy and Stability of Numerical
/// Algorithms", ch. 3). It holds for any summation order, FMA or not, so it holds for every step
/// of a chapter. The harness therefore accepts an element when
///
///     |out - ref| <= gamma_k * scale + atol
///
/// where `ref` is computed in fp64 from the same (already rounded) inputs, `scale` is
/// sum |terms| for that element (|ref| when nothing cancels, as in an elementwise op), `k` is
/// the reduction length plus one for the final rounding to the output type, and `atol` is zero
/// unless a chapter explains why it needs one. There is no fudge factor: a bound that is
/// provably enough cannot hide a bug by being loose, and an error above it is a bug.
///
/// Separately from the bound, unwritten elements (still poisoned) and NaN never pass.
#pragma once

#include "wb/numeric.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wb {

/// Acceptance rule for one comparison: |out - ref| <= rel * scale + rel_ref * |ref| + abs.
struct Tolerance {
  double rel = 0.0;    ///< gamma_k of the computation (see the file comment)
  double abs = 0.0;    ///< absolute slack; zero unless a chapter justifies one
  std::string reason;  ///< how rel and abs were derived, printed with every failure
  /// Error relative to the result itself rather than to sum |terms|: the final rounding of a
  /// result stored in a narrower type than it was computed in (u of fp16 or bf16 times |ref|).
  /// Zero when the result is stored in the type it was computed in.
  double rel_ref = 0.0;
};

/// Tolerance for a result of type T that takes `reduction_length` rounded accumulations plus
/// one final rounding, i.e. k = reduction_length + 1 in gamma_k. An elementwise product has
/// reduction_length 0 (k = 1: the single rounding of the product).
Tolerance tolerance_for(double unit_roundoff, std::int64_t reduction_length, const char* type_name);

/// The same for a NumericTraits type.
template <class T>
Tolerance tolerance_for(std::int64_t reduction_length) {
  return tolerance_for(NumericTraits<T>::unit_roundoff, reduction_length, NumericTraits<T>::name);
}

/// Everything a failure message needs, and the norms a lesson quotes.
struct CompareReport {
  std::size_t count = 0;       ///< elements compared
  std::size_t unwritten = 0;   ///< elements still holding the poison pattern
  std::size_t nan = 0;         ///< NaN or Inf produced where the reference is finite
  std::size_t mismatched = 0;  ///< finite elements outside the tolerance
  double rel_l2 = 0.0;         ///< ||out - ref||_2 / ||ref||_2 over the written, finite elements
  double max_abs = 0.0;        ///< max |out - ref|
  double max_rel = 0.0;        ///< max |out - ref| / |ref| (over ref != 0)
  double worst_ratio = 0.0;    ///< max |out - ref| / allowed: above 1 fails
  bool has_first_bad = false;  ///< whether first_bad_* below are set
  std::size_t first_bad_index = 0;  ///< flat index of the first failing element
  double first_bad_expected = 0.0;  ///< reference value there
  double first_bad_actual = 0.0;    ///< kernel's value there (NaN when unwritten)
  std::string first_bad_kind;       ///< "unwritten", "NaN/Inf" or "outside tolerance"
  Tolerance tolerance;              ///< the rule that was applied

  /// True when every element was written, finite, and within the tolerance.
  bool ok() const { return count > 0 && unwritten == 0 && nan == 0 && mismatched == 0; }

  /// A multi-line description: what failed first (index, expected, actual), the counts, the norms
  /// and the tolerance's reasoning. `context` names the step, shape and seed.
  std::string describe(const std::string& context) const;
};

/// Compares `out` with the fp64 reference `ref` element by element. `scale` holds, per element,
/// the magnitude the error bound is relative to (sum |terms|); pass an empty vector to use |ref|.
CompareReport compare_values(const double* out, const unsigned char* unwritten, const double* ref,
                             const double* scale, std::size_t n, const Tolerance& tol);

/// Typed front end: converts `out` to fp64, marks poisoned elements as unwritten, and compares.
template <class T>
CompareReport compare(const std::vector<T>& out, const std::vector<double>& ref,
                      const Tolerance& tol, const std::vector<double>& scale = {}) {
  std::vector<double> out64(out.size());
  std::vector<unsigned char> unwritten(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    unwritten[i] = is_poison(out[i]);
    out64[i] = NumericTraits<T>::to_double(out[i]);
  }
  const std::size_t n = out.size() < ref.size() ? out.size() : ref.size();
  CompareReport report = compare_values(out64.data(), unwritten.data(), ref.data(),
                                        scale.empty() ? nullptr : scale.data(), n, tol);
  if (out.size() != ref.size()) report.mismatched += 1;  // a size mismatch never passes
  return report;
}

}  // namespace wb
