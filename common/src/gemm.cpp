// The GEMM problem layer (wb/gemm.h): argument checks, problems, the fp64 reference, sampling and
// run-and-check, for fp32, fp16 and bf16 elements. The cuBLAS baseline is in gemm_cublas.cpp.
#include "wb/gemm.h"

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/launch.h"
#include "wb/math.h"
#include "wb/random.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <random>
#include <type_traits>

namespace wb::gemm {

namespace {

// Bytes spanned by a (rows, cols) view with leading dimension ld.
std::uint64_t span_bytes(std::int64_t rows, std::int64_t cols, std::int64_t ld, int elem_bytes) {
  return static_cast<std::uint64_t>((rows - 1) * ld + cols) *
         static_cast<std::uint64_t>(elem_bytes);
}

template <class T>
double to_double(T x) {
  return NumericTraits<T>::to_double(x);
}

}  // namespace

template <class T>
void validate(const Args<T>& a, const char* where) {
  constexpr int kBytes = sizeof(T);
  WB_REQUIRE_ARG(a.A != nullptr, where, "A is a null pointer");
  WB_REQUIRE_ARG(a.B != nullptr, where, "B is a null pointer");
  WB_REQUIRE_ARG(a.C != nullptr, where, "C is a null pointer");
  const std::string shape =
      std::to_string(a.M) + " x " + std::to_string(a.N) + " x " + std::to_string(a.K);
  WB_REQUIRE_ARG(a.M > 0 && a.N > 0 && a.K > 0, where,
                 "M, N and K must be positive, got M x N x K = " + shape);
  WB_REQUIRE_ARG(a.M <= INT_MAX && a.N <= INT_MAX && a.K <= INT_MAX, where,
                 "M, N and K must each be at most 2^31 - 1, got " + shape);
  WB_REQUIRE_ARG(a.lda >= a.K, where,
                 "lda must be >= K (row-major A: lda is the distance between rows in elements), "
                 "got lda = " +
                     std::to_string(a.lda) + " < K = " + std::to_string(a.K));
  WB_REQUIRE_ARG(a.ldb >= a.N, where,
                 "ldb must be >= N (row-major B: ldb is the distance between rows in elements), "
                 "got ldb = " +
                     std::to_string(a.ldb) + " < N = " + std::to_string(a.N));
  WB_REQUIRE_ARG(a.ldc >= a.N, where,
                 "ldc must be >= N (row-major C: ldc is the distance between rows in elements), "
                 "got ldc = " +
                     std::to_string(a.ldc) + " < N = " + std::to_string(a.N));
  WB_REQUIRE_ARG(a.lda <= INT_MAX && a.ldb <= INT_MAX && a.ldc <= INT_MAX, where,
                 "leading dimensions must be at most 2^31 - 1");
  WB_REQUIRE_ARG(address_of(a.A) % kBytes == 0 && address_of(a.B) % kBytes == 0 &&
                     address_of(a.C) % kBytes == 0,
                 where,
                 std::string("A, B and C must be aligned to their element size (") +
                     std::to_string(kBytes) + " bytes for " + type_name<T>() + ")");
  const std::uint64_t c_bytes = span_bytes(a.M, a.N, a.ldc, kBytes);
  WB_REQUIRE_ARG(!ranges_overlap(a.A, span_bytes(a.M, a.K, a.lda, kBytes), a.C, c_bytes), where,
                 "A and C overlap; C is written while A is read");
  WB_REQUIRE_ARG(!ranges_overlap(a.B, span_bytes(a.K, a.N, a.ldb, kBytes), a.C, c_bytes), where,
                 "B and C overlap; C is written while B is read");
}

template <class T>
bool vector_friendly(const Args<T>& a) {
  constexpr std::int64_t kPerVec = 16 / sizeof(T);
  return a.lda % kPerVec == 0 && a.ldb % kPerVec == 0 && a.ldc % kPerVec == 0 &&
         address_of(a.A) % 16 == 0 && address_of(a.B) % 16 == 0 && address_of(a.C) % 16 == 0;
}

dim3 tile_grid(std::int64_t M, std::int64_t N, int BM, int BN, const char* where) {
  const std::int64_t rows = ceil_div(M, std::int64_t{BM});
  WB_REQUIRE_ARG(rows <= kMaxGridYZ, where,
                 "M = " + std::to_string(M) + " needs " + std::to_string(rows) + " tiles of " +
                     std::to_string(BM) + " rows along grid y; the limit is 65535, so M <= " +
                     std::to_string(kMaxGridYZ * BM) + " with this tile");
  return grid_2d(ceil_div(N, std::int64_t{BN}), rows, where);
}

double flops(std::int64_t M, std::int64_t N, std::int64_t K) {
  return 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
}

double min_bytes(std::int64_t M, std::int64_t N, std::int64_t K, int elem_bytes, bool reads_c) {
  const double m = static_cast<double>(M), n = static_cast<double>(N), k = static_cast<double>(K);
  return elem_bytes * (m * k + k * n + (reads_c ? 2.0 : 1.0) * m * n);
}

template <class T>
Tolerance tolerance(std::int64_t K, Epilogue epilogue) {
  constexpr bool kF32 = std::is_same_v<T, float>;
  // Accumulation: K products, alpha, beta * C: K + 2 fp32 operations (the file comment).
  const double u_acc = kF32 ? 0x1p-24 : 0x1p-23;
  const double k = static_cast<double>(K) + 2.0;
  const double gamma = k * u_acc / (1.0 - k * u_acc);
  Tolerance t;
  const double u_out = kF32 ? 0.0 : NumericTraits<T>::unit_roundoff;
  const bool rounded_product = epilogue == Epilogue::kRoundedProduct && !kF32;
  // kRoundedProduct: one more rounding of alpha * A * B (at most scale in magnitude) to T.
  t.rel = gamma * (1.0 + u_out) + (rounded_product ? u_out * (1.0 + gamma) : 0.0);
  t.rel_ref = u_out;
  t.abs = std::is_same_v<T, __half> ? 0x1p-25 : 0.0;
  t.reason = std::string("gamma_{K+2} with u = ") +
             (kF32 ? "2^-24 (fp32 FMAs)" : "2^-23 (tensor cores truncate)") +
             ", K = " + std::to_string(K) +
             ", times scale = sum_k |alpha A_ik B_kj| + |beta C_ij|" +
             (kF32 ? std::string()
                   : std::string(", plus u = ") + std::to_string(u_out) +
                         " times |ref| for storing C in " + type_name<T>()) +
             (rounded_product ? ", plus u times scale: the vendor's product rounded to the output "
                                "type before beta * C is added"
                              : "") +
             "; see common/include/wb/gemm.h";
  return t;
}

std::string Shape::str() const {
  return std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K);
}

