// Chapter 08 host plumbing shared by every step: the ladder table, argument checks, FLOP and byte
// counts, problems, the fp64 reference, the same-precision naive attention of the tolerance rule,
// and run-and-check.
#include "attention.h"

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/numeric.h"
#include "wb/random.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

namespace ch08 {

// One ladder row: the step's name, its file and its launcher for both types.
#define CH08_STEP(name, file, launch)                 \
  Step {                                              \
    name, file, launch<__half>, launch<__nv_bfloat16> \
  }

const std::vector<Step>& steps() {
  static const std::vector<Step> ladder = {
      CH08_STEP("naive", "01_naive.cu", launch_naive),
      CH08_STEP("fused", "02_fused.cu", launch_fused),
      CH08_STEP("mma", "03_mma.cu", launch_mma),
      CH08_STEP("swizzle", "04_swizzle.cu", launch_swizzle),
      CH08_STEP("pipeline", "05_pipeline.cu", launch_pipeline),
      CH08_STEP("causal", "06_causal.cu", launch_causal),
      CH08_STEP("exp2", "07_exp2.cu", launch_exp2),
      CH08_STEP("rows32", "08_rows32.cu", launch_rows32),
      CH08_STEP("ftz", "09_ftz.cu", launch_ftz),
      CH08_STEP("hoist", "10_hoist.cu", launch_hoist),
      CH08_STEP("pairs", "11_pairs.cu", launch_pairs),
      CH08_STEP("novote", "12_novote.cu", launch_novote),
      CH08_STEP("wide", "13_wide.cu", launch_wide),
      CH08_STEP("onebar", "14_onebar.cu", launch_onebar),
  };
  return ladder;
}
#undef CH08_STEP

template <>
const char* type_name<__half>() {
  return "fp16";
}
template <>
const char* type_name<__nv_bfloat16>() {
  return "bf16";
}

float effective_scale(float scale, int d) {
  return scale != 0.0f ? scale : static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
}

template <class T>
void validate(const Args<T>& a, const char* where) {
  constexpr std::int64_t kMaxLen = kMaxLength;
  constexpr std::int64_t kMaxGrid = 65535;
  WB_REQUIRE_ARG(a.Q != nullptr, where, "Q is a null pointer");
  WB_REQUIRE_ARG(a.K != nullptr, where, "K is a null pointer");
  WB_REQUIRE_ARG(a.V != nullptr, where, "V is a null pointer");
  WB_REQUIRE_ARG(a.O != nullptr, where, "O is a null pointer");
  WB_REQUIRE_ARG(a.lse != nullptr, where, "lse is a null pointer");
  std::ostringstream sizes;
  sizes << "B " << a.B << ", H " << a.H << ", Hkv " << a.Hkv << ", Sq " << a.Sq << ", Sk " << a.Sk;
  WB_REQUIRE_ARG(a.B > 0 && a.H > 0 && a.Hkv > 0 && a.Sq > 0 && a.Sk > 0, where,
                 "every size must be positive, got " + sizes.str());
  WB_REQUIRE_ARG(a.B <= kMaxGrid && a.H <= kMaxGrid, where,
                 "B and H must be at most 65535 (the grid's y and z limits), got " + sizes.str());
  WB_REQUIRE_ARG(a.Sq <= kMaxLen && a.Sk <= kMaxLen, where,
                 "Sq and Sk must be at most 2^30 (the kernels index rows and keys in int), got " +
                     sizes.str());
  WB_REQUIRE_ARG(a.H % a.Hkv == 0, where,
                 "Hkv must divide H (grouped-query attention), got " + sizes.str());
  WB_REQUIRE_ARG(
      a.d == 64 || a.d == 128, where,
      "head dimension d must be 64 or 128 (the compiled ones), got " + std::to_string(a.d));
  const float scale = effective_scale(a.scale, a.d);
  WB_REQUIRE_ARG(std::isfinite(scale) && scale > 0.0f, where,
                 "scale must be finite and positive (0 means 1 / sqrt(d))");
  for (const void* p : {static_cast<const void*>(a.Q), static_cast<const void*>(a.K),
                        static_cast<const void*>(a.V), static_cast<const void*>(a.O)}) {
    WB_REQUIRE_ARG(wb::address_of(p) % 16 == 0, where,
                   "Q, K, V and O must be 16-byte aligned (rows are copied 16 bytes at a time)");
  }
  WB_REQUIRE_ARG(wb::address_of(a.lse) % alignof(float) == 0, where,
                 "lse must be aligned to 4 bytes");
  // Unsigned: B H Sq d may pass 2^63 for sizes no device holds; the check must not overflow.
  using U = std::uint64_t;
  const U rows = static_cast<U>(a.B) * static_cast<U>(a.H) * static_cast<U>(a.Sq);
  const U q_bytes = rows * static_cast<U>(a.d) * sizeof(T);
  const U kv_bytes = static_cast<U>(a.B) * static_cast<U>(a.Hkv) * static_cast<U>(a.Sk) *
                     static_cast<U>(a.d) * sizeof(T);
  const U lse_bytes = rows * sizeof(float);
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.O, q_bytes, a.Q, q_bytes), where, "O and Q overlap");
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.O, q_bytes, a.K, kv_bytes), where, "O and K overlap");
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.O, q_bytes, a.V, kv_bytes), where, "O and V overlap");
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.lse, lse_bytes, a.O, q_bytes), where, "lse and O overlap");
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.lse, lse_bytes, a.Q, q_bytes), where, "lse and Q overlap");
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.lse, lse_bytes, a.K, kv_bytes), where, "lse and K overlap");
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.lse, lse_bytes, a.V, kv_bytes), where, "lse and V overlap");
}

