#include "mmcpp/io/pickle_writer.h"

#include <cstring>
#include <deque>
#include <unordered_map>

#include <ATen/ops/empty.h>

#include "mmcpp/core/error.h"
#include "mmcpp/core/utf8.h"
#include "mmcpp/io/dtypes.h"
#include "mmcpp/io/pickle_globals.h"

namespace mmcpp::io {
namespace {

using namespace std::string_literals;  // literals with embedded NULs

constexpr std::size_t kBatch = 1000;     // as Python's pickler batches APPENDS/SETITEMS
constexpr std::size_t kMaxDepth = 2000;  // the reader accepts 1000; deeper is a mistake

// Python 3 -> Python 2 module names, as protocol 2's fix_imports writes them.
std::string py2_module(const std::string& m) {
  if (m == "builtins") return "__builtin__";
  if (m == "copyreg") return "copy_reg";
  return m;
}

// Minimal little-endian two's complement, as pickle.encode_long.
std::string encode_long(std::int64_t v) {
  std::string out;
  for (int i = 0; i < 8; ++i)
    out += static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff);
  bool negative = v < 0;
  char pad = negative ? '\xff' : '\0';
  while (out.size() > 1 && out.back() == pad &&
         ((static_cast<unsigned char>(out[out.size() - 2]) & 0x80) != 0) == negative)
    out.pop_back();
  return out;
}

// How tensors are written: not at all, by persistent id (torch.save), or by
// value through torch.storage._load_from_bytes (pickle.dumps of a tensor).
enum class TensorMode { Refuse, PersistentId, ByValue };

std::string legacy_storage_blob(const at::Tensor& t);

class Pickler {
 public:
  explicit Pickler(TensorMode mode) : mode_(mode) {}

  // The root pickle of torch's legacy save of one storage: its persistent id
  // ('storage', torch.FloatStorage, key, location, numel, None).
  std::string storage_root(const std::string& storage_type, std::int64_t numel) {
    out_ += "\x80\x02(";
    put_str("storage");
    put_global("torch", storage_type);
    put_str("0");
    put_str("cpu");
    put_int(numel);
    out_ += "Nt";
    memoize(nullptr);
    out_ += "Q.";
    return std::move(out_);
  }

  TorchPickle finish(const PyObject& obj) {
    out_ += "\x80\x02";  // PROTO 2
    save(obj, "<root>");
    out_ += '.';
    return TorchPickle{std::move(out_), std::move(storages_)};
  }

