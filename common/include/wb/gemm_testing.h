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
#include "wb/typed_step.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

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
  return wb::message_of(launch, args);
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

/// A step as the tests see it: a ladder step or the vendor row ("vendor-cublas"), with what its
/// exceptions must name (`where`, e.g. "ch06::launch_warptile") and its two launchers.
struct TestStep {
  std::string name;              ///< the step's name, as --wb-step selects it
  std::string where;             ///< the launcher its exceptions name
  Launcher<__half> fp16;         ///< the fp16 launcher
  Launcher<__nv_bfloat16> bf16;  ///< the bf16 launcher
};

/// Every ready step, in both types, at every shape of `shapes` with alpha 1 and beta 0 on packed
/// rows: C starts as the poison pattern, a NaN. A step that reads C spoils the entry; one that
/// skips an entry leaves the poison, which the check counts as unwritten.
inline void check_steps_packed(const std::vector<TestStep>& steps,
                               const std::vector<Shape>& shapes) {
  for (const TestStep& step : steps) {
    if (!wb::step_is_ready(step.name)) continue;
    for_each_half_type([&](auto tag) {
      using T = decltype(tag);
      for (const Shape& shape : shapes) {
        const Problem<T> p = make_problem<T>(
            shape, seed_for(step.name + "/" + type_name<T>() + "/" + shape.str()), 1.0f, 0.0f);
        check_step<T>(step.name, wb::launcher_of<T>(step), p, "alpha 1, beta 0, packed rows");
      }
    });
  }
}

/// Every ready step, in both types, at every shape of `shapes` computing alpha A B + beta C
/// (alpha -1.25, beta 0.75) with odd leading dimensions (pad 3) and with leading dimensions
/// rounded up to 16 bytes. C is a random input (its guard zones and padding stay poisoned); the
/// padding of A and B holds NaN, so a step that reads past a row spoils the result.
inline void check_steps_leading_dims(const std::vector<TestStep>& steps,
                                     const std::vector<Shape>& shapes) {
  for (const TestStep& step : steps) {
    if (!wb::step_is_ready(step.name)) continue;
    for_each_half_type([&](auto tag) {
      using T = decltype(tag);
      for (const Shape& shape : shapes) {
        for (const bool align : {false, true}) {
          const Problem<T> p = make_problem<T>(
              shape, seed_for(step.name + "/ld/" + type_name<T>() + "/" + shape.str()), -1.25f,
              0.75f, 3, align);
          check_step<T>(step.name, wb::launcher_of<T>(step), p,
                        "alpha -1.25, beta 0.75, " + lds(p.lda, p.ldb, p.ldc));
        }
      }
    });
  }
}

/// Every ready step, in both types, at `shape` on views offset by 1 to 7 elements (alpha 0.5,
/// beta -2 at even offsets and 0 at odd ones). With rows a multiple of 8 elements, only the
/// shifted pointers forbid the 16-byte paths.
inline void check_steps_offset_views(const std::vector<TestStep>& steps, const Shape& shape) {
  for (const TestStep& step : steps) {
    if (!wb::step_is_ready(step.name)) continue;
    for_each_half_type([&](auto tag) {
      using T = decltype(tag);
      for (int offset = 1; offset < 8; ++offset) {
        const Problem<T> p = make_problem<T>(
            shape, seed_for(step.name + "/offset/" + type_name<T>() + std::to_string(offset)), 0.5f,
            offset % 2 == 0 ? -2.0f : 0.0f);
        check_step<T>(step.name, wb::launcher_of<T>(step), p,
                      "views offset by " + std::to_string(offset), {}, offset);
      }
    });
  }
}

/// A larger problem that every step runs: its shape, alpha, beta, padding and 16-byte rows.
struct LargeCase {
  Shape shape;  ///< the problem's shape
  float alpha;  ///< C = alpha A B + beta C
  float beta;   ///< C = alpha A B + beta C
  int pad;      ///< elements of padding per row (make_problem)
  bool align;   ///< leading dimensions rounded up to 16 bytes
};

/// Every ready step, in both types, at every case of `cases`: one problem per case and type for
/// all steps (its fp64 reference is computed once).
inline void check_steps_large(const std::vector<TestStep>& steps,
                              const std::vector<LargeCase>& cases) {
  for_each_half_type([&](auto tag) {
    using T = decltype(tag);
    for (const LargeCase& c : cases) {
      const Problem<T> p = make_problem<T>(
          c.shape, seed_for(std::string("large/") + type_name<T>() + "/" + c.shape.str()), c.alpha,
          c.beta, c.pad, c.align);
      for (const TestStep& step : steps) {
        if (!wb::step_is_ready(step.name)) continue;
        check_step<T>(step.name, wb::launcher_of<T>(step), p,
                      "alpha " + std::to_string(c.alpha) + ", beta " + std::to_string(c.beta) +
                          ", " + lds(p.lda, p.ldb, p.ldc));
      }
    }
  });
}

/// Every compiled configuration of `configs` (records with `step`, `name`, `fp16` and `bf16`)
/// whose step is ready, in both types, at every shape of `shapes`, as the ladder's own
/// configuration is tested: beta 0 with packed rows, and beta != 0 with 16-byte leading
/// dimensions.
template <class Config>
void check_configs(const std::vector<Config>& configs, const std::vector<Shape>& shapes) {
  for (const Config& config : configs) {
    if (!wb::step_is_ready(config.step)) continue;
    for_each_half_type([&](auto tag) {
      using T = decltype(tag);
      const Launcher<T> launch = wb::launcher_of<T>(config);
      for (const Shape& shape : shapes) {
        const std::string label =
            std::string(config.name) + "/" + type_name<T>() + "/" + shape.str();
        const Problem<T> packed = make_problem<T>(shape, seed_for(label), 1.0f, 0.0f);
        check_step<T>(config.name, launch, packed, "alpha 1, beta 0, packed rows");
        const Problem<T> aligned =
            make_problem<T>(shape, seed_for(label + "/aligned"), 0.5f, 1.5f, 1, true);
        check_step<T>(config.name, launch, aligned,
                      "alpha 0.5, beta 1.5, " + lds(aligned.lda, aligned.ldb, aligned.ldc));
      }
    });
  }
}

/// Every ready step, in both types, rejects every bad input (check_rejects_bad_inputs) with a
/// message naming its launcher.
inline void check_steps_reject_bad_inputs(const std::vector<TestStep>& steps) {
  for_each_half_type([&](auto tag) {
    using T = decltype(tag);
    for (const TestStep& step : steps) {
      if (!wb::step_is_ready(step.name)) continue;
      INFO("step " << step.name << ", " << type_name<T>());
      check_rejects_bad_inputs<T>(wb::launcher_of<T>(step), step.where);
    }
  });
}

}  // namespace wb::gemm::testing
