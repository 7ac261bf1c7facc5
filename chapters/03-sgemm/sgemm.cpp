// Chapter 03 plumbing shared by every step: the ladder table, argument checks, grid and
// shared-memory helpers, the problem generator, the fp64 reference and the run-and-check used by
// both tests and benchmark.
#include "sgemm.h"

#include "wb/buffer.h"
#include "wb/check.h"
#include "wb/random.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <random>

namespace ch03 {

const std::vector<Step>& steps() {
  static const std::vector<Step> ladder = {
      {"naive", "01_naive.cu", launch_naive},
      {"coalesced", "02_coalesced.cu", launch_coalesced},
      {"smem_tiles", "03_smem_tiles.cu", launch_smem_tiles},
      {"register_1d", "04_register_1d.cu", launch_register_1d},
      {"register_2d", "05_register_2d.cu", launch_register_2d},
      {"vectorized", "06_vectorized.cu", launch_vectorized},
      {"warptile", "07_warptile.cu", launch_warptile},
  };
  return ladder;
}

namespace {

// Bytes spanned by a (rows, cols) view with leading dimension ld.
std::uintptr_t span_bytes(std::int64_t rows, std::int64_t cols, std::int64_t ld) {
  return static_cast<std::uintptr_t>(((rows - 1) * ld + cols) * 4);
}

}  // namespace

void validate(const SgemmArgs& a, const char* where) {
  WB_REQUIRE_ARG(a.A != nullptr, where, "A is a null pointer");
  WB_REQUIRE_ARG(a.B != nullptr, where, "B is a null pointer");
  WB_REQUIRE_ARG(a.C != nullptr, where, "C is a null pointer");
  const std::string shape =
      std::to_string(a.M) + " x " + std::to_string(a.N) + " x " + std::to_string(a.K);
  WB_REQUIRE_ARG(a.M > 0 && a.N > 0 && a.K > 0, where,
                 "M, N and K must be positive, got M x N x K = " + shape);
  WB_REQUIRE_ARG(a.M <= INT_MAX && a.N <= INT_MAX && a.K <= INT_MAX, where,
                 "M, N and K must each be below 2^31 (kernels index them with int), got " + shape);
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
                 "leading dimensions must be below 2^31");
  WB_REQUIRE_ARG(
      wb::address_of(a.A) % 4 == 0 && wb::address_of(a.B) % 4 == 0 && wb::address_of(a.C) % 4 == 0,
      where, "A, B and C must be 4-byte aligned float pointers");
  const std::uintptr_t c_bytes = span_bytes(a.M, a.N, a.ldc);
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.A, span_bytes(a.M, a.K, a.lda), a.C, c_bytes), where,
                 "A and C overlap; C is written while A is read");
  WB_REQUIRE_ARG(!wb::ranges_overlap(a.B, span_bytes(a.K, a.N, a.ldb), a.C, c_bytes), where,
                 "B and C overlap; C is written while B is read");
}

bool vector_friendly(const SgemmArgs& a) {
  return a.lda % 4 == 0 && a.ldb % 4 == 0 && a.ldc % 4 == 0 && wb::address_of(a.A) % 16 == 0 &&
         wb::address_of(a.B) % 16 == 0 && wb::address_of(a.C) % 16 == 0;
}

dim3 tile_grid(const SgemmArgs& a, int BM, int BN, const char* where) {
  const std::int64_t gx = ceil_div(a.N, BN), gy = ceil_div(a.M, BM);
  WB_REQUIRE_ARG(gy <= 65535, where,
                 "M = " + std::to_string(a.M) + " needs " + std::to_string(gy) +
                     " blocks along grid y (tiles of " + std::to_string(BM) +
                     " rows); the limit is 65535");
  WB_REQUIRE_ARG(gx <= INT_MAX, where, "N needs more than 2^31 - 1 blocks along grid x");
  return dim3(static_cast<unsigned>(gx), static_cast<unsigned>(gy));
}

void allow_dynamic_smem(const void* kernel, std::size_t bytes) {
  if (bytes > 48 * 1024) {
    WB_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(bytes)));
  }
}

double flops(std::int64_t M, std::int64_t N, std::int64_t K) {
  return 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
}

