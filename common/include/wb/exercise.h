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
  std::string chapter;  ///< the chapter whose library holds the file, e.g. "08" ("" outside one)
  std::string step;     ///< the step name, e.g. "mma"
  std::string file;     ///< the source file holding the marker
  std::string hint;     ///< what to do next
};

/// Registers an unfinished exercise of chapter `chapter`; called by WB_EXERCISE_TODO at program
/// start.
int register_unfinished_exercise(const char* chapter, const char* step, const char* file,
                                 const char* hint);

/// All exercises registered as unfinished, in registration order.
const std::vector<UnfinishedExercise>& unfinished_exercises();

/// Declares that step `step` of chapter `chapter` runs the kernel of step `needed` (a later step
/// that only re-tunes an earlier one, or a step that calls another chapter's: then `needed` names
/// it "NN:step", e.g. "06:warptile"): it cannot be tested while `needed` is unfinished. Called by
/// WB_STEP_NEEDS at program start.
int register_step_need(const char* chapter, const char* step, const char* needed);

/// The unfinished exercise that keeps `step` from being tested: `step` itself when it is marked
/// with WB_EXERCISE_TODO, otherwise the first marked step it needs (directly or through other
/// needs); empty when nothing blocks it. Step names are those of this program's chapter
/// (wb::chapter_info()) unless written "NN:step" or "chNN-step" (a later chapter's context row of
/// chapter NN's step). Chapters reuse step names (06 and 08 both have "mma" and "swizzle"), so a
/// marker counts only for a step of its own chapter. The result is the plain name when the blocker
/// is in the same chapter as `step`, "NN:name" when it is another chapter's.
std::string blocking_exercise(const std::string& step);

/// True when `step` (named as for blocking_exercise) is registered as unfinished, or needs a step
/// that is (blocking_exercise).
bool is_unfinished(const std::string& step);

}  // namespace wb

#define WB_EXERCISE_CONCAT_(a, b) a##b
#define WB_EXERCISE_CONCAT(a, b) WB_EXERCISE_CONCAT_(a, b)
#ifdef WB_CHAPTER_NUMBER
/// The chapter of the code being compiled: cmake/Workbook.cmake defines WB_CHAPTER_NUMBER ("08")
/// for every chapter library and test program.
#define WB_EXERCISE_CHAPTER_ WB_CHAPTER_NUMBER
#else
/// Code outside a chapter has no chapter: "" (its markers match every chapter's step).
#define WB_EXERCISE_CHAPTER_ ""
#endif

/// Marks the exercise in this file as unfinished. Delete the whole statement (from
/// WB_EXERCISE_TODO to its closing `);`) when your kernel is done.
#define WB_EXERCISE_TODO(step, hint)                                       \
  static const int WB_EXERCISE_CONCAT(wb_unfinished_exercise_, __LINE__) = \
      ::wb::register_unfinished_exercise(WB_EXERCISE_CHAPTER_, (step), __FILE__, (hint))

/// Declares that `step` runs the kernel of step `needed` (see wb::register_step_need).
#define WB_STEP_NEEDS(step, needed)                              \
  static const int WB_EXERCISE_CONCAT(wb_step_need_, __LINE__) = \
      ::wb::register_step_need(WB_EXERCISE_CHAPTER_, (step), (needed))