 private:
  // ---- primitives ----
  void u8(unsigned v) { out_ += static_cast<char>(v & 0xff); }
  void le32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(v >> (8 * i));
  }
  void put_int(std::int64_t v) {
    if (v >= 0 && v <= 0xff) {
      out_ += 'K';
      u8(static_cast<unsigned>(v));
    } else if (v >= 0 && v <= 0xffff) {
      out_ += 'M';
      u8(static_cast<unsigned>(v));
      u8(static_cast<unsigned>(v >> 8));
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      out_ += 'J';
      le32(static_cast<std::uint32_t>(static_cast<std::int32_t>(v)));
    } else {
      put_long_bytes(encode_long(v));
    }
  }
  void put_long_bytes(const std::string& b) {
    if (b.size() < 256) {
      out_ += '\x8a';
      u8(static_cast<unsigned>(b.size()));
    } else {
      out_ += '\x8b';
      le32(static_cast<std::uint32_t>(b.size()));
    }
    out_ += b;
  }
  void put_float(double d) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    out_ += 'G';
    for (int i = 7; i >= 0; --i) u8(static_cast<unsigned>(bits >> (8 * i)));
  }
  void put_str(const std::string& s) {
    if (s.size() > 0xffffffffu) throw Error("ValueError", "str too long to pickle");
    out_ += 'X';
    le32(static_cast<std::uint32_t>(s.size()));
    out_ += s;
  }
  void put_bool(bool b) { out_ += b ? '\x88' : '\x89'; }

  // ---- memo: every container/object is written once, later references BINGET it ----
  void memoize(const void* id) {
    std::uint32_t idx = next_memo_++;
    if (id) memo_[id] = idx;
    if (idx < 256) {
      out_ += 'q';
      u8(idx);
    } else {
      out_ += 'r';
      le32(idx);
    }
  }
  bool recall(const void* id) {
    auto it = memo_.find(id);
    if (it == memo_.end()) return false;
    if (it->second < 256) {
      out_ += 'h';
      u8(it->second);
    } else {
      out_ += 'j';
      le32(it->second);
    }
    return true;
  }

  // GLOBAL 'module name'; dotted names (HistoryBuffer.min) as getattr(parent, 'min').
  void put_global(const std::string& module, const std::string& name) {
    std::string key = module + "\n" + name;
    auto it = global_memo_.find(key);
    if (it != global_memo_.end()) {
      recall(it->second);
      return;
    }
    // Never write what our own reader would refuse to load.
    std::string problem = detail::allowed_global_problem(module, name);
    if (!problem.empty())
      throw Error("TypeError",
                  "refusing to write the global '" + module + "." + name + "': " + problem);
    std::size_t dot = name.rfind('.');
    if (dot != std::string::npos) {
      put_global("builtins", "getattr");
      put_global(module, name.substr(0, dot));
      put_str(name.substr(dot + 1));
      out_ += '\x86';  // TUPLE2
      out_ += 'R';
    } else {
      out_ += 'c';
      out_ += py2_module(module) + "\n" + name + "\n";
    }
    global_ids_.push_back(key);
    global_memo_[key] = &global_ids_.back();
    memoize(&global_ids_.back());
  }

  void put_tuple(const PyObject::Items& items, const std::string& path) {
    if (items.empty()) {
      out_ += ')';
      return;
    }
    if (items.size() > 3) out_ += '(';
    for (std::size_t i = 0; i < items.size(); ++i)
      save(items[i], path + "[" + std::to_string(i) + "]");
    out_ += items.size() == 1   ? '\x85'
            : items.size() == 2 ? '\x86'
            : items.size() == 3 ? '\x87'
                                : 't';
  }
  void put_appends(const PyObject::Items& items, const std::string& path) {
    for (std::size_t start = 0; start < items.size(); start += kBatch) {
      std::size_t end = std::min(items.size(), start + kBatch);
      if (end - start > 1) out_ += '(';
      for (std::size_t i = start; i < end; ++i)
        save(items[i], path + "[" + std::to_string(i) + "]");
      out_ += end - start > 1 ? 'e' : 'a';
    }
  }
  void put_setitems(const std::vector<std::pair<PyObject, PyObject>>& entries,
                    const std::string& path) {
    for (std::size_t start = 0; start < entries.size(); start += kBatch) {
      std::size_t end = std::min(entries.size(), start + kBatch);
      if (end - start > 1) out_ += '(';
      for (std::size_t i = start; i < end; ++i) {
        const auto& [k, v] = entries[i];
        save(k, path);
        save(v, path + "[" + k.repr(1, 3) + "]");
      }
      out_ += end - start > 1 ? 'u' : 's';
    }
  }

  // ---- values ----
  void save(const PyObject& obj, const std::string& path);
  void save_bytes(const std::string& b);
  void save_dict(const PyObject& obj, const std::string& path);
  void save_tensor(const PyObject& obj, const std::string& path);
  void save_object(const PyObject& obj, const std::string& path);
  void save_dtype(const PyObject& dtype_object, const std::string& typestr);
  void save_numpy_array(const PyObject& obj, const std::string& path);

  TensorMode mode_;
  std::string out_;
  std::uint32_t next_memo_ = 0;
  std::unordered_map<const void*, std::uint32_t> memo_;
  std::deque<std::string> global_ids_;  // stable addresses as memo keys
  std::unordered_map<std::string, const void*> global_memo_;
  std::unordered_map<const c10::StorageImpl*, std::pair<std::string, c10::ScalarType>>
      storage_keys_;
  std::vector<std::pair<std::string, c10::Storage>> storages_;
  std::size_t depth_ = 0;
};

