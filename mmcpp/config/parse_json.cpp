// JSON reader with the behaviour of Python's json module (what MMEngine loads
// .json configs with): NaN/Infinity accepted, ints kept apart from floats,
// duplicate keys keep the last value, and errors worded and placed as
// json.JSONDecodeError words them ("Expecting ',' delimiter: line 3 column 5").
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "mmcpp/config/dump.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/utf8.h"

namespace mmcpp::config {
namespace {

// Python float(text) for a JSON number: out-of-range values become inf / 0.0.
double to_double(std::string_view text) {
  double d = 0;
  auto res = std::from_chars(text.data(), text.data() + text.size(), d);
  if (res.ec == std::errc::result_out_of_range) {
    std::string copy(text);
    d = std::strtod(copy.c_str(), nullptr);  // strtod gives +-HUGE_VAL or 0
  }
  return d;
}

class JsonParser {
 public:
  JsonParser(const std::string& text, const std::string& filename) : s_(text), file_(filename) {}

  Value parse() {
    if (s_.compare(0, 3, "\xef\xbb\xbf") == 0)
      fail("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
    skip_ws();
    Value v = value();
    skip_ws();
    if (i_ != s_.size()) fail("Extra data", i_);
    return v;
  }

 private:
  // Python reports positions in characters; count UTF-8 lead bytes.
  [[noreturn]] void fail(const std::string& msg, std::size_t pos) {
    std::size_t line_start = 0;
    int line = 1;
    for (std::size_t k = 0; k < pos && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++line;
        line_start = k + 1;
      }
    }
    auto chars = [&](std::size_t from, std::size_t to) {
      long n = 0;
      for (std::size_t k = from; k < to && k < s_.size(); ++k)
        n += (static_cast<unsigned char>(s_[k]) & 0xc0) != 0x80;
      return n;
    };
    long col = chars(line_start, pos) + 1;
    std::size_t line_end = s_.find('\n', line_start);
    std::string source = s_.substr(
        line_start, line_end == std::string::npos ? std::string::npos : line_end - line_start);
    if (!source.empty() && source.back() == '\r') source.pop_back();
    std::string full = msg + ": line " + std::to_string(line) + " column " + std::to_string(col) +
                       " (char " + std::to_string(chars(0, pos)) + ")";
    throw SourceError("JSONDecodeError", full, {file_, line, static_cast<int>(col)}, source);
  }

  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool literal(std::string_view word) {
    if (s_.compare(i_, word.size(), word) != 0) return false;
    i_ += word.size();
    return true;
  }
  bool digit_at(std::size_t k) const { return k < s_.size() && s_[k] >= '0' && s_[k] <= '9'; }

