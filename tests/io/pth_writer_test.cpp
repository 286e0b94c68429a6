// save_pth: round trips through load_pth, the archive layout torch.load
// expects, and atomic replacement under injected filesystem failures.
#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/ops/arange.h>
#include <ATen/ops/randn.h>

#include "mmcpp/core/error.h"
#include "mmcpp/io/pth_reader.h"
#include "mmcpp/io/pth_writer.h"
#include "mmcpp/io/zip_probe.h"
#include "tests/io/py_equal.h"

namespace mmcpp::io {
namespace {

using testing::py_diff;

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/mmcpp_pth_writer_XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() {
    for (const auto& f : files()) ::unlink((path_ + "/" + f).c_str());
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(path_.c_str())) {
      while (dirent* e = ::readdir(d))
        if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) out.push_back(e->d_name);
      ::closedir(d);
    }
    return out;
  }

 private:
  std::string path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

PyObject S(const std::string& s) { return PyObject::str(s); }
PyObject I(std::int64_t i) { return PyObject::from_int(i); }
PyObject T(const at::Tensor& t) { return PyObject::tensor(t); }

// A value holding every PyObject kind, with shared and strided tensors.
PyObject every_kind() {
  PyObject root = PyObject::dict();
  auto& d = root.as_dict();
  d.set("none", PyObject());
  d.set("bools", PyObject::list({PyObject::from_bool(true), PyObject::from_bool(false)}));
  d.set("ints", PyObject::list({I(0), I(255), I(256), I(65536), I(-1), I(INT32_MIN), I(1LL << 40),
                                I(std::numeric_limits<std::int64_t>::min())}));
  d.set("big", PyObject::big_int(std::string("\0\0\0\0\0\0\0\0\x01", 9)));
  d.set("floats", PyObject::tuple({PyObject::from_float(0.1), PyObject::from_float(-INFINITY),
                                   PyObject::from_float(NAN)}));
  d.set("str", S("h\xc3\xa9llo \xe4\xb8\x96"));
  d.set("bytes", PyObject::bytes(std::string("\0\xff\x80x", 4)));
  d.set("empty_bytes", PyObject::bytes(""));
  d.set("tuples", PyObject::tuple({PyObject::tuple(), PyObject::tuple({I(1)}),
                                   PyObject::tuple({I(1), I(2), I(3), I(4)})}));
  d.set("set", PyObject::set({I(3), S("a")}));
  d.set("frozenset", PyObject::set({I(4)}, true));
  PyObject counter = PyObject::dict(DictType::Counter);
  counter.as_dict().set(I(15), I(1));
  d.set("counter", counter);
  d.set(I(7), S("int key"));
  d.set(PyObject::tuple({I(1), S("k")}), S("tuple key"));

  // A state dict with _metadata, views sharing a storage, a transposed tensor.
  PyObject sd = PyObject::dict(DictType::OrderedDict);
  at::Tensor base = at::randn({4, 6});
  sd.as_dict().set("w", T(base));
  sd.as_dict().set("w_t", T(base.t()));
  sd.as_dict().set("w_row", T(base.narrow(0, 1, 2)));
  sd.as_dict().set("scalar", T(at::arange(1, at::kLong).reshape({})));
  sd.as_dict().set("empty", T(at::randn({0, 3})));
  sd.as_dict().set("grad", T(at::randn({2}).requires_grad_(true)));
  for (auto dt : {at::kDouble, at::kHalf, at::kBFloat16, at::kInt, at::kShort, at::kChar, at::kByte,
                  at::kBool, at::kComplexFloat})
    sd.as_dict().set(std::string("dtype_") + c10::toString(dt), T(at::arange(5).to(dt)));
  PyObject meta = PyObject::dict(DictType::OrderedDict);
  PyObject version = PyObject::dict();
  version.as_dict().set("version", I(1));
  meta.as_dict().set("", version);
  PyObject attrs = PyObject::dict();
  attrs.as_dict().set("_metadata", meta);
  sd.as_dict().attrs() = attrs;
  d.set("state_dict", sd);

  // Opaque objects, placeholders and numpy values, as in MMEngine's message hub.
  PyInstance hb;
  hb.cls = PyGlobal{"mmengine.logging.history_buffer", "HistoryBuffer"};
  hb.how = Construction::NewObj;
  hb.has_state = true;
  PyObject state = PyObject::dict();
  NumpyArray arr;
  arr.dtype = "<f8";
  arr.shape = {2};
  double vals[2] = {0.5, 2.0};
  arr.data.assign(reinterpret_cast<const char*>(vals), sizeof vals);
  state.as_dict().set("_log_history", PyObject::numpy_array(arr));
  state.as_dict().set("min",
                      PyObject::global("mmengine.logging.history_buffer", "HistoryBuffer.min"));
  hb.state = state;
  d.set("history", PyObject::object(hb));
  PyInstance ns;
  ns.cls = PyGlobal{"argparse", "Namespace"};
  ns.args = {I(1)};
  ns.list_items = {S("x")};
  ns.dict_items = {{S("k"), I(2)}};
  d.set("namespace", PyObject::object(ns));
  double eta = 12.5;
  d.set("eta", PyObject::numpy_scalar(
                   NumpyScalar{"<f8", std::string(reinterpret_cast<const char*>(&eta), 8), {}}));
  PyObject shared = PyObject::list({I(1)});
  d.set("shared", PyObject::list({shared, shared}));
  return root;
}

