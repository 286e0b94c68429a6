// Python operator semantics on config values: arithmetic, comparison,
// iteration and string formatting.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
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

std::int64_t checked(bool overflow, std::int64_t r) {
  if (overflow) throw Error("OverflowError", "integer result does not fit in 64 bits");
  return r;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  if (b == 0) throw Error("ZeroDivisionError", "integer division or modulo by zero");
  if (a == std::numeric_limits<std::int64_t>::min() && b == -1)
    throw Error("OverflowError", "integer result does not fit in 64 bits");
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::int64_t py_mod(std::int64_t a, std::int64_t b) {
  if (b == 0) throw Error("ZeroDivisionError", "integer division or modulo by zero");
  if (b == -1) return 0;
  std::int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

double float_mod(double a, double b) {
  if (b == 0) throw Error("ZeroDivisionError", "float modulo");
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
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
  if ((a.is_number() || a.is_bool()) && (b.is_number() || b.is_bool())) {
    if (int_like(a) && int_like(b)) {
      auto x = a.as_int(), y = b.as_int();
      return x < y ? -1 : x > y ? 1 : 0;
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

}  // namespace

Value binary_op(const std::string& op, const Value& a, const Value& b) {
  bool ints = int_like(a) && int_like(b);
  bool nums = (a.is_number() || a.is_bool()) && (b.is_number() || b.is_bool());
  if (op == "+") {
    if (ints) {
      std::int64_t r;
      bool overflow = __builtin_add_overflow(a.as_int(), b.as_int(), &r);
      return Value(checked(overflow, r));
    }
    if (nums) return Value(a.as_number() + b.as_number());
    if (a.is_str() && b.is_str()) return Value(a.as_str() + b.as_str());
    if ((a.is_list() && b.is_list()) || (a.is_tuple() && b.is_tuple())) {
      Value::Items out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      return a.is_list() ? Value::list(std::move(out)) : Value::tuple(std::move(out));
    }
    if (a.is_list() || b.is_list() || a.is_tuple() || b.is_tuple() || a.is_str() || b.is_str())
      throw Error("TypeError", "can only concatenate " + a.type_name() + " (not \"" +
                                   b.type_name() + "\") to " + a.type_name());
    unsupported(op, a, b);
  }
  if (op == "-") {
    if (ints) {
      std::int64_t r;
      bool overflow = __builtin_sub_overflow(a.as_int(), b.as_int(), &r);
      return Value(checked(overflow, r));
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
      bool overflow = __builtin_mul_overflow(a.as_int(), b.as_int(), &r);
      return Value(checked(overflow, r));
    }
    if (nums) return Value(a.as_number() * b.as_number());
    if ((a.is_str() || a.is_sequence()) && int_like(b)) return repeat(a, b.as_int());
    if ((b.is_str() || b.is_sequence()) && int_like(a)) return repeat(b, a.as_int());
    unsupported(op, a, b);
  }
  if (op == "/") {
    if (!nums) unsupported(op, a, b);
    if (b.as_number() == 0) throw Error("ZeroDivisionError", ints ? "division by zero" : "float division by zero");
    if (ints) return Value(static_cast<double>(a.as_int()) / static_cast<double>(b.as_int()));
    return Value(a.as_number() / b.as_number());
  }
  if (op == "//") {
    if (ints) return Value(floor_div(a.as_int(), b.as_int()));
    if (!nums) unsupported(op, a, b);
    if (b.as_number() == 0) throw Error("ZeroDivisionError", "float floor division by zero");
    return Value(std::floor(a.as_number() / b.as_number()));
  }
  if (op == "%") {
    if (ints) return Value(py_mod(a.as_int(), b.as_int()));
    if (nums) return Value(float_mod(a.as_number(), b.as_number()));
    if (a.is_str()) {
      // printf-style formatting: '%s' % x, '%d' % n, '%.2f' % f, tuples of args.
      std::vector<Value> args = b.is_tuple() ? b.items() : std::vector<Value>{b};
      const std::string& f = a.as_str();
      std::string out;
      std::size_t arg = 0;
      for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] != '%') {
          out += f[i];
          continue;
        }
        std::size_t j = i + 1;
        while (j < f.size() && std::string("-+ #0123456789.").find(f[j]) != std::string::npos) ++j;
        if (j >= f.size()) throw Error("ValueError", "incomplete format");
        char conv = f[j];
        std::string flags = f.substr(i + 1, j - i - 1);
        i = j;
        if (conv == '%') {
          out += '%';
          continue;
        }
        if (arg >= args.size()) throw Error("TypeError", "not enough arguments for format string");
        const Value& v = args[arg++];
        std::string spec = flags;
        switch (conv) {
          case 's': out += format_value(Value(v.str()), spec); break;
          case 'r': out += format_value(Value(v.repr()), spec); break;
          case 'd':
          case 'i': out += format_value(Value(static_cast<std::int64_t>(v.is_float() ? std::trunc(v.as_number()) : v.as_int())), spec + "d"); break;
          case 'f':
          case 'F':
          case 'e':
          case 'E':
          case 'g':
          case 'G': out += format_value(Value(v.as_number()), spec + conv); break;
          case 'x':
          case 'X':
          case 'o': out += format_value(v, spec + conv); break;
          default: throw Error("ValueError", std::string("unsupported format character '") + conv + "'");
        }
      }
      if (arg < args.size() && b.is_tuple())
        throw Error("TypeError", "not all arguments converted during string formatting");
      return Value(out);
    }
    unsupported(op, a, b);
  }
  if (op == "**") {
    if (ints && b.as_int() >= 0) {
      std::int64_t base = a.as_int(), e = b.as_int(), r = 1;
      while (e-- > 0) {
        if (__builtin_mul_overflow(r, base, &r))
          throw Error("OverflowError", "integer result does not fit in 64 bits");
        if (r == 0 || r == 1) break;
      }
      return Value(r);
    }
    if (!nums) unsupported("** or pow()", a, b);
    if (a.as_number() == 0 && b.as_number() < 0)
      throw Error("ZeroDivisionError", "0.0 cannot be raised to a negative power");
    return Value(std::pow(a.as_number(), b.as_number()));
  }
  if (op == "|" || op == "&" || op == "^" || op == "<<" || op == ">>") {
    if (ints) {
      std::int64_t x = a.as_int(), y = b.as_int();
      if (op == "|") return a.is_bool() && b.is_bool() ? Value(static_cast<bool>(x | y)) : Value(x | y);
      if (op == "&") return a.is_bool() && b.is_bool() ? Value(static_cast<bool>(x & y)) : Value(x & y);
      if (op == "^") return a.is_bool() && b.is_bool() ? Value(static_cast<bool>(x ^ y)) : Value(x ^ y);
      if (y < 0) throw Error("ValueError", "negative shift count");
      if (op == ">>") return Value(y >= 64 ? (x < 0 ? -1 : 0) : x >> y);
      std::int64_t r = x;
      for (std::int64_t i = 0; i < y; ++i)
        if (__builtin_mul_overflow(r, 2, &r))
          throw Error("OverflowError", "integer result does not fit in 64 bits");
      return Value(r);
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
      if (a.as_int() == std::numeric_limits<std::int64_t>::min())
        throw Error("OverflowError", "integer result does not fit in 64 bits");
      return Value(-a.as_int());
    }
    if (a.is_float()) return Value(-a.as_float());
  } else if (op == "+") {
    if (int_like(a)) return Value(a.as_int());
    if (a.is_float()) return a;
  } else if (op == "~") {
    if (int_like(a)) return Value(~a.as_int());
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
        throw Error("TypeError", "'in <string>' requires string as left operand, not " + a.type_name());
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
    case Kind::Set: return v.items();
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
        if (c >= 0xF0) n = 4;
        else if (c >= 0xE0) n = 3;
        else if (c >= 0xC0) n = 2;
        out.emplace_back(s.substr(i, n));
        i += n;
      }
      return out;
    }
    default: throw Error("TypeError", "'" + v.type_name() + "' object is not iterable");
  }
}

