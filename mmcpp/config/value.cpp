#include "mmcpp/config/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "mmcpp/core/error.h"
#include "mmcpp/core/string_escape.h"

namespace mmcpp::config {

namespace {
thread_local int nesting_depth = 0;
}

NestingGuard::NestingGuard() {
  if (++nesting_depth > kMaxDepth) {
    --nesting_depth;
    throw Error("RecursionError",
                "maximum nesting depth exceeded (a container that contains itself?)");
  }
}
NestingGuard::~NestingGuard() { --nesting_depth; }

Value Value::list(Items items) {
  return Value(Kind::List, std::make_shared<Items>(std::move(items)));
}
Value Value::tuple(Items items) {
  return Value(Kind::Tuple, std::make_shared<Items>(std::move(items)));
}
Value Value::set(Items items) {
  // Python sets hold each element once.
  Items unique;
  for (auto& v : items) {
    bool seen = false;
    for (auto& u : unique) seen = seen || u.equals(v);
    if (!seen) unique.push_back(std::move(v));
  }
  return Value(Kind::Set, std::make_shared<Items>(std::move(unique)));
}
Value Value::dict(bool config_dict) {
  return Value(Kind::Dict, std::make_shared<Dict>(config_dict));
}
Value Value::lazy(LazyRef ref) {
  return Value(Kind::Lazy, std::make_shared<LazyRef>(std::move(ref)));
}
Value Value::callable(std::shared_ptr<Callable> fn) { return Value(Kind::Callable, std::move(fn)); }

bool Value::is_config_dict() const {
  return kind_ == Kind::Dict && std::get<std::shared_ptr<Dict>>(data_)->is_config_dict();
}

void Value::type_mismatch(const char* wanted) const {
  throw Error("TypeError",
              std::string("expected ") + wanted + ", got " + type_name() + " " + repr());
}

bool Value::as_bool() const {
  if (kind_ != Kind::Bool) type_mismatch("bool");
  return std::get<bool>(data_);
}
std::int64_t Value::as_int() const {
  if (kind_ == Kind::Bool) return std::get<bool>(data_) ? 1 : 0;
  if (kind_ != Kind::Int) type_mismatch("int");
  return std::get<std::int64_t>(data_);
}
double Value::as_number() const {
  switch (kind_) {
    case Kind::Bool:
      return std::get<bool>(data_) ? 1.0 : 0.0;
    case Kind::Int:
      return static_cast<double>(std::get<std::int64_t>(data_));
    case Kind::Float:
      return std::get<double>(data_);
    default:
      type_mismatch("a number");
  }
}
double Value::as_float() const {
  if (kind_ != Kind::Float) type_mismatch("float");
  return std::get<double>(data_);
}
const std::string& Value::as_str() const {
  if (kind_ != Kind::Str) type_mismatch("str");
  return std::get<std::string>(data_);
}
Value::Items& Value::items() {
  if (kind_ != Kind::List && kind_ != Kind::Tuple && kind_ != Kind::Set)
    type_mismatch("list or tuple");
  return *std::get<std::shared_ptr<Items>>(data_);
}
const Value::Items& Value::items() const { return const_cast<Value*>(this)->items(); }
Dict& Value::as_dict() {
  if (kind_ != Kind::Dict) type_mismatch("dict");
  return *std::get<std::shared_ptr<Dict>>(data_);
}
const Dict& Value::as_dict() const { return const_cast<Value*>(this)->as_dict(); }
const LazyRef& Value::as_lazy() const {
  if (kind_ != Kind::Lazy) type_mismatch("imported object");
  return *std::get<std::shared_ptr<LazyRef>>(data_);
}
Callable& Value::as_callable() const {
  if (kind_ != Kind::Callable) type_mismatch("callable");
  return *std::get<std::shared_ptr<Callable>>(data_);
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::None:
      return false;
    case Kind::Bool:
      return std::get<bool>(data_);
    case Kind::Int:
      return std::get<std::int64_t>(data_) != 0;
    case Kind::Float:
      return std::get<double>(data_) != 0.0;
    case Kind::Str:
      return !std::get<std::string>(data_).empty();
    case Kind::List:
    case Kind::Tuple:
    case Kind::Set:
      return !items().empty();
    case Kind::Dict:
      return !as_dict().empty();
    default:
      return true;
  }
}

bool Value::equals(const Value& o) const {
  NestingGuard guard;
  bool num_a = is_number() || is_bool(), num_b = o.is_number() || o.is_bool();
  if (num_a && num_b) {
    if (kind_ != Kind::Float && o.kind_ != Kind::Float) return as_int() == o.as_int();
    return as_number() == o.as_number();
  }
  if (kind_ != o.kind_) return false;
  switch (kind_) {
    case Kind::None:
      return true;
    case Kind::Str:
      return as_str() == o.as_str();
    case Kind::List:
    case Kind::Tuple: {
      const auto &a = items(), &b = o.items();
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!a[i].equals(b[i])) return false;
      return true;
    }
    case Kind::Set: {
      const auto &a = items(), &b = o.items();
      if (a.size() != b.size()) return false;
      for (const auto& x : a) {
        bool found = false;
        for (const auto& y : b) found = found || x.equals(y);
        if (!found) return false;
      }
      return true;
    }
    case Kind::Dict: {
      const Dict &a = as_dict(), &b = o.as_dict();
      if (a.size() != b.size()) return false;
      for (const auto& [k, v] : a.entries()) {
        const Value* w = b.find(k);
        if (!w || !v.equals(*w)) return false;
      }
      return true;
    }
    case Kind::Lazy:
      return as_lazy().dotted() == o.as_lazy().dotted();
    case Kind::Callable:
      return &as_callable() == &o.as_callable();
    default:
      return false;
  }
}