template void validate<__half>(const Args<__half>&, const char*);
template void validate<__nv_bfloat16>(const Args<__nv_bfloat16>&, const char*);

std::int64_t naive_workspace_floats(std::int64_t B, std::int64_t H, std::int64_t Sq,
                                    std::int64_t Sk) {
  const std::int64_t rows = B * H * Sq;
  return 2 * rows * Sk + 2 * rows;
}

double flops(std::int64_t B, std::int64_t H, std::int64_t Sq, std::int64_t Sk, int d, bool causal) {
  const double full = 4.0 * static_cast<double>(B) * static_cast<double>(H) *
                      static_cast<double>(Sq) * static_cast<double>(Sk) * d;
  return causal ? full / 2 : full;
}

double min_bytes(std::int64_t B, std::int64_t H, std::int64_t Hkv, std::int64_t Sq, std::int64_t Sk,
                 int d, int elem_bytes) {
  const double q_and_o = 2.0 * static_cast<double>(B * H * Sq) * d * elem_bytes;
  const double k_and_v = 2.0 * static_cast<double>(B * Hkv * Sk) * d * elem_bytes;
  return q_and_o + k_and_v + 4.0 * static_cast<double>(B * H * Sq);
}

std::string Shape::str() const {
  std::ostringstream s;
  s << "B" << B << " H" << H;
  if (Hkv != H) s << "/" << Hkv;
  s << " Sq" << Sq << " Sk" << Sk << " d" << d << (causal ? " causal" : "");
  return s.str();
}

namespace {

using wb::NumericTraits;

template <class T>
double to_d(T x) {
  return NumericTraits<T>::to_double(x);
}

// The offsets of one flat query row's q, and of its key/value head.
struct RowPlace {
  std::int64_t q;   // element offset of q_i in Q (and of o_i in O)
  std::int64_t kv;  // element offset of key 0 of the head in K and V
  std::int64_t i;   // the row inside its head
};

RowPlace place(const Shape& s, std::int64_t row) {
  const std::int64_t bh = row / s.Sq, i = row % s.Sq;
  const std::int64_t b = bh / s.H, h = bh % s.H;
  const std::int64_t hk = h / (s.H / s.Hkv);
  return RowPlace{row * s.d, (b * s.Hkv + hk) * s.Sk * s.d, i};
}

}  // namespace

template <class T>
Args<T> make_args(const Shape& shape, float scale, const T* Q, const T* K, const T* V, T* O,
                  float* lse, float* workspace) {
  return Args<T>{shape.B, shape.H, shape.Hkv, shape.Sq, shape.Sk, shape.d, shape.causal,
                 scale,   Q,       K,         V,        O,        lse,     workspace};
}

