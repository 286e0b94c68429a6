// What a checkpoint pickle may name and call, and C++ versions of the calls.
//
// Three layers, each refusing before anything happens:
//  1. find_global: the module must be allowed (torch, numpy, collections,
//     OpenMMLab packages, a handful of builtins); `os.system` stops here.
//  2. call/new_object: only the data constructors implemented below run; a
//     class (CapWords name, or listed) from an allowed module becomes an opaque
//     PyInstance; any other function (`numpy.testing...runstring`) is refused.
//  3. getattr only on class placeholders and opaque objects, never dunders, and
//     it resolves nothing: `getattr(HistoryBuffer, 'min')` is a new placeholder.
#include "mmcpp/io/pickle_globals.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>
#include <unordered_set>

#include <ATen/ops/empty.h>

#include "mmcpp/core/error.h"
#include "mmcpp/core/utf8.h"
#include "mmcpp/io/dtypes.h"

namespace mmcpp::io::detail {
namespace {

// Packages whose classes are plain data holders when they appear in a checkpoint.
const std::set<std::string> kAllowedRoots = {
    "torch",   "numpy",     "mmengine", "mmcv",      "mmpretrain", "mmcls",
    "mmdet",   "mmseg",     "mmagic",   "mmedit",    "mmpose",     "mmaction",
    "mmocr",   "mmrotate",  "mmyolo",   "mmselfsup", "mmtrack",    "mmdet3d",
    "mmrazor", "mmfewshot", "mmflow",   "mmgen",     "mmhuman3d",  "mmdeploy"};

// Single names allowed from other modules ("module.name").
const std::set<std::string> kAllowedExact = {
    "builtins.set",          "builtins.frozenset",      "builtins.tuple",
    "builtins.list",         "builtins.dict",           "builtins.bytearray",
    "builtins.bytes",        "builtins.getattr",        "builtins.object",
    "builtins.complex",      "builtins.slice",          "builtins.range",
    "_codecs.encode",        "copyreg._reconstructor",  "collections.OrderedDict",
    "collections.Counter",   "collections.defaultdict", "collections.deque",
    "argparse.Namespace",    "datetime.datetime",       "datetime.date",
    "datetime.time",         "datetime.timedelta",      "datetime.timezone",
    "pathlib.Path",          "pathlib.PosixPath",       "pathlib.WindowsPath",
    "pathlib.PurePosixPath", "pathlib.PureWindowsPath"};

// Classes with lower-case names that are safe to hold opaquely.
const std::set<std::string> kLowercaseClasses = {"torch.device",
                                                 "torch.dtype",
                                                 "torch.layout",
                                                 "torch.memory_format",
                                                 "numpy.dtype",
                                                 "numpy.ndarray",
                                                 "collections.deque",
                                                 "collections.defaultdict",
                                                 "builtins.object",
                                                 "builtins.complex",
                                                 "builtins.slice",
                                                 "builtins.range",
                                                 "datetime.datetime",
                                                 "datetime.date",
                                                 "datetime.time",
                                                 "datetime.timedelta",
                                                 "datetime.timezone",
                                                 "numpy.random._pickle.__randomstate_ctor",
                                                 "numpy.random._pickle.__bit_generator_ctor",
                                                 "numpy.random._pickle.__generator_ctor"};

bool is_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '_')) return false;
  return true;
}

bool is_dotted_identifier(const std::string& s) {
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    if (!is_identifier(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start)))
      return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

std::string last_component(const std::string& dotted) {
  return dotted.substr(dotted.rfind('.') + 1);
}

bool is_class_like(const PyGlobal& g) {
  std::string last = last_component(g.name);
  return (!last.empty() && std::isupper(static_cast<unsigned char>(last[0]))) ||
         kLowercaseClasses.count(g.qualified()) > 0;
}

[[noreturn]] void refuse_call(const std::string& what, const Site& site) {
  throw Error("UnpicklingError", "refusing to call '" + what + "' " + site.where() +
                                     ": it is not a known data constructor (nothing was executed)");
}

std::int64_t int_arg(const PyObject& v, const char* what, const Site& site) {
  if (!v.is_int()) fail(site, std::string(what) + " must be an int, got " + v.type_name());
  return v.as_int();
}

