// str methods: format, join, split, strip, replace, find, ... with Python semantics.
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

namespace {

Value split(const std::string& s, const Value& sep, std::int64_t maxsplit, bool from_right) {
  std::vector<std::string> parts;
  if (sep.is_none()) {
    std::vector<std::pair<std::size_t, std::size_t>> words;
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (i >= s.size()) break;
      std::size_t b = i;
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      words.emplace_back(b, i);
    }
    if (maxsplit >= 0 && static_cast<std::size_t>(maxsplit) + 1 < words.size()) {
      std::size_t keep = static_cast<std::size_t>(maxsplit);
      if (!from_right) {
        for (std::size_t k = 0; k < keep; ++k)
          parts.push_back(s.substr(words[k].first, words[k].second - words[k].first));
        std::string rest = s.substr(words[keep].first);
        while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back())))
          rest.pop_back();
        parts.push_back(rest);
      } else {
        std::size_t first = words.size() - keep;
        std::string rest = s.substr(0, words[first - 1].second);
        std::size_t lead = rest.find_first_not_of(" \t\n\r\f\v");
        parts.push_back(rest.substr(lead));
        for (std::size_t k = first; k < words.size(); ++k)
          parts.push_back(s.substr(words[k].first, words[k].second - words[k].first));
      }
    } else {
      for (auto& [b, e] : words) parts.push_back(s.substr(b, e - b));
    }
  } else {
    const std::string& d = sep.as_str();
    if (d.empty()) throw Error("ValueError", "empty separator");
    std::vector<std::string> all;
    std::size_t b = 0, p;
    while ((p = s.find(d, b)) != std::string::npos) {
      all.push_back(s.substr(b, p - b));
      b = p + d.size();
    }
    all.push_back(s.substr(b));
    if (maxsplit < 0 || static_cast<std::size_t>(maxsplit) + 1 >= all.size()) {
      parts = all;
    } else if (!from_right) {
      std::size_t keep = static_cast<std::size_t>(maxsplit);
      parts.assign(all.begin(), all.begin() + keep);
      std::string rest = all[keep];
      for (std::size_t k = keep + 1; k < all.size(); ++k) rest += d + all[k];
      parts.push_back(rest);
    } else {
      std::size_t first = all.size() - static_cast<std::size_t>(maxsplit);
      std::string rest = all[0];
      for (std::size_t k = 1; k < first; ++k) rest += d + all[k];
      parts.push_back(rest);
      parts.insert(parts.end(), all.begin() + first, all.end());
    }
  }
  Value::Items out;
  for (auto& p : parts) out.emplace_back(p);
  return Value::list(std::move(out));
}

bool affix_match(const std::string& s, const Value& affix, bool prefix) {
  auto one = [&](const std::string& a) {
    if (a.size() > s.size()) return false;
    return prefix ? s.compare(0, a.size(), a) == 0
                  : s.compare(s.size() - a.size(), a.size(), a) == 0;
  };
  if (affix.is_tuple()) {
    for (const auto& a : affix.items())
      if (one(a.as_str())) return true;
    return false;
  }
  return one(affix.as_str());
}

}  // namespace