template <class T>
Problem<T> make_problem(const Shape& shape, std::uint64_t seed, float alpha, float beta, int pad,
                        bool align_ld) {
  constexpr std::int64_t kPerVec = 16 / sizeof(T);
  Problem<T> p;
  p.shape = shape;
  p.seed = seed;
  p.alpha = alpha;
  p.beta = beta;
  auto ld = [&](std::int64_t cols) {
    return align_ld ? round_up(cols + pad, kPerVec) : cols + pad;
  };
  p.lda = ld(shape.K);
  p.ldb = ld(shape.N);
  p.ldc = ld(shape.N);
  const T nan = NumericTraits<T>::from_double(std::numeric_limits<double>::quiet_NaN());
  auto fill = [&](std::vector<T>& v, std::int64_t rows, std::int64_t cols, std::int64_t ld,
                  const char* label, T padding) {
    std::vector<T> values(static_cast<std::size_t>(rows * cols));
    fill_random(values, derive_seed(seed, label));
    v.assign(static_cast<std::size_t>(rows * ld), padding);
    for (std::int64_t r = 0; r < rows; ++r)
      std::copy_n(values.begin() + r * cols, cols, v.begin() + r * ld);
  };
  fill(p.A, shape.M, shape.K, p.lda, "A", nan);
  fill(p.B, shape.K, shape.N, p.ldb, "B", nan);
  if (beta != 0.0f) {
    fill(p.C, shape.M, shape.N, p.ldc, "C", poison_value<T>());
  } else {
    p.C.assign(static_cast<std::size_t>(shape.M * p.ldc), poison_value<T>());
  }
  return p;
}

template <class T>
double reference_entry(const Problem<T>& p, std::int64_t i, std::int64_t j, double* scale) {
  double sum = 0.0, mag = 0.0;
  const T* a = p.A.data() + i * p.lda;
  for (std::int64_t k = 0; k < p.shape.K; ++k) {
    const double t = to_double(a[k]) * to_double(p.B[k * p.ldb + j]);
    sum += t;
    mag += std::fabs(t);
  }
  const double alpha = p.alpha, beta = p.beta;
  double value = alpha * sum, s = std::fabs(alpha) * mag;
  if (p.beta != 0.0f) {
    const double c = to_double(p.C[i * p.ldc + j]);
    value += beta * c;
    s += std::fabs(beta * c);
  }
  if (scale != nullptr) *scale = s;
  return value;
}

