// CPU tests of the shapes, seeds, medians and the exercise registry.
#include "wb/catch.h"
#include "wb/exercise.h"
#include "wb/random.h"
#include "wb/shapes.h"
#include "wb/timing.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <cmath>
#include <set>
#include <vector>

namespace {
bool is_prime(std::int64_t n) {
  if (n < 2) return false;
  for (std::int64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("edge shapes include 1, 31, 33, primes, non-square and non-multiples of every tile",
          "[harness][cpu]") {
  const auto shapes = wb::edge_shapes_2d();
  REQUIRE(shapes.size() >= 10);
  std::set<std::int64_t> dims;
  bool non_square_both_ways = false, tall = false, wide = false, prime_pair = false;
  for (const auto& s : shapes) {
    dims.insert(s.rows);
    dims.insert(s.cols);
    REQUIRE_FALSE(s.why.empty());
    if (s.rows > s.cols) tall = true;
    if (s.rows < s.cols) wide = true;
    if (is_prime(s.rows) && is_prime(s.cols) && s.rows != s.cols) prime_pair = true;
    if (s.rows > 8 * 65535) REQUIRE(s.cols < s.rows);  // a shape past the grid-y limit
  }
  non_square_both_ways = tall && wide;
  REQUIRE(dims.count(1));
  REQUIRE(dims.count(31));
  REQUIRE(dims.count(33));
  REQUIRE(prime_pair);
  REQUIRE(non_square_both_ways);
  // No tile width used in the workbook (4, 8, 16, 32, 64, 128) divides every dimension of the set.
  for (std::int64_t tile : {4, 8, 16, 32, 64, 128}) {
    const bool all_divisible =
        std::all_of(dims.begin(), dims.end(), [&](std::int64_t d) { return d % tile == 0; });
    REQUIRE_FALSE(all_divisible);
  }
  REQUIRE(std::any_of(shapes.begin(), shapes.end(),
                      [](const wb::Shape2D& s) { return s.rows > 8 * 65535; }));
  REQUIRE(std::any_of(shapes.begin(), shapes.end(),
                      [](const wb::Shape2D& s) { return s.cols > 8 * 65535; }));
}

TEST_CASE("large shapes move more than 1 GiB or several times any L2", "[harness][cpu]") {
  for (const auto& s : wb::large_shapes_2d()) {
    REQUIRE(8.0 * static_cast<double>(s.elements()) >= 512.0 * (1 << 20));  // read + write of fp32
  }
  const auto lengths = wb::edge_lengths_1d();
  REQUIRE(std::count(lengths.begin(), lengths.end(), 1) == 1);
  REQUIRE(std::count(lengths.begin(), lengths.end(), 31) == 1);
  REQUIRE(std::count(lengths.begin(), lengths.end(), 33) == 1);
}

TEST_CASE("derived seeds are reproducible and distinct", "[harness][cpu]") {
  REQUIRE(wb::derive_seed(1, "a") == wb::derive_seed(1, "a"));
  REQUIRE(wb::derive_seed(1, "a") != wb::derive_seed(1, "b"));
  REQUIRE(wb::derive_seed(1, "a") != wb::derive_seed(2, "a"));
  REQUIRE(wb::base_seed() == wb::base_seed());
}

TEST_CASE("random fills are never zero and respect the magnitude range", "[harness][cpu]") {
  std::vector<float> x(10000);
  wb::fill_random(x, 123, 0.5, 2.0);
  int negative = 0;
  for (float v : x) {
    REQUIRE(std::fabs(v) >= 0.5f);
    REQUIRE(std::fabs(v) <= 2.0f);
    negative += v < 0;
  }
  REQUIRE(negative > 4000);  // both signs occur
  REQUIRE(negative < 6000);
  std::vector<float> y(10000);
  wb::fill_random(y, 123, 0.5, 2.0);
  REQUIRE(x == y);
}

TEST_CASE("median of odd and even samples", "[harness][cpu]") {
  REQUIRE(wb::median({3.0}) == 3.0);
  REQUIRE(wb::median({5.0, 1.0, 3.0}) == 3.0);
  REQUIRE(wb::median({4.0, 1.0, 3.0, 2.0}) == 2.5);
  REQUIRE(wb::median({1.0, 100.0, 2.0}) == 2.0);  // one slow repetition does not move it
  REQUIRE_THROWS_AS(wb::median({}), std::invalid_argument);
}

WB_EXERCISE_TODO("demo_step", "this marker is registered by the test file itself");

TEST_CASE("WB_EXERCISE_TODO registers an exercise as unfinished", "[harness][cpu]") {
  REQUIRE(wb::is_unfinished("demo_step"));
  REQUIRE_FALSE(wb::is_unfinished("some_other_step"));
  const auto& list = wb::unfinished_exercises();
  const auto it = std::find_if(list.begin(), list.end(), [](const wb::UnfinishedExercise& e) {
    return e.step == "demo_step";
  });
  REQUIRE(it != list.end());
  REQUIRE(it->file.find("misc_test.cpp") != std::string::npos);
  REQUIRE(it->hint.find("registered") != std::string::npos);
}

// A step that runs another step's kernel (chapter 07's tuned runs rasterize's): blocked while the
// step it needs, directly or through another need, is unfinished; never blocked by a finished one.
WB_STEP_NEEDS("demo_tuned", "demo_middle");
WB_STEP_NEEDS("demo_middle", "demo_step");
WB_STEP_NEEDS("demo_free", "some_other_step");
WB_STEP_NEEDS("demo_loop_a", "demo_loop_b");
WB_STEP_NEEDS("demo_loop_b", "demo_loop_a");

TEST_CASE("WB_STEP_NEEDS: a step is unfinished while a step it needs is", "[harness][cpu]") {
  CHECK(wb::blocking_exercise("demo_step") == "demo_step");  // marked itself
  CHECK(wb::blocking_exercise("demo_middle") == "demo_step");
  CHECK(wb::blocking_exercise("demo_tuned") == "demo_step");  // through demo_middle
  CHECK(wb::is_unfinished("demo_tuned"));
  CHECK(wb::blocking_exercise("demo_free").empty());  // needs a finished step
  CHECK_FALSE(wb::is_unfinished("demo_free"));
  CHECK(wb::blocking_exercise("demo_loop_a").empty());  // a cycle ends, unblocked
  // The list of marked exercises (what check prints as NOT FINISHED) holds only marked ones.
  for (const wb::UnfinishedExercise& e : wb::unfinished_exercises())
    CHECK(e.step != "demo_tuned");
}

// Chapters reuse step names (06 and 08 both have "mma" and "swizzle"; 03 and 06 "warptile"). A
// program that links two chapters (chapter 08's bench links chapter 06's library) holds both
// chapters' markers: each must count only for its own chapter's step. Chapter 06's unfinished
// "mma" once made chapter 08's finished "mma" untimed in a learner's `make chapter-08-mine`.
const int kDemoChapters =
    wb::register_unfinished_exercise("96", "demo_mma", "chapters/96-demo/03_mma.cu", "h") +
    wb::register_step_need("97", "demo_sync", "96:demo_mma") +
    wb::register_step_need("97", "demo_tuned97", "demo_mma");

TEST_CASE("an exercise marker counts only for its own chapter's step", "[harness][cpu]") {
  REQUIRE(kDemoChapters > 0);
  CHECK(wb::is_unfinished("96:demo_mma"));
  CHECK(wb::blocking_exercise("96:demo_mma") == "demo_mma");  // same chapter: the plain name
  CHECK(wb::is_unfinished("ch96-demo_mma"));                  // a later chapter's context row
  CHECK_FALSE(wb::is_unfinished("97:demo_mma"));  // the same name in another chapter: finished
  CHECK_FALSE(wb::is_unfinished("ch97-demo_mma"));
  // A need across chapters names the chapter; a plain need is a step of the same chapter.
  CHECK(wb::blocking_exercise("97:demo_sync") == "96:demo_mma");
  CHECK(wb::blocking_exercise("97:demo_tuned97").empty());
  // Outside any chapter (this program has none) a plain name matches every chapter's marker.
  CHECK(wb::is_unfinished("demo_mma"));
  const auto& list = wb::unfinished_exercises();
  const auto it = std::find_if(list.begin(), list.end(), [](const wb::UnfinishedExercise& e) {
    return e.step == "demo_mma";
  });
  REQUIRE(it != list.end());
  CHECK(it->chapter == "96");
}

TEST_CASE("WB_SHAPES replaces the benchmark shapes, and a malformed list is refused",
          "[harness][cpu]") {
  REQUIRE(::setenv("WB_SHAPES", "4096x65536,3x5", 1) == 0);
  const std::vector<wb::Shape2D> shapes = wb::bench_shapes_2d();
  REQUIRE(shapes.size() == 2);
  CHECK(shapes[0].rows == 4096);
  CHECK(shapes[0].cols == 65536);
  CHECK(shapes[1].str() == "3x5");
  REQUIRE(::setenv("WB_SHAPES", "4096by2", 1) == 0);
  CHECK_THROWS_AS(wb::bench_shapes_2d(), std::invalid_argument);
  REQUIRE(::unsetenv("WB_SHAPES") == 0);
  CHECK(wb::bench_shapes_2d().size() == wb::large_shapes_2d().size());
}
