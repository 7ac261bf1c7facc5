// The one main() of every test executable, compiled three times (see testing.h):
//   WB_MAIN_KIND == 0  CPU tests
//   WB_MAIN_KIND == 1  GPU tests: skipped (exit 77) without a GPU
//   WB_MAIN_KIND == 2  exercise check: lists unfinished exercises first
#define WB_CATCH_MAIN_TU  // this file holds Catch2 2.x's implementation
#include "wb/catch.h"
#include "wb/device.h"
#include "wb/exercise.h"
#include "wb/random.h"
#include "wb/testing.h"

#include <cstdio>
#include <string>

#ifndef WB_MAIN_KIND
#error "WB_MAIN_KIND must be 0 (cpu), 1 (gpu) or 2 (check)"
#endif

namespace {

#if WB_MAIN_KIND == 2
// Prints the exercise status; returns how many are unfinished.
std::size_t report_exercises() {
  const auto& todo = wb::unfinished_exercises();
  if (todo.empty()) {
    std::printf(
        "[check] every exercise is finished (no WB_EXERCISE_TODO left): running the solutions' "
        "tests\n");
    return 0;
  }
  std::printf("[check] %zu exercise(s) NOT FINISHED yet (still marked WB_EXERCISE_TODO):\n",
              todo.size());
  for (const auto& e : todo) {
    std::printf("  - %s  (%s)\n      hint: %s\n", e.step.c_str(), e.file.c_str(), e.hint.c_str());
  }
  std::printf(
      "[check] write the kernel, delete its WB_EXERCISE_TODO line, and run the check again.\n"
      "[check] the finished steps are tested below; unfinished ones are skipped.\n");
  return todo.size();
}
#endif

}  // namespace

int main(int argc, char** argv) {
  wb::base_seed();  // print the seed before anything else, so every failure can be reproduced
#if WB_MAIN_KIND == 2
  const std::size_t unfinished = report_exercises();
#endif
#if WB_MAIN_KIND >= 1
  std::string reason;
  if (!wb::gpu_available(&reason)) {
    std::printf("SKIPPED: these tests need a CUDA GPU: %s. Nothing was tested on a GPU.\n",
                reason.c_str());
#if WB_MAIN_KIND == 2
    if (unfinished > 0) return 1;
#endif
    return wb::kSkipExitCode;
  }
#endif
  const int failed = Catch::Session().run(argc, argv);
#if WB_MAIN_KIND == 2
  if (unfinished > 0) {
    std::printf("[check] FAILED: %zu exercise(s) still unfinished (listed at the top).\n",
                unfinished);
    return 1;
  }
#endif
  return failed;
}
