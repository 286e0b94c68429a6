// .pth checkpoints cross with real PyTorch (Debian's python3-torch, a test
// dependency: scripts/install-deps.sh --test; mmcpp itself needs no Python):
//   - a checkpoint the Runner writes (the seed example after one epoch), loaded
//     with torch.load: every top-level key, the optimizer and scheduler state,
//     the message hub, every tensor (dtype, shape, contents) as mmcpp reads it;
//   - a checkpoint torch.save writes (model, SGD/Adam and scheduler state, values
//     of every kind), read by mmcpp the same, then loaded into a LibTorch model
//     and an mmcpp optimizer.
// tests/python/pth_describe.py turns what torch.load gives into canonical JSON;
// describe() below does the same for what mmcpp reads, and the two must agree.
// Label `python`: the test fails (never skips) when Python or torch is missing.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/core/hash.h"
#include "mmcpp/core/version.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/io/dtypes.h"
#include "mmcpp/io/pth_reader.h"

namespace mmcpp {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using io::PyKind;
using io::PyObject;

std::string python() {
  const char* env = std::getenv("MMCPP_TEST_PYTHON");
  return env && *env ? env : MMCPP_TEST_PYTHON;
}

std::string script(const std::string& name) {
  return std::string(MMCPP_SOURCE_DIR) + "/tests/python/" + name;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `python script args...`; "" on success, else the status and output.
std::string run_python(const std::string& name, const std::vector<std::string>& args) {
  std::string cmd = quoted(python()) + " " + quoted(script(name));
  for (const auto& a : args) cmd += " " + quoted(a);
  cmd += " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return "cannot run " + cmd;
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = ::pclose(pipe);
  if (status == 0) return "";
  return cmd + " failed (status " + std::to_string(status) + "): " + out +
         "\n(python3-torch is a test dependency: scripts/install-deps.sh --test; "
         "MMCPP_TEST_PYTHON names another interpreter)";
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

std::string tensor_sha256(const at::Tensor& t) {
  at::Tensor c = t.detach().cpu().contiguous();
  return sha256_hex(std::string(static_cast<const char*>(c.data_ptr()), c.nbytes()));
}

// Decimal text of a little-endian two's complement integer (a Python int).
std::string big_int_decimal(const std::string& le) {
  std::vector<unsigned char> mag(le.begin(), le.end());
  const bool negative = !mag.empty() && (mag.back() & 0x80);
  if (negative) {  // magnitude = -value: invert and add one
    unsigned carry = 1;
    for (auto& b : mag) {
      unsigned v = static_cast<unsigned char>(~b) + carry;
      b = static_cast<unsigned char>(v);
      carry = v >> 8;
    }
  }
  std::string digits;
  while (std::any_of(mag.begin(), mag.end(), [](unsigned char b) { return b != 0; })) {
    unsigned rem = 0;
    for (auto it = mag.rbegin(); it != mag.rend(); ++it) {
      unsigned cur = (rem << 8) | *it;
      *it = static_cast<unsigned char>(cur / 10);
      rem = cur % 10;
    }
    digits.insert(digits.begin(), static_cast<char>('0' + rem));
  }
  if (digits.empty()) digits = "0";
  return negative ? "-" + digits : digits;
}

// What pth_describe.py writes, for what mmcpp read.
json describe(const PyObject& o) {
  switch (o.kind()) {
    case PyKind::None:
      return {{"type", "None"}};
    case PyKind::Bool:
      return {{"type", "bool"}, {"value", o.as_bool()}};
    case PyKind::Int:
      return {{"type", "int"}, {"value", std::to_string(o.as_int())}};
    case PyKind::BigInt:
      return {{"type", "int"}, {"value", big_int_decimal(o.big_int_bytes())}};
    case PyKind::Float:
      return {{"type", "float"}, {"value", o.repr()}};
    case PyKind::Str:
      return {{"type", "str"}, {"value", o.as_str()}};
    case PyKind::Bytes: {
      std::string hex;
      char b[3];
      for (unsigned char c : o.as_bytes()) {
        std::snprintf(b, sizeof b, "%02x", c);
        hex += b;
      }
      return {{"type", "bytes"}, {"value", hex}};
    }
    case PyKind::List:
    case PyKind::Tuple: {
      json items = json::array();
      for (const auto& x : o.items()) items.push_back(describe(x));
      return {{"type", o.kind() == PyKind::List ? "list" : "tuple"}, {"items", items}};
    }
    case PyKind::Set:
    case PyKind::FrozenSet:
      return {{"type", o.kind() == PyKind::Set ? "set" : "frozenset"}, {"size", o.items().size()}};
    case PyKind::Dict: {
      json items = json::array();
      for (const auto& [k, v] : o.as_dict().entries())
        items.push_back(json::array({describe(k), describe(v)}));
      return {{"type", o.type_name()}, {"items", items}};
    }
    case PyKind::Tensor: {
      const at::Tensor& t = o.as_tensor();
      return {{"type", "tensor"},
              {"dtype", io::dtype_name(t.scalar_type())},
              {"shape", t.sizes().vec()},
              {"requires_grad", t.requires_grad()},
              {"sha256", tensor_sha256(t)}};
    }
    case PyKind::NumpyArray: {
      const auto& a = o.as_numpy_array();
      return {{"type", "ndarray"},
              {"dtype", a.dtype},
              {"shape", a.shape},
              {"sha256", sha256_hex(a.data)}};
    }
    case PyKind::NumpyScalar:
      return {{"type", "numpy_scalar"},
              {"dtype", o.as_numpy_scalar().dtype},
              {"sha256", sha256_hex(o.as_numpy_scalar().data)}};
    case PyKind::Global:
      return {{"type", "global"}, {"name", o.as_global().qualified()}};
    case PyKind::Object: {
      const auto& inst = o.as_object();
      json out = {{"type", "object"}, {"class", inst.cls.qualified()}};
      if (inst.has_state) out["state"] = describe(inst.state);
      return out;
    }
  }
  return {{"type", "?"}};
}

// "" when equal; else the path of the first difference. Floats compare by value
// (repr texts may differ in form), nan equal to nan.
std::string diff(const json& a, const json& b, const std::string& path) {
  if (a.is_object() && b.is_object() && a.value("type", "") == "float" &&
      b.value("type", "") == "float") {
    const double x = std::strtod(a["value"].get<std::string>().c_str(), nullptr);
    const double y = std::strtod(b["value"].get<std::string>().c_str(), nullptr);
    return (x == y || (x != x && y != y)) ? "" : path + ": " + a.dump() + " vs " + b.dump();
  }
  // Numbers by value (Python's JSON gives unsigned, ours signed integers).
  if (a.is_number() && b.is_number())
    return a == b ? "" : path + ": " + a.dump() + " vs " + b.dump();
  if (a.type() != b.type()) return path + ": " + a.dump() + " vs " + b.dump();
  if (a.is_object()) {
    if (a.size() != b.size())
      return path + ": keys " + a.dump(-1).substr(0, 300) + " vs " + b.dump(-1).substr(0, 300);
    for (const auto& [k, v] : a.items()) {
      if (!b.contains(k)) return path + ": no " + k;
      if (std::string d = diff(v, b[k], path + "." + k); !d.empty()) return d;
    }
    return "";
  }
  if (a.is_array()) {
    if (a.size() != b.size())
      return path + ": " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " items";
    for (std::size_t i = 0; i < a.size(); ++i)
      if (std::string d = diff(a[i], b[i], path + "[" + std::to_string(i) + "]"); !d.empty())
        return d;
    return "";
  }
  return a == b ? "" : path + ": " + a.dump() + " vs " + b.dump();
}

// The value of `key` in a described dict.
const json* entry(const json& dict, const std::string& key) {
  for (const auto& kv : dict["items"])
    if (kv[0]["type"] == "str" && kv[0]["value"] == key) return &kv[1];
  return nullptr;
}

class TorchInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mmcpp_torch_interop_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TorchInterop, TorchLoadsWhatTheRunnerSaves) {
  setenv("MMCPP_PLUGIN_PATH", MMCPP_PLUGIN_DIR, 1);
  const std::string work_dir = (dir_ / "run").string();
  config::Config cfg = config::Config::fromfile(std::string(MMCPP_SOURCE_DIR) +
                                                "/configs/seed_example/example_config.py");
  cfg.merge_from_dict(config::parse_cfg_options(
      {"work_dir=" + work_dir, "train_cfg.max_epochs=1", "train_dataloader.dataset.size=64"}));
  engine::Runner::from_cfg(cfg)->train();
  const std::string ckpt_path = work_dir + "/epoch_1.pth";
  ASSERT_TRUE(fs::exists(ckpt_path));

  const std::string out = (dir_ / "torch_view.json").string();
  ASSERT_EQ(run_python("pth_describe.py", {ckpt_path, out}), "");
  const json torch_view = read_json(out);
  const json ours = describe(engine::read_checkpoint(ckpt_path));
  EXPECT_EQ(diff(torch_view, ours, "checkpoint"), "");

  // What MMEngine's save_checkpoint writes is all there, as torch sees it.
  ASSERT_EQ(torch_view["type"], "dict");
  for (const char* key : {"meta", "state_dict", "message_hub", "optimizer", "param_schedulers"})
    EXPECT_NE(entry(torch_view, key), nullptr) << key;
  const json* optimizer = entry(torch_view, "optimizer");
  ASSERT_NE(optimizer, nullptr);
  ASSERT_NE(entry(*optimizer, "state"), nullptr);
  EXPECT_FALSE((*entry(*optimizer, "state"))["items"].empty()) << "no momentum buffers";
  EXPECT_NE(entry(*optimizer, "param_groups"), nullptr);
  const json* schedulers = entry(torch_view, "param_schedulers");
  ASSERT_NE(schedulers, nullptr);
  EXPECT_EQ((*schedulers)["type"], "list");
  EXPECT_FALSE((*schedulers)["items"].empty());
  const json* version = entry(*entry(torch_view, "meta"), "mmengine_version");
  ASSERT_NE(version, nullptr);
  EXPECT_EQ((*version)["value"], mmengine_version_string());
}

TEST_F(TorchInterop, MmcppReadsWhatTorchSaves) {
  const std::string pth = (dir_ / "torch.pth").string(), out = (dir_ / "torch.json").string();
  ASSERT_EQ(run_python("torch_writes.py", {pth, out}), "");
  const PyObject ckpt = io::load_pth(pth);
  EXPECT_EQ(diff(read_json(out), describe(ckpt), "checkpoint"), "");

  // The model's state dict loads into the same LibTorch model, strictly.
  torch::nn::Sequential model(torch::nn::Linear(3, 4), torch::nn::BatchNorm1d(4),
                              torch::nn::Linear(4, 2));
  engine::load_checkpoint_to_model(*model, ckpt, /*strict=*/true);
  for (const auto& [key, value] : ckpt.get("state_dict").as_dict().entries()) {
    const auto* ours = model->named_parameters().find(key.as_str());
    const auto* buffer = model->named_buffers().find(key.as_str());
    const at::Tensor& mine = ours ? *ours : *buffer;
    EXPECT_TRUE(mine.equal(value.as_tensor())) << key.as_str();
  }

  // SGD's state dict becomes an mmcpp OptimWrapper's state, momentum buffers included.
  auto wrapper = engine::build_optim_wrapper(
      *model,
      config::Config::fromstring(
          "c = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))", ".py")
          .get("c")
          ->deep_copy());
  wrapper->load_state_dict(engine::optim_state_from_py(ckpt.get("optimizer")));
  const engine::OptimizerStateDict state = wrapper->state_dict();
  const PyObject& torch_state = ckpt.get("optimizer").get("state");
  ASSERT_EQ(state.state.size(), torch_state.size());
  for (const auto& [index, buffers] : state.state) {
    const PyObject* theirs = torch_state.as_dict().find(PyObject::from_int(index));
    ASSERT_NE(theirs, nullptr) << index;
    ASSERT_FALSE(buffers.empty());
    EXPECT_EQ(buffers[0].first, "momentum_buffer");
    EXPECT_TRUE(buffers[0].second.equal(theirs->get("momentum_buffer").as_tensor())) << index;
  }
  // MultiStepLR(milestones=[2, 4], gamma=0.5) stepped 3 times: lr 0.05.
  EXPECT_DOUBLE_EQ(wrapper->get_lr().at("lr").at(0), 0.05);
}

}  // namespace
}  // namespace mmcpp
