// The builtin functions, value methods and standard-library helpers that configs
// call: dict/list/tuple/round/len/range/..., str.format/join/split/...,
// list.append/..., dict.get/update/copy/..., copy.deepcopy, math.*, os.path.*.
// All pure: nothing here touches files, processes, the network or the environment.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <set>

#include "mmcpp/config/interpreter.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config {
namespace {

using Args = Callable::Args;
using Fn = std::function<Value(Args&)>;

class NativeFunction : public Callable {
 public:
  NativeFunction(std::string name, Fn fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  Value call(Args& args) override { return fn_(args); }

 private:
  std::string name_;
  Fn fn_;
};

class NativeModule : public Callable {
 public:
  explicit NativeModule(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  bool is_module() const override { return true; }
  Value call(Args&) override { throw Error("TypeError", "'module' object is not callable"); }
  const Value* attribute(const std::string& n) const override {
    auto it = attrs_.find(n);
    return it == attrs_.end() ? nullptr : &it->second;
  }
  std::map<std::string, Value> attrs_;

 private:
  std::string name_;
};

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
std::int64_t integral_float(double r) {
  if (std::isnan(r)) throw Error("ValueError", "cannot convert float NaN to integer");
  if (std::isinf(r)) throw Error("OverflowError", "cannot convert float infinity to integer");
  if (std::fabs(r) >= 9223372036854775808.0)
    throw Error("OverflowError", "integer " + float_repr(r) + " does not fit in 64 bits");
  return static_cast<std::int64_t>(r);
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

std::string strip(const std::string& s, const Value& chars, bool left, bool right) {
  std::string set = chars.is_none() ? std::string(" \t\n\r\f\v") : chars.as_str();
  std::size_t b = 0, e = s.size();
  if (left)
    while (b < e && set.find(s[b]) != std::string::npos) ++b;
  if (right)
    while (e > b && set.find(s[e - 1]) != std::string::npos) --e;
  return s.substr(b, e - b);
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
  if (v.is_int() || v.is_bool()) return Value(v.as_int());
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
    char* end = nullptr;
    errno = 0;
    long long x = digits.empty() || !std::isalnum(static_cast<unsigned char>(digits[0]))
                      ? 0
                      : std::strtoll(digits.c_str(), &end, b);
    if (digits.empty() || !end || *end != '\0')
      throw Error("ValueError", "invalid literal for int() with base " + std::to_string(b) + ": " +
                                    str_repr(v.as_str()));
    if (errno == ERANGE) throw Error("OverflowError", "int too large for 64 bits: " + v.as_str());
    return Value(static_cast<std::int64_t>(neg ? -x : x));
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

Value py_round(Args& a) {
  only_keywords(a, "round", {"ndigits"});
  const Value* nd = keyword(a, "ndigits");
  arity(a, "round", 1, nd ? 1 : 2);
  const Value& x = a.positional[0];
  Value ndigits = nd ? *nd : a.positional.size() > 1 ? a.positional[1] : Value();
  if (!x.is_number() && !x.is_bool())
    throw Error("TypeError", "type " + x.type_name() + " doesn't define __round__ method");
  if (ndigits.is_none()) {
    if (x.is_int() || x.is_bool()) return Value(x.as_int());
    double r = std::nearbyint(x.as_float());  // half to even, as Python
    return Value(integral_float(r));
  }
  std::int64_t n = ndigits.as_int();
  if (x.is_int() || x.is_bool()) {
    if (n >= 0) return Value(x.as_int());
    std::int64_t p = 1;
    for (std::int64_t i = 0; i < -n && p < 1000000000000000000LL; ++i) p *= 10;
    double q = std::nearbyint(static_cast<double>(x.as_int()) / static_cast<double>(p));
    return Value(static_cast<std::int64_t>(q) * p);
  }
  double d = x.as_float();
  if (std::isnan(d) || std::isinf(d)) return Value(d);
  if (n > 300) return Value(d);
  if (n < -308) return Value(0.0 * d);
  if (n >= 0) {
    // Correctly rounded decimal conversion (glibc), as Python's dtoa-based round.
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(n), d);
    return Value(std::strtod(buf, nullptr));
  }
  double p = std::pow(10.0, static_cast<double>(-n));
  return Value(std::nearbyint(d / p) * p);
}

Value min_max(Args& a, bool want_max) {
  const char* name = want_max ? "max" : "min";
  only_keywords(a, name, {"default"});
  std::vector<Value> items = a.positional.size() == 1 ? iterate(a.positional[0]) : a.positional;
  if (items.empty()) {
    if (const Value* d = keyword(a, "default")) return *d;
    throw Error("ValueError", std::string(name) + "() arg is an empty sequence");
  }
  Value best = items[0];
  for (std::size_t i = 1; i < items.size(); ++i)
    if (want_max ? less_than(best, items[i]) : less_than(items[i], best)) best = items[i];
  return best;
}

std::map<std::string, Value> make_builtins() {
  std::map<std::string, Value> b;
  b["dict"] = fn("dict", [](Args& a) { return dict_from_args(a, false); });
  b["list"] = fn("list", [](Args& a) {
    no_keywords(a, "list");
    arity(a, "list", 0, 1);
    return Value::list(a.positional.empty() ? Value::Items{} : iterate(a.positional[0]));
  });
  b["tuple"] = fn("tuple", [](Args& a) {
    no_keywords(a, "tuple");
    arity(a, "tuple", 0, 1);
    return Value::tuple(a.positional.empty() ? Value::Items{} : iterate(a.positional[0]));
  });
  b["set"] = fn("set", [](Args& a) {
    no_keywords(a, "set");
    arity(a, "set", 0, 1);
    auto items = a.positional.empty() ? Value::Items{} : iterate(a.positional[0]);
    for (auto& v : items)
      if (!v.hashable()) throw Error("TypeError", "unhashable type: '" + v.type_name() + "'");
    return Value::set(std::move(items));
  });
  b["int"] = fn("int", [](Args& a) {
    only_keywords(a, "int", {"base"});
    arity(a, "int", 0, 2);
    if (a.positional.empty()) return Value(std::int64_t{0});
    const Value* base = keyword(a, "base");
    Value pb;
    if (a.positional.size() == 2) {
      pb = a.positional[1];
      base = &pb;
    }
    return to_int(a.positional[0], base);
  });
  b["float"] = fn("float", [](Args& a) {
    no_keywords(a, "float");
    arity(a, "float", 0, 1);
    return a.positional.empty() ? Value(0.0) : to_float(a.positional[0]);
  });
  b["str"] = fn("str", [](Args& a) {
    no_keywords(a, "str");
    arity(a, "str", 0, 1);
    return a.positional.empty() ? Value("") : Value(a.positional[0].str());
  });
  b["bool"] = fn("bool", [](Args& a) {
    no_keywords(a, "bool");
    arity(a, "bool", 0, 1);
    return Value(!a.positional.empty() && a.positional[0].truthy());
  });
  b["len"] = fn("len", [](Args& a) {
    no_keywords(a, "len");
    arity(a, "len", 1, 1);
    const Value& v = a.positional[0];
    if (v.is_str()) return Value(static_cast<std::int64_t>(iterate(v).size()));
    if (v.is_dict()) return Value(static_cast<std::int64_t>(v.as_dict().size()));
    if (v.is_sequence() || v.is_set()) return Value(static_cast<std::int64_t>(v.items().size()));
    throw Error("TypeError", "object of type '" + v.type_name() + "' has no len()");
  });
  b["range"] = fn("range", [](Args& a) {
    no_keywords(a, "range");
    arity(a, "range", 1, 3);
    for (const auto& v : a.positional)
      if (!v.is_int() && !v.is_bool())
        throw Error("TypeError",
                    "'" + v.type_name() + "' object cannot be interpreted as an integer");
    std::int64_t start = 0, stop, step = 1;
    if (a.positional.size() == 1) {
      stop = a.positional[0].as_int();
    } else {
      start = a.positional[0].as_int();
      stop = a.positional[1].as_int();
      if (a.positional.size() == 3) step = a.positional[2].as_int();
    }
    if (step == 0) throw Error("ValueError", "range() arg 3 must not be zero");
    Value::Items out;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (out.size() >= 10'000'000) throw Error("MemoryError", "range() too large for a config");
      out.emplace_back(i);
    }
    return Value::list(std::move(out));
  });
  b["round"] = fn("round", py_round);
  b["max"] = fn("max", [](Args& a) { return min_max(a, true); });
  b["min"] = fn("min", [](Args& a) { return min_max(a, false); });
  b["abs"] = fn("abs", [](Args& a) {
    arity(a, "abs", 1, 1);
    const Value& v = a.positional[0];
    if (v.is_int() || v.is_bool()) return v.as_int() < 0 ? unary_op("-", v) : Value(v.as_int());
    if (v.is_float()) return Value(std::fabs(v.as_float()));
    throw Error("TypeError", "bad operand type for abs(): '" + v.type_name() + "'");
  });
  b["sorted"] = fn("sorted", [](Args& a) {
    only_keywords(a, "sorted", {"reverse"});
    arity(a, "sorted", 1, 1);
    auto items = iterate(a.positional[0]);
    std::stable_sort(items.begin(), items.end(), less_than);
    const Value* rev = keyword(a, "reverse");
    if (rev && rev->truthy()) std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
  });
  b["reversed"] = fn("reversed", [](Args& a) {
    arity(a, "reversed", 1, 1);
    auto items = iterate(a.positional[0]);
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
  });
  b["sum"] = fn("sum", [](Args& a) {
    only_keywords(a, "sum", {"start"});
    arity(a, "sum", 1, 2);
    Value acc = a.positional.size() > 1 ? a.positional[1] : Value(std::int64_t{0});
    if (const Value* s = keyword(a, "start")) acc = *s;
    for (auto& v : iterate(a.positional[0])) acc = binary_op("+", acc, v);
    return acc;
  });
  b["enumerate"] = fn("enumerate", [](Args& a) {
    only_keywords(a, "enumerate", {"start"});
    arity(a, "enumerate", 1, 2);
    std::int64_t i = a.positional.size() > 1 ? a.positional[1].as_int() : 0;
    if (const Value* s = keyword(a, "start")) i = s->as_int();
    Value::Items out;
    for (auto& v : iterate(a.positional[0])) out.push_back(Value::tuple({Value(i++), v}));
    return Value::list(std::move(out));
  });
  b["zip"] = fn("zip", [](Args& a) {
    no_keywords(a, "zip");
    std::vector<std::vector<Value>> seqs;
    for (auto& p : a.positional) seqs.push_back(iterate(p));
    Value::Items out;
    if (seqs.empty()) return Value::list();
    std::size_t n = seqs[0].size();
    for (auto& s : seqs) n = std::min(n, s.size());
    for (std::size_t i = 0; i < n; ++i) {
      Value::Items t;
      for (auto& s : seqs) t.push_back(s[i]);
      out.push_back(Value::tuple(std::move(t)));
    }
    return Value::list(std::move(out));
  });
  b["any"] = fn("any", [](Args& a) {
    arity(a, "any", 1, 1);
    for (auto& v : iterate(a.positional[0]))
      if (v.truthy()) return Value(true);
    return Value(false);
  });
  b["all"] = fn("all", [](Args& a) {
    arity(a, "all", 1, 1);
    for (auto& v : iterate(a.positional[0]))
      if (!v.truthy()) return Value(false);
    return Value(true);
  });
  b["pow"] = fn("pow", [](Args& a) {
    arity(a, "pow", 2, 2);
    return binary_op("**", a.positional[0], a.positional[1]);
  });
  b["divmod"] = fn("divmod", [](Args& a) {
    arity(a, "divmod", 2, 2);
    return Value::tuple({binary_op("//", a.positional[0], a.positional[1]),
                         binary_op("%", a.positional[0], a.positional[1])});
  });
  b["map"] = fn("map", [](Args& a) {
    arity(a, "map", 2, 2);
    if (!a.positional[0].is_callable()) throw Error("TypeError", "map() needs a function");
    Value::Items out;
    for (auto& v : iterate(a.positional[1])) {
      Args one;
      one.positional.push_back(v);
      out.push_back(a.positional[0].as_callable().call(one));
    }
    return Value::list(std::move(out));
  });
  // print() is harmless; keep stdout for the tool's own output.
  b["print"] = fn("print", [](Args& a) {
    std::string line;
    for (std::size_t i = 0; i < a.positional.size(); ++i)
      line += (i ? " " : "") + a.positional[i].str();
    std::cerr << line << "\n";
    return Value();
  });
  return b;
}

// ---- methods ----

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

Value list_method(Value self, const std::string& name, Args& a) {
  auto& items = self.items();
  bool is_list = self.is_list();
  if (name == "index") {
    arity(a, name, 1, 1);
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].equals(a.positional[0])) return Value(static_cast<std::int64_t>(i));
    throw Error("ValueError", a.positional[0].repr() + " is not in " + self.type_name());
  }
  if (name == "count") {
    arity(a, name, 1, 1);
    std::int64_t n = 0;
    for (auto& v : items) n += v.equals(a.positional[0]);
    return Value(n);
  }
  if (!is_list)
    throw Error("AttributeError",
                "'" + self.type_name() + "' object has no attribute '" + name + "'");
  if (name == "append") {
    arity(a, name, 1, 1);
    items.push_back(a.positional[0]);
    return Value();
  }
  if (name == "extend") {
    arity(a, name, 1, 1);
    for (auto& v : iterate(a.positional[0])) items.push_back(v);
    return Value();
  }
  if (name == "insert") {
    arity(a, name, 2, 2);
    std::int64_t i = a.positional[0].as_int(), n = static_cast<std::int64_t>(items.size());
    if (i < 0) i = std::max<std::int64_t>(0, i + n);
    i = std::min(i, n);
    items.insert(items.begin() + i, a.positional[1]);
    return Value();
  }
  if (name == "pop") {
    arity(a, name, 0, 1);
    if (items.empty()) throw Error("IndexError", "pop from empty list");
    std::int64_t n = static_cast<std::int64_t>(items.size());
    std::int64_t i = a.positional.empty() ? n - 1 : a.positional[0].as_int();
    if (i < 0) i += n;
    if (i < 0 || i >= n) throw Error("IndexError", "pop index out of range");
    Value v = items[static_cast<std::size_t>(i)];
    items.erase(items.begin() + i);
    return v;
  }
  if (name == "remove") {
    arity(a, name, 1, 1);
    for (auto it = items.begin(); it != items.end(); ++it)
      if (it->equals(a.positional[0])) {
        items.erase(it);
        return Value();
      }
    throw Error("ValueError", "list.remove(x): x not in list");
  }
  if (name == "copy") return Value::list(items);
  if (name == "clear") {
    items.clear();
    return Value();
  }
  if (name == "reverse") {
    std::reverse(items.begin(), items.end());
    return Value();
  }
  if (name == "sort") {
    only_keywords(a, name, {"reverse"});
    std::stable_sort(items.begin(), items.end(), less_than);
    const Value* rev = keyword(a, "reverse");
    if (rev && rev->truthy()) std::reverse(items.begin(), items.end());
    return Value();
  }
  throw Error("AttributeError", "'list' object has no attribute '" + name + "'");
}

Value dict_method(Value self, const std::string& name, Args& a) {
  Dict& d = self.as_dict();
  bool cfg = self.is_config_dict();
  if (name == "get") {
    arity(a, name, 1, 2);
    const Value* v = d.find(a.positional[0]);
    return v ? *v : a.positional.size() > 1 ? a.positional[1] : Value();
  }
  if (name == "update") {
    arity(a, name, 0, 1);
    if (!a.positional.empty()) {
      const Value& src = a.positional[0];
      if (src.is_dict()) {
        dict_update(self, src);
      } else {
        Args pairs;
        pairs.positional.push_back(src);
        dict_update(self, dict_from_args(pairs, false));
      }
    }
    if (!a.keywords.empty()) {
      Value kw = Value::dict(false);
      for (auto& [k, v] : a.keywords) kw.as_dict().set(Value(k), v);
      dict_update(self, kw);
    }
    return Value();
  }
  if (name == "merge" && cfg) {
    arity(a, name, 1, 1);
    config_dict_merge(self, a.positional[0]);
    return Value();
  }
  if (name == "copy") {
    arity(a, name, 0, 0);
    return shallow_copy(self);
  }
  if (name == "keys" || name == "values" || name == "items") {
    arity(a, name, 0, 0);
    Value::Items out;
    for (auto& [k, v] : d.entries())
      out.push_back(name == "keys" ? k : name == "values" ? v : Value::tuple({k, v}));
    return Value::list(std::move(out));
  }
  if (name == "pop") {
    arity(a, name, 1, 2);
    const Value* v = d.find(a.positional[0]);
    if (v) {
      Value out = *v;
      d.erase(a.positional[0]);
      return out;
    }
    if (a.positional.size() > 1) return a.positional[1];
    if (cfg) return Value();  // ConfigDict.pop(key, default=None)
    throw Error("KeyError", a.positional[0].repr());
  }
  if (name == "setdefault") {
    arity(a, name, 1, 2);
    if (const Value* v = d.find(a.positional[0])) return *v;
    Value dflt = a.positional.size() > 1 ? a.positional[1] : Value();
    dict_set(self, a.positional[0], dflt);
    // The default itself, even where a ConfigDict stored a converted copy
    // (addict's setdefault returns its argument).
    return dflt;
  }
  if (name == "clear") {
    d.clear();
    return Value();
  }
  if (name == "popitem") {
    if (d.empty()) throw Error("KeyError", "'popitem(): dictionary is empty'");
    auto e = d.entries().back();
    d.entries().pop_back();
    return Value::tuple({e.first, e.second});
  }
  if (name == "to_dict" && cfg) return self.deep_copy();
  throw Error("AttributeError",
              "'" + self.type_name() + "' object has no attribute '" + name + "'");
}

Value set_method(Value self, const std::string& name, Args& a) {
  if (name == "add") {
    arity(a, name, 1, 1);
    Value merged = binary_op("|", self, Value::set({a.positional[0]}));
    self.items() = merged.items();
    return Value();
  }
  if (name == "update" || name == "union") {
    Value acc = name == "union" ? Value::set(self.items()) : self;
    for (auto& p : a.positional) {
      Value merged = binary_op("|", acc, Value::set(iterate(p)));
      acc.items() = merged.items();
    }
    return name == "union" ? acc : Value();
  }
  if (name == "copy") return Value::set(self.items());
  if (name == "discard" || name == "remove") {
    arity(a, name, 1, 1);
    auto& items = self.items();
    for (auto it = items.begin(); it != items.end(); ++it)
      if (it->equals(a.positional[0])) {
        items.erase(it);
        return Value();
      }
    if (name == "remove") throw Error("KeyError", a.positional[0].repr());
    return Value();
  }
  throw Error("AttributeError", "'set' object has no attribute '" + name + "'");
}

bool has_method(const Value& v, const std::string& n) {
  static const std::set<std::string> str_m = {
      "format",       "join",       "split",      "rsplit",     "strip",        "lstrip",
      "rstrip",       "replace",    "startswith", "endswith",   "upper",        "lower",
      "title",        "capitalize", "swapcase",   "find",       "rfind",        "index",
      "rindex",       "count",      "zfill",      "center",     "ljust",        "rjust",
      "isdigit",      "isalpha",    "isalnum",    "isspace",    "isupper",      "islower",
      "isidentifier", "partition",  "rpartition", "splitlines", "removeprefix", "removesuffix"};
  static const std::set<std::string> list_m = {"append", "extend",  "insert", "pop",
                                               "remove", "index",   "count",  "copy",
                                               "clear",  "reverse", "sort"};
  static const std::set<std::string> tuple_m = {"index", "count"};
  static const std::set<std::string> dict_m = {"get",   "update", "copy",       "keys",  "values",
                                               "items", "pop",    "setdefault", "clear", "popitem"};
  static const std::set<std::string> cfg_m = {"merge", "to_dict"};
  static const std::set<std::string> set_m = {"add",  "update",  "union",
                                              "copy", "discard", "remove"};
  switch (v.kind()) {
    case Kind::Str:
      return str_m.count(n) > 0;
    case Kind::List:
      return list_m.count(n) > 0;
    case Kind::Tuple:
      return tuple_m.count(n) > 0;
    case Kind::Set:
      return set_m.count(n) > 0;
    case Kind::Dict:
      return dict_m.count(n) > 0 || (v.is_config_dict() && cfg_m.count(n) > 0);
    default:
      return false;
  }
}

std::shared_ptr<NativeModule> make_module(const std::string& name) {
  auto m = std::make_shared<NativeModule>(name);
  auto unary_math = [&](const char* n, double (*f)(double)) {
    m->attrs_[n] = fn(std::string("math.") + n, [f, n](Args& a) {
      arity(a, n, 1, 1);
      return Value(f(a.positional[0].as_number()));
    });
  };
  if (name == "copy") {
    m->attrs_["deepcopy"] = fn("copy.deepcopy", [](Args& a) {
      arity(a, "deepcopy", 1, 1);
      return a.positional[0].deep_copy();
    });
    m->attrs_["copy"] = fn("copy.copy", [](Args& a) {
      arity(a, "copy", 1, 1);
      return shallow_copy(a.positional[0]);
    });
  } else if (name == "math") {
    m->attrs_["pi"] = Value(M_PI);
    m->attrs_["e"] = Value(M_E);
    m->attrs_["inf"] = Value(INFINITY);
    m->attrs_["nan"] = Value(std::nan(""));
    unary_math("sqrt", std::sqrt);
    unary_math("exp", std::exp);
    unary_math("log2", std::log2);
    unary_math("log10", std::log10);
    unary_math("sin", std::sin);
    unary_math("cos", std::cos);
    unary_math("tan", std::tan);
    m->attrs_["log"] = fn("math.log", [](Args& a) {
      arity(a, "log", 1, 2);
      double x = std::log(a.positional[0].as_number());
      return Value(a.positional.size() > 1 ? x / std::log(a.positional[1].as_number()) : x);
    });
    m->attrs_["ceil"] = fn("math.ceil", [](Args& a) {
      arity(a, "ceil", 1, 1);
      const Value& x = a.positional[0];
      return x.is_float() ? Value(integral_float(std::ceil(x.as_float()))) : Value(x.as_int());
    });
    m->attrs_["floor"] = fn("math.floor", [](Args& a) {
      arity(a, "floor", 1, 1);
      const Value& x = a.positional[0];
      return x.is_float() ? Value(integral_float(std::floor(x.as_float()))) : Value(x.as_int());
    });
    m->attrs_["pow"] = fn("math.pow", [](Args& a) {
      arity(a, "pow", 2, 2);
      return Value(std::pow(a.positional[0].as_number(), a.positional[1].as_number()));
    });
  } else if (name == "mmengine.config" || name == "mmengine") {
    // `from mmengine.config import read_base`: the `with read_base():` block is
    // resolved by the loader, so the function itself never does anything.
    m->attrs_["read_base"] = fn("read_base", [](Args&) { return Value(); });
    // ConfigDict(...) builds a ConfigDict (nested dicts converted), as MMEngine's.
    m->attrs_["ConfigDict"] = fn("ConfigDict", [](Args& a) { return dict_from_args(a, true); });
    m->attrs_["Config"] = fn("Config", [](Args&) -> Value {
      throw Error("TypeError", "mmengine.Config cannot be used inside an mmcpp config");
    });
  } else if (name == "os.path" || name == "os") {
    // Pure path-string helpers only: nothing that looks at the filesystem.
    auto path = std::make_shared<NativeModule>("os.path");
    path->attrs_["join"] = fn("os.path.join", [](Args& a) {
      std::string out;
      for (auto& p : a.positional) {
        const std::string& s = p.as_str();
        if (!s.empty() && s[0] == '/')
          out = s;
        else if (out.empty() || out.back() == '/')
          out += s;
        else
          out += "/" + s;
      }
      return Value(out);
    });
    path->attrs_["basename"] = fn("os.path.basename", [](Args& a) {
      arity(a, "basename", 1, 1);
      const std::string& s = a.positional[0].as_str();
      return Value(s.substr(s.rfind('/') == std::string::npos ? 0 : s.rfind('/') + 1));
    });
    path->attrs_["dirname"] = fn("os.path.dirname", [](Args& a) {
      arity(a, "dirname", 1, 1);
      const std::string& s = a.positional[0].as_str();
      std::size_t p = s.rfind('/');
      if (p == std::string::npos) return Value("");
      std::string head = s.substr(0, p + 1);
      while (head.size() > 1 && head.back() == '/') head.pop_back();
      return Value(head);
    });
    path->attrs_["splitext"] = fn("os.path.splitext", [](Args& a) {
      arity(a, "splitext", 1, 1);
      const std::string& s = a.positional[0].as_str();
      std::size_t slash = s.rfind('/');
      std::size_t dot = s.rfind('.');
      std::size_t base = slash == std::string::npos ? 0 : slash + 1;
      std::size_t lead = base;
      while (lead < s.size() && s[lead] == '.') ++lead;
      if (dot == std::string::npos || dot < lead) return Value::tuple({Value(s), Value("")});
      return Value::tuple({Value(s.substr(0, dot)), Value(s.substr(dot))});
    });
    if (name == "os.path") return path;
    m->attrs_["path"] = Value::callable(path);
  }
  return m;
}

}  // namespace