template <class T>
Problem<T> make_problem(const Shape& shape, std::uint64_t seed, const InputSpec& spec) {
  Problem<T> p;
  p.shape = shape;
  p.seed = seed;
  p.scale = effective_scale(0.0f, shape.d);
  p.Q.resize(static_cast<std::size_t>(shape.B * shape.H * shape.Sq * shape.d));
  p.K.resize(static_cast<std::size_t>(shape.B * shape.Hkv * shape.Sk * shape.d));
  p.V.resize(p.K.size());
  wb::fill_random(p.Q, wb::derive_seed(seed, "Q"), spec.qk_lo, spec.qk_hi);
  wb::fill_random(p.K, wb::derive_seed(seed, "K"), spec.qk_lo, spec.qk_hi);
  wb::fill_random(p.V, wb::derive_seed(seed, "V"), spec.v_lo, spec.v_hi);
  const std::int64_t all = shape.B * shape.H * shape.Sq;
  const double work = static_cast<double>(all) * static_cast<double>(shape.Sk) * shape.d;
  if (work <= static_cast<double>(1 << 25)) {
    for (std::int64_t r = 0; r < all; ++r)
      p.rows.push_back(r);
    return p;
  }
  // Every head's first and last rows (the edges of the causal mask and of the tiles), then
  // random rows, 256 in all at most (at least the edges).
  for (std::int64_t bh = 0; bh < shape.B * shape.H; ++bh) {
    p.rows.push_back(bh * shape.Sq);
    if (shape.Sq > 1) p.rows.push_back(bh * shape.Sq + shape.Sq - 1);
  }
  std::mt19937_64 rng(wb::derive_seed(seed, "rows"));
  std::uniform_int_distribution<std::int64_t> pick(0, all - 1);
  while (p.rows.size() < 256)
    p.rows.push_back(pick(rng));
  std::sort(p.rows.begin(), p.rows.end());
  p.rows.erase(std::unique(p.rows.begin(), p.rows.end()), p.rows.end());
  return p;
}

template <class T>
void reference_row(const Problem<T>& p, std::int64_t row, double* o, double* lse) {
  const Shape& s = p.shape;
  const RowPlace at = place(s, row);
  std::vector<double> sc(static_cast<std::size_t>(s.Sk));
  double m = -INFINITY;
  for (std::int64_t j = 0; j < s.Sk; ++j) {
    if (!visible(at.i, j, s.Sq, s.Sk, s.causal)) {
      sc[j] = -INFINITY;
      continue;
    }
    double dot = 0;
    for (int c = 0; c < s.d; ++c)
      dot += to_d(p.Q[at.q + c]) * to_d(p.K[at.kv + j * s.d + c]);
    sc[j] = static_cast<double>(p.scale) * dot;
    m = std::max(m, sc[j]);
  }
  for (int c = 0; c < s.d; ++c)
    o[c] = 0;
  if (m == -INFINITY) {  // no visible key: O = 0, lse = +inf (see attention.h)
    *lse = INFINITY;
    return;
  }
  double l = 0;
  for (std::int64_t j = 0; j < s.Sk; ++j) {
    if (sc[j] == -INFINITY) continue;
    const double e = std::exp(sc[j] - m);
    l += e;
    for (int c = 0; c < s.d; ++c)
      o[c] += e * to_d(p.V[at.kv + j * s.d + c]);
  }
  for (int c = 0; c < s.d; ++c)
    o[c] /= l;
  *lse = m + std::log(l);
}

template <class T>
void naive_same_precision_row(const Problem<T>& p, std::int64_t row, double* o, double* lse) {
  const Shape& s = p.shape;
  const RowPlace at = place(s, row);
  auto round_t = [](float x) { return static_cast<float>(to_d(NumericTraits<T>::from_double(x))); };
  std::vector<float> sc(static_cast<std::size_t>(s.Sk));
  float m = -INFINITY;
  for (std::int64_t j = 0; j < s.Sk; ++j) {
    if (!visible(at.i, j, s.Sq, s.Sk, s.causal)) {
      sc[j] = -INFINITY;
      continue;
    }
    float dot = 0;
    for (int c = 0; c < s.d; ++c)
      dot += static_cast<float>(to_d(p.Q[at.q + c])) *
             static_cast<float>(to_d(p.K[at.kv + j * s.d + c]));
    sc[j] = round_t(round_t(dot) * p.scale);  // S stored in T, scaled in T
    m = std::max(m, sc[j]);
  }
  std::vector<float> acc(static_cast<std::size_t>(s.d), 0.0f);
  if (m == -INFINITY) {
    for (int c = 0; c < s.d; ++c)
      o[c] = 0;
    *lse = INFINITY;
    return;
  }
  float l = 0;
  for (std::int64_t j = 0; j < s.Sk; ++j)
    if (sc[j] != -INFINITY) l += std::exp(sc[j] - m);
  for (std::int64_t j = 0; j < s.Sk; ++j) {
    if (sc[j] == -INFINITY) continue;
    const float pj = round_t(std::exp(sc[j] - m) / l);  // P stored in T
    for (int c = 0; c < s.d; ++c)
      acc[c] += pj * static_cast<float>(to_d(p.V[at.kv + j * s.d + c]));
  }
  for (int c = 0; c < s.d; ++c)
    o[c] = round_t(acc[c]);
  *lse = static_cast<double>(m) + std::log(static_cast<double>(l));
}