std::string format_value(const Value& v, const std::string& spec_in) {
  // [[fill]align][sign][#][0][width][,|_][.precision][type]
  std::string spec = spec_in;
  char fill = ' ', align = 0, sign = '-';
  bool alt = false, zero = false;
  int width = -1, precision = -1;
  char grouping = 0, type = 0;
  std::size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (spec.size() >= 2 && is_align(spec[1])) {
    fill = spec[0];
    align = spec[1];
    i = 2;
  } else if (!spec.empty() && is_align(spec[0])) {
    align = spec[0];
    i = 1;
  }
  if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) sign = spec[i++];
  if (i < spec.size() && spec[i] == '#') {
    alt = true;
    ++i;
  }
  if (i < spec.size() && spec[i] == '0') {
    zero = true;
    ++i;
  }
  std::size_t b = i;
  while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i]))) ++i;
  if (i > b) width = std::stoi(spec.substr(b, i - b));
  if (i < spec.size() && (spec[i] == ',' || spec[i] == '_')) grouping = spec[i++];
  if (i < spec.size() && spec[i] == '.') {
    ++i;
    b = i;
    while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i]))) ++i;
    if (i == b) throw Error("ValueError", "Format specifier missing precision");
    precision = std::stoi(spec.substr(b, i - b));
  }
  if (i < spec.size()) type = spec[i++];
  if (i != spec.size()) throw Error("ValueError", "Invalid format specifier '" + spec_in + "'");
  if (width > 10000 || precision > 1000) throw Error("ValueError", "format width too large");

  std::string body;
  bool numeric = v.is_number() || v.is_bool();
  bool negative = false;
  if (v.is_str() || (!numeric && !type)) {
    if (type && type != 's')
      throw Error("ValueError", std::string("Unknown format code '") + type +
                                    "' for object of type '" + v.type_name() + "'");
    body = v.str();
    if (precision >= 0 && static_cast<std::size_t>(precision) < body.size()) body.resize(precision);
    numeric = false;
  } else if (!numeric) {
    throw Error("ValueError", std::string("Unknown format code '") + type +
                                  "' for object of type '" + v.type_name() + "'");
  } else if ((type == 0 || type == 'd' || type == 'x' || type == 'X' || type == 'o' ||
              type == 'b' || type == 'n' || type == 'c') &&
             (v.is_int() || v.is_bool())) {
    std::int64_t x = v.as_int();
    if (v.is_bool() && type == 0) {
      body = x ? "True" : "False";
      numeric = false;
    } else {
      negative = x < 0;
      unsigned long long ux = negative ? 0ULL - static_cast<unsigned long long>(x) : static_cast<unsigned long long>(x);
      int base = type == 'x' || type == 'X' ? 16 : type == 'o' ? 8 : type == 'b' ? 2 : 10;
      if (type == 'c') {
        body = std::string(1, static_cast<char>(x));
        numeric = false;
      } else {
        const char* digits = type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
        do {
          body.insert(body.begin(), digits[ux % base]);
          ux /= base;
        } while (ux);
        if (grouping && base == 10) {
          std::string g;
          int n = 0;
          for (auto it = body.rbegin(); it != body.rend(); ++it, ++n) {
            if (n && n % 3 == 0) g.insert(g.begin(), grouping);
            g.insert(g.begin(), *it);
          }
          body = g;
        }
        if (alt && base != 10) body = std::string("0") + (type == 'X' ? 'X' : type) + body;
      }
    }
  } else {
    double d = v.as_number();
    if (type == 'd' || type == 'x' || type == 'o' || type == 'b' || type == 'c')
      throw Error("ValueError", std::string("Unknown format code '") + type +
                                    "' for object of type 'float'");
    negative = std::signbit(d) && !std::isnan(d);
    double ad = std::fabs(d);
    char buf[512];
    if (type == '%') {
      std::snprintf(buf, sizeof buf, "%.*f", precision < 0 ? 6 : precision, ad * 100);
      body = std::string(buf) + "%";
    } else if (type == 0) {
      if (precision < 0) {
        body = float_repr(ad);
      } else {
        std::snprintf(buf, sizeof buf, "%.*g", precision == 0 ? 1 : precision, ad);
        body = buf;
        if (body.find_first_of(".eni") == std::string::npos) body += ".0";
      }
    } else {
      char t = type == 'n' ? 'g' : type;
      std::string f = std::string("%") + (alt ? "#" : "") + ".*" + t;
      std::snprintf(buf, sizeof buf, f.c_str(), precision < 0 ? 6 : precision, ad);
      body = buf;
    }
    if (grouping) {
      std::size_t end = body.find_first_of(".eE%");
      std::string ip = body.substr(0, end == std::string::npos ? body.size() : end);
      std::string rest = end == std::string::npos ? "" : body.substr(end);
      std::string g;
      int n = 0;
      for (auto it = ip.rbegin(); it != ip.rend(); ++it, ++n) {
        if (n && n % 3 == 0) g.insert(g.begin(), grouping);
        g.insert(g.begin(), *it);
      }
      body = g + rest;
    }
  }
  std::string sign_str;
  if (numeric) {
    if (negative) sign_str = "-";
    else if (sign == '+') sign_str = "+";
    else if (sign == ' ') sign_str = " ";
  }
  if (zero && !align) {
    align = '=';
    fill = '0';
  }
  if (!align) align = numeric ? '>' : '<';
  std::size_t len = sign_str.size() + body.size();
  if (width < 0 || static_cast<std::size_t>(width) <= len) return sign_str + body;
  std::size_t pad = static_cast<std::size_t>(width) - len;
  switch (align) {
    case '<': return sign_str + body + std::string(pad, fill);
    case '^': return std::string(pad / 2, fill) + sign_str + body + std::string(pad - pad / 2, fill);
    case '=': return sign_str + std::string(pad, fill) + body;
    default: return std::string(pad, fill) + sign_str + body;
  }
}

