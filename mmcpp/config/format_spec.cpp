// Python's format-spec mini-language on config values: format(v, spec),
// f-string fields and str.format.
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

// Characters (code points) in UTF-8 text: the bytes that do not continue one.
std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

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
  // object.__format__ (None, containers) accepts only an empty spec.
  if (!numeric && !v.is_str() && !spec_in.empty())
    throw Error("TypeError",
                "unsupported format string passed to " + v.type_name() + ".__format__");
  if (v.is_str() || (!numeric && !type)) {
    if (type && type != 's')
      throw Error("ValueError", std::string("Unknown format code '") + type +
                                    "' for object of type '" + v.type_name() + "'");
    body = v.str();
    if (precision >= 0 && static_cast<std::size_t>(precision) < utf8_length(body)) {
      std::string cut;
      auto chars = iterate(Value(body));
      for (int k = 0; k < precision; ++k) cut += chars[static_cast<std::size_t>(k)].as_str();
      body = cut;
    }
    numeric = false;
  } else if (!numeric) {
    throw Error("ValueError", std::string("Unknown format code '") + type +
                                  "' for object of type '" + v.type_name() + "'");
  } else if ((type == 0 || type == 'd' || type == 'x' || type == 'X' || type == 'o' ||
              type == 'b' || type == 'n' || type == 'c') &&
             (v.is_int() || v.is_bool())) {
    if (v.is_bool() && spec_in.empty()) {  // bool formats as int under any non-empty spec
      body = v.as_bool() ? "True" : "False";
      numeric = false;
    } else {
      BigInt x = v.as_big_int();
      negative = x.negative();
      int base = type == 'x' || type == 'X' ? 16 : type == 'o' ? 8 : type == 'b' ? 2 : 10;
      if (type == 'c') {
        body = std::string(1, static_cast<char>(v.as_int()));
        numeric = false;
      } else {
        body = (negative ? -x : x).to_string(base);
        if (type == 'X')
          for (char& c : body) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (grouping && base != 10 && grouping == ',')
          throw Error("ValueError", std::string("Cannot specify ',' with '") + type + "'.");
        if (grouping) {
          int every = base == 10 ? 3 : 4;  // '_' groups hex/octal/binary digits by four
          std::string g;
          int n = 0;
          for (auto it = body.rbegin(); it != body.rend(); ++it, ++n) {
            if (n && n % every == 0) g.insert(g.begin(), grouping);
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
      throw Error("ValueError",
                  std::string("Unknown format code '") + type + "' for object of type 'float'");
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
    if (negative)
      sign_str = "-";
    else if (sign == '+')
      sign_str = "+";
    else if (sign == ' ')
      sign_str = " ";
  }
  if (zero && !align) {
    // Sign-aware zero padding for numbers; strings pad with '0' on the right.
    align = numeric ? '=' : '<';
    fill = '0';
  }
  if (!align) align = numeric ? '>' : '<';
  std::size_t len = sign_str.size() + utf8_length(body);
  if (width < 0 || static_cast<std::size_t>(width) <= len) return sign_str + body;
  std::size_t pad = static_cast<std::size_t>(width) - len;
  switch (align) {
    case '<':
      return sign_str + body + std::string(pad, fill);
    case '^':
      return std::string(pad / 2, fill) + sign_str + body + std::string(pad - pad / 2, fill);
    case '=':
      return sign_str + std::string(pad, fill) + body;
    default:
      return std::string(pad, fill) + sign_str + body;
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
      if (bang + 2 != field.size())
        throw Error("ValueError", "expected ':' after conversion specifier");
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
    } else if (std::all_of(head.begin(), head.end(),
                           [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); })) {
      std::size_t idx = std::stoul(head);
      if (idx >= args.size())
        throw Error("IndexError",
                    "Replacement index " + head + " out of range for positional args tuple");
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
        std::string attr =
            field.substr(p + 1, e == std::string::npos ? std::string::npos : e - p - 1);
        if (!v.is_config_dict() || !v.as_dict().find(attr))
          throw Error("AttributeError",
                      "'" + v.type_name() + "' object has no attribute '" + attr + "'");
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
    if (conv == 'r' || conv == 'a')
      v = Value(v.repr());
    else if (conv == 's')
      v = Value(v.str());
    else if (conv)
      throw Error("ValueError", std::string("Unknown conversion specifier ") + conv);
    out += format_value(v, spec);
  }
  return out;
}

}  // namespace mmcpp::config
