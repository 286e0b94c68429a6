// The config value model: the Python values a config can hold.
//
// int, float, bool, None, str, list, tuple, dict and set stay distinct (MMEngine
// distinguishes `1` from `1.0` and `(1,)` from `[1]`), dicts keep insertion order,
// and containers have Python's reference semantics while a config file is being
// evaluated (`b = a; b['x'] = 1` changes `a`). Loading ends with a deep copy, which
// is how MMEngine loses aliasing between keys.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "mmcpp/config/bigint.h"

namespace mmcpp::config {

class Value;
class Dict;
class Callable;

// A name imported in a pure-Python config (`from mmpretrain.models import ResNet`),
// MMEngine's LazyObject/LazyAttr. to_dict() writes it as `module + "." + name`.
struct LazyRef {
  std::string module;
  std::string name;
  // Prefix that attribute access appends to: `from a.b import C; C.D` ->
  // "a.b.C" + ".D"; `import a.b as m; m.C` -> "a.b" + ".C".
  std::string attr_base;
  std::string dotted() const { return module + "." + name; }
};

enum class Kind : std::uint8_t {
  None,
  Bool,
  Int,
  Float,
  Str,
  List,
  Tuple,
  Set,
  Dict,
  Lazy,      // pure-Python config import (see LazyRef)
  Callable,  // builtin function, bound method, module: only while evaluating
};

class Value {
 public:
  using Items = std::vector<Value>;

  Value() = default;  // None
  Value(std::nullptr_t) {}
  Value(bool b) : kind_(Kind::Bool), data_(b) {}
  Value(int i) : kind_(Kind::Int), data_(static_cast<std::int64_t>(i)) {}
  Value(std::int64_t i) : kind_(Kind::Int), data_(i) {}
  // An int of any size: stored as std::int64_t when it fits, else as a BigInt.
  Value(const BigInt& i);
  Value(double d) : kind_(Kind::Float), data_(d) {}
  Value(const char* s) : kind_(Kind::Str), data_(std::string(s)) {}
  Value(std::string s) : kind_(Kind::Str), data_(std::move(s)) {}
  Value(std::string_view s) : kind_(Kind::Str), data_(std::string(s)) {}

  static Value list(Items items = {});
  static Value tuple(Items items = {});
  static Value set(Items items = {});
  // A plain dict, or a ConfigDict (attribute access, recursive update()).
  static Value dict(bool config_dict = false);
  static Value lazy(LazyRef ref);
  static Value callable(std::shared_ptr<Callable> fn);

  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  // An int beyond 64 bits (as_int() raises OverflowError for it; as_big_int() works).
  bool is_big_int() const;
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float; }
  bool is_str() const { return kind_ == Kind::Str; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_tuple() const { return kind_ == Kind::Tuple; }
  bool is_set() const { return kind_ == Kind::Set; }
  bool is_sequence() const { return kind_ == Kind::List || kind_ == Kind::Tuple; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_config_dict() const;
  bool is_lazy() const { return kind_ == Kind::Lazy; }
  bool is_callable() const { return kind_ == Kind::Callable; }

  // Accessors throw mmcpp::Error("TypeError") naming the actual type on mismatch.
  bool as_bool() const;
  std::int64_t as_int() const;  // also accepts bool, as Python does; OverflowError beyond 64 bits
  BigInt as_big_int() const;    // int (any size) or bool
  double as_number() const;     // int, float or bool as double
  double as_float() const;
  const std::string& as_str() const;
  Items& items();  // list, tuple or set elements
  const Items& items() const;
  Dict& as_dict();
  const Dict& as_dict() const;
  const LazyRef& as_lazy() const;
  Callable& as_callable() const;

  // Python truthiness.
  bool truthy() const;
  // Python `==` (1 == 1.0 == True; containers element-wise; dicts order-free).
  bool equals(const Value& other) const;
  // Same object (Python `is`) for containers; equals() for scalars.
  bool same_object(const Value& other) const;
  // Python hash-compatible: only None/bool/int/float/str/tuple/lazy are hashable.
  bool hashable() const;

  // Fresh containers all the way down (copy.deepcopy). Lazy refs and callables
  // are shared, as MMEngine's deepcopy does for them.
  Value deep_copy() const;
  // Python type name: "int", "float", "str", "list", "tuple", "dict",
  // "ConfigDict", "NoneType", ...
  std::string type_name() const;
  // Python repr() / str().
  std::string repr() const;
  std::string str() const;

 private:
  using Storage =
      std::variant<std::monostate, bool, std::int64_t, double, std::string, std::shared_ptr<Items>,
                   std::shared_ptr<Dict>, std::shared_ptr<LazyRef>, std::shared_ptr<Callable>,
                   std::shared_ptr<const BigInt>>;
  Value(Kind k, Storage s) : kind_(k), data_(std::move(s)) {}
  [[noreturn]] void type_mismatch(const char* wanted) const;

  Kind kind_ = Kind::None;
  Storage data_;
};

// An insertion-ordered dict. Keys are Values (almost always str).
class Dict {
 public:
  using Entry = std::pair<Value, Value>;

  explicit Dict(bool config_dict = false) : config_dict_(config_dict) {}

  bool is_config_dict() const { return config_dict_; }
  void set_config_dict(bool v) { config_dict_ = v; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  Value* find(const Value& key);
  const Value* find(const Value& key) const;
  Value* find(std::string_view key);
  const Value* find(std::string_view key) const;
  // String-key conveniences (unambiguous overloads for std::string and literals).
  Value* find(const std::string& key) { return find(std::string_view(key)); }
  const Value* find(const std::string& key) const { return find(std::string_view(key)); }
  Value* find(const char* key) { return find(std::string_view(key)); }
  const Value* find(const char* key) const { return find(std::string_view(key)); }
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  bool contains(const std::string& key) const { return find(key) != nullptr; }
  bool contains(const char* key) const { return find(key) != nullptr; }
  bool contains(const Value& key) const { return find(key) != nullptr; }
  // Insert or replace, keeping the position of an existing key.
  void set(Value key, Value value);
  // Remove a key; returns false when absent.
  bool erase(const Value& key);
  bool erase(std::string_view key) { return erase(Value(key)); }
  bool erase(const std::string& key) { return erase(Value(key)); }
  bool erase(const char* key) { return erase(Value(key)); }
  void clear() { entries_.clear(); }

  std::vector<Entry>& entries() { return entries_; }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
  bool config_dict_;
};

// Something a config can call while it is evaluated: a builtin function, a bound
// method (`x.update`), a module (`copy`). Never part of a loaded config.
class Callable {
 public:
  struct Args {
    std::vector<Value> positional;
    std::vector<std::pair<std::string, Value>> keywords;
  };
  virtual ~Callable() = default;
  virtual std::string name() const = 0;
  // Modules are not callable but live in the same slot: they answer attributes.
  virtual bool is_module() const { return false; }
  virtual Value call(Args& args) = 0;
  virtual const Value* attribute(const std::string&) const { return nullptr; }
};

// Bounds the recursion of functions that walk nested values (copy, compare,
// print, convert): a container that contains itself, or absurd nesting, becomes
// a RecursionError instead of a stack overflow. Declare one per recursion level.
class NestingGuard {
 public:
  NestingGuard();
  ~NestingGuard();
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;
  static constexpr int kMaxDepth = 300;
};

// Python repr() of a float: shortest round-trip digits, `1.0`, `1e-05`, `1e+16`,
// `inf`, `nan`.
std::string float_repr(double d);
// Python repr() of a str: single quotes unless the text holds ' and no ".
std::string str_repr(const std::string& s);

}  // namespace mmcpp::config