const Value* builtin_function(const std::string& name) {
  static const std::map<std::string, Value> table = make_builtins();
  auto it = table.find(name);
  return it == table.end() ? nullptr : &it->second;
}

bool builtin_attribute(const Value& obj, const std::string& name, Value& out) {
  if (!has_method(obj, name)) return false;
  Value self = obj;
  out = fn(obj.type_name() + "." + name, [self, name](Args& a) {
    switch (self.kind()) {
      case Kind::Str:
        return str_method(self, name, a);
      case Kind::List:
      case Kind::Tuple:
        return list_method(self, name, a);
      case Kind::Set:
        return set_method(self, name, a);
      default:
        return dict_method(self, name, a);
    }
  });
  return true;
}

bool stdlib_module(const std::string& dotted, Value& out) {
  static const std::map<std::string, Value> mods = {
      {"copy", Value::callable(make_module("copy"))},
      {"math", Value::callable(make_module("math"))},
      {"os", Value::callable(make_module("os"))},
      {"os.path", Value::callable(make_module("os.path"))},
      {"mmengine", Value::callable(make_module("mmengine"))},
      {"mmengine.config", Value::callable(make_module("mmengine.config"))},
  };
  auto it = mods.find(dotted);
  if (it == mods.end()) return false;
  out = it->second;
  return true;
}

}  // namespace mmcpp::config
