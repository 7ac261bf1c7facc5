// CPU tests of error checking: a failed CUDA call throws with its expression, place and message.
#include "wb/catch.h"
#include "wb/check.h"

#include <cstdint>
#include <string>

TEST_CASE("a failed CUDA call throws CudaError with expression, file:line and CUDA's message",
          "[harness][cpu]") {
  // cudaSetDevice(-1) fails on every machine: with a GPU (invalid device) and without (no driver).
  std::string what;
  cudaError_t code = cudaSuccess;
  const int line = __LINE__ + 2;
  try {
    WB_CUDA_CHECK(cudaSetDevice(-1));
  } catch (const wb::CudaError& e) {
    what = e.what();
    code = e.code();
  }
  INFO(what);
  REQUIRE(code != cudaSuccess);
  REQUIRE(what.find("cudaSetDevice(-1) failed at ") != std::string::npos);
  REQUIRE(what.find("check_test.cpp:" + std::to_string(line)) != std::string::npos);
  REQUIRE(what.find(cudaGetErrorName(code)) != std::string::npos);
  REQUIRE(what.find(cudaGetErrorString(code)) != std::string::npos);
  cudaGetLastError();  // leave no sticky error behind for later tests
}

TEST_CASE("the message of a CudaError names the error and its description", "[harness][cpu]") {
  try {
    wb::throw_cuda_error(cudaErrorMemoryAllocation, "cudaMalloc(&p, n)", "buffer.cpp", 31);
  } catch (const wb::CudaError& e) {
    REQUIRE(std::string(e.what()) ==
            "cudaMalloc(&p, n) failed at buffer.cpp:31: cudaErrorMemoryAllocation (out of memory)");
    REQUIRE(e.code() == cudaErrorMemoryAllocation);
  }
}

TEST_CASE("WB_REQUIRE_ARG throws invalid_argument naming the function and the rule",
          "[harness][cpu]") {
  try {
    WB_REQUIRE_ARG(1 + 1 == 3, "demo::launch", "arithmetic is broken");
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    REQUIRE(std::string(e.what()) == "demo::launch: arithmetic is broken");
  }
}

TEST_CASE("ranges_overlap: byte ranges that share a byte, and ones that only touch",
          "[harness][cpu]") {
  // Fake addresses, never dereferenced.
  const char* const p = reinterpret_cast<const char*>(std::uintptr_t{0x10000});
  CHECK(wb::ranges_overlap(p, 16, p, 16));            // the same range
  CHECK(wb::ranges_overlap(p, 16, p + 15, 4));        // the last byte is shared
  CHECK(wb::ranges_overlap(p + 15, 4, p, 16));        // either order
  CHECK(wb::ranges_overlap(p, 64, p + 8, 4));         // one inside the other
  CHECK_FALSE(wb::ranges_overlap(p, 16, p + 16, 4));  // adjacent: [p, p+16) ends where it starts
  CHECK_FALSE(wb::ranges_overlap(p + 16, 4, p, 16));
  CHECK_FALSE(wb::ranges_overlap(p, 0, p, 16));  // an empty range shares nothing
  CHECK(wb::address_of(p + 3) % 4 == 3);
}
