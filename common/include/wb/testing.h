/// @file testing.h
/// @brief Pieces the chapters' Catch2 tests share (the test mains live in
/// common/src/test_main.cpp).
///
/// Test executables come in three kinds, all built from the same main:
///  - CPU tests: plain Catch2.
///  - GPU tests: without a usable GPU they print the reason and exit with `kSkipExitCode`, which
///    CTest reports as *skipped* (never as passed).
///  - Exercise checks (`make chapter-NN-check`): the chapter's GPU tests linked against the
///    learner's exercise files. They first list the exercises still marked WB_EXERCISE_TODO;
///    tests of those steps are skipped and the check fails until none is left.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace wb {

/// Exit code that CTest is told means "skipped" (SKIP_RETURN_CODE).
constexpr int kSkipExitCode = 77;

/// "step <step>, shape <shape>, seed <seed> (WB_SEED=<base> reproduces the run)": the context
/// line every GPU-test failure starts with.
std::string failure_context(const std::string& step, const std::string& shape, std::uint64_t seed);

/// Whether the tests of `step` should run: false for a step not selected with `--wb-step`
/// (chapter.h), and false (with a note on stderr, once) for an exercise still marked
/// WB_EXERCISE_TODO.
bool step_is_ready(const std::string& step);

/// The message of the std::invalid_argument that `launch(args, nullptr)` throws, or
/// "(no exception)": what the bad-input tests of every chapter compare with the expected text.
template <class Launch, class Args>
std::string message_of(Launch&& launch, const Args& args) {
  try {
    launch(args, nullptr);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

/// Whether `text` contains `part`.
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace wb