namespace {

// Full fp64 reference and scale, i-k-j order so the inner loop walks rows of B and C.
template <class T>
void full_reference(const Problem<T>& p, std::vector<double>* ref, std::vector<double>* scale) {
  const std::int64_t M = p.shape.M, N = p.shape.N, K = p.shape.K;
  ref->assign(static_cast<std::size_t>(M * N), 0.0);
  scale->assign(ref->size(), 0.0);
  for (std::int64_t i = 0; i < M; ++i) {
    double* r = ref->data() + i * N;
    double* s = scale->data() + i * N;
    for (std::int64_t k = 0; k < K; ++k) {
      const double a = static_cast<double>(p.alpha) * to_double(p.A[i * p.lda + k]);
      const double aabs = std::fabs(a);
      const T* brow = p.B.data() + k * p.ldb;
      for (std::int64_t j = 0; j < N; ++j) {
        const double bv = to_double(brow[j]);
        r[j] += a * bv;
        s[j] += aabs * std::fabs(bv);
      }
    }
    if (p.beta != 0.0f) {
      for (std::int64_t j = 0; j < N; ++j) {
        const double c = static_cast<double>(p.beta) * to_double(p.C[i * p.ldc + j]);
        r[j] += c;
        s[j] += std::fabs(c);
      }
    }
  }
}

// Padding elements of C (columns N .. ldc-1) that are no longer poisoned.
template <class T>
std::size_t padding_written(const Problem<T>& p, const std::vector<T>& C) {
  std::size_t n = 0;
  for (std::int64_t i = 0; i < p.shape.M; ++i) {
    for (std::int64_t j = p.shape.N; j < p.ldc; ++j)
      n += !is_poison(C[i * p.ldc + j]);
  }
  return n;
}

}  // namespace

template <class T>
SampledReference sample_reference(const Problem<T>& p, Sampling sampling,
                                  std::uint64_t sample_seed) {
  const std::int64_t M = p.shape.M, N = p.shape.N;
  SampledReference s;
  auto add = [&](std::int64_t i, std::int64_t j) {
    double scale = 0.0;
    s.row.push_back(i);
    s.col.push_back(j);
    s.ref.push_back(reference_entry(p, i, j, &scale));
    s.scale.push_back(scale);
  };
  if (sampling.edges) {
    for (std::int64_t j = 0; j < N; ++j)
      add(M - 1, j);
    for (std::int64_t i = 0; i + 1 < M; ++i)
      add(i, N - 1);
  }
  std::mt19937_64 rng(sample_seed);
  for (std::int64_t n = 0; n < sampling.random; ++n) {
    const auto i = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(M));
    add(i, static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(N)));
  }
  return s;
}

template <class T>
RunReport check_sampled(const Problem<T>& p, const SampledReference& sampled,
                        const std::vector<T>& C, Epilogue epilogue) {
  RunReport r;
  r.guards_ok = true;
  r.padding_hit = padding_written(p, C);
  std::vector<T> out(sampled.ref.size());
  for (std::size_t n = 0; n < out.size(); ++n)
    out[n] = C[sampled.row[n] * p.ldc + sampled.col[n]];
  if (p.beta == 0.0f) {  // C started poisoned: any entry still poisoned was never written
    for (std::int64_t i = 0; i < p.shape.M; ++i) {
      for (std::int64_t j = 0; j < p.shape.N; ++j)
        r.unwritten_all += is_poison(C[i * p.ldc + j]);
    }
  }
  r.compare = compare(out, sampled.ref, tolerance<T>(p.shape.K, epilogue), sampled.scale);
  if (r.unwritten_all > r.compare.unwritten) r.compare.unwritten = r.unwritten_all;
  return r;
}

template <class T>
RunReport check_output(const Problem<T>& p, const std::vector<T>& C, Sampling sampling,
                       std::uint64_t sample_seed, Epilogue epilogue) {
  if (sampling.random >= 0)
    return check_sampled(p, sample_reference(p, sampling, sample_seed), C, epilogue);
  const std::int64_t M = p.shape.M, N = p.shape.N;
  if (p.ref.empty()) full_reference(p, &p.ref, &p.ref_scale);
  RunReport r;
  r.guards_ok = true;
  r.padding_hit = padding_written(p, C);
  std::vector<T> out(static_cast<std::size_t>(M * N));
  for (std::int64_t i = 0; i < M; ++i)
    std::copy_n(C.begin() + i * p.ldc, N, out.begin() + i * N);
  r.compare = compare(out, p.ref, tolerance<T>(p.shape.K, epilogue), p.ref_scale);
  return r;
}

