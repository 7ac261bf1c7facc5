#include "wb/exercise.h"

#include "wb/chapter.h"

#include <utility>

namespace wb {

namespace {

// A step of one chapter. An empty chapter matches every chapter (code outside a chapter, such as
// the harness tests, and programs that belong to none).
struct StepId {
  std::string chapter, step;
};

struct Need {
  StepId step, needed;
};

std::vector<UnfinishedExercise>& registry() {
  static std::vector<UnfinishedExercise> list;  // built during static initialisation
  return list;
}
std::vector<Need>& needs() {
  static std::vector<Need> list;
  return list;
}

bool same_chapter(const std::string& a, const std::string& b) {
  return a.empty() || b.empty() || a == b;
}
bool same(const StepId& a, const StepId& b) {
  return a.step == b.step && same_chapter(a.chapter, b.chapter);
}

// "NN:step" or "chNN-step" name chapter NN's step; a plain name is a step of `chapter`.
StepId parse(const std::string& name, const std::string& chapter) {
  auto two_digits = [&](std::size_t at) {
    return name.size() > at + 2 && name[at] >= '0' && name[at] <= '9' && name[at + 1] >= '0' &&
           name[at + 1] <= '9';
  };
  if (two_digits(0) && name[2] == ':') return {name.substr(0, 2), name.substr(3)};
  if (name.size() > 5 && name.compare(0, 2, "ch") == 0 && two_digits(2) && name[4] == '-')
    return {name.substr(2, 2), name.substr(5)};
  return {chapter, name};
}

std::string program_chapter() {
  const ChapterInfo* info = chapter_info();
  return info != nullptr ? info->number : std::string();
}

bool is_marked(const StepId& id, StepId* marker) {
  for (const auto& e : registry()) {
    if (same({e.chapter, e.step}, id)) {
      *marker = {e.chapter, e.step};
      return true;
    }
  }
  return false;
}

// Depth-first through the needs; `depth` stops a cycle (a mistake in a chapter) from looping.
bool blocker(const StepId& id, int depth, StepId* out) {
  if (is_marked(id, out)) return true;
  if (depth > 16) return false;
  for (const Need& n : needs()) {
    if (!same(n.step, id)) continue;
    if (blocker(n.needed, depth + 1, out)) return true;
  }
  return false;
}

}  // namespace

int register_unfinished_exercise(const char* chapter, const char* step, const char* file,
                                 const char* hint) {
  registry().push_back({chapter, step, file, hint});
  return static_cast<int>(registry().size());
}

const std::vector<UnfinishedExercise>& unfinished_exercises() {
  return registry();
}

int register_step_need(const char* chapter, const char* step, const char* needed) {
  needs().push_back({{chapter, step}, parse(needed, chapter)});
  return static_cast<int>(needs().size());
}

std::string blocking_exercise(const std::string& step) {
  const StepId id = parse(step, program_chapter());
  StepId b;
  if (!blocker(id, 0, &b)) return {};
  return same_chapter(b.chapter, id.chapter) ? b.step : b.chapter + ":" + b.step;
}

bool is_unfinished(const std::string& step) {
  return !blocking_exercise(step).empty();
}

}  // namespace wb
