// The safe unpickler: every protocol's opcodes, numpy values, the security
// policy (forbidden globals and calls, nothing executed), and robustness
// against truncated, corrupt and hostile input.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <random>
#include <string>

#include <ATen/ops/arange.h>
#include <ATen/ops/equal.h>
#include <ATen/ops/tensor.h>
#include <caffe2/serialize/in_memory_adapter.h>

#include "mmcpp/core/error.h"
#include "mmcpp/io/pickle_reader.h"
#include "mmcpp/io/pickle_writer.h"
#include "mmcpp/io/pth_reader.h"
#include "mmcpp/io/pth_writer.h"
#include "mmcpp/io/py_object.h"
#include "mmcpp/io/zip_probe.h"
#include "tests/io/pickle_test_vectors.h"
#include "tests/io/py_equal.h"

namespace mmcpp::io {
namespace {

using namespace std::string_literals;
using testing::py_diff;

const char* kMarker = "/tmp/mmcpp_pickle_exploit_marker";

bool marker_exists() {
  struct stat st {};
  return ::stat(kMarker, &st) == 0;
}

// The message of the mmcpp::Error that `fn` throws ("" when it does not throw).
template <typename Fn>
std::string error_of(Fn fn, std::string* kind = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "";
}

PyObject load(const std::string& data, PickleOptions options = {}) {
  return unpickle(data, "test.pkl", std::move(options));
}

// Protocol-2 building blocks for hand-written pickles.
std::string binunicode(const std::string& s) {
  std::string out = "X";
  for (int i = 0; i < 4; ++i) out += static_cast<char>((s.size() >> (8 * i)) & 0xff);
  return out + s;
}
std::string global(const std::string& module, const std::string& name) {
  return "c" + module + "\n" + name + "\n";
}
std::string p2(const std::string& body) { return "\x80\x02"s + body + "."; }

// ---- protocols ----

void check_composite(const PyObject& v, int protocol) {
  SCOPED_TRACE("protocol " + std::to_string(protocol));
  ASSERT_TRUE(v.is_dict());
  const auto& ints = v.get("ints").items();
  std::vector<std::int64_t> expect = {0,         1,        255,        256,           65535,
                                      65536,     -1,       2147483647, -2147483648LL, 2147483648LL,
                                      INT64_MIN, INT64_MAX};
  ASSERT_EQ(ints.size(), expect.size());
  for (std::size_t i = 0; i < expect.size(); ++i) EXPECT_EQ(ints[i].as_int(), expect[i]) << i;
  const auto& big = v.get("big").items();
  EXPECT_EQ(big[0].big_int_bytes(), "\0\0\0\0\0\0\0\0\x01"s);  // 2**64
  EXPECT_EQ(big[1].big_int_bytes(), "\0\0\0\0\0\0\0\0\xc0"s);  // -2**70
  EXPECT_EQ(big[2].kind(), PyKind::BigInt);
  EXPECT_EQ(v.get("floats").at(0).as_float(), 0.5);
  EXPECT_EQ(v.get("floats").at(1).as_float(), -1e300);
  EXPECT_TRUE(std::isinf(v.get("floats").at(2).as_float()));
  EXPECT_TRUE(v.get("consts").at(0).is_none());
  EXPECT_TRUE(v.get("consts").at(1).as_bool());
  EXPECT_FALSE(v.get("consts").at(2).as_bool());
  EXPECT_EQ(v.get("str").as_str(), "h\xc3\xa9llo \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80");
  EXPECT_EQ(v.get("bytes").as_bytes(),
            "\x00\xff\x10"
            "ab"s);
  EXPECT_EQ(v.get("empty_bytes").as_bytes(), "");
  EXPECT_EQ(v.get("bytearray").as_bytes(), "xy");
  const auto& tuples = v.get("tuples").items();
  ASSERT_EQ(tuples.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_TRUE(tuples[i].is_tuple());
    EXPECT_EQ(tuples[i].size(), i);
  }
  EXPECT_EQ(v.get("set").kind(), PyKind::Set);
  EXPECT_EQ(v.get("set").at(0).as_int(), 3);
  EXPECT_EQ(v.get("frozenset").kind(), PyKind::FrozenSet);
  const PyObject& od = v.get("od");
  EXPECT_EQ(od.as_dict().type(), DictType::OrderedDict);
  EXPECT_EQ(od.as_dict().keys(), (std::vector<std::string>{"x", "y"}));
  const PyObject& counter = v.get("counter");
  EXPECT_EQ(counter.type_name(), "Counter");
  EXPECT_EQ(counter.as_dict().find(PyObject::from_int(15))->as_int(), 1);
  EXPECT_EQ(counter.get("a").as_int(), 2);
  EXPECT_TRUE(v.get("nested").at(0).at(0).is_list());
  // One list referenced twice stays one list.
  EXPECT_TRUE(v.get("shared").at(0).is(v.get("shared").at(1)));
  EXPECT_EQ(
      v.as_dict().find(PyObject::tuple({PyObject::from_int(1), PyObject::str("k")}))->as_str(),
      "tuple key");
  EXPECT_EQ(v.as_dict().find(PyObject::from_int(7))->as_str(), "int key");
  // 7.0 and True-like keys hash as Python's do.
  EXPECT_NE(v.as_dict().find(PyObject::from_float(7.0)), nullptr);
}

TEST(PickleReader, ReadsEveryProtocol) {
  const std::string* all[] = {&testing::kCompositeP0, &testing::kCompositeP1,
                              &testing::kCompositeP2, &testing::kCompositeP3,
                              &testing::kCompositeP4, &testing::kCompositeP5};
  PyObject first;
  for (int p = 0; p < 6; ++p) {
    PyObject v = load(*all[p]);
    check_composite(v, p);
    if (p == 0) {
      first = v;
    } else {
      EXPECT_EQ(py_diff(first, v), "") << "protocol " << p;
    }
  }
}

TEST(PickleReader, ReadsSeveralPicklesInARow) {
  std::string two = p2("K\x05") + p2(binunicode("x"));
  PickleReader r(two, "two.pkl");
  EXPECT_EQ(r.load().as_int(), 5);
  EXPECT_EQ(r.load().as_str(), "x");
  std::string kind;
  error_of([&] { r.load(); }, &kind);
  EXPECT_EQ(kind, "EOFError");
}

TEST(PickleReader, MemoOpcodesAndStackOps) {
  // MEMOIZE/BINGET, LONG_BINPUT/LONG_BINGET, DUP, POP, POP_MARK.
  std::string data =
      "\x80\x04]\x94h\x00r\x01\x00\x00\x00j\x01\x00\x00\x00\x32(K\x01K\x02\x31\x30\x87."s;
  PyObject t = load(data);
  ASSERT_TRUE(t.is_tuple());
  EXPECT_TRUE(t.at(0).is(t.at(1)));
  EXPECT_TRUE(t.at(1).is(t.at(2)));
}

// ---- numpy ----

TEST(PickleReader, NumpyArraysAndScalars) {
  PyObject a = load(testing::kNumpyF32P2);
  ASSERT_TRUE(a.is_numpy_array()) << a.repr();
  EXPECT_EQ(a.as_numpy_array().dtype, "<f4");
  EXPECT_EQ(a.as_numpy_array().shape, (std::vector<std::int64_t>{2, 3}));
  at::Tensor expect = at::arange(6, at::kFloat).reshape({2, 3});
  EXPECT_TRUE(at::equal(a.as_numpy_array().to_tensor(), expect));

  PyObject f = load(testing::kNumpyFortranP2);
  EXPECT_TRUE(f.as_numpy_array().fortran_order);
  EXPECT_TRUE(at::equal(f.as_numpy_array().to_tensor(), at::arange(6, at::kLong).reshape({2, 3})));

  PyObject be = load(testing::kNumpyBigEndianP2);
  EXPECT_EQ(be.as_numpy_array().dtype, ">i4");
  EXPECT_TRUE(
      at::equal(be.as_numpy_array().to_tensor(), at::tensor(std::vector<std::int32_t>{1, -2, 3})));

  PyObject b = load(testing::kNumpyBoolP2);
  EXPECT_EQ(b.as_numpy_array().dtype, "|b1");
  EXPECT_EQ(b.as_numpy_array().to_tensor().scalar_type(), at::kBool);

  PyObject s = load(testing::kNumpyScalarP2);
  ASSERT_TRUE(s.is_numpy_scalar());
  EXPECT_EQ(s.type_name(), "float64");
  EXPECT_EQ(s.as_numpy_scalar().to_double(), 12.5);
  EXPECT_EQ(s.as_float(), 12.5);
  EXPECT_EQ(load(testing::kNumpyIntScalarP2).as_numpy_scalar().to_int(), -7);

  // Protocol 5 uses numpy.core.numeric._frombuffer.
  PyObject p5 = load(testing::kNumpyF32P5);
  ASSERT_TRUE(p5.is_numpy_array()) << p5.repr();
  EXPECT_TRUE(at::equal(p5.as_numpy_array().to_tensor(), expect));

  // Object arrays stay opaque (their data is a list of Python objects).
  PyObject o = load(testing::kNumpyObjectP2);
  ASSERT_TRUE(o.is_object());
  EXPECT_EQ(o.as_object().cls.qualified(), "numpy.core.multiarray._reconstruct");
  EXPECT_TRUE(o.as_object().has_state);
}

// ---- opaque objects and placeholders ----

TEST(PickleReader, OpaqueObjectsAndGetattrPlaceholders) {
  // HistoryBuffer.__new__ + BUILD {'max_length': 3, 'm': getattr(HistoryBuffer, 'min')}
  std::string hb = global("mmengine.logging.history_buffer", "HistoryBuffer");
  std::string data =
      p2(hb + "q\x00)\x81}("s + binunicode("max_length") + "K\x03" + binunicode("m") +
         global("__builtin__", "getattr") + "h\x00"s + binunicode("min") + "\x86R" + "ub");
  PyObject v = load(data);
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.type_name(), "HistoryBuffer");
  const PyInstance& o = v.as_object();
  EXPECT_EQ(o.how, Construction::NewObj);
  ASSERT_TRUE(o.has_state);
  EXPECT_EQ(o.attr("max_length")->as_int(), 3);
  const PyObject* m = o.attr("m");
  ASSERT_TRUE(m && m->is_global());
  EXPECT_EQ(m->as_global().qualified(), "mmengine.logging.history_buffer.HistoryBuffer.min");