std::vector<std::int64_t> int_tuple(const PyObject& v, const char* what, const Site& site) {
  if (!v.is_tuple() && !v.is_list())
    fail(site, std::string(what) + " must be a tuple of ints, got " + v.type_name());
  std::vector<std::int64_t> out;
  for (const auto& x : v.items()) out.push_back(int_arg(x, what, site));
  return out;
}

// Raw bytes of a bytes value, or of a str carrying 8-bit data (Python 2 pickles).
bool raw_bytes(const PyObject& v, std::string& out) {
  if (v.is_bytes()) {
    out = v.as_bytes();
    return true;
  }
  if (v.is_str()) {
    out = v.as_str();
    return true;
  }
  return false;
}

// ---- numpy ----

bool is_numpy(const PyGlobal& g, const char* numeric_or_multiarray, const char* name) {
  return g.name == name && (g.module == std::string("numpy.core.") + numeric_or_multiarray ||
                            g.module == std::string("numpy._core.") + numeric_or_multiarray);
}

// The type string ('<f8') of a pickled numpy.dtype, or "" when it is not a
// plain numeric/bool/str type (object, structured, datetime dtypes).
std::string typestr_of(const PyObject& dtype) {
  if (!dtype.is_object()) return "";
  const PyInstance& d = dtype.as_object();
  if (d.cls.qualified() != "numpy.dtype" || d.args.empty() || !d.args[0].is_str()) return "";
  auto t = parse_numpy_typestr(d.args[0].as_str());
  if (!t || std::string("fiubcUS").find(t->kind) == std::string::npos) return "";
  bool one_byte = t->kind == 'b' || t->kind == 'S' || t->itemsize() == 1;
  t->byteorder = one_byte ? '|' : '<';
  if (d.has_state) {
    const PyObject& st = d.state;
    if (!st.is_tuple() || st.items().size() < 5) return "";
    const auto& s = st.items();
    if (!s[1].is_str() || !s[3].is_none() || !s[4].is_none()) return "";  // structured
    const std::string& order = s[1].as_str();
    if (order == ">")
      t->byteorder = '>';
    else if (order == "<" || order == "=")
      t->byteorder = one_byte ? '|' : '<';
    else if (order != "|")
      return "";
  }
  return t->str();
}

PyObject make_numpy_array(const PyObject& dtype, std::vector<std::int64_t> shape, bool fortran,
                          std::string data, const Site& site) {
  std::string typestr = typestr_of(dtype);
  if (typestr.empty()) return PyObject();
  std::size_t itemsize = parse_numpy_typestr(typestr)->itemsize();
  std::uint64_t numel = 1;
  for (auto d : shape) {
    if (d < 0) fail(site, "numpy array with a negative dimension");
    if (d != 0 && numel > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(d))
      fail(site, "numpy array shape overflows");
    numel *= static_cast<std::uint64_t>(d);
  }
  if (static_cast<unsigned __int128>(numel) * itemsize != data.size())
    fail(site, "numpy array data holds " + std::to_string(data.size()) +
                   " bytes, but its shape and dtype '" + typestr + "' need " +
                   std::to_string(numel) + " x " + std::to_string(itemsize));
  NumpyArray a;
  a.dtype = typestr;
  a.shape = std::move(shape);
  a.fortran_order = fortran;
  a.data = std::move(data);
  a.dtype_object = dtype;
  return PyObject::numpy_array(std::move(a));
}

// BUILD on numpy.core.multiarray._reconstruct(ndarray, (0,), b'b'): the state is
// (version, shape, dtype, is_fortran, rawdata) or, older, without the version.
void build_numpy_array(PyObject& obj, const PyObject& state, const Site& site) {
  const PyInstance& inst = obj.as_object();
  if (inst.args.empty() || !inst.args[0].is_global() ||
      inst.args[0].as_global().qualified() != "numpy.ndarray" || !state.is_tuple())
    return;
  const auto& s = state.items();
  std::size_t base = s.size() == 5 ? 1 : 0;
  if (s.size() != 4 + base) return;
  std::string data;
  if (!raw_bytes(s[base + 3], data)) return;  // object arrays hold a list: stay opaque
  if (!s[base + 2].is_bool()) fail(site, "numpy array state: is_fortran must be a bool");
  PyObject arr = make_numpy_array(s[base + 1], int_tuple(s[base], "numpy array shape", site),
                                  s[base + 2].as_bool(), std::move(data), site);
  if (!arr.is_none()) obj.assign(arr);
}

// ---- torch ----

