// Python operator semantics on config values: arithmetic, comparison,
// iteration and printf-style %-formatting (format specs: format_spec.cpp).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "mmcpp/config/interpreter.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config {
namespace {

// Cap on the size of values built by `*` repetition, so a typo cannot eat memory.
constexpr std::size_t kMaxRepeat = 50'000'000;

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  throw Error("TypeError", "unsupported operand type(s) for " + op + ": '" + a.type_name() +
                               "' and '" + b.type_name() + "'");
}

bool int_like(const Value& v) { return v.is_int() || v.is_bool(); }

// Python ints have no size limit: a 64-bit fast path, BigInt past it.
bool small_ints(const Value& a, const Value& b) { return !a.is_big_int() && !b.is_big_int(); }

Value floor_div(const Value& a, const Value& b) {
  if (small_ints(a, b)) {
    std::int64_t x = a.as_int(), y = b.as_int();
    if (y == 0) throw Error("ZeroDivisionError", "integer division or modulo by zero");
    if (!(x == std::numeric_limits<std::int64_t>::min() && y == -1)) {
      std::int64_t q = x / y;
      if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
      return Value(q);
    }
  }
  BigInt q, r;
  BigInt::floor_divmod(a.as_big_int(), b.as_big_int(), q, r);
  return Value(q);
}

Value py_mod(const Value& a, const Value& b) {
  if (small_ints(a, b)) {
    std::int64_t x = a.as_int(), y = b.as_int();
    if (y == 0) throw Error("ZeroDivisionError", "integer division or modulo by zero");
    if (y == -1) return Value(std::int64_t{0});
    std::int64_t r = x % y;
    if (r != 0 && ((r < 0) != (y < 0))) r += y;
    return Value(r);
  }
  BigInt q, r;
  BigInt::floor_divmod(a.as_big_int(), b.as_big_int(), q, r);
  return Value(r);
}

// int / int, correctly rounded as Python's true division (also for huge ints).
double true_divide(const Value& a, const Value& b) {
  constexpr std::int64_t kExact = std::int64_t{1} << 53;
  if (small_ints(a, b)) {
    std::int64_t x = a.as_int(), y = b.as_int();
    if (x > -kExact && x < kExact && y > -kExact && y < kExact)
      return static_cast<double>(x) / static_cast<double>(y);
  }
  BigInt x = a.as_big_int(), y = b.as_big_int();
  bool neg = x.negative() != y.negative();
  if (x.negative()) x = -x;
  if (y.negative()) y = -y;
  if (x.is_zero()) return neg ? -0.0 : 0.0;
  long diff = static_cast<long>(x.bit_length()) - static_cast<long>(y.bit_length());
  if (diff > 1025) throw Error("OverflowError", "integer division result too large for a float");
  if (diff < -1080) return neg ? -0.0 : 0.0;
  // Scale so that the quotient has at least 55 bits, then fold the remainder
  // into the lowest bit (sticky) so that rounding to 53 bits is exact.
  long shift = 55 - diff;
  BigInt num = shift > 0 ? x.shift_left(static_cast<std::uint64_t>(shift)) : x;
  BigInt den = shift < 0 ? y.shift_left(static_cast<std::uint64_t>(-shift)) : y;
  BigInt q, r;
  BigInt::floor_divmod(num, den, q, r);
  if (!r.is_zero()) q = q | BigInt(1);
  double d = std::ldexp(q.to_double(), static_cast<int>(-shift));
  if (std::isinf(d)) throw Error("OverflowError", "integer division result too large for a float");
  return neg ? -d : d;
}

Value int_pow(const Value& a, const Value& b) {
  if (b.is_big_int()) {
    // Only 0, 1 and -1 have a power that fits anywhere.
    BigInt base = a.as_big_int();
    if (base.is_zero()) return Value(std::int64_t{0});
    if (base.compare(BigInt(1)) == 0) return Value(std::int64_t{1});
    if (base.compare(BigInt(-1)) == 0)
      return Value(std::int64_t{(b.as_big_int() & BigInt(1)).is_zero() ? 1 : -1});
    throw Error("OverflowError", "integer too large for a config (exponent " + b.repr() + ")");
  }
  std::int64_t e = b.as_int();
  if (!a.is_big_int()) {
    std::int64_t base = a.as_int(), r = 1, left = e;
    if (base == 0 || base == 1) return Value(e == 0 ? std::int64_t{1} : base);
    if (base == -1) return Value(std::int64_t{e % 2 == 0 ? 1 : -1});
    bool overflow = false;  // |base| >= 2: at most 63 rounds before it overflows
    while (left-- > 0 && !overflow) overflow = __builtin_mul_overflow(r, base, &r);
    if (!overflow) return Value(r);
  }
  return Value(BigInt::pow(a.as_big_int(), static_cast<std::uint64_t>(e)));
}

