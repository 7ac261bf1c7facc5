/// @file gemm_testing.h
/// @brief Catch2 helpers every 16-bit GEMM chapter's GPU tests share (chapters 06 and 07): both
/// element types, seeds by label, one checked run with a failure message that names the step, the
/// shape, the seed, the type and the variant, and the table of bad inputs every launcher must
/// reject with a clear exception.
///
/// Header-only; test programs link Catch2 (wb/catch.h) and the GEMM layer already.
#pragma once

#include "wb/catch.h"
#include "wb/gemm.h"
#include "wb/random.h"
#include "wb/testing.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace wb::gemm::testing {

/// Calls f(T{}) for fp16 and for bf16.
template <class F>
void for_each_half_type(F&& f) {
  f(__half{});
  f(__nv_bfloat16{});
}

/// The test seed of `label`, derived from the run's base seed (printed, overridable).
inline std::uint64_t seed_for(const std::string& label) {
  return derive_seed(base_seed(), label);
}

/// "lda/ldb/ldc = 9/11/13", for failure messages.
inline std::string lds(std::int64_t lda, std::int64_t ldb, std::int64_t ldc) {
  return "lda/ldb/ldc = " + std::to_string(lda) + "/" + std::to_string(ldb) + "/" +
         std::to_string(ldc);
}

/// Runs `launch` on `p` (wb::gemm::run_and_check) and CHECKs the result, with a message naming
/// `step`, the shape, the seed, the type and `variant`. The vendor row ("vendor-cublas") is held
/// to its own stated bound (wb/gemm.h, "The vendor row"); every step to the fused one.
template <class T>
void check_step(const std::string& step, Launcher<T> launch, const Problem<T>& p,
                const std::string& variant, Sampling sampling = {}, int offset = 0) {
  const Epilogue epilogue = step == "vendor-cublas" ? Epilogue::kRoundedProduct : Epilogue::kFused;
  const RunReport r = run_and_check(launch, p, sampling, p.seed, offset, epilogue);
  const std::string where =
      wb::failure_context(step, p.shape.str() + " (" + p.shape.why + ")", p.seed) + ", " +
      type_name<T>() + ", " + variant;
  INFO(r.describe(where));
  CHECK(r.ok());
}

/// The message of the std::invalid_argument `launch` throws on `args`, or "(no exception)".
template <class T>
std::string message_of(Launcher<T> launch, const Args<T>& args) {
  try {
    launch(args, nullptr);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

/// CHECKs that `launch` rejects every bad input (null pointers, sizes out of range, leading
/// dimensions too small, C overlapping A or B, misaligned pointers) before launching anything,
/// with a message that says what is wrong and contains `where` (the launcher's name). Fake device
/// addresses, never dereferenced.
template <class T>
void check_rejects_bad_inputs(Launcher<T> launch, const std::string& where) {
  T* const a = reinterpret_cast<T*>(std::uintptr_t{0x10000000});
  T* const b = a + (1 << 20);
  T* const c = a + (2 << 20);
  const Args<T> ok{8, 8, 8, 1.0f, a, 8, b, 8, 0.0f, c, 8};
  auto says = [&](auto change, const std::string& text) {
    Args<T> x = ok;
    change(x);
    const std::string m = message_of(launch, x);
    INFO("message: " << m);
    CHECK(m.find(text) != std::string::npos);
    CHECK(m.find(where) != std::string::npos);
  };
  says([](auto& x) { x.A = nullptr; }, "A is a null pointer");
  says([](auto& x) { x.B = nullptr; }, "B is a null pointer");
  says([](auto& x) { x.C = nullptr; }, "C is a null pointer");
  says([](auto& x) { x.M = 0; }, "must be positive, got M x N x K = 0 x 8 x 8");
  says([](auto& x) { x.N = 0; }, "must be positive, got M x N x K = 8 x 0 x 8");
  says([](auto& x) { x.K = 0; }, "must be positive, got M x N x K = 8 x 8 x 0");
  says([](auto& x) { x.K = std::int64_t{1} << 31; }, "at most 2^31 - 1");
  says([](auto& x) { x.lda = 7; }, "lda must be >= K");
  says([](auto& x) { x.ldb = 7; }, "ldb must be >= N");
  says([](auto& x) { x.ldc = 7; }, "ldc must be >= N");
  says([&](auto& x) { x.C = a + 8; }, "A and C overlap");
  says([&](auto& x) { x.C = b; }, "B and C overlap");
  says([&](auto& x) { x.A = reinterpret_cast<const T*>(std::uintptr_t{0x10000001}); },
       "aligned to their element size");
}

}  // namespace wb::gemm::testing
