// PyObject: the values a pickle (a torch.save checkpoint) can hold, as data.
//
// A PyObject is a shared handle like a Python reference: copies alias the same
// value, so a dict reached twice in a pickle is one dict here too. Nothing in it
// refers to Python code: a class or function named by the pickle stays a
// `Global` placeholder (module + name), and an instance of a class we do not
// model (mmengine's HistoryBuffer, argparse.Namespace, ...) is an opaque
// `Object` holding how it was constructed and its pickled state, so it can be
// inspected and written back unchanged.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mmcpp::io {

enum class PyKind : std::uint8_t {
  None,
  Bool,
  Int,     // fits int64
  BigInt,  // any other Python int: little-endian two's complement bytes (pickle LONG1)
  Float,
  Str,    // UTF-8
  Bytes,  // bytes and bytearray
  List,
  Tuple,
  Set,
  FrozenSet,
  Dict,    // dict, collections.OrderedDict, collections.Counter (see DictType)
  Tensor,  // torch.Tensor / nn.Parameter (requires_grad kept on the tensor)
  Global,  // a class/function reference, never resolved
  Object,  // an opaque instance (see PyInstance)
  NumpyArray,
  NumpyScalar,
};

// The Python class a Dict pickles as.
enum class DictType : std::uint8_t { Dict, OrderedDict, Counter };

// How an opaque instance was constructed, so the writer can emit the same opcodes.
enum class Construction : std::uint8_t {
  Reduce,         // callable(*args)                         (REDUCE)
  NewObj,         // cls.__new__(cls, *args)                 (NEWOBJ)
  NewObjEx,       // cls.__new__(cls, *args, **kwargs)       (NEWOBJ_EX)
  Reconstructor,  // copyreg._reconstructor(cls, *args)      (protocol 0/1 objects)
};

struct PyGlobal;
struct PyInstance;
struct NumpyArray;
struct NumpyScalar;
class PyDict;
struct PyNode;

std::string_view kind_name(PyKind kind);

class PyObject {
 public:
  using Items = std::vector<PyObject>;

  PyObject() = default;  // None
  static PyObject none() { return PyObject(); }
  static PyObject from_bool(bool b);
  static PyObject from_int(std::int64_t i);
  // `le_bytes`: little-endian two's complement, as pickle's LONG1 payload.
  static PyObject big_int(std::string le_bytes);
  static PyObject from_float(double d);
  static PyObject str(std::string s);
  static PyObject bytes(std::string b);
  static PyObject list(Items items = {});
  static PyObject tuple(Items items = {});
  static PyObject set(Items items = {}, bool frozen = false);
  static PyObject dict(DictType type = DictType::Dict);
  static PyObject tensor(at::Tensor t);
  static PyObject global(std::string module, std::string name);
  static PyObject object(PyInstance inst);
  static PyObject numpy_array(NumpyArray a);
  static PyObject numpy_scalar(NumpyScalar s);

  PyKind kind() const;
  bool is_none() const { return kind() == PyKind::None; }
  bool is_bool() const { return kind() == PyKind::Bool; }
  bool is_int() const { return kind() == PyKind::Int; }
  bool is_float() const { return kind() == PyKind::Float; }
  bool is_str() const { return kind() == PyKind::Str; }
  bool is_bytes() const { return kind() == PyKind::Bytes; }
  bool is_list() const { return kind() == PyKind::List; }
  bool is_tuple() const { return kind() == PyKind::Tuple; }
  bool is_dict() const { return kind() == PyKind::Dict; }
  bool is_tensor() const { return kind() == PyKind::Tensor; }
  bool is_global() const { return kind() == PyKind::Global; }
  bool is_object() const { return kind() == PyKind::Object; }
  bool is_numpy_array() const { return kind() == PyKind::NumpyArray; }
  bool is_numpy_scalar() const { return kind() == PyKind::NumpyScalar; }
  // List, Tuple, Set or FrozenSet.
  bool has_items() const;

  // Accessors throw mmcpp::Error("TypeError", "expected int, got str 'abc'") on a
  // kind mismatch.
  bool as_bool() const;
  std::int64_t as_int() const;  // also bool, as Python does
  double as_float() const;      // also int and bool, and numpy scalars of those
  const std::string& as_str() const;
  const std::string& as_bytes() const;
  const std::string& big_int_bytes() const;
  Items& items();  // List, Tuple, Set, FrozenSet
  const Items& items() const;
  PyDict& as_dict();
  const PyDict& as_dict() const;
  at::Tensor& as_tensor();
  const at::Tensor& as_tensor() const;
  const PyGlobal& as_global() const;
  PyInstance& as_object();
  const PyInstance& as_object() const;
  NumpyArray& as_numpy_array();
  const NumpyArray& as_numpy_array() const;
  NumpyScalar& as_numpy_scalar();
  const NumpyScalar& as_numpy_scalar() const;