std::string RunReport::describe(const std::string& context) const {
  std::string s = compare.describe(context);
  if (!guards_ok) s += "\nwrote outside C's buffer (a guard zone lost its poison)";
  if (padding_hit > 0)
    s += "\nwrote " + std::to_string(padding_hit) + " padding elements of C (columns >= N)";
  if (unwritten_all > 0)
    s += "\n" + std::to_string(unwritten_all) + " entries of C were never written";
  return s;
}

template <class T>
RunReport run_and_check(Launcher<T> launch, const Problem<T>& p, Sampling sampling,
                        std::uint64_t sample_seed, int offset, Epilogue epilogue) {
  // The guards stay around the whole buffer and the skipped prefix must stay poisoned.
  DeviceBuffer<T> A(p.A.size() + offset), B(p.B.size() + offset), C(p.C.size() + offset);
  auto staged = [&](const std::vector<T>& v) {
    std::vector<T> s(v.size() + offset, poison_value<T>());
    std::copy(v.begin(), v.end(), s.begin() + offset);
    return s;
  };
  A.upload(staged(p.A));
  B.upload(staged(p.B));
  C.poison();  // guard zones
  C.upload(staged(p.C));
  launch(Args<T>{p.shape.M, p.shape.N, p.shape.K, p.alpha, A.data() + offset, p.lda,
                 B.data() + offset, p.ldb, p.beta, C.data() + offset, p.ldc},
         nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<T> all = C.download();
  bool prefix_ok = true;
  for (int i = 0; i < offset; ++i)
    prefix_ok = prefix_ok && is_poison(all[i]);
  RunReport r = check_output(p, std::vector<T>(all.begin() + offset, all.end()), sampling,
                             sample_seed, epilogue);
  r.guards_ok = C.guards_intact() && prefix_ok;
  return r;
}

const std::vector<Shape>& edge_shapes() {
  static const std::vector<Shape> shapes = {
      {1, 1, 1, "a single element"},
      {16, 8, 16, "exactly one m16n8k16 tensor-core tile"},
      {17, 9, 15, "one past an m16n8 tile, K one short of 16"},
      {33, 31, 17, "either side of a warp, K not a multiple of 8"},
      {31, 33, 1, "K = 1"},
      {1, 1, 300, "one output, a long reduction"},
      {1, 129, 7, "one row, one past 128 columns"},
      {129, 1, 9, "one column, one past 128 rows"},
      {97, 257, 61, "primes, wide"},
      {257, 97, 131, "primes, tall"},
      {127, 129, 33, "either side of a 128 tile"},
      {64, 64, 8, "exactly one 64 tile; K = 8, less than every k tile above 8"},
      {130, 258, 16, "K = 16: two k tiles of 8, one of 16 or more; one past two 128 tiles"},
      {3, 517, 250, "few rows, many columns"},
  };
  return shapes;
}

#define WB_GEMM_INSTANTIATE(T)                                                                 \
  template void validate<T>(const Args<T>&, const char*);                                      \
  template bool vector_friendly<T>(const Args<T>&);                                            \
  template Tolerance tolerance<T>(std::int64_t, Epilogue);                                     \
  template Problem<T> make_problem<T>(const Shape&, std::uint64_t, float, float, int, bool);   \
  template double reference_entry<T>(const Problem<T>&, std::int64_t, std::int64_t, double*);  \
  template SampledReference sample_reference<T>(const Problem<T>&, Sampling, std::uint64_t);   \
  template RunReport check_sampled<T>(const Problem<T>&, const SampledReference&,              \
                                      const std::vector<T>&, Epilogue);                        \
  template RunReport check_output<T>(const Problem<T>&, const std::vector<T>&, Sampling,       \
                                     std::uint64_t, Epilogue);                                 \
  template RunReport run_and_check<T>(Launcher<T>, const Problem<T>&, Sampling, std::uint64_t, \
                                      int, Epilogue);

WB_GEMM_INSTANTIATE(float)
WB_GEMM_INSTANTIATE(__half)
WB_GEMM_INSTANTIATE(__nv_bfloat16)

}  // namespace wb::gemm
