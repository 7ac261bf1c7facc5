/// @file chapter.h
/// @brief What a chapter's programs know about their chapter: its steps, the GPU it needs, and
/// which of its steps this run is asked for.
///
/// The build (cmake/Workbook.cmake) generates one small source per chapter executable that calls
/// `register_chapter` at program start with the chapter's number, its steps (the `NN_<step>.cu`
/// files, in order, plus its `EXTRA_STEPS` such as `vendor-cublas`) and its minimum compute
/// capability. Test mains and bench programs then ask `chapter_runnable` whether this machine can
/// run the chapter at all, and tests ask `step_is_ready` (testing.h) whether to run a step.
#pragma once

#include <string>
#include <vector>

namespace wb {

/// A chapter as its programs see it.
struct ChapterInfo {
  std::string number;              ///< "03"
  std::string slug;                ///< "sgemm"
  std::vector<std::string> steps;  ///< step names in ladder order, then the extra steps
  int min_cc = 0;                  ///< minimum compute capability as major * 10 + minor (0: any)
};

/// Records the chapter of this program (called once, at static initialisation, by the generated
/// source). Returns a dummy value so it can initialise a static.
int register_chapter(const ChapterInfo& info);

/// The chapter of this program, or nullptr in programs that belong to none (harness tests).
const ChapterInfo* chapter_info();

/// The gating rule, pure so the CPU tests can check it: true when a GPU of compute capability
/// `major.minor` can run code that needs `min_cc` (major * 10 + minor; 0 means any). When not,
/// `reason` says which GPU is needed and which one is here, in words fit to print next to a
/// skipped test, e.g. "this chapter needs compute capability 9.0 (Hopper) or newer; this GPU
/// (NVIDIA A100-SXM4-80GB) is 8.0".
bool capability_ok(int major, int minor, int min_cc, const std::string& gpu_name,
                   std::string* reason);

/// Whether this program's chapter can run here: a usable GPU (wb::gpu_available) of at least the
/// chapter's minimum compute capability. When not, `reason` says why.
bool chapter_runnable(std::string* reason);

/// Restricts this run's tests to the named steps (`--wb-step NAME`, repeatable). Throws
/// std::invalid_argument listing the chapter's steps when a name is not one of them.
void select_step(const std::string& name);

/// Whether `step` was selected: true for every step when no `--wb-step` was given.
bool step_selected(const std::string& step);

}  // namespace wb
