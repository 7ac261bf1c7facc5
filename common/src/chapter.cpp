#include "wb/chapter.h"

#include "wb/check.h"
#include "wb/device.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <memory>
#include <set>

namespace wb {

namespace {

std::unique_ptr<ChapterInfo>& registered() {
  static std::unique_ptr<ChapterInfo> info;
  return info;
}

std::set<std::string>& selected() {
  static std::set<std::string> steps;
  return steps;
}

std::string cc_string(int cc) {
  return std::to_string(cc / 10) + "." + std::to_string(cc % 10);
}

std::string architecture_name(int cc) {
  if (cc >= 100) return "Blackwell";
  if (cc >= 90) return "Hopper";
  if (cc >= 89) return "Ada";
  if (cc >= 80) return "Ampere";
  return "pre-Ampere";
}

}  // namespace

int register_chapter(const ChapterInfo& info) {
  registered() = std::make_unique<ChapterInfo>(info);
  return 1;
}

const ChapterInfo* chapter_info() {
  return registered().get();
}

bool capability_ok(int major, int minor, int min_cc, const std::string& gpu_name,
                   std::string* reason) {
  const int have = major * 10 + minor;
  if (have >= min_cc) return true;
  if (reason != nullptr) {
    *reason = "this chapter needs compute capability " + cc_string(min_cc) + " (" +
              architecture_name(min_cc) + ") or newer; this GPU (" + gpu_name + ") is " +
              cc_string(have);
  }
  return false;
}

bool chapter_runnable(std::string* reason) {
  if (!gpu_available(reason)) return false;
  const ChapterInfo* info = chapter_info();
  if (info == nullptr || info->min_cc == 0) return true;
  int device = 0;
  cudaDeviceProp prop{};
  WB_CUDA_CHECK(cudaGetDevice(&device));
  WB_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return capability_ok(prop.major, prop.minor, info->min_cc, prop.name, reason);
}

void select_step(const std::string& name) {
  const ChapterInfo* info = chapter_info();
  if (info != nullptr &&
      std::find(info->steps.begin(), info->steps.end(), name) == info->steps.end()) {
    std::string known;
    for (const std::string& s : info->steps)
      known += (known.empty() ? "" : ", ") + s;
    throw_invalid_argument("--wb-step", "'" + name + "' is not a step of chapter " + info->number +
                                            "; its steps are: " + known);
  }
  selected().insert(name);
}

bool step_selected(const std::string& step) {
  return selected().empty() || selected().count(step) > 0;
}

}  // namespace wb
