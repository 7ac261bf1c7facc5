#include "wb/compare.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace wb {

Tolerance tolerance_for(double unit_roundoff, std::int64_t reduction_length,
                        const char* type_name) {
  const double k = static_cast<double>(reduction_length) + 1.0;
  Tolerance tol;
  tol.rel = k * unit_roundoff / (1.0 - k * unit_roundoff);
  tol.abs = 0.0;
  std::ostringstream why;
  why << "gamma_k = k*u/(1-k*u) = " << tol.rel << " with u = " << unit_roundoff << " (" << type_name
      << ") and k = " << static_cast<long long>(k) << " (reduction length " << reduction_length
      << " + 1 final rounding); see common/include/wb/compare.h";
  tol.reason = why.str();
  return tol;
}

CompareReport compare_values(const double* out, const unsigned char* unwritten, const double* ref,
                             const double* scale, std::size_t n, const Tolerance& tol) {
  CompareReport r;
  r.count = n;
  r.tolerance = tol;
  double err2 = 0.0, ref2 = 0.0;
  auto note_first = [&](std::size_t i, const char* kind) {
    if (r.has_first_bad) return;
    r.has_first_bad = true;
    r.first_bad_index = i;
    r.first_bad_expected = ref[i];
    r.first_bad_actual = out[i];
    r.first_bad_kind = kind;
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (unwritten != nullptr && unwritten[i]) {
      ++r.unwritten;
      note_first(i, "unwritten (still poisoned)");
      continue;
    }
    if (!std::isfinite(out[i])) {
      ++r.nan;  // NaN never passes; neither does Inf where the reference is finite
      note_first(i, "NaN/Inf");
      continue;
    }
    const double err = std::fabs(out[i] - ref[i]);
    const double mag = scale != nullptr ? scale[i] : std::fabs(ref[i]);
    const double allowed = tol.rel * mag + tol.rel_ref * std::fabs(ref[i]) + tol.abs;
    err2 += err * err;
    ref2 += ref[i] * ref[i];
    if (err > r.max_abs) r.max_abs = err;
    if (ref[i] != 0.0 && err / std::fabs(ref[i]) > r.max_rel) r.max_rel = err / std::fabs(ref[i]);
    const double ratio =
        allowed > 0.0 ? err / allowed : (err > 0.0 ? std::numeric_limits<double>::infinity() : 0.0);
    if (ratio > r.worst_ratio) r.worst_ratio = ratio;
    if (!(err <= allowed)) {
      ++r.mismatched;
      note_first(i, "outside tolerance");
    }
  }
  r.rel_l2 = ref2 > 0.0 ? std::sqrt(err2 / ref2) : std::sqrt(err2);
  return r;
}

std::string CompareReport::describe(const std::string& context) const {
  std::ostringstream s;
  s.precision(9);
  s << context << "\n";
  if (count == 0) s << "  nothing was compared (empty output)\n";
  if (has_first_bad) {
    s << "  first bad element: index " << first_bad_index << " is " << first_bad_kind
      << ": expected " << first_bad_expected << ", got " << first_bad_actual << "\n";
  }
  s << "  " << count << " compared: " << unwritten << " unwritten, " << nan << " NaN/Inf, "
    << mismatched << " outside tolerance\n";
  s << "  rel L2 error " << rel_l2 << ", max abs error " << max_abs << ", max rel error " << max_rel
    << ", worst error/allowed " << worst_ratio << "\n";
  s << "  tolerance: |out - ref| <= " << tolerance.rel << " * scale";
  if (tolerance.rel_ref != 0.0) s << " + " << tolerance.rel_ref << " * |ref|";
  s << " + " << tolerance.abs << "  [" << tolerance.reason << "]";
  return s.str();
}

}  // namespace wb
