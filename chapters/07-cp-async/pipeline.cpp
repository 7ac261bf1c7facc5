// Chapter 07 plumbing shared by every step: the ladder table and the list of compiled
// configurations. Arguments, problems, reference, tolerance and run-and-check are the shared GEMM
// layer's (common/src/gemm.cpp); the Step and Config records are chapter 06's.
#include "pipeline.h"

#include <stdexcept>
#include <string>

namespace ch07 {

const std::vector<Step>& steps() {
  static const std::vector<Step> ladder = {
      {"sync", "01_sync.cu", launch_sync<__half>, launch_sync<__nv_bfloat16>},
      {"async", "02_async.cu", launch_async<__half>, launch_async<__nv_bfloat16>},
      {"double_buffer", "03_double_buffer.cu", launch_double_buffer<__half>,
       launch_double_buffer<__nv_bfloat16>},
      {"multistage", "04_multistage.cu", launch_multistage<__half>,
       launch_multistage<__nv_bfloat16>},
      {"fragment_buffer", "05_fragment_buffer.cu", launch_fragment_buffer<__half>,
       launch_fragment_buffer<__nv_bfloat16>},
      {"rasterize", "06_rasterize.cu", launch_rasterize<__half>, launch_rasterize<__nv_bfloat16>},
      {"tuned", "07_tuned.cu", launch_tuned<__half>, launch_tuned<__nv_bfloat16>},
      {"hoist", "08_hoist.cu", launch_hoist<__half>, launch_hoist<__nv_bfloat16>},
      {"retuned", "09_retuned.cu", launch_retuned<__half>, launch_retuned<__nv_bfloat16>},
  };
  return ladder;
}

namespace tuning {

std::vector<Config> all_configs() {
  std::vector<Config> all = multistage_configs();
  for (const Config& c : rasterize_configs())
    all.push_back(c);
  for (const Config& c : hoist_configs())
    all.push_back(c);
  return all;
}

const Config& find(const std::vector<Config>& configs, const char* name, const char* where) {
  for (const Config& c : configs)
    if (std::string(c.name) == name) return c;
  throw std::logic_error(std::string(where) + ": no compiled configuration " + name);
}

}  // namespace tuning

}  // namespace ch07