  // REDUCE of a CapWords class from an allowed package, plus appended items.
  PyObject ns = load(p2(global("mmpretrain.structures", "DataSample") + ")R]K\x01"
                                                                        "a"
                                                                        "0"s));
  EXPECT_EQ(ns.as_object().how, Construction::Reduce);

  // OrderedDict attributes (a state dict's _metadata) survive BUILD.
  PyObject od =
      load(p2(global("collections", "OrderedDict") + ")R}" + binunicode("_metadata") + "}sb"));
  EXPECT_NE(od.as_dict().attrs().find("_metadata"), nullptr);
}

TEST(PickleReader, TensorsComeFromPersistentLoad) {
  at::Tensor storage = at::arange(12, at::kFloat);
  PickleOptions opts;
  opts.persistent_load = [&](const PyObject& pid) {
    EXPECT_EQ(pid.at(0).as_str(), "storage");
    return PyObject::tensor(storage);
  };
  auto pickle = [](const std::string& offset, const std::string& size, const std::string& stride) {
    return p2(global("torch._utils", "_rebuild_tensor_v2") + "((" + binunicode("storage") +
              global("torch", "FloatStorage") + binunicode("0") + binunicode("cpu") + "K\x0ct" +
              "Q" + offset + size + stride + "\x89" + global("collections", "OrderedDict") + ")Rt" +
              "R");
  };
  PyObject t = load(pickle("K\x02", "K\x02K\x03\x86", "K\x01K\x02\x86"), opts);
  ASSERT_TRUE(t.is_tensor());
  EXPECT_EQ(t.as_tensor().sizes(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(t.as_tensor().storage_offset(), 2);
  EXPECT_EQ(t.as_tensor().data_ptr(), storage.data_ptr<float>() + 2);  // a view, not a copy
  // A view reaching past the storage is refused.
  std::string msg =
      error_of([&] { load(pickle("K\x07", "K\x02K\x03\x86", "K\x03K\x01\x86"), opts); });
  EXPECT_NE(msg.find("runs past its storage"), std::string::npos) << msg;
  // Without a storage context persistent ids are an error.
  msg = error_of([&] { load(pickle("K\x00"s, "K\x01\x85", "K\x01\x85")); });
  EXPECT_NE(msg.find("persistent id"), std::string::npos) << msg;
}

// ---- security ----

struct Hostile {
  const char* name;
  std::string pickle;
  const char* expect;  // substring of the error
};

std::vector<Hostile> hostile_pickles() {
  const std::string cmd = binunicode("touch "s + kMarker);
  return {
      {"os.system", p2(global("os", "system") + cmd + "\x85R"), "forbidden global 'os.system'"},
      {"posix.system nested in a dict",
       p2("}(" + binunicode("meta") + "}" + binunicode("state_dict") + "}(" + binunicode("w") +
          global("posix", "system") + cmd + "\x85Ruu"),
       "forbidden global 'posix.system'"},
      {"builtins.eval", p2(global("builtins", "eval") + cmd + "\x85R"),
       "forbidden global 'builtins.eval'"},
      {"__builtin__.exec", p2(global("__builtin__", "exec") + cmd + "\x85R"), "forbidden global"},
      {"__import__", p2(global("__builtin__", "__import__") + binunicode("os") + "\x85R"),
       "forbidden global"},
      {"subprocess", p2(global("subprocess", "Popen") + cmd + "\x85R"),
       "forbidden global 'subprocess.Popen'"},
      {"STACK_GLOBAL os.system", "\x80\x04\x8c\x02os\x8c\x06system\x93"s + cmd + "\x85R.",
       "forbidden global 'os.system'"},
      {"INST os.system", "(" + cmd + "ios\nsystem\n.", "forbidden global 'os.system'"},
      {"getattr of a module-like attribute",
       p2(global("__builtin__", "getattr") + global("torch", "os") + binunicode("system") +
          "\x86R"),
       "forbidden getattr"},
      {"getattr of a dunder",
       p2(global("__builtin__", "getattr") +
          global("mmengine.logging.history_buffer", "HistoryBuffer") + binunicode("__init__") +
          "\x86R"),
       "forbidden getattr"},
      {"dunder global", p2(global("torch", "__builtins__")), "forbidden global"},
      {"call of a function from an allowed package",
       p2(global("numpy.testing._private.utils", "runstring") + cmd + "}\x86R"),
       "refusing to call"},
      {"torch.load", p2(global("torch", "load") + binunicode("x") + "\x85R"), "refusing to call"},
      {"NEWOBJ of a function", p2(global("torch", "load") + ")\x81"), "refusing to call"},
      {"BUILD on a class", p2(global("torch", "Tensor") + "}b"), "forbidden BUILD"},
      {"call through an opaque object", p2(global("mmengine", "Thing") + ")R)R"),
       "refusing to call"},
      {"bad module name", p2(global("os;x", "system")), "forbidden global"},
  };
}

TEST(PickleReader, RefusesHostileGlobalsBeforeAnyCall) {
  ::unlink(kMarker);
  for (const auto& h : hostile_pickles()) {
    std::string kind;
    std::string msg = error_of([&] { load(h.pickle); }, &kind);
    EXPECT_EQ(kind, "UnpicklingError") << h.name << ": " << msg;
    EXPECT_NE(msg.find(h.expect), std::string::npos) << h.name << ": " << msg;
    EXPECT_NE(msg.find("test.pkl at byte"), std::string::npos) << h.name << ": " << msg;
    EXPECT_FALSE(marker_exists()) << h.name;
  }
}

// ---- malformed input ----

TEST(PickleReader, EveryTruncationFailsCleanly) {
  const std::string& full = testing::kCompositeP2;
  for (std::size_t n = 0; n < full.size(); ++n) {
    std::string kind;
    std::string msg = error_of([&] { load(full.substr(0, n)); }, &kind);
    ASSERT_FALSE(msg.empty()) << "prefix " << n << " loaded";
    if (n > 0) {
      EXPECT_NE(msg.find("truncated"), std::string::npos) << n << ": " << msg;
    }
  }
  std::string msg = error_of([&] { load(full.substr(0, full.size() / 2)); });
  EXPECT_NE(msg.find("pickle data was truncated in test.pkl"), std::string::npos) << msg;
}

TEST(PickleReader, CorruptBytesNeverCrash) {
  std::mt19937 rng(1234);
  const std::string* inputs[] = {&testing::kCompositeP0, &testing::kCompositeP2,
                                 &testing::kCompositeP4, &testing::kNumpyF32P2};
  PickleOptions opts;
  opts.persistent_load = [](const PyObject&) {
    return PyObject::tensor(at::arange(4, at::kFloat));
  };
  int loaded = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string data = *inputs[round % 4];
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) data[rng() % data.size()] = static_cast<char>(rng() & 0xff);
    try {
      load(data, opts).repr();
      ++loaded;
    } catch (const Error&) {
    }
  }
  SUCCEED() << loaded << " corrupted pickles still loaded";
}

TEST(PickleReader, RejectsMalformedOpcodesAndLimits) {
  struct Case {
    const char* name;
    std::string pickle;
    const char* expect;
  };
  std::string deep = "\x80\x02";
  for (int i = 0; i < 1200; ++i) deep += "]";
  for (int i = 0; i < 1199; ++i) deep += "a";
  deep += ".";
  std::vector<Case> cases = {
      {"invalid opcode", "\x80\x02\xff."s, "invalid pickle opcode 0xff"},
      {"future protocol", "\x80\x09N."s, "unsupported pickle protocol"},
      {"memo miss", "\x80\x02h\x05."s, "memo value not found"},
      {"stack underflow",
       "\x80\x02"
       "a."s,
       "stack underflow"},
      {"no mark", "\x80\x02K\x01t."s, "could not find MARK"},
      {"huge string length", "\x80\x02X\xff\xff\xff\xff"s, "truncated"},
      {"huge BINBYTES8 length", "\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x7f"s, "truncated"},
      {"negative LONG4", "\x80\x02\x8b\xff\xff\xff\xff"s, "negative"},
      {"invalid UTF-8", "\x80\x02X\x01\x00\x00\x00\xff."s, "invalid UTF-8"},
      {"self-referencing list",
       "\x80\x02]q\x00h\x00"
       "a."s,
       "self-referencing"},
      {"too deep", deep, "nested deeper"},
      {"unhashable key", "\x80\x02}]K\x01s."s, "unhashable"},
      {"APPEND to a dict",
       "\x80\x02}K\x01"
       "a."s,
       "expected a list"},
      {"extension code", "\x80\x02\x82\x01."s, "extension"},
      {"out-of-band buffer", "\x80\x05\x97."s, "out-of-band"},
      {"REDUCE args not a tuple", p2(global("collections", "OrderedDict") + "]R"),
       "must be a tuple"},
      {"bad numpy data size",
       p2(global("numpy.core.multiarray", "_reconstruct") + global("numpy", "ndarray") +
          "K\x00\x85"s +
          "C\x01"
          "b"
          "\x87R" +
          "(K\x01K\x02\x85" + global("numpy", "dtype") + binunicode("f8") + "\x89\x88\x87R" +
          "\x89" +
          "C\x03"
          "abc"
          "tb"s),
       "numpy array data holds 3 bytes"},
  };
  for (const auto& c : cases) {
    std::string msg = error_of([&] { load(c.pickle); });
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.name << ": " << msg;
  }
}

// ---- torch formats beyond the zip archive ----

TEST(PthReader, LegacyNonZipCheckpoint) {
  PyObject v = load_pth_bytes(testing::kLegacyCheckpoint, "legacy.pth");
  ASSERT_EQ(v.type_name(), "OrderedDict");
  EXPECT_EQ(v.as_dict().keys(), (std::vector<std::string>{"a", "row", "n", "l", "h"}));
  const at::Tensor& a = v.get("a").as_tensor();
  EXPECT_TRUE(at::equal(a, at::arange(6, at::kFloat).reshape({2, 3})));
  const at::Tensor& row = v.get("row").as_tensor();
  EXPECT_TRUE(row.is_alias_of(a));
  EXPECT_EQ(row.storage_offset(), 3);
  EXPECT_EQ(v.get("n").as_int(), 3);
  EXPECT_TRUE(at::equal(v.get("l").as_tensor(), at::tensor(std::vector<std::int64_t>{5, -6})));
  EXPECT_EQ(v.get("h").as_tensor().scalar_type(), at::kHalf);
  // Every truncation fails cleanly.
  const std::string& full = testing::kLegacyCheckpoint;
  for (std::size_t n = 1; n < full.size(); n += 7)
    EXPECT_FALSE(error_of([&] { load_pth_bytes(full.substr(0, n), "cut.pth"); }).empty()) << n;
  std::string kind;
  std::string msg = error_of([&] { load_pth_bytes(testing::kCompositeP2, "plain.pkl"); }, &kind);
  EXPECT_NE(msg.find("magic number"), std::string::npos) << msg;
}

// Patches `n` little-endian bytes at `pos`.
void poke(std::string& s, std::size_t pos, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s[pos + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

TEST(PthReader, HostileZipArchives) {
  PyObject sd = PyObject::dict(DictType::OrderedDict);
  sd.as_dict().set("a", PyObject::tensor(at::arange(4, at::kFloat)));
  sd.as_dict().set("b", PyObject::tensor(at::arange(3, at::kLong)));
  const std::string good = save_pth_bytes(sd);
  ASSERT_TRUE(load_pth_bytes(good).is_dict());
  auto central = [&](const std::string& data, const std::string& name) {
    std::size_t p = data.find("PK\x01\x02"s);
    while (p != std::string::npos && data.compare(p + 46, name.size(), name) != 0)
      p = data.find("PK\x01\x02"s, p + 4);
    return p;
  };
  struct Case {
    const char* what;
    std::string data;
    const char* expect;
  };
  std::vector<Case> cases;
  {
    std::string d = good;  // the DOS directory attribute: miniz would extract nothing
    poke(d, central(d, "archive/version") + 38, 0x10, 1);
    cases.push_back({"version flagged as a directory", d, "no archive/version record"});
  }
  {
    std::string d = good;  // two entries named alike (miniz matches names case-insensitively)
    std::size_t p = central(d, "archive/data/1");
    d.replace(p + 46, 14, "ARCHIVE/data/0");
    cases.push_back({"duplicate names", d, "duplicate entry"});
  }
  {
    std::string d = good;  // an uncompressed size far beyond the file
    poke(d, central(d, "archive/data/0") + 24, 0x7fffffff, 4);
    cases.push_back({"bomb size", d, "impossible uncompressed size"});
  }
  {
    std::string d = good;
    poke(d, central(d, "archive/data/0") + 42, 0x7fffffff, 4);
    cases.push_back({"local header offset past the end", d, "past the end"});
  }
  {
    std::string d = good;  // the storage record is too small for its numel
    std::size_t p = central(d, "archive/data/0");
    poke(d, p + 20, 4, 4);
    poke(d, p + 24, 4, 4);
    cases.push_back({"short storage", d, "holds 4 bytes, but 16 are needed"});
  }
  {
    std::string d = good;
    caffe2::serialize::MemoryReadAdapter mem(d.data(), static_cast<off_t>(d.size()));
    d[probe_zip(mem, "mem").find("archive/version")->data_offset] = 'x';
    cases.push_back({"bad version", d, "unsupported PyTorch archive version"});
  }
  for (const auto& c : cases) {
    std::string msg = error_of([&] { load_pth_bytes(c.data, "hostile.pth"); });
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.what << ": " << msg;
  }
  for (std::size_t n = 0; n < good.size(); n += 13)
    EXPECT_FALSE(error_of([&] { load_pth_bytes(good.substr(0, n), "cut.pth"); }).empty()) << n;
}

TEST(PthReader, TensorsPickledByValue) {
  PyObject v = load_pickle(testing::kTensorPickledByValue, "byvalue.pkl");
  const at::Tensor& t = v.get("t").as_tensor();
  EXPECT_EQ(t.scalar_type(), at::kDouble);
  EXPECT_EQ(t.storage_offset(), 1);
  EXPECT_TRUE(at::equal(t, at::arange(1, 4, at::kDouble)));
  EXPECT_EQ(v.get("x").as_int(), 1);
}

// ---- the value model ----

TEST(PyObject, AccessorsAndErrors) {
  PyObject d = PyObject::dict();
  d.as_dict().set("a", PyObject::from_int(1));
  d.as_dict().set("b", PyObject::str("x"));
  d.as_dict().set("a", PyObject::from_int(2));  // replaced in place
  EXPECT_EQ(d.as_dict().keys(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.get("a").as_int(), 2);
  std::string kind;
  std::string msg = error_of([&] { d.get("zzz"); }, &kind);
  EXPECT_EQ(kind, "KeyError");
  EXPECT_NE(msg.find("'zzz' not in dict with keys [a, b]"), std::string::npos) << msg;
  msg = error_of([&] { d.get("b").as_int(); }, &kind);
  EXPECT_EQ(kind, "TypeError");
  EXPECT_NE(msg.find("expected int, got str 'x'"), std::string::npos) << msg;
  error_of([&] { PyObject::list().at(3); }, &kind);
  EXPECT_EQ(kind, "IndexError");
  EXPECT_EQ(PyObject::from_bool(true).as_int(), 1);
  EXPECT_EQ(PyObject::from_int(3).as_float(), 3.0);
  EXPECT_EQ(dict_key_id(PyObject::from_bool(true)), dict_key_id(PyObject::from_float(1.0)));
  error_of([&] { dict_key_id(PyObject::list()); }, &kind);
  EXPECT_EQ(kind, "TypeError");
  EXPECT_EQ(d.repr(), "{'a': 2, 'b': 'x'}");
  EXPECT_EQ(PyObject::tuple({PyObject::from_int(1)}).repr(), "(1,)");
  EXPECT_EQ(PyObject::tensor(at::arange(6, at::kFloat).reshape({2, 3})).repr(),
            "tensor(shape=[2, 3], dtype=float32)");
}

TEST(PyObject, PlainPickleRoundTrip) {
  // pickle_dumps(load(x)) loads back equal: a writer/reader consistency check.
  for (const auto* p : {&testing::kCompositeP2, &testing::kCompositeP4, &testing::kNumpyF32P2,
                        &testing::kNumpyScalarP2, &testing::kNumpyObjectP2}) {
    PyObject v = load(*p);
    PyObject back = load(pickle_dumps(v));
    EXPECT_EQ(py_diff(v, back), "");
  }
  std::string kind;
  error_of([] { pickle_dumps(PyObject::tensor(at::arange(2))); }, &kind);
  EXPECT_EQ(kind, "TypeError");
}

}  // namespace
}  // namespace mmcpp::io