TEST(PthWriter, RoundTripsEveryKind) {
  TempDir dir;
  const std::string path = dir.path() + "/all.pth";
  PyObject v = every_kind();
  save_pth(v, path);
  PyObject back = load_pth(path);
  EXPECT_EQ(py_diff(v, back), "");
  // Views of one storage still share it, with the same offsets.
  const PyObject& sd = back.get("state_dict");
  const at::Tensor& w = sd.get("w").as_tensor();
  EXPECT_TRUE(w.is_alias_of(sd.get("w_t").as_tensor()));
  EXPECT_TRUE(w.is_alias_of(sd.get("w_row").as_tensor()));
  EXPECT_EQ(sd.get("w_row").as_tensor().storage_offset(), 6);
  EXPECT_TRUE(back.get("shared").at(0).is(back.get("shared").at(1)));
  EXPECT_EQ(back.get("history").as_object().attr("min")->as_global().name, "HistoryBuffer.min");
  // In memory, too.
  EXPECT_EQ(py_diff(v, load_pth_bytes(save_pth_bytes(v))), "");
}

TEST(PthWriter, ArchiveLayoutIsTorchSaves) {
  PyObject sd = PyObject::dict(DictType::OrderedDict);
  for (int i = 0; i < 12; ++i) sd.as_dict().set("t" + std::to_string(i), T(at::arange(i + 1)));
  std::string bytes = save_pth_bytes(sd);
  struct Span : caffe2::serialize::ReadAdapterInterface {
    explicit Span(const std::string& s) : s(s) {}
    std::size_t size() const override { return s.size(); }
    std::size_t read(std::uint64_t pos, void* buf, std::size_t n, const char*) const override {
      std::memcpy(buf, s.data() + pos, n);
      return n;
    }
    const std::string& s;
  } span(bytes);
  ZipDirectory dir = probe_zip(span, "mem");
  std::vector<std::string> names;
  for (const auto& e : dir.entries) names.push_back(e.name);
  ASSERT_GE(names.size(), 15u);
  EXPECT_EQ(names[0], "archive/data.pkl");
  EXPECT_EQ(names[1], "archive/byteorder");
  EXPECT_EQ(names[2], "archive/data/0");
  EXPECT_EQ(names[3], "archive/data/1");
  EXPECT_EQ(names[4], "archive/data/10");  // sorted as strings, as torch.save does
  EXPECT_EQ(names.back(), "archive/version");
  const ZipEntry* version = dir.find("archive/version");
  EXPECT_EQ(bytes.substr(version->data_offset, version->compressed_size), "3\n");
  for (const auto& e : dir.entries) {
    EXPECT_EQ(e.method, 0) << e.name;  // stored, like torch.save
    if (e.name.rfind("archive/data/", 0) == 0) {
      EXPECT_EQ(e.data_offset % 64, 0u) << e.name;  // PyTorchStreamWriter aligns records
    }
  }
}

