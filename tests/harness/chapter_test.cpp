// The capability gate and step selection (wb/chapter.h), checked without a GPU.
#include "wb/catch.h"
#include "wb/chapter.h"

#include <stdexcept>
#include <string>

TEST_CASE("a chapter that needs Hopper is skipped on Ampere, with the reason", "[harness][cpu]") {
  std::string reason;
  REQUIRE_FALSE(wb::capability_ok(8, 0, 90, "NVIDIA A100-SXM4-80GB", &reason));
  CHECK(reason ==
        "this chapter needs compute capability 9.0 (Hopper) or newer; this GPU (NVIDIA "
        "A100-SXM4-80GB) is 8.0");
  REQUIRE_FALSE(wb::capability_ok(8, 9, 90, "NVIDIA L4", &reason));
  CHECK(reason.find("is 8.9") != std::string::npos);
}

TEST_CASE("the gate lets a GPU at or above the minimum through", "[harness][cpu]") {
  std::string reason = "untouched";
  CHECK(wb::capability_ok(9, 0, 90, "NVIDIA H100 80GB HBM3", &reason));
  CHECK(wb::capability_ok(10, 0, 90, "a Blackwell GPU", &reason));
  CHECK(wb::capability_ok(8, 0, 80, "NVIDIA A100", &reason));
  CHECK(wb::capability_ok(7, 5, 0, "any GPU, no minimum", &reason));
  CHECK(reason == "untouched");  // the reason is only written for a refusal
}

TEST_CASE("without a registered chapter every step is selected", "[harness][cpu]") {
  // The harness tests belong to no chapter: nothing is registered, nothing narrows the selection.
  CHECK(wb::chapter_info() == nullptr);
  CHECK(wb::step_selected("anything"));
}
