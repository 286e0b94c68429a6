#include "mmcpp/io/pth_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <regex>
#include <unordered_map>
#include <unordered_set>

#include <ATen/ops/empty.h>
#include <c10/core/Storage.h>
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/versions.h>

#include "mmcpp/core/error.h"
#include "mmcpp/io/dtypes.h"
#include "mmcpp/io/pickle_reader.h"
#include "mmcpp/io/zip_probe.h"

namespace mmcpp::io {
namespace {

using caffe2::serialize::ReadAdapterInterface;

// torch.save of a storage nested in a pickle (`_load_from_bytes`) may nest once more.
constexpr int kMaxNestedLoads = 2;

// pread-based file access for PyTorchStreamReader and the zip probe.
class FileAdapter final : public ReadAdapterInterface {
 public:
  explicit FileAdapter(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      int err = errno;
      throw Error(err == ENOENT ? "FileNotFoundError" : "OSError",
                  "cannot open checkpoint '" + path + "': " + std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw Error(S_ISDIR(st.st_mode) ? "IsADirectoryError" : "OSError",
                  "cannot read checkpoint '" + path + "': not a regular file");
    }
    size_ = static_cast<std::size_t>(st.st_size);
  }
  ~FileAdapter() override { ::close(fd_); }
  std::size_t size() const override { return size_; }
  std::size_t read(std::uint64_t pos, void* buf, std::size_t n, const char*) const override {
    if (pos >= size_) return 0;
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, size_ - pos));
    std::size_t done = 0;
    while (done < n) {
      ssize_t r =
          ::pread(fd_, static_cast<char*>(buf) + done, n - done, static_cast<off_t>(pos + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      done += static_cast<std::size_t>(r);
    }
    return done;
  }

 private:
  int fd_ = -1;
  std::size_t size_ = 0;
};

// Bounds-checked reads from memory.
class SpanAdapter final : public ReadAdapterInterface {
 public:
  explicit SpanAdapter(std::string_view data) : data_(data) {}
  std::size_t size() const override { return data_.size(); }
  std::size_t read(std::uint64_t pos, void* buf, std::size_t n, const char*) const override {
    if (pos >= data_.size()) return 0;
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, data_.size() - pos));
    std::memcpy(buf, data_.data() + pos, n);
    return n;
  }

 private:
  std::string_view data_;
};