double allowed_error(double naive_err, double unit_roundoff, double max_ref) {
  return kErrorMultiple * naive_err + unit_roundoff * max_ref;
}

bool Report::ok() const {
  return rows > 0 && unwritten == 0 && nan == 0 && masked_wrong == 0 && o_err <= o_allowed &&
         lse_err <= lse_allowed && guards_ok;
}

std::string Report::describe(const std::string& context) const {
  std::ostringstream s;
  s << context << "\n";
  if (!first_bad.empty()) s << "  first failure: " << first_bad << "\n";
  s << "  rows compared " << rows << ", unwritten " << unwritten << ", NaN/inf " << nan
    << ", masked rows wrong " << masked_wrong << (guards_ok ? "" : ", GUARD ZONE WRITTEN") << "\n"
    << "  O:   max error " << o_err << ", same-precision naive " << o_naive_err << ", allowed "
    << o_allowed << "\n"
    << "  lse: max error " << lse_err << ", same-precision naive " << lse_naive_err << ", allowed "
    << lse_allowed << "\n"
    << "  rule: error <= " << kErrorMultiple
    << " x the naive attention's error (both against fp64) + one unit roundoff of the output "
       "type times max |reference|";
  return s.str();
}

template <class T>
Reference make_reference(const Problem<T>& p) {
  const int d = p.shape.d;
  Reference ref;
  ref.o.resize(p.rows.size() * d);
  ref.naive_o.resize(ref.o.size());
  ref.lse.resize(p.rows.size());
  ref.naive_lse.resize(p.rows.size());
  for (std::size_t k = 0; k < p.rows.size(); ++k) {
    reference_row(p, p.rows[k], &ref.o[k * d], &ref.lse[k]);
    naive_same_precision_row(p, p.rows[k], &ref.naive_o[k * d], &ref.naive_lse[k]);
  }
  return ref;
}

