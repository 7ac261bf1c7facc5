// The one main() of every test executable, compiled three times (see testing.h):
//   WB_MAIN_KIND == 0  CPU tests
//   WB_MAIN_KIND == 1  GPU tests: skipped (exit 77) without a GPU the chapter can run on
//   WB_MAIN_KIND == 2  exercise check: lists unfinished exercises, then runs each finished step's
//                      tests in a process of its own and sums up in plain words
//
// Options the harness reads before Catch2 sees the command line:
//   --wb-step NAME     run only that step's tests (repeatable); tests loop over steps through
//                      wb::step_is_ready, which honours it
//   --wb-list-steps    print the chapter's steps, one per line, and exit
//   --wb-child         (check only) run the tests directly instead of one process per step
//   --wb-allow-none    a filter that selects no test case is not an error (chNN.gpu.other of a
//                      chapter whose every test case is a step's: Catch2 3 fails such a run)
//   --wb-tell-none     (with --wb-allow-none) exit with kNoneRan when no test case ran, so that
//                      check can say "none in this copy" instead of "passed"
//   --wb-after-cpu-tests  (check only) the chapter's CPU tests ran just before this check, in the
//                      same command (a learner's copy's `make chapter-NN-test`): do not point the
//                      learner at that command for them
#define WB_CATCH_MAIN_TU  // this file holds Catch2 2.x's implementation
#include "wb/catch.h"
#include "wb/chapter.h"
#include "wb/device.h"
#include "wb/exercise.h"
#include "wb/random.h"
#include "wb/testing.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#if WB_CATCH2_MAJOR >= 3
#include <catch2/reporters/catch_reporter_event_listener.hpp>
#include <catch2/reporters/catch_reporter_registrars.hpp>
#endif

#if WB_MAIN_KIND == 2
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
extern char** environ;
#endif

#ifndef WB_MAIN_KIND
#error "WB_MAIN_KIND must be 0 (cpu), 1 (gpu) or 2 (check)"
#endif

namespace {

struct Options {
  std::vector<std::string> steps;  // --wb-step
  bool list_steps = false;         // --wb-list-steps
  bool child = false;              // --wb-child
  bool allow_none = false;         // --wb-allow-none
  bool tell_none = false;          // --wb-tell-none
  bool after_cpu_tests = false;    // --wb-after-cpu-tests
  std::vector<char*> catch_args;   // everything else, argv[0] first
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--wb-step" && i + 1 < argc) {
      o.steps.emplace_back(argv[++i]);
    } else if (a.rfind("--wb-step=", 0) == 0) {
      o.steps.push_back(a.substr(10));
    } else if (a == "--wb-list-steps") {
      o.list_steps = true;
    } else if (a == "--wb-child") {
      o.child = true;
    } else if (a == "--wb-allow-none") {
      o.allow_none = true;
    } else if (a == "--wb-tell-none") {
      o.tell_none = true;
    } else if (a == "--wb-after-cpu-tests") {
      o.after_cpu_tests = true;
    } else {
      o.catch_args.push_back(argv[i]);
    }
  }
  return o;
}

// The exit status of a --wb-tell-none run in which no test case ran. Catch2's own status is the
// number of failed assertions (2.x, capped at 255) or a fixed failure code (3.x), so a run with
// failures that happens to give this number is moved off it (it still fails).
constexpr int kNoneRan = 86;
bool g_none_ran = false;

// Notes whether the run ran no test case at all: a filter that matched nothing (the known-bad
// tests, say, which a learner's copy leaves out) is not a pass, and check must not call it one.
#if WB_CATCH2_MAJOR >= 3
using ListenerBase = Catch::EventListenerBase;
#else
using ListenerBase = Catch::TestEventListenerBase;
#endif
struct NoneRanListener : ListenerBase {
  using ListenerBase::ListenerBase;
  void testRunEnded(Catch::TestRunStats const& stats) override {
    g_none_ran = stats.totals.testCases.total() == 0;
  }
};
CATCH_REGISTER_LISTENER(NoneRanListener)

