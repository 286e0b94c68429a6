#include "mmcpp/io/py_object.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <variant>

#include "mmcpp/core/error.h"
#include "mmcpp/core/string_escape.h"
#include "mmcpp/io/dtypes.h"

namespace mmcpp::io {

struct PyNode {
  PyKind kind = PyKind::None;
  std::variant<std::monostate, bool, std::int64_t, double, std::string, PyObject::Items, PyDict,
               at::Tensor, PyGlobal, PyInstance, NumpyArray, NumpyScalar>
      v;
};

std::string_view kind_name(PyKind kind) {
  switch (kind) {
    case PyKind::None:
      return "NoneType";
    case PyKind::Bool:
      return "bool";
    case PyKind::Int:
    case PyKind::BigInt:
      return "int";
    case PyKind::Float:
      return "float";
    case PyKind::Str:
      return "str";
    case PyKind::Bytes:
      return "bytes";
    case PyKind::List:
      return "list";
    case PyKind::Tuple:
      return "tuple";
    case PyKind::Set:
      return "set";
    case PyKind::FrozenSet:
      return "frozenset";
    case PyKind::Dict:
      return "dict";
    case PyKind::Tensor:
      return "Tensor";
    case PyKind::Global:
      return "global";
    case PyKind::Object:
      return "object";
    case PyKind::NumpyArray:
      return "ndarray";
    case PyKind::NumpyScalar:
      return "numpy scalar";
  }
  return "?";
}

// ---- construction ----

PyObject PyObject::from_bool(bool b) {
  auto n = std::make_shared<PyNode>();
  n->kind = PyKind::Bool;
  n->v = b;
  return PyObject(std::move(n));
}

#define MMCPP_PY_MAKE(KIND, VALUE)     \
  auto n = std::make_shared<PyNode>(); \
  n->kind = PyKind::KIND;              \
  n->v = VALUE;                        \
  return PyObject(std::move(n))

PyObject PyObject::from_int(std::int64_t i) { MMCPP_PY_MAKE(Int, i); }
PyObject PyObject::big_int(std::string le_bytes) { MMCPP_PY_MAKE(BigInt, std::move(le_bytes)); }
PyObject PyObject::from_float(double d) { MMCPP_PY_MAKE(Float, d); }
PyObject PyObject::str(std::string s) { MMCPP_PY_MAKE(Str, std::move(s)); }
PyObject PyObject::bytes(std::string b) { MMCPP_PY_MAKE(Bytes, std::move(b)); }
PyObject PyObject::list(Items items) { MMCPP_PY_MAKE(List, std::move(items)); }
PyObject PyObject::tuple(Items items) { MMCPP_PY_MAKE(Tuple, std::move(items)); }
PyObject PyObject::dict(DictType type) { MMCPP_PY_MAKE(Dict, PyDict(type)); }
PyObject PyObject::tensor(at::Tensor t) { MMCPP_PY_MAKE(Tensor, std::move(t)); }
PyObject PyObject::global(std::string module, std::string name) {
  MMCPP_PY_MAKE(Global, (PyGlobal{std::move(module), std::move(name)}));
}
PyObject PyObject::object(PyInstance inst) { MMCPP_PY_MAKE(Object, std::move(inst)); }
PyObject PyObject::numpy_array(NumpyArray a) { MMCPP_PY_MAKE(NumpyArray, std::move(a)); }
PyObject PyObject::numpy_scalar(NumpyScalar s) { MMCPP_PY_MAKE(NumpyScalar, std::move(s)); }
#undef MMCPP_PY_MAKE

PyObject PyObject::set(Items items, bool frozen) {
  auto n = std::make_shared<PyNode>();
  n->kind = frozen ? PyKind::FrozenSet : PyKind::Set;
  n->v = std::move(items);
  return PyObject(std::move(n));
}

// ---- access ----

PyKind PyObject::kind() const { return node_ ? node_->kind : PyKind::None; }

bool PyObject::has_items() const {
  PyKind k = kind();
  return k == PyKind::List || k == PyKind::Tuple || k == PyKind::Set || k == PyKind::FrozenSet;
}

PyNode& PyObject::node(PyKind expected) const {
  if (kind() != expected)
    throw Error("TypeError", "expected " + std::string(kind_name(expected)) + ", got " +
                                 type_name() + " " + repr(2, 4));
  return *node_;
}

bool PyObject::as_bool() const { return std::get<bool>(node(PyKind::Bool).v); }

std::int64_t PyObject::as_int() const {
  if (kind() == PyKind::Bool) return std::get<bool>(node_->v) ? 1 : 0;
  return std::get<std::int64_t>(node(PyKind::Int).v);
}

double PyObject::as_float() const {
  switch (kind()) {
    case PyKind::Bool:
    case PyKind::Int:
      return static_cast<double>(as_int());
    case PyKind::NumpyScalar:
      return as_numpy_scalar().to_double();
    default:
      return std::get<double>(node(PyKind::Float).v);
  }
}

const std::string& PyObject::as_str() const { return std::get<std::string>(node(PyKind::Str).v); }
const std::string& PyObject::as_bytes() const {
  return std::get<std::string>(node(PyKind::Bytes).v);
}
const std::string& PyObject::big_int_bytes() const {
  return std::get<std::string>(node(PyKind::BigInt).v);
}

PyObject::Items& PyObject::items() {
  if (!has_items())
    throw Error("TypeError",
                "expected a list, tuple or set, got " + type_name() + " " + repr(2, 4));
  return std::get<Items>(node_->v);
}
const PyObject::Items& PyObject::items() const { return const_cast<PyObject*>(this)->items(); }

PyDict& PyObject::as_dict() { return std::get<PyDict>(node(PyKind::Dict).v); }
const PyDict& PyObject::as_dict() const { return std::get<PyDict>(node(PyKind::Dict).v); }
at::Tensor& PyObject::as_tensor() { return std::get<at::Tensor>(node(PyKind::Tensor).v); }
const at::Tensor& PyObject::as_tensor() const {
  return std::get<at::Tensor>(node(PyKind::Tensor).v);
}
const PyGlobal& PyObject::as_global() const { return std::get<PyGlobal>(node(PyKind::Global).v); }
PyInstance& PyObject::as_object() { return std::get<PyInstance>(node(PyKind::Object).v); }
const PyInstance& PyObject::as_object() const {
  return std::get<PyInstance>(node(PyKind::Object).v);
}
NumpyArray& PyObject::as_numpy_array() { return std::get<NumpyArray>(node(PyKind::NumpyArray).v); }
const NumpyArray& PyObject::as_numpy_array() const {
  return std::get<NumpyArray>(node(PyKind::NumpyArray).v);
}
NumpyScalar& PyObject::as_numpy_scalar() {
  return std::get<NumpyScalar>(node(PyKind::NumpyScalar).v);
}
const NumpyScalar& PyObject::as_numpy_scalar() const {
  return std::get<NumpyScalar>(node(PyKind::NumpyScalar).v);
}

const PyObject* PyObject::find(const std::string& key) const {
  if (kind() != PyKind::Dict) return nullptr;
  return as_dict().find(key);
}

const PyObject& PyObject::get(const std::string& key) const {
  if (kind() != PyKind::Dict)
    throw Error("TypeError",
                "cannot look up key '" + key + "' in a " + type_name() + " (expected a dict)");
  if (const PyObject* v = as_dict().find(key)) return *v;
  std::string known;
  for (const auto& k : as_dict().keys()) known += (known.empty() ? "" : ", ") + k;
  throw Error("KeyError", "'" + key + "' not in " + type_name() + " with keys [" + known + "]");
}

const PyObject& PyObject::at(std::int64_t i) const {
  const Items& v = items();
  std::int64_t n = static_cast<std::int64_t>(v.size());
  std::int64_t j = i < 0 ? i + n : i;
  if (j < 0 || j >= n)
    throw Error("IndexError", type_name() + " index " + std::to_string(i) + " out of range (size " +
                                  std::to_string(n) + ")");
  return v[static_cast<std::size_t>(j)];
}

std::size_t PyObject::size() const {
  switch (kind()) {
    case PyKind::Str:
    case PyKind::Bytes:
      return std::get<std::string>(node_->v).size();
    case PyKind::Dict:
      return as_dict().size();
    default:
      return items().size();
  }
}

// ---- graph operations ----

void PyObject::for_each_child(const std::function<void(const PyObject&)>& fn) const {
  switch (kind()) {
    case PyKind::List:
    case PyKind::Tuple:
    case PyKind::Set:
    case PyKind::FrozenSet:
      for (const auto& x : std::get<Items>(node_->v)) fn(x);
      break;
    case PyKind::Dict: {
      const PyDict& d = as_dict();
      for (const auto& [k, v] : d.entries()) {
        fn(k);
        fn(v);
      }
      fn(d.attrs());
      break;
    }
    case PyKind::Object: {
      const PyInstance& o = as_object();
      for (const auto& x : o.args) fn(x);
      fn(o.kwargs);
      fn(o.state);
      for (const auto& x : o.list_items) fn(x);
      for (const auto& [k, v] : o.dict_items) {
        fn(k);
        fn(v);
      }
      break;
    }
    case PyKind::NumpyArray:
      fn(as_numpy_array().dtype_object);
      break;
    case PyKind::NumpyScalar:
      fn(as_numpy_scalar().dtype_object);
      break;
    default:
      break;
  }
}

void PyObject::clear_children() {
  switch (kind()) {
    case PyKind::List:
    case PyKind::Tuple:
    case PyKind::Set:
    case PyKind::FrozenSet:
      std::get<Items>(node_->v).clear();
      break;
    case PyKind::Dict: {
      DictType t = as_dict().type();
      node_->v = PyDict(t);
      break;
    }
    case PyKind::Object: {
      PyInstance& o = as_object();
      o.args.clear();
      o.kwargs = PyObject();
      o.state = PyObject();
      o.list_items.clear();
      o.dict_items.clear();
      break;
    }
    case PyKind::NumpyArray:
      as_numpy_array().dtype_object = PyObject();
      break;
    case PyKind::NumpyScalar:
      as_numpy_scalar().dtype_object = PyObject();
      break;
    default:
      break;
  }
}

void PyObject::assign(const PyObject& other) {
  if (!node_) throw Error("TypeError", "cannot assign in place to None");
  if (!other.node_) {
    node_->kind = PyKind::None;
    node_->v = std::monostate();
    return;
  }
  if (other.node_ == node_) return;
  node_->kind = other.node_->kind;
  node_->v = other.node_->v;
}

// ---- instances ----

const PyObject* PyInstance::attr(const std::string& name) const {
  if (state.is_dict()) return state.find(name);
  if (state.is_tuple() && state.items().size() == 2) {
    for (const auto& part : state.items())
      if (const PyObject* v = part.find(name)) return v;
  }
  return nullptr;
}

// ---- dict ----

namespace {

std::string int_key(std::int64_t i) { return "i" + std::to_string(i); }

std::string key_id(const PyObject& key, int depth) {
  if (depth > 100) throw Error("TypeError", "dict key nested too deeply");
  switch (key.kind()) {
    case PyKind::None:
      return "N";
    case PyKind::Bool:
    case PyKind::Int:
      return int_key(key.as_int());
    case PyKind::BigInt:
      return "I" + key.big_int_bytes();
    case PyKind::Float: {
      double d = key.as_float();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18)
        return int_key(static_cast<std::int64_t>(d));
      std::uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      return "f" + std::to_string(bits);
    }
    case PyKind::Str:
      return "s" + key.as_str();
    case PyKind::Bytes:
      return "b" + key.as_bytes();
    case PyKind::Tuple:
    case PyKind::FrozenSet: {
      std::vector<std::string> parts;
      for (const auto& x : key.items()) parts.push_back(key_id(x, depth + 1));
      if (key.kind() == PyKind::FrozenSet) std::sort(parts.begin(), parts.end());
      std::string out = key.kind() == PyKind::Tuple ? "t" : "F";
      for (const auto& p : parts) out += std::to_string(p.size()) + ":" + p;
      return out;
    }
    case PyKind::Global:
      return "g" + key.as_global().qualified();
    case PyKind::NumpyScalar:
      return "n" + key.as_numpy_scalar().dtype + ":" + key.as_numpy_scalar().data;
    case PyKind::Tensor:
    case PyKind::Object: {
      // Hashed by identity, as Python does for tensors and plain objects.
      char buf[32];
      std::snprintf(buf, sizeof buf, "%p", key.id());
      return std::string("@") + buf;
    }
    default:
      throw Error("TypeError", "unhashable type: '" + key.type_name() + "'");
  }
}

}  // namespace