double min_bytes(std::int64_t M, std::int64_t N, std::int64_t K, bool reads_c) {
  const double m = static_cast<double>(M), n = static_cast<double>(N), k = static_cast<double>(K);
  return 4.0 * (m * k + k * n + (reads_c ? 2.0 : 1.0) * m * n);
}

wb::Tolerance tolerance(std::int64_t K) {
  // K products summed (K roundings with FMA, fewer than 2K without), one rounding for alpha, one
  // for adding beta * C: reduction length K + 2, so gamma_{K+3} (compare.h adds the final one).
  wb::Tolerance t = wb::tolerance_for<float>(K + 2);
  t.reason += "; scale = sum_k |alpha A_ik B_kj| + |beta C_ij| (K = " + std::to_string(K) + ")";
  return t;
}

std::string GemmShape::str() const {
  return std::to_string(M) + "x" + std::to_string(N) + "x" + std::to_string(K);
}

Problem make_problem(const GemmShape& shape, std::uint64_t seed, float alpha, float beta, int pad,
                     bool align_ld) {
  Problem p;
  p.shape = shape;
  p.seed = seed;
  p.alpha = alpha;
  p.beta = beta;
  auto ld = [&](std::int64_t cols) { return align_ld ? (cols + pad + 3) / 4 * 4 : cols + pad; };
  p.lda = ld(shape.K);
  p.ldb = ld(shape.N);
  p.ldc = ld(shape.N);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto fill = [&](std::vector<float>& v, std::int64_t rows, std::int64_t cols, std::int64_t ld,
                  const char* label, float padding) {
    std::vector<float> values(static_cast<std::size_t>(rows * cols));
    wb::fill_random(values, wb::derive_seed(seed, label));
    v.assign(static_cast<std::size_t>(rows * ld), padding);
    for (std::int64_t r = 0; r < rows; ++r)
      std::copy_n(values.begin() + r * cols, cols, v.begin() + r * ld);
  };
  fill(p.A, shape.M, shape.K, p.lda, "A", nan);
  fill(p.B, shape.K, shape.N, p.ldb, "B", nan);
  if (beta != 0.0f) {
    fill(p.C, shape.M, shape.N, p.ldc, "C", wb::poison_value<float>());
  } else {
    p.C.assign(static_cast<std::size_t>(shape.M * p.ldc), wb::poison_value<float>());
  }
  return p;
}

double reference_entry(const Problem& p, std::int64_t i, std::int64_t j, double* scale) {
  double sum = 0.0, mag = 0.0;
  const float* a = p.A.data() + i * p.lda;
  for (std::int64_t k = 0; k < p.shape.K; ++k) {
    const double t = static_cast<double>(a[k]) * static_cast<double>(p.B[k * p.ldb + j]);
    sum += t;
    mag += std::fabs(t);
  }
  const double alpha = p.alpha, beta = p.beta;
  double value = alpha * sum, s = std::fabs(alpha) * mag;
  if (p.beta != 0.0f) {
    const double c = p.C[i * p.ldc + j];
    value += beta * c;
    s += std::fabs(beta * c);
  }
  if (scale != nullptr) *scale = s;
  return value;
}

namespace {

// Full fp64 reference and scale, i-k-j order so the inner loop walks rows of B and C.
void full_reference(const Problem& p, std::vector<double>* ref, std::vector<double>* scale) {
  const std::int64_t M = p.shape.M, N = p.shape.N, K = p.shape.K;
  ref->assign(static_cast<std::size_t>(M * N), 0.0);
  scale->assign(ref->size(), 0.0);
  std::vector<double> b(static_cast<std::size_t>(N)), babs(b.size());
  for (std::int64_t i = 0; i < M; ++i) {
    double* r = ref->data() + i * N;
    double* s = scale->data() + i * N;
    for (std::int64_t k = 0; k < K; ++k) {
      const double a = static_cast<double>(p.alpha) * p.A[i * p.lda + k], aabs = std::fabs(a);
      const float* brow = p.B.data() + k * p.ldb;
      for (std::int64_t j = 0; j < N; ++j) {
        const double t = a * static_cast<double>(brow[j]);
        r[j] += t;
        s[j] += aabs * std::fabs(static_cast<double>(brow[j]));
      }
    }
    if (p.beta != 0.0f) {
      for (std::int64_t j = 0; j < N; ++j) {
        const double c = static_cast<double>(p.beta) * p.C[i * p.ldc + j];
        r[j] += c;
        s[j] += std::fabs(c);
      }
    }
  }
}

}  // namespace

