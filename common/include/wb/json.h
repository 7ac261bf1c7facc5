/// @file json.h
/// @brief A small JSON reader, enough to read Google Benchmark's result files back.
///
/// The ladder is always computed from a results file: the one this run just wrote, or the one
/// recorded on the H100 under bench/results/h100/ when there is no GPU. Reading it needs no
/// third-party library; this reader handles the JSON grammar (RFC 8259), plus the bare NaN and
/// Infinity tokens Google Benchmark may write, and reports the line
/// and column of the first error.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace wb::json {

/// Thrown for malformed input; the message carries line and column.
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A JSON value. Objects keep their members in file order.
class Value {
 public:
  /// The kinds of JSON value.
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Value() = default;
  /// A number.
  static Value number(double x);
  /// A string.
  static Value string(std::string s);
  /// true or false.
  static Value boolean(bool b);
  /// An empty array (append with `items().push_back`).
  static Value array();
  /// An empty object (append with `members().push_back`).
  static Value object();

  /// This value's kind.
  Type type() const { return type_; }
  /// Whether this is null.
  bool is_null() const { return type_ == Type::kNull; }
  /// The number; throws std::runtime_error for other kinds.
  double as_number() const;
  /// The string; throws std::runtime_error for other kinds.
  const std::string& as_string() const;
  /// The boolean; throws std::runtime_error for other kinds.
  bool as_bool() const;
  /// Array elements; throws std::runtime_error for other kinds.
  const std::vector<Value>& items() const;
  /// Array elements, mutable.
  std::vector<Value>& items();
  /// Object members in file order; throws std::runtime_error for other kinds.
  const std::vector<std::pair<std::string, Value>>& members() const;
  /// Object members, mutable.
  std::vector<std::pair<std::string, Value>>& members();
  /// The member named `key`, or nullptr (also for non-objects).
  const Value* find(const std::string& key) const;
  /// Member `key` as a string if it is one, else `fallback`.
  std::string get_string(const std::string& key, const std::string& fallback = "") const;
  /// Member `key` as a number if it is one (or a string holding one), else `fallback`.
  double get_number(const std::string& key, double fallback) const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0.0;
  std::string string_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

/// Parses a complete JSON text (surrounding white space allowed). Throws ParseError.
Value parse(const std::string& text);

/// Reads and parses a file. Throws std::runtime_error if it cannot be read, ParseError if
/// malformed.
Value parse_file(const std::string& path);

}  // namespace wb::json