Value int_shift(const std::string& op, const Value& a, const Value& b) {
  if (b.as_big_int().negative()) throw Error("ValueError", "negative shift count");
  if (op == ">>") {
    if (b.is_big_int()) return Value(std::int64_t{a.as_big_int().negative() ? -1 : 0});
    std::int64_t y = b.as_int();
    if (!a.is_big_int()) {
      std::int64_t x = a.as_int();
      return Value(y >= 64 ? (x < 0 ? -1 : 0) : x >> y);
    }
    return Value(a.as_big_int().shift_right(static_cast<std::uint64_t>(y)));
  }
  if (a.as_big_int().is_zero()) return Value(std::int64_t{0});
  if (b.is_big_int())
    throw Error("OverflowError", "integer too large for a config (shift " + b.repr() + ")");
  return Value(a.as_big_int().shift_left(static_cast<std::uint64_t>(b.as_int())));
}

// CPython's _float_div_mod: floor quotient and modulo with Python's signs
// (`5 % -2.5 == -0.0`, `1 // 0.1 == 9.0`).
void float_div_mod(double vx, double wx, double& floordiv, double& mod) {
  mod = std::fmod(vx, wx);
  double div = (vx - mod) / wx;
  if (mod != 0) {
    if ((wx < 0) != (mod < 0)) {
      mod += wx;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, wx);
  }
  if (div != 0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, vx / wx);
  }
}

double float_mod(double a, double b) {
  if (b == 0) throw Error("ZeroDivisionError", "float modulo");
  double q, r;
  float_div_mod(a, b, q, r);
  return r;
}

double float_floor_div(double a, double b) {
  if (b == 0) throw Error("ZeroDivisionError", "float floor division by zero");
  double q, r;
  float_div_mod(a, b, q, r);
  return q;
}