namespace {

// Padding elements of C (columns N .. ldc-1) that are no longer poisoned.
std::size_t padding_written(const Problem& p, const std::vector<float>& C) {
  std::size_t n = 0;
  for (std::int64_t i = 0; i < p.shape.M; ++i) {
    for (std::int64_t j = p.shape.N; j < p.ldc; ++j)
      n += !wb::is_poison(C[i * p.ldc + j]);
  }
  return n;
}

}  // namespace

SampledReference sample_reference(const Problem& p, Sampling sampling, std::uint64_t sample_seed) {
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

RunReport check_sampled(const Problem& p, const SampledReference& sampled,
                        const std::vector<float>& C) {
  RunReport r;
  r.guards_ok = true;
  r.padding_hit = padding_written(p, C);
  std::vector<float> out(sampled.ref.size());
  for (std::size_t n = 0; n < out.size(); ++n)
    out[n] = C[sampled.row[n] * p.ldc + sampled.col[n]];
  if (p.beta == 0.0f) {  // C started poisoned: any entry still poisoned was never written
    for (std::int64_t i = 0; i < p.shape.M; ++i) {
      for (std::int64_t j = 0; j < p.shape.N; ++j)
        r.unwritten_all += wb::is_poison(C[i * p.ldc + j]);
    }
  }
  r.compare = wb::compare(out, sampled.ref, tolerance(p.shape.K), sampled.scale);
  if (r.unwritten_all > r.compare.unwritten) r.compare.unwritten = r.unwritten_all;
  return r;
}

RunReport check_output(const Problem& p, const std::vector<float>& C, Sampling sampling,
                       std::uint64_t sample_seed) {
  if (sampling.random >= 0) return check_sampled(p, sample_reference(p, sampling, sample_seed), C);
  const std::int64_t M = p.shape.M, N = p.shape.N;
  if (p.ref.empty()) full_reference(p, &p.ref, &p.ref_scale);
  RunReport r;
  r.guards_ok = true;
  r.padding_hit = padding_written(p, C);
  std::vector<float> out(static_cast<std::size_t>(M * N));
  for (std::int64_t i = 0; i < M; ++i)
    std::copy_n(C.begin() + i * p.ldc, N, out.begin() + i * N);
  r.compare = wb::compare(out, p.ref, tolerance(p.shape.K), p.ref_scale);
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

RunReport run_and_check(Launcher launch, const Problem& p, Sampling sampling,
                        std::uint64_t sample_seed, int offset) {
  // `offset` shifts every view by that many floats inside slightly larger buffers (misaligned
  // views); the guards stay around the whole buffer and the skipped prefix must stay poisoned.
  wb::DeviceBuffer<float> A(p.A.size() + offset), B(p.B.size() + offset), C(p.C.size() + offset);
  auto staged = [&](const std::vector<float>& v) {
    std::vector<float> s(v.size() + offset, wb::poison_value<float>());
    std::copy(v.begin(), v.end(), s.begin() + offset);
    return s;
  };
  A.upload(staged(p.A));
  B.upload(staged(p.B));
  C.poison();  // guard zones
  C.upload(staged(p.C));
  launch(SgemmArgs{p.shape.M, p.shape.N, p.shape.K, p.alpha, A.data() + offset, p.lda,
                   B.data() + offset, p.ldb, p.beta, C.data() + offset, p.ldc},
         nullptr);
  WB_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<float> all = C.download();
  bool prefix_ok = true;
  for (int i = 0; i < offset; ++i)
    prefix_ok = prefix_ok && wb::is_poison(all[i]);
  RunReport r =
      check_output(p, std::vector<float>(all.begin() + offset, all.end()), sampling, sample_seed);
  r.guards_ok = C.guards_intact() && prefix_ok;
  return r;
}

}  // namespace ch03