void Pickler::save(const PyObject& obj, const std::string& path) {
  if (++depth_ > kMaxDepth)
    throw Error("ValueError", "data nested too deeply to pickle at " + path);
  struct Leave {
    std::size_t& d;
    ~Leave() { --d; }
  } leave{depth_};
  if (obj.id() && recall(obj.id())) return;
  switch (obj.kind()) {
    case PyKind::None:
      out_ += 'N';
      return;
    case PyKind::Bool:
      put_bool(obj.as_bool());
      return;
    case PyKind::Int:
      put_int(obj.as_int());
      return;
    case PyKind::BigInt:
      put_long_bytes(obj.big_int_bytes());
      return;
    case PyKind::Float:
      put_float(obj.as_float());
      return;
    case PyKind::Str:
      put_str(obj.as_str());
      return;
    case PyKind::Bytes:
      save_bytes(obj.as_bytes());
      memoize(obj.id());
      return;
    case PyKind::Tuple:
      put_tuple(obj.items(), path);
      memoize(obj.id());
      return;
    case PyKind::List:
      out_ += ']';
      memoize(obj.id());
      put_appends(obj.items(), path);
      return;
    case PyKind::Set:
    case PyKind::FrozenSet:
      // Protocol 2: set([items]).
      put_global("builtins", obj.kind() == PyKind::Set ? "set" : "frozenset");
      out_ += ']';
      memoize(nullptr);
      put_appends(obj.items(), path);
      out_ += "\x85R";
      memoize(obj.id());
      return;
    case PyKind::Dict:
      save_dict(obj, path);
      return;
    case PyKind::Tensor:
      save_tensor(obj, path);
      return;
    case PyKind::Global:
      put_global(obj.as_global().module, obj.as_global().name);
      return;
    case PyKind::Object:
      save_object(obj, path);
      return;
    case PyKind::NumpyArray:
      save_numpy_array(obj, path);
      return;
    case PyKind::NumpyScalar: {
      const NumpyScalar& s = obj.as_numpy_scalar();
      put_global("numpy.core.multiarray", "scalar");
      save_dtype(s.dtype_object, s.dtype);
      save_bytes(s.data);
      out_ += "\x86R";
      memoize(obj.id());
      return;
    }
  }
}

// Protocol 2 has no bytes opcode: Python 3 writes _codecs.encode(latin-1 text, 'latin1').
void Pickler::save_bytes(const std::string& b) {
  if (b.empty()) {
    put_global("builtins", "bytes");
    out_ += ")R";
    return;
  }
  put_global("_codecs", "encode");
  put_str(utf8::from_latin1(b));
  put_str("latin1");
  out_ += "\x86R";
}

void Pickler::save_dict(const PyObject& obj, const std::string& path) {
  const PyDict& d = obj.as_dict();
  switch (d.type()) {
    case DictType::Dict:
      if (!d.attrs().is_none())
        throw Error("TypeError", "a plain dict cannot carry attributes (at " + path +
                                     "); make it an OrderedDict");
      out_ += '}';
      memoize(obj.id());
      put_setitems(d.entries(), path);
      return;
    case DictType::OrderedDict:
      put_global("collections", "OrderedDict");
      out_ += ")R";
      memoize(obj.id());
      put_setitems(d.entries(), path);
      break;
    case DictType::Counter:
      // Counter.__reduce__: Counter(dict(self)).
      put_global("collections", "Counter");
      out_ += '}';
      memoize(nullptr);
      put_setitems(d.entries(), path);
      out_ += "\x85R";
      memoize(obj.id());
      break;
  }
  if (!d.attrs().is_none()) {
    save(d.attrs(), path + ".__dict__");
    out_ += 'b';
  }
}

