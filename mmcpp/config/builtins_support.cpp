// Argument helpers and conversions shared by the builtins.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <set>

#include "mmcpp/config/builtins_support.h"

namespace mmcpp::config::detail {

Value fn(const std::string& name, Fn f) {
  return Value::callable(std::make_shared<NativeFunction>(name, std::move(f)));
}

// ---- argument helpers ----
void no_keywords(const Args& a, const std::string& name) {
  if (!a.keywords.empty())
    throw Error("TypeError",
                name + "() takes no keyword arguments (got '" + a.keywords[0].first + "')");
}
void arity(const Args& a, const std::string& name, std::size_t lo, std::size_t hi) {
  std::size_t n = a.positional.size();
  if (n < lo || n > hi) {
    std::string expect =
        lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi);
    throw Error("TypeError", name + "() takes " + expect + " positional argument(s) but " +
                                 std::to_string(n) + " were given");
  }
}
const Value* keyword(const Args& a, const std::string& k) {
  for (const auto& [n, v] : a.keywords)
    if (n == k) return &v;
  return nullptr;
}
void only_keywords(const Args& a, const std::string& name, std::initializer_list<const char*> ok) {
  for (const auto& [n, v] : a.keywords) {
    bool known = false;
    for (const char* o : ok) known = known || n == o;
    if (!known)
      throw Error("TypeError", name + "() got an unexpected keyword argument '" + n + "'");
  }
}

// An integral double as int, or the error Python's int(float) gives for it.
Value integral_float(double r) {
  if (std::isnan(r)) throw Error("ValueError", "cannot convert float NaN to integer");
  if (std::isinf(r)) throw Error("OverflowError", "cannot convert float infinity to integer");
  return Value(BigInt::from_double(r));
}

bool less_than(const Value& a, const Value& b) { return compare_op("<", a, b); }

Value shallow_copy(const Value& v) {
  if (v.is_config_dict()) {
    // ConfigDict.__copy__ re-inserts every value, which rebuilds lists/tuples.
    Value out = Value::dict(true);
    for (const auto& [k, x] : v.as_dict().entries()) dict_set(out, k, x);
    return out;
  }
  if (v.is_dict()) {
    Value out = Value::dict(false);
    out.as_dict().entries() = v.as_dict().entries();
    return out;
  }
  if (v.is_list()) return Value::list(v.items());
  if (v.is_set()) return Value::set(v.items());
  return v;
}

// Python's str.split(sep=None, maxsplit=-1) and rsplit.
std::string strip(const std::string& s, const Value& chars, bool left, bool right) {
  std::string set = chars.is_none() ? std::string(" \t\n\r\f\v") : chars.as_str();
  std::size_t b = 0, e = s.size();
  if (left)
    while (b < e && set.find(s[b]) != std::string::npos) ++b;
  if (right)
    while (e > b && set.find(s[e - 1]) != std::string::npos) --e;
  return s.substr(b, e - b);
}

Value dict_from_args(Args& a, bool config_dict) {
  arity(a, "dict", 0, 1);
  Value d = Value::dict(config_dict);
  if (!a.positional.empty()) {
    const Value& src = a.positional[0];
    if (src.is_dict()) {
      for (const auto& [k, v] : src.as_dict().entries()) dict_set(d, k, v);
    } else {
      for (const auto& pair : iterate(src)) {
        auto kv = iterate(pair);
        if (kv.size() != 2)
          throw Error("ValueError", "dictionary update sequence element has length " +
                                        std::to_string(kv.size()) + "; 2 is required");
        if (!kv[0].hashable())
          throw Error("TypeError", "unhashable type: '" + kv[0].type_name() + "'");
        dict_set(d, kv[0], kv[1]);
      }
    }
  }
  for (const auto& [k, v] : a.keywords) dict_set(d, Value(k), v);
  return d;
}

Value to_int(const Value& v, const Value* base) {
  if (base) {
    if (!v.is_str()) throw Error("TypeError", "int() can't convert non-string with explicit base");
  }
  if (v.is_int()) return v;
  if (v.is_bool()) return Value(v.as_int());
  if (v.is_float()) {
    return Value(integral_float(std::trunc(v.as_float())));
  }
  if (v.is_str()) {
    std::string s = strip(v.as_str(), Value(), true, true);
    std::string t;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '_' && i > 0 && i + 1 < s.size() &&
          std::isalnum(static_cast<unsigned char>(s[i - 1])) &&
          std::isalnum(static_cast<unsigned char>(s[i + 1])))
        continue;
      t += s[i];
    }
    int b = base ? static_cast<int>(base->as_int()) : 10;
    if (base && (base->as_int() < 0 || base->as_int() == 1 || base->as_int() > 36))
      throw Error("ValueError", "int() base must be >= 2 and <= 36, or 0");
    std::string digits = t;
    bool neg = false;
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
      neg = digits[0] == '-';
      digits = digits.substr(1);
    }
    if (b == 0 || b == 16 || b == 8 || b == 2) {
      if (digits.size() > 2 && digits[0] == '0' && std::strchr("xXoObB", digits[1])) {
        char p = static_cast<char>(std::tolower(static_cast<unsigned char>(digits[1])));
        int pb = p == 'x' ? 16 : p == 'o' ? 8 : 2;
        if (b == 0 || b == pb) {
          b = pb;
          digits = digits.substr(2);
        }
      }
      if (b == 0) b = 10;
    }
    BigInt x;
    if (!BigInt::parse(digits, b, x))
      throw Error("ValueError", "invalid literal for int() with base " + std::to_string(b) + ": " +
                                    str_repr(v.as_str()));
    return Value(neg ? -x : x);
  }
  throw Error("TypeError",
              "int() argument must be a string, a bytes-like object or a real number, not '" +
                  v.type_name() + "'");
}

Value to_float(const Value& v) {
  if (v.is_number() || v.is_bool()) return Value(v.as_number());
  if (v.is_str()) {
    std::string s = strip(v.as_str(), Value(), true, true);
    std::string l;
    for (char c : s) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string body = l;
    bool neg = false;
    if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
      neg = body[0] == '-';
      body = body.substr(1);
    }
    if (body == "inf" || body == "infinity") return Value(neg ? -INFINITY : INFINITY);
    if (body == "nan") return Value(std::nan(""));
    std::string t;
    for (char c : s)
      if (c != '_') t += c;
    // Only decimal float syntax: reject hex floats and other strtod extensions.
    bool ok = !t.empty();
    for (char c : t)
      ok = ok && (std::isdigit(static_cast<unsigned char>(c)) || std::strchr("+-.eE", c));
    char* end = nullptr;
    double d = ok ? std::strtod(t.c_str(), &end) : 0;
    if (!ok || !end || *end != '\0')
      throw Error("ValueError", "could not convert string to float: " + str_repr(v.as_str()));
    return Value(d);
  }
  throw Error("TypeError",
              "float() argument must be a string or a real number, not '" + v.type_name() + "'");
}

}  // namespace mmcpp::config::detail