  Value value() {
    if (i_ >= s_.size()) fail("Expecting value", i_);
    switch (s_[i_]) {
      case '"':
        return Value(string());
      case '{':
      case '[': {
        // Python raises RecursionError long before a C++ stack would run out.
        if (++depth_ > kMaxDepth)
          throw Error("RecursionError", "maximum recursion depth exceeded while decoding JSON");
        Value v = s_[i_] == '{' ? object() : array();
        --depth_;
        return v;
      }
      case 'n':
        if (literal("null")) return Value();
        break;
      case 't':
        if (literal("true")) return Value(true);
        break;
      case 'f':
        if (literal("false")) return Value(false);
        break;
      case 'N':
        if (literal("NaN")) return Value(std::numeric_limits<double>::quiet_NaN());
        break;
      case 'I':
        if (literal("Infinity")) return Value(std::numeric_limits<double>::infinity());
        break;
      case '-':
        if (literal("-Infinity")) return Value(-std::numeric_limits<double>::infinity());
        return number();
      default:
        if (digit_at(i_)) return number();
    }
    fail("Expecting value", i_);
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?
  Value number() {
    std::size_t start = i_, k = i_;
    if (s_[k] == '-') ++k;
    if (!digit_at(k)) fail("Expecting value", start);
    if (s_[k] == '0') {
      ++k;
    } else {
      while (digit_at(k)) ++k;
    }
    bool is_float = false;
    if (k < s_.size() && s_[k] == '.' && digit_at(k + 1)) {
      is_float = true;
      k += 1;
      while (digit_at(k)) ++k;
    }
    if (k < s_.size() && (s_[k] == 'e' || s_[k] == 'E')) {
      std::size_t e = k + 1;
      if (e < s_.size() && (s_[e] == '+' || s_[e] == '-')) ++e;
      if (digit_at(e)) {
        is_float = true;
        while (digit_at(e)) ++e;
        k = e;
      }
    }
    i_ = k;
    std::string_view text(s_.data() + start, k - start);
    if (!is_float) {
      std::int64_t n = 0;
      auto res = std::from_chars(text.data(), text.data() + text.size(), n);
      if (res.ec == std::errc() && res.ptr == text.data() + text.size()) return Value(n);
      // Past 64 bits: exact, as Python's json (ints have no size limit).
      bool neg = !text.empty() && text[0] == '-';
      BigInt big;
      try {
        if (BigInt::parse(text.substr(neg ? 1 : 0), 10, big)) return Value(neg ? -big : big);
      } catch (const Error& e) {
        fail(std::string(e.what()) + ": number at", start);
      }
    }
    return Value(to_double(text));
  }

  std::string string() {
    std::size_t begin = i_++;
    std::string out;
    while (true) {
      if (i_ >= s_.size()) fail("Unterminated string starting at", begin);
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return out;
      }
      if (c < 0x20) fail("Invalid control character at", i_);
      if (c != '\\') {
        out += static_cast<char>(c);
        ++i_;
        continue;
      }
      std::size_t backslash = i_++;
      if (i_ >= s_.size()) fail("Unterminated string starting at", begin);
      char e = s_[i_++];
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
          char32_t cp = hex4(backslash + 1);
          // A high surrogate followed by \uDC00-\uDFFF is one astral character.
          if (cp >= 0xd800 && cp < 0xdc00 && s_.compare(i_, 2, "\\u") == 0) {
            std::size_t save = i_;
            i_ += 2;
            char32_t lo = hex4(i_ - 1);
            if (lo >= 0xdc00 && lo < 0xe000)
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            else
              i_ = save;
          }
          // Lone surrogates cannot be UTF-8; they are written as their 3-byte form.
          utf8::append(out, static_cast<std::uint32_t>(cp));
          break;
        }
        default:
          fail("Invalid \\escape", backslash);
      }
    }
  }

  // Four hex digits at i_; `u_pos` is where the `u` is (Python's error position).
  char32_t hex4(std::size_t u_pos) {
    if (i_ + 4 >= s_.size()) fail("Invalid \\uXXXX escape", u_pos);
    char32_t cp = 0;
    for (int k = 0; k < 4; ++k) {
      char h = s_[i_ + k];
      int d = h >= '0' && h <= '9'   ? h - '0'
              : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                     : -1;
      if (d < 0) fail("Invalid \\uXXXX escape", u_pos);
      cp = (cp << 4) | static_cast<char32_t>(d);
    }
    i_ += 4;
    return cp;
  }

  Value object() {
    ++i_;
    Value out = Value::dict(false);
    Dict& d = out.as_dict();
    skip_ws();
    if (at('}')) {
      ++i_;
      return out;
    }
    while (true) {
      if (!at('"')) fail("Expecting property name enclosed in double quotes", i_);
      std::string key = string();
      skip_ws();
      if (!at(':')) fail("Expecting ':' delimiter", i_);
      ++i_;
      skip_ws();
      Value v = value();
      d.set(Value(std::move(key)), std::move(v));
      skip_ws();
      if (at('}')) {
        ++i_;
        return out;
      }
      if (!at(',')) fail("Expecting ',' delimiter", i_);
      ++i_;
      skip_ws();
    }
  }

  Value array() {
    ++i_;
    Value out = Value::list();
    skip_ws();
    if (at(']')) {
      ++i_;
      return out;
    }
    while (true) {
      out.items().push_back(value());
      skip_ws();
      if (at(']')) {
        ++i_;
        return out;
      }
      if (!at(',')) fail("Expecting ',' delimiter", i_);
      ++i_;
      skip_ws();
    }
  }

  const std::string& s_;
  const std::string& file_;
  std::size_t i_ = 0;
  int depth_ = 0;
  static constexpr int kMaxDepth = 1000;
};

}  // namespace

Value parse_json(const std::string& text, const std::string& filename) {
  return JsonParser(text, filename).parse();
}

}  // namespace mmcpp::config