std::string dict_key_id(const PyObject& key) { return key_id(key, 0); }

void PyDict::set(const PyObject& key, PyObject value) {
  std::string id = dict_key_id(key);
  auto it = index_.find(id);
  if (it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(std::move(id), entries_.size());
  entries_.emplace_back(key, std::move(value));
}

const PyObject* PyDict::find(const PyObject& key) const {
  auto it = index_.find(dict_key_id(key));
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

const PyObject* PyDict::find(const std::string& key) const {
  auto it = index_.find("s" + key);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

PyObject* PyDict::find(const std::string& key) {
  auto it = index_.find("s" + key);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

std::vector<std::string> PyDict::keys() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_)
    out.push_back(e.first.is_str() ? e.first.as_str() : e.first.repr());
  return out;
}

// ---- type names and repr ----

namespace {

std::string numpy_type_name(const std::string& typestr) {
  std::string t = typestr;
  if (!t.empty() && (t[0] == '<' || t[0] == '>' || t[0] == '|' || t[0] == '=')) t = t.substr(1);
  if (t == "b1") return "bool_";
  if (t.size() < 2) return "generic";
  std::string bits;
  try {
    bits = std::to_string(std::stoi(t.substr(1)) * 8);
  } catch (...) {
    return "generic";
  }
  switch (t[0]) {
    case 'f':
      return "float" + bits;
    case 'i':
      return "int" + bits;
    case 'u':
      return "uint" + bits;
    case 'c':
      return "complex" + bits;
    case 'U':
      return "str_";
    case 'S':
      return "bytes_";
    default:
      return "generic";
  }
}

// repr() of a str or bytes (always in single quotes, as pickled objects are shown).
std::string quote(const std::string& s, bool is_bytes) {
  return (is_bytes ? "b" : "") +
         quote_escaped(s, is_bytes ? Escaping::kPythonBytes : Escaping::kPythonStr, '\'');
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string big_int_repr(const std::string& le) {
  std::string out = "int(0x";
  static const char* hex = "0123456789abcdef";
  for (auto it = le.rbegin(); it != le.rend(); ++it) {
    unsigned char c = static_cast<unsigned char>(*it);
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out + ")";
}

std::string shape_repr(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

std::string PyObject::type_name() const {
  switch (kind()) {
    case PyKind::Dict:
      switch (as_dict().type()) {
        case DictType::OrderedDict:
          return "OrderedDict";
        case DictType::Counter:
          return "Counter";
        default:
          return "dict";
      }
    case PyKind::Object: {
      const std::string& n = as_object().cls.name;
      return n.substr(n.rfind('.') + 1);
    }
    case PyKind::NumpyScalar:
      return numpy_type_name(as_numpy_scalar().dtype);
    default:
      return std::string(kind_name(kind()));
  }
}

std::string PyObject::repr(int max_depth, std::size_t max_items) const {
  auto sub = [&](const PyObject& x) { return x.repr(max_depth - 1, max_items); };
  auto seq = [&](const Items& v, const char* open, const char* close, bool one_tuple) {
    if (max_depth <= 0 && !v.empty()) return std::string(open) + "..." + close;
    std::string s = open;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i == max_items) {
        s += ", ... (" + std::to_string(v.size()) + " items)";
        break;
      }
      s += (i ? ", " : "") + sub(v[i]);
    }
    if (one_tuple && v.size() == 1) s += ",";
    return s + close;
  };
  switch (kind()) {
    case PyKind::None:
      return "None";
    case PyKind::Bool:
      return as_bool() ? "True" : "False";
    case PyKind::Int:
      return std::to_string(as_int());
    case PyKind::BigInt:
      return big_int_repr(big_int_bytes());
    case PyKind::Float:
      return float_repr(as_float());
    case PyKind::Str:
      return quote(as_str(), false);
    case PyKind::Bytes:
      return quote(as_bytes(), true);
    case PyKind::List:
      return seq(items(), "[", "]", false);
    case PyKind::Tuple:
      return seq(items(), "(", ")", true);
    case PyKind::Set:
      return items().empty() ? "set()" : seq(items(), "{", "}", false);
    case PyKind::FrozenSet:
      return "frozenset(" + seq(items(), "{", "}", false) + ")";
    case PyKind::Dict: {
      const PyDict& d = as_dict();
      std::string s = "{";
      if (max_depth <= 0 && !d.empty()) {
        s += "...";
      } else {
        std::size_t i = 0;
        for (const auto& [k, v] : d.entries()) {
          if (i == max_items) {
            s += ", ... (" + std::to_string(d.size()) + " items)";
            break;
          }
          s += (i++ ? ", " : "") + sub(k) + ": " + sub(v);
        }
      }
      s += "}";
      if (d.type() == DictType::Dict) return s;
      return type_name() + "(" + s + ")";
    }
    case PyKind::Tensor: {
      const at::Tensor& t = as_tensor();
      if (!t.defined()) return "tensor(undefined)";
      std::string s =
          "tensor(shape=" + shape_repr(t.sizes().vec()) + ", dtype=" + dtype_name(t.scalar_type());
      if (!t.device().is_cpu()) s += ", device=" + t.device().str();
      if (t.requires_grad()) s += ", requires_grad=True";
      return s + ")";
    }
    case PyKind::Global:
      return "<global " + as_global().qualified() + ">";
    case PyKind::Object: {
      const PyInstance& o = as_object();
      std::string s = "<" + o.cls.qualified() + " object";
      if (max_depth <= 0) return s + " ...>";
      if (!o.args.empty()) s += " args=" + seq(o.args, "(", ")", true);
      if (o.has_state) s += " state=" + sub(o.state);
      if (!o.list_items.empty()) s += " items=" + seq(o.list_items, "[", "]", false);
      if (!o.dict_items.empty()) s += " +" + std::to_string(o.dict_items.size()) + " dict items";
      return s + ">";
    }
    case PyKind::NumpyArray: {
      const NumpyArray& a = as_numpy_array();
      return "array(shape=" + shape_repr(a.shape) + ", dtype='" + a.dtype + "')";
    }
    case PyKind::NumpyScalar: {
      const NumpyScalar& sc = as_numpy_scalar();
      std::string value;
      try {
        value = sc.dtype.size() >= 2 && (sc.dtype[1] == 'f') ? float_repr(sc.to_double())
                                                             : std::to_string(sc.to_int());
      } catch (const Error&) {
        value = quote(sc.data, true);
      }
      return type_name() + "(" + value + ")";
    }
  }
  return "?";
}

}  // namespace mmcpp::io
