#include "wb/exercise.h"

#include <utility>

namespace wb {

namespace {
std::vector<UnfinishedExercise>& registry() {
  static std::vector<UnfinishedExercise> list;  // built during static initialisation
  return list;
}
std::vector<std::pair<std::string, std::string>>& needs() {
  static std::vector<std::pair<std::string, std::string>> list;  // (step, needed)
  return list;
}
bool is_marked(const std::string& step) {
  for (const auto& e : registry()) {
    if (e.step == step) return true;
  }
  return false;
}
// Depth-first through the needs; `depth` stops a cycle (a mistake in a chapter) from looping.
std::string blocker(const std::string& step, int depth) {
  if (is_marked(step)) return step;
  if (depth > 16) return {};
  for (const auto& [s, needed] : needs()) {
    if (s != step) continue;
    std::string b = blocker(needed, depth + 1);
    if (!b.empty()) return b;
  }
  return {};
}
}  // namespace

int register_unfinished_exercise(const char* step, const char* file, const char* hint) {
  registry().push_back({step, file, hint});
  return static_cast<int>(registry().size());
}

const std::vector<UnfinishedExercise>& unfinished_exercises() {
  return registry();
}

int register_step_need(const char* step, const char* needed) {
  needs().emplace_back(step, needed);
  return static_cast<int>(needs().size());
}

std::string blocking_exercise(const std::string& step) {
  return blocker(step, 0);
}

bool is_unfinished(const std::string& step) {
  return !blocking_exercise(step).empty();
}

}  // namespace wb