// _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
// backward_hooks[, metadata]): a strided view of a storage, bounds-checked.
PyObject rebuild_tensor(const PyObject::Items& args, bool has_grad, const Site& site) {
  std::size_t min_args = has_grad ? 6 : 4;
  if (args.size() < min_args || args.size() > min_args + 1)
    fail(site, "_rebuild_tensor: expected " + std::to_string(min_args) + " arguments, got " +
                   std::to_string(args.size()));
  if (!args[0].is_tensor())
    fail(site, "_rebuild_tensor: expected a storage, got " + args[0].type_name());
  const at::Tensor& storage = args[0].as_tensor();
  if (storage.dim() != 1 || storage.stride(0) != 1)
    fail(site, "_rebuild_tensor: the first argument is not a storage");
  std::int64_t offset = int_arg(args[1], "storage offset", site);
  auto sizes = int_tuple(args[2], "tensor size", site);
  auto strides = int_tuple(args[3], "tensor stride", site);
  if (sizes.size() != strides.size())
    fail(site, "_rebuild_tensor: size and stride differ in length");
  if (offset < 0) fail(site, "_rebuild_tensor: negative storage offset");
  // The last element addressed must lie inside the storage.
  unsigned __int128 last = static_cast<std::uint64_t>(offset);
  bool empty = false;
  unsigned __int128 numel_view = 1;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 0 || strides[i] < 0) fail(site, "_rebuild_tensor: negative size or stride");
    numel_view *= static_cast<std::uint64_t>(sizes[i]);
    if (numel_view > static_cast<unsigned __int128>(std::numeric_limits<std::int64_t>::max()))
      fail(site, "_rebuild_tensor: the tensor has more than 2^63 elements");
    if (sizes[i] == 0)
      empty = true;
    else
      last += static_cast<unsigned __int128>(sizes[i] - 1) * static_cast<std::uint64_t>(strides[i]);
  }
  auto numel = static_cast<unsigned __int128>(storage.numel());
  if (empty ? static_cast<unsigned __int128>(offset) > numel : last >= numel)
    fail(site, "_rebuild_tensor: view (offset " + std::to_string(offset) +
                   ") runs past its storage of " + std::to_string(storage.numel()) + " elements");
  at::Tensor t = at::empty({0}, storage.options());
  t.set_(storage.storage(), storage.storage_offset() + offset, sizes, strides);
  if (has_grad && args[4].is_bool() && args[4].as_bool() &&
      (at::isFloatingType(t.scalar_type()) || at::isComplexType(t.scalar_type())))
    t.requires_grad_(true);
  return PyObject::tensor(std::move(t));
}

bool is_tensor_rebuilder(const std::string& q) {
  return q == "torch._utils._rebuild_tensor_v2" || q == "torch._utils._rebuild_tensor" ||
         q == "torch._utils._rebuild_parameter" ||
         q == "torch._utils._rebuild_parameter_with_state";
}

// ---- builtins ----

// The elements of an iterable argument (list, tuple, set, dict keys).
PyObject::Items iterable(const PyObject& v, const Site& site) {
  if (v.has_items()) return v.items();
  if (v.is_dict()) {
    PyObject::Items keys;
    for (const auto& e : v.as_dict().entries()) keys.push_back(e.first);
    return keys;
  }
  fail(site, "expected an iterable, got " + v.type_name());
}

PyObject dedup_set(const PyObject::Items& items, bool frozen, const Site& site) {
  PyObject s = PyObject::set({}, frozen);
  std::unordered_set<std::string> seen;
  for (const auto& x : items) {
    std::string id;
    try {
      id = dict_key_id(x);
    } catch (const Error& e) {
      fail(site, e.what());
    }
    if (seen.insert(id).second) s.items().push_back(x);
  }
  return s;
}

// dict(...), OrderedDict(...): from a mapping or an iterable of pairs.
PyObject make_dict(DictType type, const PyObject::Items& args, const Site& site) {
  PyObject d = PyObject::dict(type);
  if (args.empty()) return d;
  if (args.size() > 1) fail(site, "dict constructor takes at most one positional argument");
  try {
    if (args[0].is_dict()) {
      for (const auto& [k, v] : args[0].as_dict().entries()) d.as_dict().set(k, v);
    } else {
      for (const auto& pair : iterable(args[0], site)) {
        if (!pair.has_items() || pair.items().size() != 2)
          fail(site, "dict constructor needs (key, value) pairs");
        d.as_dict().set(pair.items()[0], pair.items()[1]);
      }
    }
  } catch (const Error& e) {
    if (e.kind() == "UnpicklingError") throw;
    fail(site, e.what());
  }
  return d;
}