bool Value::same_object(const Value& o) const {
  if (kind_ != o.kind_) return false;
  switch (kind_) {
    case Kind::List:
    case Kind::Tuple:
    case Kind::Set:
      return &items() == &o.items();
    case Kind::Dict:
      return &as_dict() == &o.as_dict();
    default:
      return equals(o);
  }
}

bool Value::hashable() const {
  NestingGuard guard;
  switch (kind_) {
    case Kind::List:
    case Kind::Set:
    case Kind::Dict:
      return false;
    case Kind::Tuple:
      for (const auto& v : items())
        if (!v.hashable()) return false;
      return true;
    default:
      return true;
  }
}

Value Value::deep_copy() const {
  NestingGuard guard;
  switch (kind_) {
    case Kind::List:
    case Kind::Tuple:
    case Kind::Set: {
      Items out;
      out.reserve(items().size());
      for (const auto& v : items()) out.push_back(v.deep_copy());
      return Value(kind_, std::make_shared<Items>(std::move(out)));
    }
    case Kind::Dict: {
      const Dict& src = as_dict();
      auto out = std::make_shared<Dict>(src.is_config_dict());
      out->entries().reserve(src.size());
      for (const auto& [k, v] : src.entries()) out->entries().emplace_back(k, v.deep_copy());
      return Value(Kind::Dict, std::move(out));
    }
    default:
      return *this;
  }
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::None:
      return "NoneType";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Float:
      return "float";
    case Kind::Str:
      return "str";
    case Kind::List:
      return "list";
    case Kind::Tuple:
      return "tuple";
    case Kind::Set:
      return "set";
    case Kind::Dict:
      return is_config_dict() ? "ConfigDict" : "dict";
    case Kind::Lazy:
      return "LazyObject";
    case Kind::Callable:
      return as_callable().is_module() ? "module" : "function";
  }
  return "object";
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest round-trip digits in scientific form, then laid out as Python's
  // repr does: positional when -4 <= exponent < 16, else d.ddde+XX.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  auto epos = sci.find('e');
  std::string mant = sci.substr(0, epos);
  int exp = std::stoi(sci.substr(epos + 1));
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  std::string out;
  if (exp >= -4 && exp < 16) {
    int point = exp + 1;  // digits before the decimal point
    if (point <= 0) {
      out = "0." + std::string(-point, '0') + digits;
    } else if (point >= static_cast<int>(digits.size())) {
      out = digits + std::string(point - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, point) + "." + digits.substr(point);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += e;
  }
  return neg ? "-" + out : out;
}

std::string str_repr(const std::string& s) { return python_str_repr(s); }

std::string Value::repr() const {
  NestingGuard guard;
  switch (kind_) {
    case Kind::None:
      return "None";
    case Kind::Bool:
      return std::get<bool>(data_) ? "True" : "False";
    case Kind::Int:
      return std::to_string(std::get<std::int64_t>(data_));
    case Kind::Float:
      return float_repr(std::get<double>(data_));
    case Kind::Str:
      return str_repr(as_str());
    case Kind::List:
    case Kind::Tuple:
    case Kind::Set: {
      const auto& it = items();
      if (kind_ == Kind::Set && it.empty()) return "set()";
      std::string out = kind_ == Kind::List ? "[" : kind_ == Kind::Tuple ? "(" : "{";
      for (std::size_t i = 0; i < it.size(); ++i) {
        if (i) out += ", ";
        out += it[i].repr();
      }
      if (kind_ == Kind::Tuple && it.size() == 1) out += ",";
      out += kind_ == Kind::List ? "]" : kind_ == Kind::Tuple ? ")" : "}";
      return out;
    }
    case Kind::Dict: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : as_dict().entries()) {
        if (!first) out += ", ";
        first = false;
        out += k.repr() + ": " + v.repr();
      }
      return out + "}";
    }
    case Kind::Lazy:
      return as_lazy().dotted();
    case Kind::Callable:
      return (as_callable().is_module() ? "<module '" : "<built-in function ") +
             as_callable().name() + (as_callable().is_module() ? "'>" : ">");
  }
  return "?";
}

std::string Value::str() const { return kind_ == Kind::Str ? as_str() : repr(); }

// ---- Dict ----

Value* Dict::find(const Value& key) {
  if (key.is_str()) return find(std::string_view(key.as_str()));
  for (auto& e : entries_)
    if (e.first.equals(key)) return &e.second;
  return nullptr;
}
const Value* Dict::find(const Value& key) const { return const_cast<Dict*>(this)->find(key); }
Value* Dict::find(std::string_view key) {
  for (auto& e : entries_)
    if (e.first.is_str() && e.first.as_str() == key) return &e.second;
  return nullptr;
}
const Value* Dict::find(std::string_view key) const { return const_cast<Dict*>(this)->find(key); }

void Dict::set(Value key, Value value) {
  if (Value* v = find(key)) {
    *v = std::move(value);
    return;
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

bool Dict::erase(const Value& key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first.equals(key)) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

}  // namespace mmcpp::config