Value repeat(const Value& seq, std::int64_t n) {
  if (n < 0) n = 0;
  if (seq.is_str()) {
    if (seq.as_str().size() * static_cast<std::size_t>(n) > kMaxRepeat)
      throw Error("MemoryError", "string repetition too large for a config");
    std::string out;
    for (std::int64_t i = 0; i < n; ++i) out += seq.as_str();
    return Value(out);
  }
  const auto& items = seq.items();
  if (items.size() * static_cast<std::size_t>(n) > kMaxRepeat)
    throw Error("MemoryError", "sequence repetition too large for a config");
  Value::Items out;
  for (std::int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return seq.is_list() ? Value::list(std::move(out)) : Value::tuple(std::move(out));
}

int three_way(const Value& a, const Value& b, const std::string& op) {
  NestingGuard guard;
  if ((a.is_number() || a.is_bool()) && (b.is_number() || b.is_bool())) {
    if (int_like(a) && int_like(b)) {
      if (!small_ints(a, b)) return a.as_big_int().compare(b.as_big_int());
      auto x = a.as_int(), y = b.as_int();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    // int against float: exact, as Python (never through a rounded double).
    if (int_like(a) && (a.is_big_int() || std::llabs(a.as_int()) > (std::int64_t{1} << 53)))
      return a.as_big_int().compare(b.as_float());
    if (int_like(b) && (b.is_big_int() || std::llabs(b.as_int()) > (std::int64_t{1} << 53))) {
      int c = b.as_big_int().compare(a.as_float());
      return c == 2 ? 2 : -c;
    }
    double x = a.as_number(), y = b.as_number();
    if (std::isnan(x) || std::isnan(y)) return 2;  // unordered
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_str() && b.is_str()) {
    int c = a.as_str().compare(b.as_str());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if ((a.is_list() && b.is_list()) || (a.is_tuple() && b.is_tuple())) {
    const auto &x = a.items(), &y = b.items();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (x[i].equals(y[i])) continue;
      return three_way(x[i], y[i], op);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  throw Error("TypeError", "'" + op + "' not supported between instances of '" + a.type_name() +
                               "' and '" + b.type_name() + "'");
}

// Python's printf-style `str % args`: flags - + space # 0, width, precision,
// conversions d i u o x X e E f F g G c s r a %, and `%(key)s` with a mapping.
std::string printf_format(const std::string& f, const Value& b) {
  bool mapping = b.is_dict();
  std::vector<Value> args = b.is_tuple() ? b.items() : std::vector<Value>{b};
  std::string out;
  std::size_t arg = 0;
  bool used_mapping = false;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    std::size_t j = i + 1;
    const Value* keyed = nullptr;
    if (j < f.size() && f[j] == '(') {
      std::size_t close = f.find(')', j);
      if (close == std::string::npos) throw Error("ValueError", "incomplete format key");
      if (!mapping) throw Error("TypeError", "format requires a mapping");
      keyed = b.as_dict().find(std::string_view(f).substr(j + 1, close - j - 1));
      if (!keyed) throw Error("KeyError", str_repr(f.substr(j + 1, close - j - 1)));
      used_mapping = true;
      j = close + 1;
    }
    bool left = false, zero = false, alt = false;
    char sign = 0;
    for (; j < f.size() && std::strchr("-+ #0", f[j]); ++j) {
      if (f[j] == '-')
        left = true;
      else if (f[j] == '0')
        zero = true;
      else if (f[j] == '#')
        alt = true;
      else if (f[j] == '+' || sign != '+')
        sign = f[j];
    }
    std::size_t w = j;
    while (j < f.size() && std::isdigit(static_cast<unsigned char>(f[j]))) ++j;
    std::string width = f.substr(w, j - w);
    std::string precision;
    if (j < f.size() && f[j] == '.') {
      std::size_t p = ++j;
      while (j < f.size() && std::isdigit(static_cast<unsigned char>(f[j]))) ++j;
      precision = "." + (j > p ? f.substr(p, j - p) : std::string("0"));
    }
    if (j < f.size() && f[j] == '*')
      throw Error("ValueError", "'*' width is not supported in configs");
    if (j >= f.size()) throw Error("ValueError", "incomplete format");
    char conv = f[j];
    i = j;
    if (conv == '%') {
      out += '%';
      continue;
    }
    Value v;
    if (keyed) {
      v = *keyed;
    } else {
      if (arg >= args.size()) throw Error("TypeError", "not enough arguments for format string");
      v = args[arg++];
    }
    std::string spec;
    if (std::strchr("diuoxXeEfFgG", conv)) {
      bool integral = std::strchr("diuoxX", conv) != nullptr;
      if (!v.is_number() && !v.is_bool())
        throw Error("TypeError", std::string("%") + conv + " format: " +
                                     (integral && conv != 'd' && conv != 'i' && conv != 'u'
                                          ? "an integer is required, not "
                                          : "a real number is required, not ") +
                                     v.type_name());
      if (integral) {
        if (v.is_float() && conv != 'd' && conv != 'i' && conv != 'u')
          throw Error("TypeError",
                      std::string("%") + conv + " format: an integer is required, not float");
        if (v.is_float()) {
          double t = std::trunc(v.as_float());
          if (std::isnan(t)) throw Error("ValueError", "cannot convert float NaN to integer");
          if (std::isinf(t))
            throw Error("OverflowError", "cannot convert float infinity to integer");
          v = Value(BigInt::from_double(t));
        } else if (v.is_bool()) {
          v = Value(v.as_int());
        }
        if (!precision.empty())
          throw Error("ValueError",
                      "precision for integer conversions is not supported in configs");
      } else {
        v = Value(v.as_number());
      }
      spec = std::string(left ? "<" : "") + (sign ? std::string(1, sign) : "") + (alt ? "#" : "") +
             (zero && !left ? "0" : "") + width + precision +
             (conv == 'i' || conv == 'u' ? 'd' : conv);
      out += format_value(v, spec);
      continue;
    }
    std::string text;
    if (conv == 's')
      text = v.str();
    else if (conv == 'r' || conv == 'a')
      text = v.repr();
    else if (conv == 'c') {
      if (v.is_str() && iterate(v).size() == 1)
        text = v.as_str();
      else if (v.is_int() && v.as_int() >= 0 && v.as_int() < 128)
        text = std::string(1, static_cast<char>(v.as_int()));
      else
        throw Error("TypeError", "%c requires an int in range(128) or a single character");
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "%x", static_cast<unsigned char>(conv));
      throw Error("ValueError", std::string("unsupported format character '") + conv + "' (0x" +
                                    hex + ") at index " + std::to_string(i));
    }
    if (conv == 'c') precision.clear();
    out += format_value(Value(text), std::string(left ? "<" : ">") + width + precision);
  }
  // Leftover arguments are an error unless the right side is a mapping.
  bool mapping_like = mapping || b.is_list();
  if (!used_mapping && !mapping_like && arg < args.size())
    throw Error("TypeError", "not all arguments converted during string formatting");
  return out;
}

}  // namespace

Value binary_op(const std::string& op, const Value& a, const Value& b) {
  bool ints = int_like(a) && int_like(b);
  bool nums = (a.is_number() || a.is_bool()) && (b.is_number() || b.is_bool());
  if (op == "+") {
    if (ints) {
      std::int64_t r;
      if (small_ints(a, b) && !__builtin_add_overflow(a.as_int(), b.as_int(), &r)) return Value(r);
      return Value(a.as_big_int() + b.as_big_int());
    }
    if (nums) return Value(a.as_number() + b.as_number());
    if (a.is_str() && b.is_str()) return Value(a.as_str() + b.as_str());
    if ((a.is_list() && b.is_list()) || (a.is_tuple() && b.is_tuple())) {
      Value::Items out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      return a.is_list() ? Value::list(std::move(out)) : Value::tuple(std::move(out));
    }
    // Only a str/list/tuple on the left says "concatenate" (`1 + 'a'` does not).
    if (a.is_list() || a.is_tuple() || a.is_str())
      throw Error("TypeError", "can only concatenate " + a.type_name() + " (not \"" +
                                   b.type_name() + "\") to " + a.type_name());
    unsupported(op, a, b);
  }
  if (op == "-") {
    if (ints) {
      std::int64_t r;
      if (small_ints(a, b) && !__builtin_sub_overflow(a.as_int(), b.as_int(), &r)) return Value(r);
      return Value(a.as_big_int() - b.as_big_int());
    }
    if (nums) return Value(a.as_number() - b.as_number());
    if (a.is_set() && b.is_set()) {
      Value::Items out;
      for (const auto& x : a.items()) {
        bool in_b = false;
        for (const auto& y : b.items()) in_b = in_b || x.equals(y);
        if (!in_b) out.push_back(x);
      }
      return Value::set(std::move(out));
    }
    unsupported(op, a, b);
  }
  if (op == "*") {
    if (ints) {
      std::int64_t r;
      if (small_ints(a, b) && !__builtin_mul_overflow(a.as_int(), b.as_int(), &r)) return Value(r);
      return Value(a.as_big_int() * b.as_big_int());
    }
    if (nums) return Value(a.as_number() * b.as_number());
    if ((a.is_str() || a.is_sequence()) && int_like(b)) return repeat(a, b.as_int());
    if ((b.is_str() || b.is_sequence()) && int_like(a)) return repeat(b, a.as_int());
    if (a.is_str() || a.is_sequence() || b.is_str() || b.is_sequence()) {
      const Value& other = a.is_str() || a.is_sequence() ? b : a;
      throw Error("TypeError",
                  "can't multiply sequence by non-int of type '" + other.type_name() + "'");
    }
    unsupported(op, a, b);
  }
  if (op == "/") {
    if (!nums) unsupported(op, a, b);
    if (ints) {
      if (b.as_big_int().is_zero()) throw Error("ZeroDivisionError", "division by zero");
      return Value(true_divide(a, b));
    }
    if (b.as_number() == 0) throw Error("ZeroDivisionError", "float division by zero");
    return Value(a.as_number() / b.as_number());
  }
  if (op == "//") {
    if (ints) return floor_div(a, b);
    if (!nums) unsupported(op, a, b);
    return Value(float_floor_div(a.as_number(), b.as_number()));
  }
  if (op == "%") {
    if (ints) return py_mod(a, b);
    if (nums) return Value(float_mod(a.as_number(), b.as_number()));
    if (a.is_str()) return Value(printf_format(a.as_str(), b));
    unsupported(op, a, b);
  }
  if (op == "**") {
    if (ints && !b.as_big_int().negative()) return int_pow(a, b);
    if (!nums) unsupported("** or pow()", a, b);
    if (a.as_number() == 0 && b.as_number() < 0)
      throw Error("ZeroDivisionError", "0.0 cannot be raised to a negative power");
    double x = a.as_number(), y = b.as_number(), r = std::pow(x, y);
    if (std::isinf(r) && std::isfinite(x) && std::isfinite(y))
      throw Error("OverflowError", "(34, 'Numerical result out of range')");
    return Value(r);
  }
  if (op == "|" || op == "&" || op == "^" || op == "<<" || op == ">>") {
    if (ints) {
      if (op == "<<" || op == ">>") return int_shift(op, a, b);
      if (!small_ints(a, b)) {
        BigInt x = a.as_big_int(), y = b.as_big_int();
        return Value(op == "|" ? (x | y) : op == "&" ? (x & y) : (x ^ y));
      }
      std::int64_t x = a.as_int(), y = b.as_int();
      if (op == "|")
        return a.is_bool() && b.is_bool() ? Value(static_cast<bool>(x | y)) : Value(x | y);
      if (op == "&")
        return a.is_bool() && b.is_bool() ? Value(static_cast<bool>(x & y)) : Value(x & y);
      return a.is_bool() && b.is_bool() ? Value(static_cast<bool>(x ^ y)) : Value(x ^ y);
    }
    if (op == "|" && a.is_dict() && b.is_dict()) {
      Value out = Value::dict(a.is_config_dict());
      for (const auto& [k, v] : a.as_dict().entries()) out.as_dict().set(k, v);
      for (const auto& [k, v] : b.as_dict().entries()) out.as_dict().set(k, v);
      return out;
    }
    if (a.is_set() && b.is_set()) {
      Value::Items out;
      auto in = [](const Value& s, const Value& x) {
        for (const auto& y : s.items())
          if (x.equals(y)) return true;
        return false;
      };
      if (op == "|") {
        out = a.items();
        for (const auto& x : b.items()) out.push_back(x);
      } else if (op == "&") {
        for (const auto& x : a.items())
          if (in(b, x)) out.push_back(x);
      } else if (op == "^") {
        for (const auto& x : a.items())
          if (!in(b, x)) out.push_back(x);
        for (const auto& x : b.items())
          if (!in(a, x)) out.push_back(x);
      } else {
        unsupported(op, a, b);
      }
      return Value::set(std::move(out));
    }
    unsupported(op, a, b);
  }
  if (op == "@") unsupported(op, a, b);
  throw Error("SyntaxError", "unknown operator " + op);
}

Value unary_op(const std::string& op, const Value& a) {
  if (op == "-") {
    if (int_like(a)) {
      if (a.is_big_int() || a.as_int() == std::numeric_limits<std::int64_t>::min())
        return Value(-a.as_big_int());
      return Value(-a.as_int());
    }
    if (a.is_float()) return Value(-a.as_float());
  } else if (op == "+") {
    if (int_like(a)) return a.is_bool() ? Value(a.as_int()) : a;
    if (a.is_float()) return a;
  } else if (op == "~") {
    if (int_like(a)) return a.is_big_int() ? Value(~a.as_big_int()) : Value(~a.as_int());
  }
  throw Error("TypeError", "bad operand type for unary " + op + ": '" + a.type_name() + "'");
}

bool compare_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "==") return a.equals(b);
  if (op == "!=") return !a.equals(b);
  if (op == "is") return a.same_object(b) && a.kind() == b.kind();
  if (op == "is not") return !(a.same_object(b) && a.kind() == b.kind());
  if (op == "in" || op == "not in") {
    bool found = false;
    if (b.is_str()) {
      if (!a.is_str())
        throw Error("TypeError",
                    "'in <string>' requires string as left operand, not " + a.type_name());
      found = b.as_str().find(a.as_str()) != std::string::npos;
    } else if (b.is_dict()) {
      found = b.as_dict().contains(a);
    } else if (b.is_sequence() || b.is_set()) {
      for (const auto& x : b.items()) found = found || x.equals(a);
    } else {
      throw Error("TypeError", "argument of type '" + b.type_name() + "' is not iterable");
    }
    return op == "in" ? found : !found;
  }
  int c = three_way(a, b, op);
  if (c == 2) return false;
  if (op == "<") return c < 0;
  if (op == "<=") return c <= 0;
  if (op == ">") return c > 0;
  if (op == ">=") return c >= 0;
  throw Error("SyntaxError", "unknown comparison " + op);
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Kind::List:
    case Kind::Tuple:
    case Kind::Set:
      return v.items();
    case Kind::Dict: {
      std::vector<Value> keys;
      for (const auto& [k, x] : v.as_dict().entries()) keys.push_back(k);
      return keys;
    }
    case Kind::Str: {
      // Iterate by UTF-8 code point, as Python iterates characters.
      std::vector<Value> out;
      const std::string& s = v.as_str();
      for (std::size_t i = 0; i < s.size();) {
        std::size_t n = 1;
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0xF0)
          n = 4;
        else if (c >= 0xE0)
          n = 3;
        else if (c >= 0xC0)
          n = 2;
        out.emplace_back(s.substr(i, n));
        i += n;
      }
      return out;
    }
    default:
      throw Error("TypeError", "'" + v.type_name() + "' object is not iterable");
  }
}

}  // namespace mmcpp::config
