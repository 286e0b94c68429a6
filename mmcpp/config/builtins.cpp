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

#include "mmcpp/config/builtins_support.h"

namespace mmcpp::config {
namespace detail {
namespace {

Value py_round(Args& a) {
  only_keywords(a, "round", {"ndigits"});
  const Value* nd = keyword(a, "ndigits");
  arity(a, "round", 1, nd ? 1 : 2);
  const Value& x = a.positional[0];
  Value ndigits = nd ? *nd : a.positional.size() > 1 ? a.positional[1] : Value();
  if (!x.is_number() && !x.is_bool())
    throw Error("TypeError", "type " + x.type_name() + " doesn't define __round__ method");
  if (ndigits.is_none()) {
    if (x.is_int() || x.is_bool()) return Value(x.as_big_int());
    double r = std::nearbyint(x.as_float());  // half to even, as Python
    return integral_float(r);
  }
  if (ndigits.is_big_int()) {
    if (x.is_float()) return ndigits.as_big_int().negative() ? Value(0.0 * x.as_float()) : x;
    return ndigits.as_big_int().negative() ? Value(std::int64_t{0}) : Value(x.as_big_int());
  }
  std::int64_t n = ndigits.as_int();
  if (x.is_int() || x.is_bool()) {
    if (n >= 0) return Value(x.as_big_int());
    // Exact, half to even: x = q * 10^-n + r.
    if (-n > static_cast<std::int64_t>(BigInt::kMaxBits / 3)) return Value(std::int64_t{0});
    BigInt p = BigInt::pow(BigInt(10), static_cast<std::uint64_t>(-n)), q, r;
    BigInt::floor_divmod(x.as_big_int(), p, q, r);
    int c = (r + r).compare(p);
    if (c > 0 || (c == 0 && !(q & BigInt(1)).is_zero())) q = q + BigInt(1);
    return Value(q * p);
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
    if (v.is_int() || v.is_bool()) {
      BigInt x = v.as_big_int();
      return Value(x.negative() ? -x : x);
    }
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

}  // namespace

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

}  // namespace detail

using namespace detail;

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

}  // namespace mmcpp::config