template <class T>
Report check_outputs(const Problem<T>& p, const Reference& ref, const std::vector<T>& out,
                     const std::vector<float>& out_lse) {
  const Shape& s = p.shape;
  const int d = s.d;
  Report r;
  double max_ref = 0, max_lse = 0;
  auto note = [&](const std::string& what) {
    if (r.first_bad.empty()) r.first_bad = what;
  };
  for (std::size_t k = 0; k < p.rows.size(); ++k) {
    const std::int64_t row = p.rows[k];
    const double* o_ref = &ref.o[k * d];
    const double* o_nai = &ref.naive_o[k * d];
    ++r.rows;
    const float got_lse = out_lse[static_cast<std::size_t>(row)];
    std::ostringstream where;
    where << "row " << row << " (b " << row / s.Sq / s.H << ", h " << row / s.Sq % s.H << ", i "
          << row % s.Sq << ")";
    if (wb::is_poison(got_lse)) {
      ++r.unwritten;
      note(where.str() + ": lse unwritten");
    }
    if (ref.lse[k] == INFINITY) {  // no visible key: defined as O = 0, lse = +inf
      bool right = got_lse == INFINITY;
      for (int c = 0; c < d; ++c)
        right = right && to_d(out[row * d + c]) == 0.0;
      if (!right) {
        ++r.masked_wrong;
        note(where.str() + ": sees no key, so O must be 0 and lse +inf; lse is " +
             std::to_string(got_lse));
      }
      continue;
    }
    if (!wb::is_poison(got_lse)) {
      if (std::isfinite(got_lse)) {
        r.lse_err = std::max(r.lse_err, std::abs(got_lse - ref.lse[k]));
      } else {
        ++r.nan;
        note(where.str() + ": lse is " + std::to_string(got_lse) + ", expected " +
             std::to_string(ref.lse[k]));
      }
    }
    r.lse_naive_err = std::max(r.lse_naive_err, std::abs(ref.naive_lse[k] - ref.lse[k]));
    max_lse = std::max(max_lse, std::abs(ref.lse[k]));
    for (int c = 0; c < d; ++c) {
      const T v = out[row * d + c];
      if (wb::is_poison(v)) {
        ++r.unwritten;
        note(where.str() + ", column " + std::to_string(c) + ": O unwritten");
        continue;
      }
      const double x = to_d(v);
      if (!std::isfinite(x)) {
        ++r.nan;
        note(where.str() + ", column " + std::to_string(c) + ": O is " + std::to_string(x));
        continue;
      }
      const double err = std::abs(x - o_ref[c]);
      if (err > r.o_err) {
        std::ostringstream w;
        w << where.str() << ", column " << c << ": expected " << o_ref[c] << ", got " << x;
        r.worst_o = w.str();
      }
      r.o_err = std::max(r.o_err, err);
      r.o_naive_err = std::max(r.o_naive_err, std::abs(o_nai[c] - o_ref[c]));
      max_ref = std::max(max_ref, std::abs(o_ref[c]));
    }
  }
  r.o_allowed = allowed_error(r.o_naive_err, NumericTraits<T>::unit_roundoff, max_ref);
  r.lse_allowed = allowed_error(r.lse_naive_err, kLseFloor, max_lse);
  if (r.first_bad.empty() && r.o_err > r.o_allowed)
    r.first_bad = "largest O error above the bound, at " + r.worst_o;
  if (r.first_bad.empty() && r.lse_err > r.lse_allowed) r.first_bad = "lse error above the bound";
  return r;
}

template <class T>
Report run_and_check(Launcher<T> launch, const Problem<T>& p, bool with_workspace) {
  return run_and_check(launch, p, make_reference(p), with_workspace);
}

template <class T>
Report run_and_check(Launcher<T> launch, const Problem<T>& p, const Reference& ref,
                     bool with_workspace) {
  const Shape& s = p.shape;
  wb::DeviceBuffer<T> Q(p.Q), K(p.K), V(p.V);
  wb::DeviceBuffer<T> O(p.Q.size());
  wb::DeviceBuffer<float> lse(static_cast<std::size_t>(s.B * s.H * s.Sq));
  O.poison();
  lse.poison();
  wb::DeviceBuffer<float> workspace(
      with_workspace ? static_cast<std::size_t>(naive_workspace_floats(s.B, s.H, s.Sq, s.Sk)) : 0);
  const Args<T> a = make_args(s, p.scale, Q.data(), K.data(), V.data(), O.data(), lse.data(),
                              with_workspace ? workspace.data() : nullptr);
  launch(a, nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  Report r = check_outputs(p, ref, O.download(), lse.download());
  r.guards_ok = O.guards_intact() && lse.guards_intact();
  return r;
}

#define CH08_INSTANTIATE(T)                                                                     \
  template Args<T> make_args<T>(const Shape&, float, const T*, const T*, const T*, T*, float*,  \
                                float*);                                                        \
  template Problem<T> make_problem<T>(const Shape&, std::uint64_t, const InputSpec&);           \
  template void reference_row<T>(const Problem<T>&, std::int64_t, double*, double*);            \
  template void naive_same_precision_row<T>(const Problem<T>&, std::int64_t, double*, double*); \
  template Reference make_reference<T>(const Problem<T>&);                                      \
  template Report check_outputs<T>(const Problem<T>&, const Reference&, const std::vector<T>&,  \
                                   const std::vector<float>&);                                  \
  template Report run_and_check<T>(Launcher<T>, const Problem<T>&, bool);                       \
  template Report run_and_check<T>(Launcher<T>, const Problem<T>&, const Reference&, bool);
CH08_INSTANTIATE(__half)
CH08_INSTANTIATE(__nv_bfloat16)
#undef CH08_INSTANTIATE

}  // namespace ch08