PyObject make_counter(const PyObject::Items& args, const Site& site) {
  if (args.empty() || args[0].is_dict()) return make_dict(DictType::Counter, args, site);
  PyObject d = PyObject::dict(DictType::Counter);  // Counter(iterable) counts elements
  for (const auto& x : iterable(args[0], site)) {
    try {
      const PyObject* n = d.as_dict().find(x);
      d.as_dict().set(x, PyObject::from_int(n ? n->as_int() + 1 : 1));
    } catch (const Error& e) {
      fail(site, e.what());
    }
  }
  return d;
}

PyObject codecs_encode(const PyObject::Items& args, const Site& site) {
  if (args.empty() || args.size() > 3 || !args[0].is_str())
    fail(site, "_codecs.encode expects (str, encoding)");
  std::string enc = args.size() > 1 && args[1].is_str() ? args[1].as_str() : "utf-8";
  std::transform(enc.begin(), enc.end(), enc.begin(), [](unsigned char c) {
    return static_cast<char>(c == '_' ? '-' : std::tolower(c));
  });
  const std::string& s = args[0].as_str();
  if (enc == "latin1" || enc == "latin-1" || enc == "iso-8859-1" || enc == "l1") {
    std::string out;
    if (!utf8::to_latin1(s, out)) fail(site, "_codecs.encode: text is not latin-1");
    return PyObject::bytes(std::move(out));
  }
  if (enc == "utf-8" || enc == "utf8") return PyObject::bytes(s);
  if (enc == "ascii") {
    for (unsigned char c : s)
      if (c >= 0x80) fail(site, "_codecs.encode: text is not ASCII");
    return PyObject::bytes(s);
  }
  fail(site, "_codecs.encode: unsupported encoding '" + enc + "'");
}

PyObject make_bytes(const PyObject::Items& args, const Site& site) {
  if (args.empty()) return PyObject::bytes("");
  if (args[0].is_bytes()) return PyObject::bytes(args[0].as_bytes());
  if (args[0].is_str()) return codecs_encode(args, site);
  std::string out;
  for (const auto& x : iterable(args[0], site)) {
    std::int64_t b = int_arg(x, "byte value", site);
    if (b < 0 || b > 255) fail(site, "byte value out of range");
    out += static_cast<char>(b);
  }
  return PyObject::bytes(std::move(out));
}

// getattr(placeholder, 'name'): a new placeholder, nothing is looked up.
PyObject placeholder_getattr(const PyObject::Items& args, const Site& site) {
  if (args.size() < 2 || args.size() > 3 || !args[1].is_str())
    fail(site, "getattr expects (object, name)");
  const std::string& attr = args[1].as_str();
  if (!is_identifier(attr) || attr.rfind("__", 0) == 0)
    throw Error("UnpicklingError", "forbidden getattr(..., '" + attr + "') " + site.where() +
                                       ": only plain attribute names of data classes are allowed "
                                       "(nothing was executed)");
  const PyObject& target = args[0];
  if (target.is_global() && is_class_like(target.as_global())) {
    const PyGlobal& g = target.as_global();
    return PyObject::global(g.module, g.name + "." + attr);
  }
  if (target.is_object()) {
    PyInstance inst;
    inst.cls = PyGlobal{"builtins", "getattr"};
    inst.args = {args[0], args[1]};
    return PyObject::object(std::move(inst));
  }
  throw Error("UnpicklingError",
              "forbidden getattr on a " + target.type_name() +
                  (target.is_global() ? " '" + target.as_global().qualified() + "'" : "") + " " +
                  site.where() +
                  ": getattr is only allowed on class placeholders and opaque "
                  "objects (nothing was executed)");
}

PyObject opaque(const PyGlobal& cls, Construction how, PyObject::Items args, PyObject kwargs = {}) {
  PyInstance inst;
  inst.cls = cls;
  inst.how = how;
  inst.args = std::move(args);
  inst.kwargs = std::move(kwargs);
  return PyObject::object(std::move(inst));
}

}  // namespace

std::string numpy_dtype_typestr(const PyObject& dtype) { return typestr_of(dtype); }

std::string Site::where() const { return "in " + source + " at byte " + std::to_string(pos); }

