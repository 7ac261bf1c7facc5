#include "wb/json.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace wb::json {

Value Value::number(double x) {
  Value v;
  v.type_ = Type::kNumber;
  v.number_ = x;
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.type_ = Type::kString;
  v.string_ = std::move(s);
  return v;
}
Value Value::boolean(bool b) {
  Value v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  return v;
}
Value Value::array() {
  Value v;
  v.type_ = Type::kArray;
  return v;
}
Value Value::object() {
  Value v;
  v.type_ = Type::kObject;
  return v;
}

namespace {
[[noreturn]] void wrong_type(const char* wanted) {
  throw std::runtime_error(std::string("JSON value is not ") + wanted);
}
}  // namespace

double Value::as_number() const {
  if (type_ != Type::kNumber) wrong_type("a number");
  return number_;
}
const std::string& Value::as_string() const {
  if (type_ != Type::kString) wrong_type("a string");
  return string_;
}
bool Value::as_bool() const {
  if (type_ != Type::kBool) wrong_type("a boolean");
  return bool_;
}
const std::vector<Value>& Value::items() const {
  if (type_ != Type::kArray) wrong_type("an array");
  return items_;
}
std::vector<Value>& Value::items() {
  if (type_ != Type::kArray) wrong_type("an array");
  return items_;
}
const std::vector<std::pair<std::string, Value>>& Value::members() const {
  if (type_ != Type::kObject) wrong_type("an object");
  return members_;
}
std::vector<std::pair<std::string, Value>>& Value::members() {
  if (type_ != Type::kObject) wrong_type("an object");
  return members_;
}

const Value* Value::find(const std::string& key) const {
  if (type_ != Type::kObject) return nullptr;
  for (const auto& [k, v] : members_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Value::get_string(const std::string& key, const std::string& fallback) const {
  const Value* v = find(key);
  return v != nullptr && v->type_ == Type::kString ? v->string_ : fallback;
}

double Value::get_number(const std::string& key, double fallback) const {
  const Value* v = find(key);
  if (v == nullptr) return fallback;
  if (v->type_ == Type::kNumber) return v->number_;
  if (v->type_ == Type::kString) {  // Google Benchmark stores custom context values as strings
    char* end = nullptr;
    const double x = std::strtod(v->string_.c_str(), &end);
    if (end != v->string_.c_str() && *end == '\0') return x;
  }
  return fallback;
}

namespace {

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  Value document() {
    Value v = value();
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected text after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw ParseError("JSON parse error at line " + std::to_string(line) + ", column " +
                     std::to_string(col) + ": " + what);
  }

  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }

  char peek() {
    skip_ws();
    if (pos_ >= s_.size()) fail("unexpected end of input");
    return s_[pos_];
  }

  void expect_word(const char* word) {
    for (const char* c = word; *c != '\0'; ++c, ++pos_) {
      if (pos_ >= s_.size() || s_[pos_] != *c) fail(std::string("expected '") + word + "'");
    }
  }

  Value value() {
    if (++depth_ > 512) fail("nesting deeper than 512");
    Value v;
    switch (peek()) {
      case '{':
        v = object();
        break;
      case '[':
        v = array();
        break;
      case '"':
        v = Value::string(string());
        break;
      case 't':
        expect_word("true");
        v = Value::boolean(true);
        break;
      case 'f':
        expect_word("false");
        v = Value::boolean(false);
        break;
      case 'n':
        expect_word("null");
        break;
      // Google Benchmark writes NaN and Infinity unquoted for such counters: accepted here.
      case 'N':
        expect_word("NaN");
        v = Value::number(std::nan(""));
        break;
      case 'I':
        expect_word("Infinity");
        v = Value::number(HUGE_VAL);
        break;
      default:
        if (s_.compare(pos_, 9, "-Infinity") == 0) {
          expect_word("-Infinity");
          v = Value::number(-HUGE_VAL);
        } else {
          v = number();
        }
        break;
    }
    --depth_;
    return v;
  }

  Value object() {
    Value v = Value::object();
    ++pos_;  // '{'
    if (peek() == '}') {
      ++pos_;
      return v;
    }
    for (;;) {
      if (peek() != '"') fail("expected a member name in quotes");
      std::string key = string();
      if (peek() != ':') fail("expected ':' after a member name");
      ++pos_;
      v.members().emplace_back(std::move(key), value());
      const char c = peek();
      ++pos_;
      if (c == '}') return v;
      if (c != ',') fail("expected ',' or '}' in an object");
    }
  }

  Value array() {
    Value v = Value::array();
    ++pos_;  // '['
    if (peek() == ']') {
      ++pos_;
      return v;
    }
    for (;;) {
      v.items().push_back(value());
      const char c = peek();
      ++pos_;
      if (c == ']') return v;
      if (c != ',') fail("expected ',' or ']' in an array");
    }
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    unsigned cp = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      cp <<= 4;
      if (c >= '0' && c <= '9')
        cp |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        cp |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        cp |= static_cast<unsigned>(c - 'A' + 10);
      else
        fail("bad hex digit in \\u escape");
    }
    return cp;
  }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair encodes one code point
            if (pos_ + 2 > s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u')
              fail("lone high surrogate");
            pos_ += 2;
            const unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          fail(std::string("unknown escape \\") + e);
      }
    }
  }

  Value number() {
    // JSON grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t d = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9')
        ++pos_;
      return pos_ - d;
    };
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      fail("expected a value");
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) fail("expected digits after '.'");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail("expected digits in the exponent");
    }
    return Value::number(std::strtod(s_.substr(start, pos_ - start).c_str(), nullptr));
  }

  const std::string& s_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Value parse(const std::string& text) {
  return Parser(text).document();
}

Value parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str());
}

}  // namespace wb::json
