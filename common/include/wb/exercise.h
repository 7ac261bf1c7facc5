/// @file exercise.h
/// @brief Marking an exercise as unfinished, so `make chapter-NN-check` can say which.
///
/// An exercise file starts as a stub that compiles and carries one line at file scope:
///
///     WB_EXERCISE_TODO("02_coalesced", "map threadIdx.x to the column, not the row");
///
/// The line registers the exercise as unfinished when the program starts. The learner deletes it
/// once the kernel is written; from then on `make chapter-NN-check` runs exactly the tests the
/// reference solutions pass. Steps still marked are named, with their file and hint, and skipped.
#pragma once

#include <string>
#include <vector>

namespace wb {

/// One exercise still marked with WB_EXERCISE_TODO.
struct UnfinishedExercise {
  std::string step;  ///< the step name, e.g. "02_coalesced"
  std::string file;  ///< the source file holding the marker
  std::string hint;  ///< what to do next
};

/// Registers an unfinished exercise; called by WB_EXERCISE_TODO at program start.
int register_unfinished_exercise(const char* step, const char* file, const char* hint);

/// All exercises registered as unfinished, in registration order.
const std::vector<UnfinishedExercise>& unfinished_exercises();

/// Declares that step `step` runs the kernel of step `needed` (a later step that only re-tunes an
/// earlier one, or a step that calls another chapter's): it cannot be tested while `needed` is
/// unfinished. Called by WB_STEP_NEEDS at program start.
int register_step_need(const char* step, const char* needed);

/// The unfinished exercise that keeps `step` from being tested: `step` itself when it is marked
/// with WB_EXERCISE_TODO, otherwise the first marked step it needs (directly or through other
/// needs); empty when nothing blocks it.
std::string blocking_exercise(const std::string& step);

/// True when `step` (a step name such as "02_coalesced") is registered as unfinished, or needs a
/// step that is (blocking_exercise).
bool is_unfinished(const std::string& step);

}  // namespace wb

#define WB_EXERCISE_CONCAT_(a, b) a##b
#define WB_EXERCISE_CONCAT(a, b) WB_EXERCISE_CONCAT_(a, b)
/// Marks the exercise in this file as unfinished. Delete the line when your kernel is done.
#define WB_EXERCISE_TODO(step, hint)                                       \
  static const int WB_EXERCISE_CONCAT(wb_unfinished_exercise_, __LINE__) = \
      ::wb::register_unfinished_exercise((step), __FILE__, (hint))
/// Declares that `step` runs the kernel of step `needed` (see wb::register_step_need).
#define WB_STEP_NEEDS(step, needed)                              \
  static const int WB_EXERCISE_CONCAT(wb_step_need_, __LINE__) = \
      ::wb::register_step_need((step), (needed))
