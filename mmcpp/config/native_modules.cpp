// The modules a config may import, implemented natively (make_module): copy,
// math, os.path (pure path string functions only) and mmengine.config
// (read_base). Which names are standard-library modules at all is
// stdlib_module_names.cpp's list.
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

}  // namespace mmcpp::config::detail

namespace mmcpp::config {

bool stdlib_module(const std::string& dotted, Value& out) {
  static const std::map<std::string, Value> mods = {
      {"copy", Value::callable(detail::make_module("copy"))},
      {"math", Value::callable(detail::make_module("math"))},
      {"os", Value::callable(detail::make_module("os"))},
      {"os.path", Value::callable(detail::make_module("os.path"))},
      {"mmengine", Value::callable(detail::make_module("mmengine"))},
      {"mmengine.config", Value::callable(detail::make_module("mmengine.config"))},
  };
  auto it = mods.find(dotted);
  if (it == mods.end()) return false;
  out = it->second;
  return true;
}

}  // namespace mmcpp::config
