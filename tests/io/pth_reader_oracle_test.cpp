// load_pth against real MMEngine checkpoints (every MMCPP_ORACLE_DIR/models/*/
// checkpoint.pth, found at run time) and the hostile/malformed files of
// models/_bad (see their README.md).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/Context.h>
#include <ATen/ops/empty.h>

#include "mmcpp/core/error.h"
#include "mmcpp/core/hash.h"
#include "mmcpp/io/dtypes.h"
#include "mmcpp/io/pth_reader.h"
#include "tests/support/oracle.h"

namespace mmcpp::io {
namespace {

using mmcpp::testing::oracle_dir;
using mmcpp::testing::read_json_file;

const char* kMarker = "/tmp/mmcpp_pickle_exploit_marker";

// The model folders of the oracle: every models/<name>/ with a checkpoint.pth.
std::vector<std::string> model_dirs() {
  std::vector<std::string> dirs;
  for (const auto& e : std::filesystem::directory_iterator(mmcpp::testing::oracle_dir("models")))
    if (e.is_directory() && std::filesystem::exists(e.path() / "checkpoint.pth"))
      dirs.push_back(e.path().string());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::string bad_dir() { return mmcpp::testing::oracle_dir("models/_bad"); }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_buffer(const std::string& key) {
  for (const char* b : {"running_mean", "running_var", "num_batches_tracked"})
    if (key.size() > std::strlen(b) &&
        key.compare(key.size() - std::strlen(b), std::string::npos, b) == 0)
      return true;
  return false;
}

// A HistoryBuffer as MMEngine pickles it, holding one value (`first_value`, or
// any finite value when NaN).
void check_history_buffer(const PyObject& hb, const std::string& name, double first_value) {
  SCOPED_TRACE(name);
  ASSERT_TRUE(hb.is_object()) << hb.repr();
  const PyInstance& o = hb.as_object();
  EXPECT_EQ(o.cls.qualified(), "mmengine.logging.history_buffer.HistoryBuffer");
  EXPECT_EQ(o.how, Construction::NewObj);
  ASSERT_TRUE(o.has_state);
  EXPECT_EQ(o.attr("max_length")->as_int(), 1000000);
  const PyObject* log = o.attr("_log_history");
  ASSERT_TRUE(log && log->is_numpy_array()) << o.state.repr();
  EXPECT_EQ(log->as_numpy_array().dtype, "<f8");
  EXPECT_EQ(log->as_numpy_array().shape, std::vector<std::int64_t>{1});
  const double logged = log->as_numpy_array().to_tensor().item<double>();
  if (std::isnan(first_value))
    EXPECT_TRUE(std::isfinite(logged)) << logged;
  else
    EXPECT_NEAR(logged, first_value, 1e-12);
  const PyObject* count = o.attr("_count_history");
  ASSERT_TRUE(count && count->is_numpy_array());
  EXPECT_EQ(count->as_numpy_array().dtype, "<i8");
  EXPECT_EQ(count->as_numpy_array().to_tensor().item<std::int64_t>(), 1);
  const PyObject* methods = o.attr("statistics_methods");
  ASSERT_TRUE(methods && methods->is_dict());
  EXPECT_EQ(methods->as_dict().keys(), (std::vector<std::string>{"min", "max", "current", "mean"}));
  EXPECT_EQ(methods->get("mean").as_global().qualified(),
            "mmengine.logging.history_buffer.HistoryBuffer.mean");
}

// Every checkpoint of the models oracle (written by MMEngine's save_checkpoint as
// models/README.md describes): the file is the one outputs.json describes (md5),
// and every documented entry reads back with its Python types and values.
TEST(PthReaderOracle, LoadsEveryMmengineCheckpoint) {
  const std::vector<std::string> dirs = model_dirs();
  ASSERT_FALSE(dirs.empty()) << "no models/<name>/checkpoint.pth in the oracle";
  for (const std::string& dir : dirs) {
    SCOPED_TRACE(dir);
    auto outputs = read_json_file(dir + "/outputs.json");
    auto keys = read_json_file(dir + "/keys.json");
    auto labels = read_json_file(dir + "/labels.json");
    EXPECT_EQ(md5_hex(read_bytes(dir + "/checkpoint.pth")),
              outputs["checkpoint_md5"].get<std::string>());
    PyObject ckpt = load_pth(dir + "/checkpoint.pth");

    // Top-level keys, in order.
    std::vector<std::string> top;
    for (const auto& k : outputs["checkpoint_top_level_keys"]) top.push_back(k.get<std::string>());
    ASSERT_EQ(ckpt.as_dict().keys(), top);

    // state_dict: keys, shapes and dtypes equal keys.json, in order.
    const PyObject& sd = ckpt.get("state_dict");
    EXPECT_EQ(sd.type_name(), "OrderedDict");
    ASSERT_EQ(sd.size(), keys.size());
    if (outputs.contains("num_state_dict_entries")) {
      EXPECT_EQ(sd.size(), outputs["num_state_dict_entries"].get<std::size_t>());
    }
    std::int64_t num_parameters = 0;
    std::vector<at::Tensor> params;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const auto& [k, v] = sd.as_dict().entries()[i];
      const std::string key = keys[i]["key"].get<std::string>();
      ASSERT_EQ(k.as_str(), key);
      ASSERT_TRUE(v.is_tensor()) << key;
      const at::Tensor& t = v.as_tensor();
      EXPECT_EQ(t.sizes().vec(), keys[i]["shape"].get<std::vector<std::int64_t>>()) << key;
      EXPECT_EQ(dtype_name(t.scalar_type()), keys[i]["dtype"].get<std::string>()) << key;
      EXPECT_TRUE(t.device().is_cpu());
      if (t.is_floating_point()) {
        EXPECT_TRUE(t.isfinite().all().item<bool>()) << key;
      }
      if (key.find("num_batches_tracked") != std::string::npos) {
        EXPECT_EQ(t.item<std::int64_t>(), 1);  // one training step
      }
      if (!is_buffer(key)) {
        params.push_back(t);
        num_parameters += t.numel();
      }
    }
    if (outputs.contains("num_parameters")) {
      EXPECT_EQ(num_parameters, outputs["num_parameters"].get<std::int64_t>());
    }

    NamedTensors named = state_dict_from_checkpoint(ckpt);
    ASSERT_EQ(named.size(), keys.size());
    EXPECT_EQ(named.front().first, keys[0]["key"].get<std::string>());

    // meta: epoch 1, iter 1, seed 0, the fixed time, the config text.
    const PyObject& meta = ckpt.get("meta");
    EXPECT_EQ(meta.get("epoch").as_int(), 1);
    EXPECT_EQ(meta.get("iter").as_int(), 1);
    EXPECT_EQ(meta.get("seed").as_int(), 0);
    EXPECT_EQ(meta.get("time").as_str(), "20240101_000000");
    EXPECT_EQ(meta.get("mmengine_version").as_str(),
              outputs["mmengine_version"].get<std::string>());
    EXPECT_EQ(meta.get("cfg").as_str().rfind("model = dict(", 0), 0u);
    const PyObject& classes = meta.get("dataset_meta").get("classes");
    ASSERT_TRUE(classes.is_tuple());
    ASSERT_EQ(classes.size(), labels["classes"].size());
    for (std::size_t i = 0; i < classes.size(); ++i)
      EXPECT_EQ(classes.at(static_cast<std::int64_t>(i)).as_str(),
                labels["classes"][i].get<std::string>());

    // message_hub: HistoryBuffers as opaque objects holding numpy arrays.
    const PyObject& hub = ckpt.get("message_hub");
    const PyObject& scalars = hub.get("log_scalars");
    EXPECT_EQ(scalars.as_dict().keys(), (std::vector<std::string>{"train/lr", "train/data_time",
                                                                  "train/loss", "train/time"}));
    check_history_buffer(scalars.get("train/lr"), "train/lr", 0.01);
    check_history_buffer(scalars.get("train/loss"), "train/loss", NAN);
    check_history_buffer(scalars.get("train/time"), "train/time", NAN);
    const PyObject& info = hub.get("runtime_info");
    ASSERT_TRUE(info.get("eta").is_numpy_scalar());
    EXPECT_EQ(info.get("eta").type_name(), "float64");
    EXPECT_TRUE(std::isfinite(info.get("eta").as_float()));
    EXPECT_TRUE(info.get("max_epochs").is_int());
    EXPECT_TRUE(hub.get("resumed_keys").get("eta").as_bool());

    if (!ckpt.contains("optimizer")) continue;
    // optimizer: SGD momentum buffers keyed 0..n-1 in parameter order.
    const PyObject& state = ckpt.get("optimizer").get("state");
    ASSERT_EQ(state.size(), params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      const PyObject* s = state.as_dict().find(PyObject::from_int(static_cast<std::int64_t>(i)));
      ASSERT_NE(s, nullptr) << i;
      EXPECT_EQ(s->get("momentum_buffer").as_tensor().sizes(), params[i].sizes()) << i;
    }
    const PyObject& group = ckpt.get("optimizer").get("param_groups").at(0);
    EXPECT_EQ(group.get("lr").as_float(), 0.01);
    EXPECT_EQ(group.get("momentum").as_float(), 0.9);
    EXPECT_EQ(group.get("weight_decay").as_float(), 1e-4);
    EXPECT_EQ(group.get("initial_lr").as_float(), 0.01);
    EXPECT_EQ(group.get("params").size(), params.size());

    // param_schedulers: one MultiStepLR(milestones=[15]) whose milestones is a Counter.
    const PyObject& sched = ckpt.get("param_schedulers");
    ASSERT_EQ(sched.size(), 1u);
    const PyObject& milestones = sched.at(0).get("milestones");
    EXPECT_EQ(milestones.type_name(), "Counter");
    EXPECT_EQ(milestones.as_dict().find(PyObject::from_int(15))->as_int(), 1);
    EXPECT_EQ(sched.at(0).get("gamma").as_float(), 0.1);
    EXPECT_EQ(sched.at(0).get("last_step").as_int(), 1);
  }
}

// From a file and from memory the same tensors (and onto the GPU when there is one).
TEST(PthReaderOracle, SharedStoragesAndBytesApi) {
  const std::vector<std::string> dirs = model_dirs();
  ASSERT_FALSE(dirs.empty());
  for (const std::string& dir : dirs) {
    SCOPED_TRACE(dir);
    const std::string path = dir + "/checkpoint.pth";
    PyObject a = load_pth(path);
    PyObject b = load_pth_bytes(read_bytes(path), path + " (memory)");
    auto x = state_dict_from_checkpoint(a), y = state_dict_from_checkpoint(b);
    ASSERT_EQ(x.size(), y.size());
    for (std::size_t i = 0; i < x.size(); ++i)
      EXPECT_TRUE(x[i].second.equal(y[i].second)) << x[i].first;
    if (at::hasCUDA()) {
      PyObject c = load_pth(path, c10::Device(c10::kCUDA, 0));
      auto z = state_dict_from_checkpoint(c);
      EXPECT_TRUE(z[0].second.is_cuda());
      EXPECT_TRUE(z[0].second.cpu().equal(x[0].second));
    }
  }
}

TEST(PthReaderOracle, RevisesModulePrefix) {
  PyObject sd = PyObject::dict(DictType::OrderedDict);
  sd.as_dict().set("module.backbone.w", PyObject::tensor(at::empty({})));
  sd.as_dict().set("head.module.b", PyObject::tensor(at::empty({})));
  auto named = state_dict_from_checkpoint(sd);
  EXPECT_EQ(named[0].first, "backbone.w");
  EXPECT_EQ(named[1].first, "head.module.b");
  sd.as_dict().set("x", PyObject::from_int(1));
  try {
    state_dict_from_checkpoint(sd);
    FAIL() << "non-tensor accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
    EXPECT_NE(std::string(e.what()).find("'x' is a int"), std::string::npos) << e.what();
  }
}

struct BadFile {
  const char* file;
  const char* kind;
  std::vector<const char*> expect;  // substrings of the message
  bool malicious;
};

// The hostile files of models/_bad with their documented errors; every file of
// that folder (files.json) must be covered.
TEST(PthReaderOracle, RefusesEveryBadFile) {
  const std::vector<BadFile> bad = {
      {"truncated.pth", "RuntimeError", {"truncated or not a valid zip"}, false},
      {"corrupt_datapkl.pth",
       "UnpicklingError",
       {"archive/data.pkl", "pickle data was truncated"},
       false},
      {"empty.pth", "EOFError", {"empty"}, false},
      {"not_a_checkpoint.pth", "UnpicklingError", {"not a PyTorch checkpoint"}, false},
      {"malicious_os_system.pkl",
       "UnpicklingError",
       {"forbidden global 'os.system'", "nothing was executed"},
       true},
      {"malicious_os_system.pth",
       "UnpicklingError",
       {"forbidden global 'os.system'", "archive/data.pkl"},
       true},
      {"malicious_in_state_dict.pth",
       "UnpicklingError",
       {"forbidden global 'posix.system'", "checkpoint/data.pkl"},
       true},
  };
  auto files = read_json_file(bad_dir() + "/files.json");
  for (const auto& [name, info] : files.items()) {
    if (!info.is_object()) continue;  // "_marker_file"
    bool known = false;
    for (const auto& b : bad) known = known || name == b.file;
    EXPECT_TRUE(known) << name << " of models/_bad has no expected error in this test";
    EXPECT_EQ(md5_hex(read_bytes(bad_dir() + "/" + name)), info["md5"].get<std::string>()) << name;
  }
  ::unlink(kMarker);
  for (const auto& b : bad) {
    SCOPED_TRACE(b.file);
    const std::string path = bad_dir() + "/" + b.file;
    const std::string bytes = read_bytes(path);
    for (int from_memory = 0; from_memory < 2; ++from_memory) {
      try {
        if (from_memory)
          load_pth_bytes(bytes, path);
        else
          load_pth(path);
        ADD_FAILURE() << "loaded without error";
      } catch (const Error& e) {
        std::string msg = e.what();
        EXPECT_EQ(e.kind(), b.kind) << msg;
        EXPECT_NE(msg.find(path), std::string::npos) << msg;
        for (const char* s : b.expect) EXPECT_NE(msg.find(s), std::string::npos) << msg;
      }
      struct stat st {};
      EXPECT_NE(::stat(kMarker, &st), 0) << "the exploit marker exists: code was executed";
    }
  }
}

TEST(PthReaderOracle, MissingFile) {
  try {
    load_pth("/nonexistent/dir/epoch_1.pth");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "FileNotFoundError");
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/epoch_1.pth"), std::string::npos);
  }
}

}  // namespace
}  // namespace mmcpp::io