int run_catch(std::vector<char*> args, bool allow_none, bool tell_none) {
  static char allow[] = "--allow-running-no-tests";
  if (allow_none && WB_CATCH2_MAJOR >= 3) args.push_back(allow);  // 2.x returns 0 anyway
  const int rc = Catch::Session().run(static_cast<int>(args.size()), args.data());
  if (!tell_none) return rc;
  if (g_none_ran) return kNoneRan;
  return rc == kNoneRan ? kNoneRan + 1 : rc;
}

#if WB_MAIN_KIND == 2
const char* const kRule = "--------------------------------------------------------------------";

// Runs this program again with `extra` arguments (a finished step's tests, say) and returns its
// exit status, or minus the signal when it crashed (Catch2 exits with the number of failed
// assertions, which may well be 128 or more: an exit status never means a signal). A process per
// step: a fault in one step (an illegal address poisons the CUDA context) cannot take the other
// steps' results with it.
int run_child(const char* self, const std::vector<std::string>& extra) {
  std::vector<std::string> words = {self, "--wb-child"};
  words.insert(words.end(), extra.begin(), extra.end());
  std::vector<char*> args;
  for (std::string& w : words)
    args.push_back(w.data());
  args.push_back(nullptr);
  std::fflush(stdout);
  pid_t pid = 0;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, args.data(), environ) != 0) return 127;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return 127;
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return WEXITSTATUS(status);
}

// "step mma" for a step of this chapter, "chapter 06's step warptile" for "06:warptile".
std::string describe_step(const std::string& blocker) {
  const std::size_t colon = blocker.find(':');
  if (colon == std::string::npos) return "step " + blocker;
  return "chapter " + blocker.substr(0, colon) + "'s step " + blocker.substr(colon + 1);
}