// torch 1.13's Tensor.__reduce_ex__: _rebuild_tensor_v2(storage, offset, size,
// stride, requires_grad, OrderedDict()).
void Pickler::save_tensor(const PyObject& obj, const std::string& path) {
  if (mode_ == TensorMode::Refuse)
    throw Error("TypeError", "cannot pickle a tensor outside torch.save (at " + path + ")");
  const at::Tensor& t = obj.as_tensor();
  if (!t.defined()) throw Error("TypeError", "cannot save an undefined tensor (at " + path + ")");
  if (t.layout() != c10::kStrided)
    throw Error("TypeError", "cannot save a non-strided (sparse/mkldnn) tensor (at " + path + ")");
  if (mode_ == TensorMode::ByValue) {
    // pickle.dumps(tensor): _rebuild_tensor_v2(_load_from_bytes(<legacy torch.save
    // of the storage>), offset, size, stride, requires_grad, OrderedDict()). A view
    // is written compacted (Python would write its whole storage).
    at::Tensor c = t.detach().cpu();
    const std::int64_t storage_numel =
        static_cast<std::int64_t>(c.storage().nbytes() / c.element_size());
    if (!c.is_contiguous() || c.storage_offset() != 0 || storage_numel != c.numel())
      c = c.clone(at::MemoryFormat::Contiguous);
    put_global("torch._utils", "_rebuild_tensor_v2");
    out_ += '(';
    put_global("torch.storage", "_load_from_bytes");
    save_bytes(legacy_storage_blob(c));
    out_ += "\x85R";
    memoize(nullptr);
    put_int(0);
    PyObject::Items sizes, strides;
    for (auto s : c.sizes()) sizes.push_back(PyObject::from_int(s));
    for (auto s : c.strides()) strides.push_back(PyObject::from_int(s));
    put_tuple(sizes, path);
    memoize(nullptr);
    put_tuple(strides, path);
    memoize(nullptr);
    put_bool(t.requires_grad());
    put_global("collections", "OrderedDict");
    out_ += ")R";
    memoize(nullptr);
    out_ += 't';
    memoize(nullptr);
    out_ += 'R';
    memoize(obj.id());
    return;
  }
  std::string storage_type = dtype_to_storage_type(t.scalar_type());
  const c10::StorageImpl* impl = t.storage().unsafeGetStorageImpl();
  auto it = storage_keys_.find(impl);
  if (it == storage_keys_.end()) {
    std::string key = std::to_string(storage_keys_.size());
    c10::Storage storage = t.storage();
    if (!t.device().is_cpu()) {
      // Copy the whole storage to host memory; the file still records its location.
      at::Tensor bytes = at::empty({0}, t.options().dtype(at::kByte));
      bytes.set_(storage, 0, {static_cast<std::int64_t>(storage.nbytes())}, {1});
      storage = bytes.cpu().storage();
    }
    storages_.emplace_back(key, storage);
    it = storage_keys_.emplace(impl, std::make_pair(key, t.scalar_type())).first;
  } else if (it->second.second != t.scalar_type()) {
    throw Error(
        "TypeError",
        "cannot save tensors that view the same storage as different dtypes (at " + path + ")");
  }
  put_global("torch._utils", "_rebuild_tensor_v2");
  out_ += '(';
  // Persistent id: ('storage', torch.FloatStorage, key, location, numel).
  out_ += '(';
  put_str("storage");
  put_global("torch", storage_type);
  put_str(it->second.first);
  put_str(t.device().is_cpu() ? "cpu" : t.device().str());
  put_int(static_cast<std::int64_t>(t.storage().nbytes() / t.element_size()));
  out_ += 't';
  memoize(nullptr);
  out_ += 'Q';  // BINPERSID
  put_int(t.storage_offset());
  PyObject::Items sizes, strides;
  for (auto s : t.sizes()) sizes.push_back(PyObject::from_int(s));
  for (auto s : t.strides()) strides.push_back(PyObject::from_int(s));
  put_tuple(sizes, path);
  memoize(nullptr);
  put_tuple(strides, path);
  memoize(nullptr);
  put_bool(t.requires_grad());
  put_global("collections", "OrderedDict");  // backward hooks: always empty
  out_ += ")R";
  memoize(nullptr);
  out_ += 't';
  memoize(nullptr);
  out_ += 'R';
  memoize(obj.id());
}

void Pickler::save_object(const PyObject& obj, const std::string& path) {
  const PyInstance& o = obj.as_object();
  const std::string here = path + "<" + o.cls.name + ">";
  switch (o.how) {
    case Construction::Reduce:
      put_global(o.cls.module, o.cls.name);
      put_tuple(o.args, here);
      out_ += 'R';
      break;
    case Construction::NewObj:
      put_global(o.cls.module, o.cls.name);
      put_tuple(o.args, here);
      out_ += '\x81';
      break;
    case Construction::NewObjEx:
      // No protocol 2 equivalent: the protocol 4 opcode, which every Python 3 reads.
      put_global(o.cls.module, o.cls.name);
      put_tuple(o.args, here);
      save(o.kwargs.is_none() ? PyObject::dict() : o.kwargs, here);
      out_ += '\x92';
      break;
    case Construction::Reconstructor: {
      put_global("copyreg", "_reconstructor");
      PyObject::Items args{PyObject::global(o.cls.module, o.cls.name)};
      args.insert(args.end(), o.args.begin(), o.args.end());
      put_tuple(args, here);
      out_ += 'R';
      break;
    }
  }
  memoize(obj.id());
  put_appends(o.list_items, here);
  put_setitems(o.dict_items, here);
  if (o.has_state) {
    save(o.state, here + ".__setstate__");
    out_ += 'b';
  }
}

