// CPU tests of the harness's comparison and tolerance.
#include "wb/catch.h"
#include "wb/compare.h"
#include "wb/numeric.h"

#include <cmath>
#include <limits>
#include <vector>

TEST_CASE("tolerance follows gamma_k = k u / (1 - k u)", "[harness][cpu]") {
  const double u = std::ldexp(1.0, -24);
  REQUIRE(wb::tolerance_for<float>(0).rel == u / (1 - u));
  REQUIRE(wb::tolerance_for<float>(1023).rel == 1024 * u / (1 - 1024 * u));
  REQUIRE(wb::tolerance_for<__half>(0).rel == std::ldexp(1.0, -11) / (1 - std::ldexp(1.0, -11)));
  REQUIRE(wb::tolerance_for<__nv_bfloat16>(0).rel ==
          std::ldexp(1.0, -8) / (1 - std::ldexp(1.0, -8)));
  REQUIRE(wb::tolerance_for<float>(0).abs == 0.0);
  REQUIRE(wb::tolerance_for<float>(7).reason.find("k = 8") != std::string::npos);
}

TEST_CASE("a correctly rounded fp32 result passes and a 2-ulp error fails", "[harness][cpu]") {
  const std::vector<double> ref = {1.0 / 3.0, -2.0 / 7.0, 1e-20 / 3.0, 12345.678};
  std::vector<float> out(ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i)
    out[i] = static_cast<float>(ref[i]);  // rounded once
  REQUIRE(wb::compare(out, ref, wb::tolerance_for<float>(0)).ok());

  out[2] = std::nextafter(std::nextafter(out[2], 1.0f), 1.0f);  // two ulps off
  const wb::CompareReport r = wb::compare(out, ref, wb::tolerance_for<float>(0));
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.mismatched == 1);
  REQUIRE(r.has_first_bad);
  REQUIRE(r.first_bad_index == 2);
  REQUIRE(r.first_bad_expected == ref[2]);
  REQUIRE(r.first_bad_actual == static_cast<double>(out[2]));
  REQUIRE(r.worst_ratio > 1.0);
}

TEST_CASE("NaN never passes, not even against a NaN tolerance", "[harness][cpu]") {
  const std::vector<double> ref = {1.0, 2.0, 3.0};
  std::vector<float> out = {1.0f, std::numeric_limits<float>::quiet_NaN(), 3.0f};
  wb::Tolerance loose{1e30, 1e30, "absurdly loose"};
  const wb::CompareReport r = wb::compare(out, ref, loose);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.nan == 1);
  REQUIRE(r.first_bad_index == 1);
  out[1] = std::numeric_limits<float>::infinity();
  REQUIRE_FALSE(wb::compare(out, ref, loose).ok());
}

TEST_CASE("poisoned elements are reported as unwritten, not as NaN", "[harness][cpu]") {
  const std::vector<double> ref = {1.0, 2.0, 3.0, 4.0};
  std::vector<float> out = {1.0f, 2.0f, wb::poison_value<float>(), wb::poison_value<float>()};
  const wb::CompareReport r = wb::compare(out, ref, wb::tolerance_for<float>(0));
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.unwritten == 2);
  REQUIRE(r.nan == 0);
  REQUIRE(r.first_bad_index == 2);
  REQUIRE(r.first_bad_kind.find("unwritten") != std::string::npos);
  const std::string text = r.describe("step demo, shape 2x2, seed 7");
  REQUIRE(text.find("step demo, shape 2x2, seed 7") != std::string::npos);
  REQUIRE(text.find("index 2") != std::string::npos);
  REQUIRE(text.find("2 unwritten") != std::string::npos);
}

TEST_CASE("poison patterns are NaNs that ordinary arithmetic does not produce", "[harness][cpu]") {
  REQUIRE(std::isnan(wb::poison_value<float>()));
  REQUIRE(std::isnan(wb::poison_value<double>()));
  REQUIRE(wb::is_poison(wb::poison_value<__half>()));
  REQUIRE(wb::is_poison(wb::poison_value<__nv_bfloat16>()));
  REQUIRE_FALSE(wb::is_poison(std::numeric_limits<float>::quiet_NaN()));  // the default NaN differs
  REQUIRE_FALSE(wb::is_poison(0.0f));
}

TEST_CASE("relative L2 error and the magnitude scale", "[harness][cpu]") {
  const std::vector<double> ref = {3.0, 4.0};
  const std::vector<float> out = {3.0f, 4.0f + 1.0f / 1024};
  const wb::CompareReport r = wb::compare(out, ref, wb::Tolerance{1e-3, 0.0, "test"});
  REQUIRE(std::fabs(r.rel_l2 - 1.0 / 1024 / 5.0) < 1e-12);
  REQUIRE(std::fabs(r.max_abs - 1.0 / 1024) < 1e-12);
  REQUIRE(r.ok());  // 1/1024 <= 1e-3 * 4
  // With cancellation the error is judged against sum |terms| (scale), not against |ref| ~ 0.
  const std::vector<double> ref0 = {1e-9};
  const std::vector<float> out0 = {1e-7f};
  REQUIRE_FALSE(wb::compare(out0, ref0, wb::Tolerance{1e-6, 0.0, "t"}).ok());
  REQUIRE(wb::compare(out0, ref0, wb::Tolerance{1e-6, 0.0, "t"}, {1.0}).ok());
}

TEST_CASE("an empty or short output never passes", "[harness][cpu]") {
  REQUIRE_FALSE(
      wb::compare(std::vector<float>{}, std::vector<double>{}, wb::tolerance_for<float>(0)).ok());
  REQUIRE_FALSE(wb::compare(std::vector<float>{1.0f}, std::vector<double>{1.0, 2.0},
                            wb::tolerance_for<float>(0))
                    .ok());
}
