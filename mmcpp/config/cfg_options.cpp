// `--cfg-options key=value ...`: MMEngine's DictAction value parsing.
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config {
namespace {

std::size_t count(const std::string& s, char c) {
  std::size_t n = 0;
  for (char x : s) n += x == c;
  return n;
}

// Python int(val): optional sign, digits with single underscores between them.
bool parse_python_int(const std::string& s, Value& out) {
  std::size_t i = 0;
  std::string t = s;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
  bool neg = false;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
  if (i >= t.size() || !std::isdigit(static_cast<unsigned char>(t[i]))) return false;
  std::string digits;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c == '_') {
      if (i + 1 >= t.size() || !std::isdigit(static_cast<unsigned char>(t[i + 1]))) return false;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    digits += c;
  }
  // Any size, as Python's int() (MMagic's seeds exceed 64 bits).
  BigInt v;
  if (!BigInt::parse(digits, 10, v)) return false;
  out = Value(neg ? -v : v);
  return true;
}

// Python float(val): decimal forms, underscores between digits, inf/nan words.
bool parse_python_float(const std::string& s, double& out) {
  std::string t;
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  std::string body = s.substr(b, e - b);
  std::string lower;
  for (char c : body) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string word = lower;
  bool neg = false;
  if (!word.empty() && (word[0] == '+' || word[0] == '-')) {
    neg = word[0] == '-';
    word = word.substr(1);
  }
  if (word == "inf" || word == "infinity") {
    out = neg ? -INFINITY : INFINITY;
    return true;
  }
  if (word == "nan") {
    out = std::nan("");
    return true;
  }
  bool digit_seen = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '_') {
      bool ok = i > 0 && i + 1 < body.size() &&
                std::isdigit(static_cast<unsigned char>(body[i - 1])) &&
                std::isdigit(static_cast<unsigned char>(body[i + 1]));
      if (!ok) return false;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)))
      digit_seen = true;
    else if (!(c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
      return false;
    t += c;
  }
  if (!digit_seen) return false;
  char* end = nullptr;
  out = std::strtod(t.c_str(), &end);
  return end && *end == '\0';
}

Value parse_scalar(const std::string& val) {
  Value i;
  if (parse_python_int(val, i)) return i;
  double d;
  if (parse_python_float(val, d)) return Value(d);
  std::string lower;
  for (char c : val) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true") return Value(true);
  if (lower == "false") return Value(false);
  if (val == "None") return Value();
  return Value(val);
}

std::size_t find_next_comma(const std::string& s) {
  if (count(s, '(') != count(s, ')') || count(s, '[') != count(s, ']'))
    throw Error("AssertionError", "Imbalanced brackets exist in " + s);
  int paren = 0, square = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ',' && paren == 0 && square == 0) return i;
    if (c == '(') ++paren;
    if (c == ')') --paren;
    if (c == '[') ++square;
    if (c == ']') --square;
  }
  return s.size();
}

}  // namespace

Value parse_cfg_option_value(const std::string& text) {
  NestingGuard guard;
  // Strip quotes from both ends and drop every space, as DictAction does.
  std::size_t b = 0, e = text.size();
  while (b < e && (text[b] == '\'' || text[b] == '"')) ++b;
  while (e > b && (text[e - 1] == '\'' || text[e - 1] == '"')) --e;
  std::string val;
  for (std::size_t i = b; i < e; ++i)
    if (text[i] != ' ') val += text[i];
  bool is_tuple = false;
  if (val.size() >= 2 && val.front() == '(' && val.back() == ')') {
    is_tuple = true;
    val = val.substr(1, val.size() - 2);
  } else if (val.size() >= 2 && val.front() == '[' && val.back() == ']') {
    val = val.substr(1, val.size() - 2);
  } else if (val.find(',') == std::string::npos) {
    return parse_scalar(val);
  }
  Value::Items values;
  while (!val.empty()) {
    std::size_t comma = find_next_comma(val);
    values.push_back(parse_cfg_option_value(val.substr(0, comma)));
    val = comma < val.size() ? val.substr(comma + 1) : std::string();
  }
  return is_tuple ? Value::tuple(std::move(values)) : Value::list(std::move(values));
}

std::vector<std::pair<std::string, Value>> parse_cfg_options(const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, Value>> out;
  for (const auto& kv : args) {
    std::size_t eq = kv.find('=');
    if (eq == std::string::npos)
      throw Error("ValueError", "--cfg-options expects key=value pairs, got '" + kv + "'");
    std::string key = kv.substr(0, eq);
    Value v;
    try {
      v = parse_cfg_option_value(kv.substr(eq + 1));
    } catch (const Error& err) {
      throw Error(err.kind(), std::string(err.what()) + " (in --cfg-options " + kv + ")");
    }
    bool replaced = false;
    for (auto& [k, old] : out)
      if (k == key) {
        old = v;
        replaced = true;
      }
    if (!replaced) out.emplace_back(key, v);
  }
  return out;
}

}  // namespace mmcpp::config
