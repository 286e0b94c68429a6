// Internal to the config interpreter's builtins (builtins*.cpp, *_methods.cpp,
// native_modules.cpp): the native callable types and argument helpers.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>

#include "mmcpp/config/interpreter.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config::detail {

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

// A native function value named `name`.
Value fn(const std::string& name, Fn f);

// Argument checks with Python's messages.
void no_keywords(const Args& a, const std::string& name);
void arity(const Args& a, const std::string& name, std::size_t lo, std::size_t hi);
const Value* keyword(const Args& a, const std::string& k);
void only_keywords(const Args& a, const std::string& name, std::initializer_list<const char*> ok);
// A float that is a whole number, as int64 (OverflowError when it does not fit).
std::int64_t integral_float(double r);
bool less_than(const Value& a, const Value& b);
Value shallow_copy(const Value& v);
// str.strip/lstrip/rstrip.
std::string strip(const std::string& s, const Value& chars, bool left, bool right);
// dict(*args, **kwargs), as a ConfigDict when `config_dict`.
Value dict_from_args(Args& a, bool config_dict);
Value to_int(const Value& v, const Value* base);
Value to_float(const Value& v);

// Methods of values (str, list/tuple, dict/ConfigDict, set).
Value str_method(const Value& self, const std::string& name, Args& a);
Value list_method(Value self, const std::string& name, Args& a);
Value dict_method(Value self, const std::string& name, Args& a);
Value set_method(Value self, const std::string& name, Args& a);
bool has_method(const Value& v, const std::string& n);
// The helper modules a config may import (copy, math, os/os.path, mmengine.config).
std::shared_ptr<NativeModule> make_module(const std::string& name);

}  // namespace mmcpp::config::detail
