// Evaluates a parsed config file: the restricted Python that MMEngine runs with
// `exec`. Only pure computation on config values is possible: there is no
// file, process, network or environment access, and anything outside the
// supported language is a clear error naming the construct and its position.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mmcpp/config/ast.h"
#include "mmcpp/config/lexer.h"
#include "mmcpp/config/value.h"

namespace mmcpp::config {

class Interpreter {
 public:
  // Called for every import statement executed; the loader decides what the
  // import binds (stdlib helpers, pure-Python-config LazyRefs, base configs).
  using ImportHandler = std::function<void(const Stmt&, Interpreter&)>;

  Interpreter(const SourceText& source, Value globals, ImportHandler on_import);

  void run(const Module& module);
  void run(const Body& body);

  // The module namespace (a plain dict: name -> value, in binding order).
  Value& globals() { return globals_; }
  void bind(const std::string& name, Value v);

  Value eval(const Expr& e);
  [[noreturn]] void fail(const std::string& kind, const std::string& message, Loc where) const;
  const SourceText& source() const { return src_; }

 private:
  enum class Flow { Normal, Break, Continue };
  Flow exec(const Stmt& s);
  Flow exec_body(const Body& body);
  Value eval_inner(const Expr& e);
  Value lookup(const std::string& name, Loc where);
  // iterate(v), with a failure reported at `where` (the iterable's position).
  std::vector<Value> iterate_at(const Value& v, Loc where) const;
  void assign(const Expr& target, Value v);
  void del(const Expr& target);
  Value call(const Expr& e);
  Value fstring(const Expr& e);
  Value comprehension(const Expr& e);
  void comprehension_loop(const Expr& e, std::size_t gen, const std::function<void()>& emit);
  Value attribute(const Value& obj, const std::string& name);
  void step();

  const SourceText& src_;
  Value globals_;
  ImportHandler on_import_;
  std::vector<std::map<std::string, Value>> scopes_;  // comprehension scopes
  std::size_t steps_ = 0;
};

// ---- value operations with Python semantics (operators.cpp) ----
Value binary_op(const std::string& op, const Value& a, const Value& b);
Value unary_op(const std::string& op, const Value& a);
bool compare_op(const std::string& op, const Value& a, const Value& b);
// Elements of an iterable (list, tuple, set, str characters, dict keys).
std::vector<Value> iterate(const Value& v);
// Python's format(value, spec).
std::string format_value(const Value& v, const std::string& spec);
// Python's str.format(*args, **kwargs).
std::string str_format(const std::string& fmt, const std::vector<Value>& args,
                       const std::vector<std::pair<std::string, Value>>& kwargs);

// ---- dict semantics (dict_ops.cpp) ----
// ConfigDict._hook: plain dicts become new ConfigDicts, lists/tuples are rebuilt.
Value config_dict_hook(const Value& v);
// A deep copy with every dict turned into a ConfigDict (Config._dict_to_config_dict).
Value config_dict_tree(const Value& v);
// d[key] = v honouring ConfigDict's conversion of assigned values.
void dict_set(Value& d, const Value& key, const Value& v);
// d.update(other) (recursive for ConfigDict, shallow for dict).
void dict_update(Value& d, const Value& other);
// ConfigDict.merge(other).
void config_dict_merge(Value& d, const Value& other);
// A bound method or attribute of a value, or nullopt-like None+false.
bool builtin_attribute(const Value& obj, const std::string& name, Value& out);
// The builtin function table (dict, list, len, range, round, ...).
const Value* builtin_function(const std::string& name);
// Standard-library modules a config may import (copy, math, os.path subset).
bool stdlib_module(const std::string& dotted, Value& out);

}  // namespace mmcpp::config