Value str_method(const Value& self, const std::string& name, Args& a) {
  const std::string& s = self.as_str();
  auto arg = [&](std::size_t i) -> const Value& { return a.positional.at(i); };
  if (name == "format") return Value(str_format(s, a.positional, a.keywords));
  if (name == "join") {
    arity(a, "join", 1, 1);
    std::string out;
    bool first = true;
    std::size_t index = 0;
    for (auto& v : iterate(arg(0))) {
      if (!v.is_str())
        throw Error("TypeError", "sequence item " + std::to_string(index) +
                                     ": expected str instance, " + v.type_name() + " found");
      ++index;
      if (!first) out += s;
      out += v.as_str();
      first = false;
    }
    return Value(out);
  }
  if (name == "split" || name == "rsplit") {
    only_keywords(a, name, {"sep", "maxsplit"});
    arity(a, name, 0, 2);
    Value sep = a.positional.size() > 0 ? arg(0) : Value();
    if (const Value* k = keyword(a, "sep")) sep = *k;
    std::int64_t maxsplit = a.positional.size() > 1 ? arg(1).as_int() : -1;
    if (const Value* k = keyword(a, "maxsplit")) maxsplit = k->as_int();
    return split(s, sep, maxsplit, name == "rsplit");
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    arity(a, name, 0, 1);
    Value chars = a.positional.empty() ? Value() : arg(0);
    return Value(strip(s, chars, name != "rstrip", name != "lstrip"));
  }
  if (name == "replace") {
    arity(a, name, 2, 3);
    const std::string& from = arg(0).as_str();
    const std::string& to = arg(1).as_str();
    std::int64_t count = a.positional.size() > 2 ? arg(2).as_int() : -1;
    std::string out;
    std::size_t b = 0;
    if (from.empty()) {
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (count-- != 0)
          out += to;
        else {
          out += s.substr(i);
          break;
        }
        if (i < s.size()) out += s[i];
      }
      return Value(out);
    }
    std::size_t p;
    while (count != 0 && (p = s.find(from, b)) != std::string::npos) {
      out += s.substr(b, p - b) + to;
      b = p + from.size();
      --count;
    }
    return Value(out + s.substr(b));
  }
  if (name == "startswith" || name == "endswith") {
    arity(a, name, 1, 1);
    return Value(affix_match(s, arg(0), name == "startswith"));
  }
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize" ||
      name == "swapcase") {
    arity(a, name, 0, 0);
    std::string out = s;
    bool start = true;
    for (std::size_t i = 0; i < out.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(out[i]);
      if (name == "upper")
        out[i] = static_cast<char>(std::toupper(c));
      else if (name == "lower")
        out[i] = static_cast<char>(std::tolower(c));
      else if (name == "swapcase")
        out[i] = static_cast<char>(std::isupper(c) ? std::tolower(c) : std::toupper(c));
      else if (name == "capitalize")
        out[i] = static_cast<char>(i == 0 ? std::toupper(c) : std::tolower(c));
      else {
        out[i] = static_cast<char>(start ? std::toupper(c) : std::tolower(c));
        start = !std::isalpha(c);
      }
    }
    return Value(out);
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    arity(a, name, 1, 1);
    const std::string& sub = arg(0).as_str();
    if (name == "count") {
      if (sub.empty()) return Value(static_cast<std::int64_t>(s.size() + 1));
      std::int64_t n = 0;
      for (std::size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size()))
        ++n;
      return Value(n);
    }
    std::size_t p = name[0] == 'r' ? s.rfind(sub) : s.find(sub);
    if (p == std::string::npos) {
      if (name == "index" || name == "rindex") throw Error("ValueError", "substring not found");
      return Value(std::int64_t{-1});
    }
    std::int64_t chars = 0;  // a character offset, not a UTF-8 byte offset
    for (std::size_t k = 0; k < p; ++k) chars += (static_cast<unsigned char>(s[k]) & 0xC0) != 0x80;
    return Value(chars);
  }
  if (name == "zfill") {
    arity(a, name, 1, 1);
    std::int64_t w = arg(0).as_int();
    std::size_t len = iterate(self).size();  // characters, not bytes
    if (static_cast<std::int64_t>(len) >= w) return self;
    std::string pad(static_cast<std::size_t>(w) - len, '0');
    if (!s.empty() && (s[0] == '-' || s[0] == '+'))
      return Value(s.substr(0, 1) + pad + s.substr(1));
    return Value(pad + s);
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    arity(a, name, 1, 2);
    std::string fill = a.positional.size() > 1 ? arg(1).as_str() : " ";
    std::string spec = fill +
                       (name == "center"  ? "^"
                        : name == "ljust" ? "<"
                                          : ">") +
                       std::to_string(arg(0).as_int());
    return Value(format_value(self, spec));
  }
  if (name == "isdigit" || name == "isalpha" || name == "isalnum" || name == "isspace" ||
      name == "isupper" || name == "islower" || name == "isidentifier") {
    arity(a, name, 0, 0);
    if (s.empty()) return Value(false);
    if (name == "isidentifier") {
      bool ok = std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_' ||
                static_cast<unsigned char>(s[0]) >= 0x80;
      for (unsigned char c : s) ok = ok && (std::isalnum(c) || c == '_' || c >= 0x80);
      return Value(ok);
    }
    bool ok = true;
    for (unsigned char c : s) {
      if (name == "isdigit")
        ok = ok && std::isdigit(c);
      else if (name == "isalpha")
        ok = ok && std::isalpha(c);
      else if (name == "isalnum")
        ok = ok && std::isalnum(c);
      else if (name == "isspace")
        ok = ok && std::isspace(c);
      else if (name == "isupper")
        ok = ok && !std::islower(c);
      else
        ok = ok && !std::isupper(c);
    }
    return Value(ok);
  }
  if (name == "partition" || name == "rpartition") {
    arity(a, name, 1, 1);
    const std::string& sep = arg(0).as_str();
    std::size_t p = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (p == std::string::npos)
      return name == "partition" ? Value::tuple({Value(s), Value(""), Value("")})
                                 : Value::tuple({Value(""), Value(""), Value(s)});
    return Value::tuple({Value(s.substr(0, p)), Value(sep), Value(s.substr(p + sep.size()))});
  }
  if (name == "splitlines") {
    Value::Items out;
    std::size_t b = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
      if (s[i] == '\n') {
        std::size_t e = i > b && s[i - 1] == '\r' ? i - 1 : i;
        out.emplace_back(s.substr(b, e - b));
        b = i + 1;
      }
    if (b < s.size()) out.emplace_back(s.substr(b));
    return Value::list(std::move(out));
  }
  if (name == "removeprefix" || name == "removesuffix") {
    arity(a, name, 1, 1);
    const std::string& x = arg(0).as_str();
    if (name == "removeprefix")
      return Value(s.compare(0, x.size(), x) == 0 ? s.substr(x.size()) : s);
    if (x.size() <= s.size() && s.compare(s.size() - x.size(), x.size(), x) == 0)
      return Value(s.substr(0, s.size() - x.size()));
    return self;
  }
  throw Error("AttributeError", "'str' object has no attribute '" + name + "'");
}

}  // namespace mmcpp::config::detail