// numpy.dtype: the pickled one when it still matches, else numpy.dtype('f8', False, True)
// with state (3, '<', None, None, None, -1, -1, 0).
void Pickler::save_dtype(const PyObject& dtype_object, const std::string& typestr) {
  if (!dtype_object.is_none() && detail::numpy_dtype_typestr(dtype_object) == typestr) {
    save(dtype_object, "<dtype>");
    return;
  }
  auto t = parse_numpy_typestr(typestr);
  if (!t || std::string("fiubc").find(t->kind) == std::string::npos)
    throw Error("TypeError", "cannot pickle numpy dtype '" + typestr + "'");
  put_global("numpy", "dtype");
  put_str(std::string(1, t->kind) + std::to_string(t->size));
  out_ += "\x89\x88\x87R";  // False, True, TUPLE3, REDUCE
  memoize(nullptr);
  out_ += "(K\x03";
  put_str(std::string(1, t->byteorder == '=' ? '<' : t->byteorder));
  out_ += "NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"s;
}

// numpy's ndarray.__reduce__: _reconstruct(ndarray, (0,), b'b') + BUILD
// (1, shape, dtype, is_fortran, rawdata).
void Pickler::save_numpy_array(const PyObject& obj, const std::string& path) {
  const NumpyArray& a = obj.as_numpy_array();
  auto t = parse_numpy_typestr(a.dtype);
  if (!t || static_cast<unsigned __int128>(a.numel()) * t->itemsize() != a.data.size())
    throw Error("ValueError", "numpy array at " + path + " has " + std::to_string(a.data.size()) +
                                  " data bytes, which does not match its shape and dtype '" +
                                  a.dtype + "'");
  put_global("numpy.core.multiarray", "_reconstruct");
  put_global("numpy", "ndarray");
  out_ += "K\x00\x85"s;
  memoize(nullptr);
  save_bytes("b");
  out_ += "\x87R";
  memoize(obj.id());
  out_ += "(K\x01";
  PyObject::Items shape;
  for (auto d : a.shape) shape.push_back(PyObject::from_int(d));
  put_tuple(shape, path);
  save_dtype(a.dtype_object, a.dtype);
  put_bool(a.fortran_order);
  save_bytes(a.data);
  out_ += "tb";
}

// torch 1.13's _legacy_save of one (contiguous, CPU) storage, as
// TypedStorage.__reduce__ writes it: magic number, protocol version, sys_info,
// the storage's persistent id, the key list, then numel (int64) and the bytes.
std::string legacy_storage_blob(const at::Tensor& t) {
  static const std::string kMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
  std::string out = "\x80\x02\x8a\x0a" + kMagic + ".";
  out += "\x80\x02M\xe9\x03.";  // 1001
  PyObject sizes = PyObject::dict();
  sizes.as_dict().set("short", PyObject::from_int(2));
  sizes.as_dict().set("int", PyObject::from_int(4));
  sizes.as_dict().set("long", PyObject::from_int(4));
  PyObject sys_info = PyObject::dict();
  sys_info.as_dict().set("protocol_version", PyObject::from_int(1001));
  sys_info.as_dict().set("little_endian", PyObject::from_bool(true));
  sys_info.as_dict().set("type_sizes", sizes);
  out += Pickler(TensorMode::Refuse).finish(sys_info).data_pkl;
  out +=
      Pickler(TensorMode::Refuse).storage_root(dtype_to_storage_type(t.scalar_type()), t.numel());
  out += Pickler(TensorMode::Refuse).finish(PyObject::list({PyObject::str("0")})).data_pkl;
  std::int64_t numel = t.numel();
  out.append(reinterpret_cast<const char*>(&numel), 8);  // little-endian hosts only
  out.append(static_cast<const char*>(t.data_ptr()), static_cast<std::size_t>(t.nbytes()));
  return out;
}

}  // namespace

TorchPickle pickle_for_torch_save(const PyObject& obj) {
  return Pickler(TensorMode::PersistentId).finish(obj);
}

std::string pickle_dumps(const PyObject& obj) {
  return Pickler(TensorMode::Refuse).finish(obj).data_pkl;
}

std::string pickle_dumps_with_tensors(const PyObject& obj) {
  return Pickler(TensorMode::ByValue).finish(obj).data_pkl;
}

}  // namespace mmcpp::io
