// Chapter 06 plumbing shared by every step: the ladder table, the type-erased front and the list
// of compiled configurations. Arguments, problems, reference, tolerance and run-and-check are the
// shared GEMM layer's (common/src/gemm.cpp).
#include "hgemm.h"

#include "wb/check.h"

#include <string>

namespace ch06 {

template <>
Launcher<__half> Step::launcher<__half>() const {
  return fp16;
}
template <>
Launcher<__nv_bfloat16> Step::launcher<__nv_bfloat16>() const {
  return bf16;
}

const std::vector<Step>& steps() {
  static const std::vector<Step> ladder = {
      {"naive", "01_naive.cu", launch_naive<__half>, launch_naive<__nv_bfloat16>},
      {"wmma", "02_wmma.cu", launch_wmma<__half>, launch_wmma<__nv_bfloat16>},
      {"mma", "03_mma.cu", launch_mma<__half>, launch_mma<__nv_bfloat16>},
      {"ldmatrix", "04_ldmatrix.cu", launch_ldmatrix<__half>, launch_ldmatrix<__nv_bfloat16>},
      {"swizzle", "05_swizzle.cu", launch_swizzle<__half>, launch_swizzle<__nv_bfloat16>},
      {"warptile", "06_warptile.cu", launch_warptile<__half>, launch_warptile<__nv_bfloat16>},
  };
  return ladder;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kF32:
      return "fp32";
    case DType::kF16:
      return "fp16";
    case DType::kBF16:
      return "bf16";
  }
  return "unknown";
}

namespace {

template <class T>
Args<T> typed(const AnyArgs& a) {
  return Args<T>{a.M,
                 a.N,
                 a.K,
                 a.alpha,
                 static_cast<const T*>(a.A),
                 a.lda,
                 static_cast<const T*>(a.B),
                 a.ldb,
                 a.beta,
                 static_cast<T*>(a.C),
                 a.ldc};
}

}  // namespace

void launch_any(const Step& step, const AnyArgs& a, cudaStream_t stream) {
  const std::string where = std::string("ch06::launch_") + step.name;
  const bool same = a.a_type == a.b_type && a.b_type == a.c_type;
  WB_REQUIRE_ARG(same && a.a_type != DType::kF32, where.c_str(),
                 std::string("unsupported type combination A ") + dtype_name(a.a_type) + ", B " +
                     dtype_name(a.b_type) + ", C " + dtype_name(a.c_type) +
                     ": A, B and C must all be fp16 or all be bf16 (accumulation is fp32)");
  if (a.a_type == DType::kF16) {
    step.fp16(typed<__half>(a), stream);
  } else {
    step.bf16(typed<__nv_bfloat16>(a), stream);
  }
}

namespace tuning {

std::vector<Config> all_configs() {
  std::vector<Config> all = swizzle_configs();
  for (const Config& c : warptile_configs())
    all.push_back(c);
  for (const Config& c : prefetch_configs())
    all.push_back(c);
#ifdef WB_CH06_HOIST_SWEEP
  for (const Config& c : hoist_configs())
    all.push_back(c);
#endif
  return all;
}

}  // namespace tuning

namespace peak {

double flops(int blocks, int iters) {
  constexpr double kFlopsPerMma = 2.0 * 16 * 8 * 16;
  return static_cast<double>(blocks) * (kThreads / 32) * static_cast<double>(iters) * kChains *
         kFlopsPerMma;
}

}  // namespace peak

}  // namespace ch06