// Fails one step of the save with an errno, like a full disk or a bad rename.
class FailingSink : public FileSink {
 public:
  enum Step { kOpen, kWrite, kSync, kRename, kNone };
  FailingSink(Step step, std::size_t fail_after = 0) : step_(step), fail_after_(fail_after) {}
  void open(const std::string& path) override {
    if (step_ == kOpen)
      throw Error("OSError", "cannot create '" + path + "': " + std::strerror(EACCES));
    FileSink::open(path);
  }
  void write(const void* data, std::size_t size) override {
    if (step_ == kWrite && written_ + size > fail_after_) {
      FileSink::write(data, fail_after_ - std::min(fail_after_, written_));  // a short write first
      throw Error("OSError", "cannot write '" + path_ + "': " + std::strerror(ENOSPC));
    }
    written_ += size;
    FileSink::write(data, size);
  }
  void sync() override {
    if (step_ == kSync)
      throw Error("OSError", "cannot fsync '" + path_ + "': " + std::strerror(EIO));
    FileSink::sync();
  }
  void rename(const std::string& from, const std::string& to) override {
    if (step_ == kRename)
      throw Error("OSError",
                  "cannot rename '" + from + "' to '" + to + "': " + std::strerror(EXDEV));
    FileSink::rename(from, to);
  }

 private:
  Step step_;
  std::size_t fail_after_;
  std::size_t written_ = 0;
};

TEST(PthWriter, FailuresLeaveThePreviousFileAndNoTempFiles) {
  TempDir dir;
  const std::string path = dir.path() + "/epoch_1.pth";
  PyObject v = every_kind();
  save_pth(v, path);
  const std::string previous = read_file(path);
  PyObject changed = PyObject::dict();
  changed.as_dict().set("state_dict", T(at::randn({1000})));
  struct Case {
    FailingSink::Step step;
    std::size_t after;
    const char* errno_text;
  };
  for (const Case& c : {Case{FailingSink::kOpen, 0, std::strerror(EACCES)},
                        Case{FailingSink::kWrite, 0, std::strerror(ENOSPC)},
                        Case{FailingSink::kWrite, 100, std::strerror(ENOSPC)},
                        Case{FailingSink::kWrite, 3000, std::strerror(ENOSPC)},
                        Case{FailingSink::kSync, 0, std::strerror(EIO)},
                        Case{FailingSink::kRename, 0, std::strerror(EXDEV)}}) {
    SCOPED_TRACE(std::to_string(c.step) + "/" + std::to_string(c.after));
    FailingSink sink(c.step, c.after);
    try {
      save_pth(changed, path, &sink);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      std::string msg = e.what();
      EXPECT_EQ(e.kind(), "OSError");
      EXPECT_NE(msg.find("cannot save checkpoint to '" + path + "'"), std::string::npos) << msg;
      EXPECT_NE(msg.find(c.errno_text), std::string::npos) << msg;
    }
    EXPECT_EQ(read_file(path), previous);
    EXPECT_EQ(dir.files(), std::vector<std::string>{"epoch_1.pth"});
  }
  EXPECT_EQ(py_diff(v, load_pth(path)), "");
  // A successful save replaces the file.
  save_pth(changed, path);
  EXPECT_EQ(py_diff(changed, load_pth(path)), "");
  EXPECT_EQ(dir.files(), std::vector<std::string>{"epoch_1.pth"});
}

TEST(PthWriter, RealFilesystemErrorsAndUnsavableValues) {
  TempDir dir;
  try {
    save_pth(PyObject::dict(), dir.path() + "/no/such/dir/x.pth");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "OSError");
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos)
        << e.what();
  }
  // Values torch.save cannot write fail before any file is created.
  PyObject bad = PyObject::dict();
  bad.as_dict().set("t", PyObject::tensor(at::Tensor()));
  try {
    save_pth(bad, dir.path() + "/bad.pth");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
    EXPECT_NE(std::string(e.what()).find("undefined tensor"), std::string::npos) << e.what();
  }
  // Nor does the writer emit globals its own reader would refuse.
  try {
    save_pth(PyObject::global("os", "system"), dir.path() + "/evil.pth");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
    EXPECT_NE(std::string(e.what()).find("refusing to write the global 'os.system'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(dir.files().empty());
}

}  // namespace
}  // namespace mmcpp::io