  // Dict lookup by str key: KeyError naming the key and the keys present.
  const PyObject& get(const std::string& key) const;
  // nullptr when absent (or when this is not a dict).
  const PyObject* find(const std::string& key) const;
  bool contains(const std::string& key) const { return find(key) != nullptr; }
  // Element i of a list/tuple (IndexError) — negative counts from the end.
  const PyObject& at(std::int64_t i) const;
  // len(): items, dict entries, str/bytes length.
  std::size_t size() const;

  // Python `is`.
  bool is(const PyObject& other) const { return node_ == other.node_; }
  // Python type name: "int", "OrderedDict", "Tensor", "HistoryBuffer", "ndarray".
  std::string type_name() const;
  // A Python-like repr for messages and debugging, cut at `max_depth` levels
  // and `max_items` elements per container.
  std::string repr(int max_depth = 6, std::size_t max_items = 20) const;

  // Identity of the underlying value (stable while it is alive), for memo tables.
  const void* id() const { return node_.get(); }
  // Calls `fn` on every directly contained value (items, dict keys/values,
  // object args/state, ...).
  void for_each_child(const std::function<void(const PyObject&)>& fn) const;
  // Drops every contained reference. The unpickler uses it to free graphs it
  // rejected (cycles, too deep) without recursion.
  void clear_children();
  // Replaces the value in place, so every reference sees `other`'s content
  // (the unpickler's BUILD turning a numpy placeholder into an array).
  void assign(const PyObject& other);

 private:
  explicit PyObject(std::shared_ptr<PyNode> node) : node_(std::move(node)) {}
  PyNode& node(PyKind expected) const;
  std::shared_ptr<PyNode> node_;  // nullptr is None
};

struct PyGlobal {
  std::string module;  // "mmengine.logging.history_buffer"
  std::string name;    // "HistoryBuffer", or dotted for attributes: "HistoryBuffer.min"
  std::string qualified() const { return module + "." + name; }
};

struct PyInstance {
  PyGlobal cls;  // the class (for Reduce: the callable) that made it
  Construction how = Construction::Reduce;
  PyObject::Items args;
  PyObject kwargs;  // NewObjEx only: a Dict
  bool has_state = false;
  PyObject state;              // BUILD's argument (__setstate__ / __dict__)
  PyObject::Items list_items;  // APPEND(S) onto it
  std::vector<std::pair<PyObject, PyObject>> dict_items;  // SETITEM(S) onto it

  // A field of the pickled state: state[name] when the state is a dict, or
  // state[1][name] for (dict, slots) states. nullptr when absent.
  const PyObject* attr(const std::string& name) const;
};

// An ndarray (numpy.core.multiarray._reconstruct + BUILD, or _frombuffer).
struct NumpyArray {
  std::string dtype;  // NumPy type string with byte order: '<f8', '|u1', '|b1'
  std::vector<std::int64_t> shape;
  bool fortran_order = false;
  std::string data;       // raw element bytes, numel * itemsize
  PyObject dtype_object;  // the pickled numpy.dtype (kept for writing back); may be None

  std::int64_t numel() const;
  std::size_t itemsize() const;
  // A contiguous CPU tensor holding a copy of the data (byte-swapped if
  // big-endian, C order). TypeError for dtypes LibTorch lacks (uint16, str...).
  at::Tensor to_tensor() const;
};

// A numpy scalar such as numpy.float64(12.5) (numpy.core.multiarray.scalar).
struct NumpyScalar {
  std::string dtype;  // '<f8'
  std::string data;   // itemsize raw bytes
  PyObject dtype_object;

  double to_double() const;      // bool/int/uint/float kinds
  std::int64_t to_int() const;   // bool/int/uint kinds
  at::Tensor to_tensor() const;  // a 0-dim tensor
};

// An insertion-ordered dict. Keys are hashable PyObjects (str, int, tuple,
// ...); 1, 1.0 and True are the same key, as in Python.
class PyDict {
 public:
  using Entry = std::pair<PyObject, PyObject>;

  explicit PyDict(DictType type = DictType::Dict) : type_(type) {}
  DictType type() const { return type_; }
  void set_type(DictType type) { type_ = type; }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Inserts, or replaces the value in place (keeping the position), as Python.
  // TypeError for unhashable keys.
  void set(const PyObject& key, PyObject value);
  void set(const std::string& key, PyObject value) { set(PyObject::str(key), std::move(value)); }
  const PyObject* find(const PyObject& key) const;
  const PyObject* find(const std::string& key) const;
  PyObject* find(const std::string& key);
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>& mutable_entries() { return entries_; }  // values may change, not keys
  // The str keys in order (non-str keys are written with repr()).
  std::vector<std::string> keys() const;

  // Instance attributes pickled with the dict (BUILD state), e.g. a state dict's
  // `_metadata`. None when there are none.
  PyObject& attrs() { return attrs_; }
  const PyObject& attrs() const { return attrs_; }

 private:
  DictType type_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;
  PyObject attrs_;
};

// The key PyDict uses for hashing (exposed for tests): equal for values Python
// considers equal keys. TypeError for unhashable values.
std::string dict_key_id(const PyObject& key);

}  // namespace mmcpp::io