void fail(const Site& site, const std::string& message) {
  throw Error("UnpicklingError", message + " " + site.where());
}

std::string allowed_global_problem(const std::string& module, const std::string& name) {
  if (!is_dotted_identifier(module) || !is_dotted_identifier(name))
    return "not a valid module/attribute name";
  std::string q = module + "." + name;
  std::string root = module.substr(0, module.find('.'));
  bool in_root = kAllowedRoots.count(root) > 0;
  if (!kAllowedExact.count(q) && !in_root)
    return "module '" + module +
           "' is not allowed in a checkpoint (only torch, numpy, "
           "collections, OpenMMLab packages and a few builtins are)";
  // Dunder names (`__builtins__`, `__globals__`, ...) are never data.
  bool dunder = q.rfind("__", 0) == 0 || q.find(".__") != std::string::npos;
  if (dunder && !kLowercaseClasses.count(q)) return "'" + name + "' is not a data class";
  // `Outer.attr` names an attribute of a class, as getattr(Outer, 'attr') would.
  for (std::size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
    if (!is_class_like(PyGlobal{module, name.substr(0, dot)}))
      return "'" + name.substr(0, dot) + "' is not a class";
  }
  return "";
}

PyObject find_global(const std::string& module_in, const std::string& name, const Site& site) {
  // Python 2 names, as pickle's fix_imports maps them.
  std::string module = module_in == "__builtin__" ? "builtins"
                       : module_in == "copy_reg"  ? "copyreg"
                                                  : module_in;
  std::string problem = allowed_global_problem(module, name);
  if (!problem.empty())
    throw Error("UnpicklingError", "forbidden global '" + module_in + "." + name + "' " +
                                       site.where() + ": " + problem +
                                       "; refusing to load, nothing was executed");
  return PyObject::global(std::move(module), name);
}

PyObject call(const PyObject& callable, PyObject::Items args, const Site& site) {
  if (!callable.is_global()) {
    if (callable.is_object()) refuse_call(callable.repr(1, 3), site);
    fail(site, "cannot call a " + callable.type_name() + " (REDUCE on a non-callable)");
  }
  const PyGlobal& g = callable.as_global();
  const std::string q = g.qualified();
  if (q == "torch._utils._rebuild_tensor_v2") return rebuild_tensor(args, true, site);
  if (q == "torch._utils._rebuild_tensor") return rebuild_tensor(args, false, site);
  if (q == "torch._utils._rebuild_parameter" || q == "torch._utils._rebuild_parameter_with_state") {
    if (args.size() < 2 || !args[0].is_tensor())
      fail(site, q + ": expected (tensor, requires_grad, ...)");
    at::Tensor t = args[0].as_tensor();
    if (args[1].is_bool() && args[1].as_bool() && at::isFloatingType(t.scalar_type()))
      t = t.detach().requires_grad_(true);
    return PyObject::tensor(t);
  }
  if (q == "torch._tensor._rebuild_from_type_v2" || q == "torch._tensor._rebuild_from_type") {
    // (func, new_type, args, state): a tensor (subclass) with Python attributes.
    if (args.size() < 3 || !args[0].is_global() || !args[2].is_tuple() ||
        !is_tensor_rebuilder(args[0].as_global().qualified()))
      refuse_call(q, site);
    return call(args[0], args[2].items(), site);
  }
  if (q == "torch.Size")
    return PyObject::tuple(args.empty() ? PyObject::Items{} : iterable(args[0], site));
  if (q == "torch.storage._load_from_bytes") {
    std::string b;
    if (args.size() != 1 || !raw_bytes(args[0], b)) fail(site, q + ": expected bytes");
    if (!site.options.storage_from_bytes)
      fail(site, q + ": storages pickled by value are not supported here");
    return site.options.storage_from_bytes(b);
  }
  if (q == "collections.OrderedDict") return make_dict(DictType::OrderedDict, args, site);
  if (q == "collections.Counter") return make_counter(args, site);
  if (q == "builtins.dict") return make_dict(DictType::Dict, args, site);
  if (q == "builtins.set" || q == "builtins.frozenset")
    return dedup_set(args.empty() ? PyObject::Items{} : iterable(args[0], site),
                     q == "builtins.frozenset", site);
  if (q == "builtins.list")
    return PyObject::list(args.empty() ? PyObject::Items{} : iterable(args[0], site));
  if (q == "builtins.tuple")
    return PyObject::tuple(args.empty() ? PyObject::Items{} : iterable(args[0], site));
  if (q == "builtins.bytes" || q == "builtins.bytearray") return make_bytes(args, site);
  if (q == "builtins.getattr") return placeholder_getattr(args, site);
  if (q == "_codecs.encode") return codecs_encode(args, site);
  if (q == "copyreg._reconstructor") {
    // (cls, base, base_state): cls.__new__ without __init__, recorded opaquely.
    if (args.size() != 3 || !args[0].is_global() || !args[1].is_global() ||
        !is_class_like(args[0].as_global()))
      refuse_call(q, site);
    return opaque(args[0].as_global(), Construction::Reconstructor, {args[1], args[2]});
  }
  if (is_numpy(g, "multiarray", "_reconstruct")) {
    if (args.size() != 3 || !args[0].is_global())
      fail(site, q + ": expected (subtype, shape, dtype)");
    return opaque(g, Construction::Reduce, std::move(args));  // the array comes with BUILD
  }
  if (is_numpy(g, "multiarray", "scalar")) {
    std::string data;
    if (args.size() == 2 && raw_bytes(args[1], data)) {
      std::string typestr = typestr_of(args[0]);
      if (!typestr.empty()) {
        if (parse_numpy_typestr(typestr)->itemsize() != data.size())
          fail(site, "numpy scalar of dtype '" + typestr + "' with " + std::to_string(data.size()) +
                         " bytes");
        return PyObject::numpy_scalar(NumpyScalar{typestr, std::move(data), args[0]});
      }
    }
    return opaque(g, Construction::Reduce, std::move(args));  // e.g. object scalars
  }
  if (is_numpy(g, "numeric", "_frombuffer")) {
    // (buffer, dtype, shape, order): protocol 5 arrays.
    std::string data;
    if (args.size() != 4 || !raw_bytes(args[0], data) || !args[3].is_str())
      fail(site, q + ": expected (buffer, dtype, shape, order)");
    PyObject arr = make_numpy_array(args[1], int_tuple(args[2], "numpy array shape", site),
                                    args[3].as_str() == "F", std::move(data), site);
    if (arr.is_none()) fail(site, q + ": unsupported dtype");
    return arr;
  }
  if (is_class_like(g)) return opaque(g, Construction::Reduce, std::move(args));
  refuse_call(q, site);
}