std::string read_all(const ReadAdapterInterface& in, const std::string& name) {
  std::string data(in.size(), '\0');
  if (in.read(0, data.data(), data.size()) != data.size())
    throw Error("OSError", "cannot read checkpoint '" + name + "'");
  return data;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string preview(std::string_view head) {
  std::string out;
  for (unsigned char c : head.substr(0, 16)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::size_t checked_nbytes(std::int64_t numel, c10::ScalarType dtype, const std::string& what) {
  auto itemsize = static_cast<std::uint64_t>(c10::elementSize(dtype));
  if (numel < 0 ||
      static_cast<std::uint64_t>(numel) > std::numeric_limits<std::uint64_t>::max() / 16)
    throw Error("UnpicklingError", what + ": invalid storage size " + std::to_string(numel));
  return static_cast<std::size_t>(static_cast<std::uint64_t>(numel) * itemsize);
}

at::Tensor flat_view(c10::Storage storage, c10::ScalarType dtype, std::int64_t numel) {
  at::Tensor t = at::empty({0}, at::TensorOptions().dtype(dtype));
  t.set_(std::move(storage), 0, {numel}, {1});
  return t;
}

// The storage type named in a persistent id: torch.FloatStorage, torch.cuda.HalfStorage...
c10::ScalarType storage_dtype(const PyObject& type, const std::string& where) {
  if (type.is_global()) {
    const PyGlobal& g = type.as_global();
    if (g.module == "torch" || g.module == "torch.cuda")
      if (auto d = storage_type_to_dtype(g.name)) return *d;
  }
  throw Error("UnpicklingError", where + ": unsupported storage type " + type.repr(1, 2));
}

// Moves every tensor to `device`, keeping views of one storage sharing it.
void move_tensors(const PyObject& root, c10::Device device) {
  std::unordered_set<const void*> seen;
  std::unordered_map<const c10::StorageImpl*, at::Tensor> moved;
  std::vector<PyObject> todo{root};
  while (!todo.empty()) {
    PyObject o = todo.back();
    todo.pop_back();
    if (!o.id() || !seen.insert(o.id()).second) continue;
    if (o.is_tensor()) {
      at::Tensor& t = o.as_tensor();
      if (!t.defined() || t.device() == device) continue;
      const c10::StorageImpl* key = t.storage().unsafeGetStorageImpl();
      auto it = moved.find(key);
      if (it == moved.end()) {
        std::int64_t n = static_cast<std::int64_t>(t.storage().nbytes() / t.element_size());
        it = moved.emplace(key, flat_view(t.storage(), t.scalar_type(), n).to(device)).first;
      }
      bool grad = t.requires_grad();
      at::Tensor m = at::empty({0}, it->second.options());
      m.set_(it->second.storage(), t.storage_offset(), t.sizes(), t.strides());
      if (grad) m.requires_grad_(true);
      t = m;
      continue;
    }
    o.for_each_child([&](const PyObject& c) { todo.push_back(c); });
  }
}

PyObject load_any(std::shared_ptr<ReadAdapterInterface> in, const std::string& name,
                  c10::Device device, int depth);

// torch.storage._load_from_bytes: a torch.save blob holding one storage.
StorageFromBytes nested_loader(const std::string& name, c10::Device device, int depth) {
  return [name, device, depth](const std::string& bytes) {
    if (depth >= kMaxNestedLoads)
      throw Error("UnpicklingError", name + ": storages nested too deeply");
    auto in = std::make_shared<SpanAdapter>(bytes);
    PyObject s = load_any(in, name + ":<storage bytes>", device, depth + 1);
    if (!s.is_tensor())
      throw Error("UnpicklingError", name + ": _load_from_bytes did not hold a storage");
    return s;
  };
}

// ---- zip format ----

// PyTorchStreamReader's constructor leaks miniz state when it throws, so the
// checks it makes on the version record are made here first.
void check_version_record(const ReadAdapterInterface& in, const ZipDirectory& dir,
                          const std::string& root, const std::string& name) {
  const ZipEntry* e = dir.find(root + "/.data/version");
  if (!e) e = dir.find(root + "/version");
  if (!e)
    throw Error("RuntimeError",
                name + ": not a valid PyTorch zip checkpoint: no " + root + "/version record");
  if (e->method != 0)  // torch never compresses it, and we cannot check it compressed
    throw Error("RuntimeError", name + ": unsupported compressed " + root + "/version record");
  std::string text(static_cast<std::size_t>(std::min<std::uint64_t>(e->compressed_size, 32)), '\0');
  in.read(e->data_offset, text.data(), text.size());
  std::size_t i = 0, digits = 0;
  std::uint64_t version = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && digits < 6;
       ++i, ++digits)
    version = version * 10 + static_cast<std::uint64_t>(text[i] - '0');
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (digits == 0 || i != text.size() || e->compressed_size > 32 ||
      version < caffe2::serialize::kMinSupportedFileFormatVersion ||
      version > caffe2::serialize::kMaxSupportedFileFormatVersion)
    throw Error("RuntimeError",
                name + ": unsupported PyTorch archive version record '" + preview(text) + "'");
}

PyObject load_zip(std::shared_ptr<ReadAdapterInterface> in, const std::string& name,
                  c10::Device device, int depth) {
  ZipDirectory dir = probe_zip(*in, name);
  std::string root;
  for (const auto& e : dir.entries) {
    std::size_t slash = e.name.find('/');
    if (!e.directory && slash != std::string::npos &&
        e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      root = e.name.substr(0, slash);
      break;
    }
  }
  if (root.empty()) {
    bool script = false;
    for (const auto& e : dir.entries)
      script |= e.name.find("/constants.pkl") != std::string::npos ||
                e.name.find("/code/") != std::string::npos;
    throw Error("UnpicklingError",
                name +
                    ": zip archive without a <root>/data.pkl record: not a torch.save checkpoint" +
                    (script ? " (it looks like a TorchScript archive: use torch.save, not "
                              "torch.jit.save)"
                            : ""));
  }
  // PyTorchStreamReader takes the root from the first record.
  if (dir.entries.empty() || dir.entries[0].name.compare(0, root.size() + 1, root + "/") != 0)
    throw Error("RuntimeError",
                name + ": not a valid torch.save archive: records are not all in '" + root + "/'");
  check_version_record(*in, dir, root, name);
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
  // Reads a record the probe has vetted, and checks miniz agrees on its size.
  auto record = [&](const std::string& rec) {
    const ZipEntry* entry = dir.find(root + "/" + rec);
    if (!entry)
      throw Error("RuntimeError", name + ": record '" + root + "/" + rec + "' is missing");
    std::tuple<at::DataPtr, std::size_t> got;
    try {
      got = reader->getRecord(rec);
    } catch (const std::exception& e) {
      throw Error("RuntimeError", name + ": cannot read record '" + root + "/" + rec +
                                      "' (corrupt zip?): " + first_line(e.what()));
    }
    if (std::get<1>(got) != entry->uncompressed_size)
      throw Error("RuntimeError", name + ": record '" + root + "/" + rec + "' is corrupt");
    return got;
  };
  try {
    reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(in);
  } catch (const std::exception& e) {
    throw Error("RuntimeError", name + ": truncated or not a valid PyTorch zip checkpoint: " +
                                    first_line(e.what()));
  }
  if (dir.find(root + "/byteorder")) {
    auto [ptr, size] = record("byteorder");
    std::string order(static_cast<const char*>(ptr.get()), size);
    if (order != "little")
      throw Error("RuntimeError", name + ": byte order '" + order + "' is not supported");
  }

  const std::string source = name + ":" + root + "/data.pkl";
  std::unordered_map<std::string, PyObject> storages;
  PickleOptions options;
  options.storage_from_bytes = nested_loader(name, device, depth);
  options.persistent_load = [&](const PyObject& pid) -> PyObject {
    // ('storage', storage_type, key, location, numel)
    if (!pid.is_tuple() || pid.items().size() != 5 || !pid.at(0).is_str() ||
        pid.at(0).as_str() != "storage" || !pid.at(2).is_str() || !pid.at(4).is_int())
      throw Error("UnpicklingError", source + ": unsupported persistent id " + pid.repr(2, 6));
    c10::ScalarType dtype = storage_dtype(pid.at(1), source);
    const std::string& key = pid.at(2).as_str();
    if (key.empty() || key.find_first_of("/\\") != std::string::npos || key == "." || key == "..")
      throw Error("UnpicklingError", source + ": invalid storage key '" + key + "'");
    auto cached = storages.find(key);
    if (cached != storages.end()) {
      if (cached->second.as_tensor().scalar_type() != dtype)
        throw Error("UnpicklingError", source + ": storage '" + key + "' used with two dtypes");
      return cached->second;
    }
    std::int64_t numel = pid.at(4).as_int();
    std::size_t nbytes = checked_nbytes(numel, dtype, source);
    const ZipEntry* entry = dir.find(root + "/data/" + key);
    if (!entry)
      throw Error("UnpicklingError", source + ": storage '" + key + "' is missing (no record " +
                                         root + "/data/" + key + ")");
    if (entry->uncompressed_size < nbytes)
      throw Error("UnpicklingError", source + ": storage '" + key + "' holds " +
                                         std::to_string(entry->uncompressed_size) + " bytes, but " +
                                         std::to_string(nbytes) + " are needed");
    auto [ptr, size] = record("data/" + key);
    c10::Storage storage(c10::Storage::use_byte_size_t(), size, std::move(ptr), nullptr, false);
    at::Tensor flat = flat_view(std::move(storage), dtype, numel);
    if (device != flat.device()) flat = flat.to(device);
    PyObject t = PyObject::tensor(flat);
    storages.emplace(key, t);
    return t;
  };
  auto [ptr, size] = record("data.pkl");
  return unpickle(std::string_view(static_cast<const char*>(ptr.get()), size), source, options);
}

// ---- legacy format: magic, protocol, sys_info, object pickles, then storages ----

bool is_legacy_magic(const PyObject& v) {
  static const std::string kMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
  return v.kind() == PyKind::BigInt && v.big_int_bytes() == kMagic;
}

PyObject load_legacy(std::string_view data, const std::string& name, c10::Device device,
                     int depth) {
  PickleReader header(data, name);
  PyObject magic = header.load();  // forbidden globals stop here
  if (!is_legacy_magic(magic))
    throw Error("UnpicklingError",
                name +
                    ": a pickle, but not a PyTorch checkpoint (the legacy format's magic number "
                    "is missing)");
  PyObject protocol = header.load();
  if (!protocol.is_int() || protocol.as_int() != 1001)
    throw Error("RuntimeError",
                name + ": unsupported legacy checkpoint protocol " + protocol.repr());
  PyObject sys_info = header.load();
  if (const PyObject* le = sys_info.find("little_endian"); le && le->is_bool() && !le->as_bool())
    throw Error("RuntimeError", name + ": big-endian legacy checkpoints are not supported");

  struct Root {
    PyObject flat;
    std::int64_t numel;
  };
  std::unordered_map<std::string, Root> roots;
  std::unordered_map<std::string, PyObject> views;
  std::size_t allocated = 0;
  PickleOptions options;
  options.storage_from_bytes = nested_loader(name, device, depth);
  options.persistent_load = [&](const PyObject& pid) -> PyObject {
    if (!pid.is_tuple() || pid.items().empty() || !pid.at(0).is_str())
      throw Error("UnpicklingError", name + ": unsupported persistent id " + pid.repr(2, 6));
    if (pid.at(0).as_str() == "module" && pid.items().size() >= 2) return pid.at(1);
    // ('storage', storage_type, root_key, location, numel, view_metadata)
    if (pid.at(0).as_str() != "storage" || pid.items().size() != 6 || !pid.at(2).is_str() ||
        !pid.at(4).is_int())
      throw Error("UnpicklingError", name + ": unsupported persistent id " + pid.repr(2, 6));
    c10::ScalarType dtype = storage_dtype(pid.at(1), name);
    const std::string& key = pid.at(2).as_str();
    auto it = roots.find(key);
    if (it == roots.end()) {
      std::int64_t numel = pid.at(4).as_int();
      std::size_t nbytes = checked_nbytes(numel, dtype, name);
      allocated += nbytes;
      if (allocated > data.size())  // the data must follow in the file
        throw Error("UnpicklingError", name + ": storage '" + key + "' is larger than the file");
      at::Tensor flat = at::empty({numel}, at::TensorOptions().dtype(dtype));
      it = roots.emplace(key, Root{PyObject::tensor(flat), numel}).first;
    } else if (it->second.flat.as_tensor().scalar_type() != dtype) {
      throw Error("UnpicklingError", name + ": storage '" + key + "' used with two dtypes");
    }
    const PyObject& view = pid.at(5);
    if (view.is_none()) return it->second.flat;
    // (view_key, offset, view_size): a slice of the root storage.
    if (!view.is_tuple() || view.items().size() != 3 || !view.at(0).is_str() ||
        !view.at(1).is_int() || !view.at(2).is_int())
      throw Error("UnpicklingError", name + ": malformed storage view " + view.repr(2, 4));
    std::int64_t off = view.at(1).as_int(), len = view.at(2).as_int();
    if (off < 0 || len < 0 || off > it->second.numel || len > it->second.numel - off)
      throw Error("UnpicklingError", name + ": storage view runs past its storage");
    auto v = views.find(view.at(0).as_str());
    if (v == views.end())
      v = views
              .emplace(view.at(0).as_str(),
                       PyObject::tensor(it->second.flat.as_tensor().narrow(0, off, len)))
              .first;
    return v->second;
  };
  PickleReader body(data, name, options);
  body.seek(header.position());
  PyObject result = body.load();
  PyObject keys = body.load();
  if (!keys.is_list()) throw Error("UnpicklingError", name + ": storage key list missing");
  std::size_t pos = body.position();
  for (const auto& k : keys.items()) {
    auto it = k.is_str() ? roots.find(k.as_str()) : roots.end();
    if (it == roots.end())
      throw Error("UnpicklingError", name + ": data for unknown storage " + k.repr());
    at::Tensor& flat = it->second.flat.as_tensor();
    std::size_t nbytes = flat.numel() * flat.element_size();
    if (data.size() - pos < 8 + nbytes)
      throw Error("UnpicklingError",
                  name + ": legacy checkpoint data was truncated (storage " + k.repr() + ")");
    std::int64_t count = 0;
    std::memcpy(&count, data.data() + pos, 8);
    if (count != it->second.numel)
      throw Error("UnpicklingError",
                  name + ": storage " + k.repr() + " has " + std::to_string(count) +
                      " elements in the file, expected " + std::to_string(it->second.numel));
    std::memcpy(flat.data_ptr(), data.data() + pos + 8, nbytes);
    pos += 8 + nbytes;
  }
  if (device != c10::Device(c10::kCPU)) move_tensors(result, device);
  return result;
}

PyObject load_any(std::shared_ptr<ReadAdapterInterface> in, const std::string& name,
                  c10::Device device, int depth) {
  if (in->size() == 0)
    throw Error("EOFError", name + ": the file is empty (0 bytes): not a checkpoint");
  char head[4] = {0, 0, 0, 0};
  std::size_t n = in->read(0, head, std::min<std::size_t>(4, in->size()));
  std::string_view h(head, n);
  if (h.substr(0, 2) == "PK") return load_zip(std::move(in), name, device, depth);
  if (static_cast<unsigned char>(head[0]) == 0x80) {
    std::string data = read_all(*in, name);
    return load_legacy(data, name, device, depth);
  }
  std::string start(std::min<std::size_t>(16, in->size()), '\0');
  in->read(0, start.data(), start.size());
  throw Error("UnpicklingError", name +
                                     ": not a PyTorch checkpoint: neither a zip archive "
                                     "(torch.save) nor a pickle (it starts with \"" +
                                     preview(start) + "\")");
}

}  // namespace

PyObject load_pth(const std::string& path, c10::Device map_location) {
  return load_any(std::make_shared<FileAdapter>(path), path, map_location, 0);
}

PyObject load_pth_bytes(std::string_view bytes, const std::string& name, c10::Device map_location) {
  return load_any(std::make_shared<SpanAdapter>(bytes), name, map_location, 0);
}

PyObject load_pickle(std::string_view bytes, const std::string& name, c10::Device map_location) {
  PickleOptions options;
  options.storage_from_bytes = nested_loader(name, map_location, 0);
  return unpickle(bytes, name, options);
}

NamedTensors state_dict_from_checkpoint(const PyObject& checkpoint,
                                        const KeyRevisions& revise_keys) {
  if (!checkpoint.is_dict())
    throw Error("TypeError", "checkpoint is a " + checkpoint.type_name() + ", expected a dict");
  const PyObject* sd = checkpoint.find("state_dict");
  if (!sd) sd = &checkpoint;
  if (!sd->is_dict())
    throw Error("TypeError",
                "checkpoint['state_dict'] is a " + sd->type_name() + ", expected a dict");
  std::vector<std::pair<std::regex, std::string>> rules;
  for (const auto& [pattern, repl] : revise_keys) {
    try {
      rules.emplace_back(std::regex(pattern), repl);
    } catch (const std::regex_error& e) {
      throw Error("ValueError", "invalid revise_keys pattern '" + pattern + "': " + e.what());
    }
  }
  NamedTensors out;
  out.reserve(sd->as_dict().size());
  for (const auto& [k, v] : sd->as_dict().entries()) {
    if (!k.is_str()) throw Error("TypeError", "state_dict key " + k.repr() + " is not a str");
    if (!v.is_tensor())
      throw Error("TypeError",
                  "state_dict entry '" + k.as_str() + "' is a " + v.type_name() + ", not a tensor");
    std::string key = k.as_str();
    for (const auto& [re, repl] : rules) key = std::regex_replace(key, re, repl);
    out.emplace_back(std::move(key), v.as_tensor());
  }
  return out;
}

}  // namespace mmcpp::io
