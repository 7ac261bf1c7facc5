// CPU tests of the JSON reader.
#include "wb/catch.h"
#include "wb/json.h"

#include <cmath>
#include <string>

TEST_CASE("JSON values of every kind", "[harness][cpu]") {
  const wb::json::Value v =
      wb::json::parse(R"( {"a": [1, -2.5e3, 0, 0.125], "b": {"c": true, "d": false, "e": null},
      "s": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "n": NaN, "i": -Infinity} )");
  const auto& a = v.find("a")->items();
  REQUIRE(a.size() == 4);
  REQUIRE(a[0].as_number() == 1.0);
  REQUIRE(a[1].as_number() == -2500.0);
  REQUIRE(a[3].as_number() == 0.125);
  REQUIRE(v.find("b")->find("c")->as_bool());
  REQUIRE_FALSE(v.find("b")->find("d")->as_bool());
  REQUIRE(v.find("b")->find("e")->is_null());
  REQUIRE(v.get_string("s") == "q\"\\/\b\f\n\r\t\xC3\xA9\xF0\x9F\x98\x80");
  REQUIRE(std::isnan(v.find("n")->as_number()));
  REQUIRE(v.find("i")->as_number() < 0);
  REQUIRE(std::isinf(v.find("i")->as_number()));
  REQUIRE(v.find("missing") == nullptr);
  REQUIRE(v.members()[0].first == "a");  // file order kept
}

TEST_CASE("numbers stored as strings are read as numbers on request", "[harness][cpu]") {
  const wb::json::Value v = wb::json::parse(R"({"x": "2951.5", "y": "abc", "z": 3})");
  REQUIRE(v.get_number("x", 0) == 2951.5);
  REQUIRE(v.get_number("y", -1) == -1);
  REQUIRE(v.get_number("z", -1) == 3);
  REQUIRE(v.get_number("w", -1) == -1);
}

TEST_CASE("malformed JSON is refused with its line and column", "[harness][cpu]") {
  auto error_of = [](const std::string& text) {
    try {
      wb::json::parse(text);
    } catch (const wb::json::ParseError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  REQUIRE(error_of("{\"a\": 1,\n \"b\": }").find("line 2, column 7") != std::string::npos);
  REQUIRE(error_of("[1, 2") != "(accepted)");
  REQUIRE(error_of("{\"a\" 1}") != "(accepted)");
  REQUIRE(error_of("01") != "(accepted)");
  REQUIRE(error_of("1.") != "(accepted)");
  REQUIRE(error_of("\"unterminated") != "(accepted)");
  REQUIRE(error_of("\"bad \\x escape\"") != "(accepted)");
  REQUIRE(error_of("tru") != "(accepted)");
  REQUIRE(error_of("{} extra") != "(accepted)");
  REQUIRE(error_of("") != "(accepted)");
  REQUIRE(error_of(std::string(600, '[')).find("nesting") != std::string::npos);
}

TEST_CASE("asking a value for the wrong kind throws", "[harness][cpu]") {
  const wb::json::Value v = wb::json::parse("[1]");
  REQUIRE_THROWS_AS(v.as_string(), std::runtime_error);
  REQUIRE_THROWS_AS(v.members(), std::runtime_error);
  REQUIRE_THROWS_AS(v.items()[0].as_bool(), std::runtime_error);
}
