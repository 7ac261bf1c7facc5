#include "wb/testing.h"

#include "wb/chapter.h"
#include "wb/exercise.h"
#include "wb/random.h"

#include <cstdio>
#include <set>

namespace wb {

std::string failure_context(const std::string& step, const std::string& shape, std::uint64_t seed) {
  return "step " + step + ", shape " + shape + ", seed " + std::to_string(seed) +
         " (WB_SEED=" + std::to_string(base_seed()) + " reproduces the run)";
}

bool step_is_ready(const std::string& step) {
  if (!step_selected(step)) return false;
  if (!is_unfinished(step)) return true;
  static std::set<std::string> noted;
  if (noted.insert(step).second) {
    std::fprintf(stderr,
                 "[wb] skipping the tests of %s: the exercise is still marked WB_EXERCISE_TODO\n",
                 step.c_str());
  }
  return false;
}

}  // namespace wb