PyObject new_object(const PyObject& cls, PyObject::Items args, PyObject kwargs, Construction how,
                    const Site& site) {
  if (!cls.is_global()) fail(site, "NEWOBJ on a " + cls.type_name() + " (expected a class)");
  const PyGlobal& g = cls.as_global();
  const std::string q = g.qualified();
  if (q == "collections.OrderedDict") return PyObject::dict(DictType::OrderedDict);
  if (q == "collections.Counter") return PyObject::dict(DictType::Counter);
  if (q == "builtins.dict") return PyObject::dict();
  if (q == "builtins.list") return PyObject::list();
  if (q == "builtins.set") return PyObject::set();
  if (!is_class_like(g)) refuse_call(q + ".__new__", site);
  return opaque(g, how, std::move(args), std::move(kwargs));
}

void build(PyObject& obj, PyObject state, const Site& site) {
  switch (obj.kind()) {
    case PyKind::Object: {
      PyInstance& inst = obj.as_object();
      inst.has_state = true;
      inst.state = state;
      if (is_numpy(inst.cls, "multiarray", "_reconstruct")) build_numpy_array(obj, state, site);
      return;
    }
    case PyKind::Dict:
      // An OrderedDict's instance attributes (a state dict's `_metadata`); a
      // plain dict has no __dict__, so Python refuses this too.
      if (obj.as_dict().type() == DictType::Dict)
        fail(site, "BUILD on a plain dict (it has no attributes)");
      if (!state.is_dict() && !state.is_tuple() && !state.is_none())
        fail(site, "BUILD on a dict with a " + state.type_name() + " state");
      obj.as_dict().attrs() = std::move(state);
      return;
    case PyKind::Global:
      throw Error("UnpicklingError", "forbidden BUILD on the class '" +
                                         obj.as_global().qualified() + "' " + site.where() +
                                         " (nothing was executed)");
    default:
      fail(site, "BUILD on a " + obj.type_name() + " is not supported");
  }
}

}  // namespace mmcpp::io::detail