int check_main(const Options& o) {
  const wb::ChapterInfo* info = wb::chapter_info();
  const std::string chapter = info != nullptr ? info->number : "??";
  // This chapter's unfinished exercises. A chapter that links another chapter's code (chapter
  // 08's naive step calls chapter 05's softmax, chapter 07's first step chapter 06's kernel)
  // links that chapter's exercise files too; their markers count here only through a step of
  // this chapter that needs them (WB_STEP_NEEDS): such a step is listed as unfinished.
  std::vector<wb::UnfinishedExercise> todo, elsewhere;
  for (const wb::UnfinishedExercise& e : wb::unfinished_exercises()) {
    // By the chapter the marker was compiled in (chapters reuse step names: 06 and 08 both have
    // "mma"); a marker from outside any chapter counts when its step is one of this chapter's.
    bool mine = info == nullptr;
    if (!mine && e.chapter.empty())
      mine = std::find(info->steps.begin(), info->steps.end(), e.step) != info->steps.end();
    else if (!mine)
      mine = e.chapter == info->number;
    (mine ? todo : elsewhere).push_back(e);
  }
  // A step of this chapter that runs another chapter's unfinished exercise cannot be tested
  // either: list it with the exercise it waits for.
  std::size_t blocked_here = 0;  // such steps
  if (info != nullptr) {
    for (const std::string& step : info->steps) {
      const std::string blocker = wb::blocking_exercise(step);  // "NN:name" in another chapter
      const std::size_t colon = blocker.find(':');
      if (colon == std::string::npos) continue;  // none, or an exercise of this chapter: listed
      const std::string other = blocker.substr(0, colon), name = blocker.substr(colon + 1);
      const auto it = std::find_if(
          elsewhere.begin(), elsewhere.end(),
          [&](const wb::UnfinishedExercise& e) { return e.chapter == other && e.step == name; });
      if (it == elsewhere.end()) continue;
      todo.push_back({info->number, step, it->file,
                      "it runs chapter " + other + "'s step " + name + " (" + it->file +
                          "), still marked WB_EXERCISE_TODO: finish that exercise first"});
      ++blocked_here;
    }
  }
  // With --wb-step, only the chosen steps' exercises decide the check; the others are counted.
  std::vector<wb::UnfinishedExercise> not_chosen;
  if (info != nullptr) {
    std::vector<wb::UnfinishedExercise> chosen_todo;
    for (const wb::UnfinishedExercise& e : todo)
      (wb::step_selected(e.step) ? chosen_todo : not_chosen).push_back(e);
    todo.swap(chosen_todo);
  }
  std::printf(
      "[check] chapter %s: your exercises, judged by the tests the reference solutions pass\n",
      chapter.c_str());
  if (info != nullptr) {  // say so when --wb-step narrowed the check to some steps
    std::string chosen;
    std::size_t count = 0;
    for (const std::string& step : info->steps) {
      if (!wb::step_selected(step)) continue;
      chosen += (chosen.empty() ? "" : ", ") + step;
      ++count;
    }
    if (count < info->steps.size())
      std::printf("[check] only the step(s) chosen with --wb-step: %s\n", chosen.c_str());
  }
  if (!elsewhere.empty()) {
    std::string names;
    for (const wb::UnfinishedExercise& e : elsewhere)
      names += (names.empty() ? "" : ", ") + e.step;
    std::printf(
        "[check] (linked from another chapter and still unfinished there: %s. They count here "
        "only where a step of this chapter runs one; %s)\n",
        names.c_str(),
        blocked_here > 0 ? "such a step is listed below as not finished."
                         : "no step of this chapter does.");
  }
  if (!todo.empty()) {
    std::printf(
        "[check] %zu exercise(s) NOT FINISHED yet (the file still has its WB_EXERCISE_TODO "
        "statement):\n",
        todo.size());
    for (const auto& e : todo) {
      std::printf("  - %s  (%s)\n      hint: %s\n", e.step.c_str(), e.file.c_str(), e.hint.c_str());
    }
    std::printf(
        "[check] write the kernel, delete its WB_EXERCISE_TODO statement, and run the check "
        "again.\n");
    if (not_chosen.empty() && info != nullptr) {  // no --wb-step left anything out
      std::printf(
          "[check] to judge only the steps you have finished: build/ch%s_check --wb-step <name> "
          "(one --wb-step per step, named as in this list)\n",
          info->number.c_str());
    }
  }
  if (!not_chosen.empty()) {
    std::string names;
    for (const wb::UnfinishedExercise& e : not_chosen)
      names += (names.empty() ? "" : ", ") + e.step;
    std::printf("[check] (not chosen with --wb-step, so not judged here, and unfinished: %s)\n",
                names.c_str());
  }
  if (todo.empty()) {
    std::printf("[check] every %s is finished (none still has its WB_EXERCISE_TODO statement)\n",
                not_chosen.empty() ? "exercise" : "chosen exercise");
  }
  std::string reason;
  if (!wb::chapter_runnable(&reason)) {
    std::printf("SKIPPED: these tests need a CUDA GPU: %s.\n", reason.c_str());
    if (info != nullptr) {  // the finished steps compiled: say which ones a GPU would test
      std::string finished;
      for (const std::string& step : info->steps) {
        if (wb::step_selected(step) && !wb::is_unfinished(step))
          finished += (finished.empty() ? "" : ", ") + step;
      }
      if (!finished.empty())
        std::printf("[check] finished and compiled, to be tested on a GPU: %s\n", finished.c_str());
    }
    std::printf("[check] NOTHING WAS TESTED: this check only proved that your code compiles.%s\n",
                todo.empty() ? "" : " It fails because exercises are unfinished (listed above).");
    if (o.after_cpu_tests) {
      std::printf(
          "[check] (This check runs only the GPU tests; the chapter's CPU tests, which need no "
          "GPU, ran above.)\n");
    } else {
      std::printf(
          "[check] (This check runs only the GPU tests. The chapter's CPU tests need no GPU: "
          "`make chapter-%s-test` runs them.)\n",
          chapter.c_str());
    }
    return todo.empty() ? wb::kSkipExitCode : 1;
  }

  struct Outcome {
    std::string step, verdict;
    bool ok;
  };
  std::vector<Outcome> outcomes;
  const std::vector<std::string> steps = info != nullptr ? info->steps : std::vector<std::string>{};
  for (const std::string& step : steps) {
    if (!wb::step_selected(step)) continue;
    if (wb::is_unfinished(step)) {
      const std::string blocker = wb::blocking_exercise(step);
      outcomes.push_back({step,
                          blocker == step
                              ? "UNFINISHED: still marked WB_EXERCISE_TODO, not tested"
                              : "UNFINISHED: it runs " + describe_step(blocker) +
                                    "'s kernel, still marked WB_EXERCISE_TODO; not tested",
                          false});
      continue;
    }
    std::printf("\n%s\n[check] testing step %s\n", kRule, step.c_str());
    // A step with no tests at all is a failure of the chapter, not a pass: Catch2 2 needs
    // --warn NoTests for that; Catch2 3 fails an empty run by itself and rejects the option.
    std::vector<std::string> args = {"--wb-step", step};
#if WB_CATCH2_MAJOR < 3
    args.insert(args.end(), {"--warn", "NoTests"});
#endif
    args.push_back("[steps]~[.]");
    const int rc = run_child(o.catch_args[0], args);
    if (rc == 0) {
      outcomes.push_back({step, "passed", true});
    } else if (rc < 0) {
      outcomes.push_back({step, "CRASHED (signal " + std::to_string(-rc) + "): see above", false});
    } else {
      outcomes.push_back({step, "FAILED: its first failure is printed above", false});
    }
  }
  if (o.steps.empty()) {
    std::printf("\n%s\n[check] the chapter's other tests (known-bad variants, bad inputs)\n",
                kRule);
    const int rc =
        run_child(o.catch_args[0], {"--wb-allow-none", "--wb-tell-none", "~[steps]~[.]"});
    if (rc == kNoneRan) {
      outcomes.push_back(
          {"(other tests)", "none in this build (a learner's copy has no known-bad tests)", true});
    } else {
      outcomes.push_back({"(other tests)", rc == 0 ? "passed" : "FAILED: see above", rc == 0});
    }
  }

  std::printf("\n%s\n[check] summary for chapter %s\n", kRule, chapter.c_str());
  std::size_t failed = 0, unfinished = 0;
  for (const Outcome& out : outcomes) {
    std::printf("  %-28s %s\n", out.step.c_str(), out.verdict.c_str());
    if (!out.ok) (out.verdict.rfind("UNFINISHED", 0) == 0 ? unfinished : failed) += 1;
  }
  if (failed == 0 && unfinished == 0) {
    std::printf("[check] PASSED: every step passed the same tests as the reference solutions.\n");
    return 0;
  }
  std::printf("[check] NOT DONE: %zu step(s) failed their tests, %zu exercise(s) unfinished.\n",
              failed, unfinished);
  return 1;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  try {
    if (o.list_steps) {
      if (const wb::ChapterInfo* info = wb::chapter_info()) {
        for (const std::string& s : info->steps)
          std::printf("%s\n", s.c_str());
      }
      return 0;
    }
    for (const std::string& s : o.steps)
      wb::select_step(s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  wb::base_seed();  // print the seed before anything else, so every failure can be reproduced
#if WB_MAIN_KIND == 2
  if (!o.child) return check_main(o);
#endif
#if WB_MAIN_KIND >= 1
  std::string reason;
  if (!wb::chapter_runnable(&reason)) {
    std::printf("SKIPPED: these tests need a CUDA GPU: %s. Nothing was tested on a GPU.\n",
                reason.c_str());
    return wb::kSkipExitCode;
  }
#endif
  return run_catch(o.catch_args, o.allow_none, o.tell_none);
}
