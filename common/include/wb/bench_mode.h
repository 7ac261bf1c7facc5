/// @file bench_mode.h
/// @brief A bench program's second mode: a flag such as `--ch06_explore` or `--ch07_sweep` that
/// runs a design table instead of the ladder, with the same checks and messages in every chapter.
///
/// Header-only; bench programs link `wb_bench` already.
#pragma once

#include "wb/bench.h"
#include "wb/device.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace wb {

/// A mode a bench program runs instead of the ladder when its flag is on the command line.
struct BenchMode {
  std::string flag;          ///< "--ch06_explore"
  std::string what;          ///< "explore": the word its error messages start with
  std::function<int()> run;  ///< prints the table; returns the exit status
};

/// With `mode.flag` among the arguments: runs `mode` (it needs a CUDA GPU: without one, says so on
/// stderr and returns 1; an exception is reported as "<what> error: ..." and returns 1). Without
/// it: wb::bench_main on the other arguments.
inline int bench_main_or_mode(int argc, char** argv, const ChapterBench& chapter,
                              const BenchMode& mode) {
  std::vector<char*> args;
  bool want_mode = false;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], mode.flag.c_str()) == 0) {
      want_mode = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (want_mode) {
    std::string reason;
    if (!gpu_available(&reason)) {
      std::fprintf(stderr, "%s needs a CUDA GPU: %s\n", mode.flag.c_str(), reason.c_str());
      return 1;
    }
    try {
      return mode.run();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s error: %s\n", mode.what.c_str(), e.what());
      return 1;
    }
  }
  return bench_main(static_cast<int>(args.size()), args.data(), chapter);
}

}  // namespace wb