std::string str_format(const std::string& fmt, const std::vector<Value>& args,
                       const std::vector<std::pair<std::string, Value>>& kwargs) {
  std::string out;
  std::size_t auto_index = 0;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      throw Error("ValueError", "Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    std::size_t close = i + 1;
    int depth = 1;
    for (; close < fmt.size(); ++close) {
      if (fmt[close] == '{') ++depth;
      if (fmt[close] == '}' && --depth == 0) break;
    }
    if (close >= fmt.size()) throw Error("ValueError", "Single '{' encountered in format string");
    std::string field = fmt.substr(i + 1, close - i - 1);
    i = close;
    std::string spec;
    char conv = 0;
    std::size_t colon = field.find(':');
    if (colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
      if (spec.find('{') != std::string::npos) spec = str_format(spec, args, kwargs);
    }
    std::size_t bang = field.find('!');
    if (bang != std::string::npos) {
      if (bang + 2 != field.size()) throw Error("ValueError", "expected ':' after conversion specifier");
      conv = field[bang + 1];
      field = field.substr(0, bang);
    }
    // Split "name.attr[key]" into the first name and accessors.
    std::size_t first_end = field.find_first_of(".[");
    std::string head = field.substr(0, first_end);
    Value v;
    if (head.empty()) {
      if (auto_index >= args.size())
        throw Error("IndexError", "Replacement index " + std::to_string(auto_index) +
                                      " out of range for positional args tuple");
      v = args[auto_index++];
    } else if (std::all_of(head.begin(), head.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); })) {
      std::size_t idx = std::stoul(head);
      if (idx >= args.size())
        throw Error("IndexError", "Replacement index " + head + " out of range for positional args tuple");
      v = args[idx];
    } else {
      bool found = false;
      for (const auto& [k, x] : kwargs)
        if (k == head) {
          v = x;
          found = true;
        }
      if (!found) throw Error("KeyError", "'" + head + "'");
    }
    std::size_t p = first_end;
    while (p != std::string::npos && p < field.size()) {
      if (field[p] == '.') {
        std::size_t e = field.find_first_of(".[", p + 1);
        std::string attr = field.substr(p + 1, e == std::string::npos ? std::string::npos : e - p - 1);
        if (!v.is_config_dict() || !v.as_dict().find(attr))
          throw Error("AttributeError", "'" + v.type_name() + "' object has no attribute '" + attr + "'");
        v = *v.as_dict().find(attr);
        p = e;
      } else {
        std::size_t e = field.find(']', p);
        if (e == std::string::npos) throw Error("ValueError", "Missing ']' in format string");
        std::string key = field.substr(p + 1, e - p - 1);
        if (v.is_dict()) {
          const Value* x = v.as_dict().find(key);
          if (!x) throw Error("KeyError", "'" + key + "'");
          v = *x;
        } else if (v.is_sequence()) {
          std::size_t idx = std::stoul(key);
          if (idx >= v.items().size()) throw Error("IndexError", "list index out of range");
          v = v.items()[idx];
        } else {
          throw Error("TypeError", "'" + v.type_name() + "' object is not subscriptable");
        }
        p = e + 1;
      }
    }
    if (conv == 'r' || conv == 'a') v = Value(v.repr());
    else if (conv == 's') v = Value(v.str());
    else if (conv) throw Error("ValueError", std::string("Unknown conversion specifier ") + conv);
    out += format_value(v, spec);
  }
  return out;
}

}  // namespace mmcpp::config
