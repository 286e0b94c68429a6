// mmengine/runner/checkpoint.py's loading: load_state_dict's report,
// state_dict / model / bare layouts, revise_keys, prefixes, and URLs resolved
// in torch.hub's cache without network.
#include <gtest/gtest.h>

#include <unistd.h>

#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"

namespace mmcpp::engine {
namespace {

namespace fs = std::filesystem;
using io::PyObject;

struct Net : torch::nn::Module {
  Net() {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 1)));
    bn = register_module("bn", torch::nn::BatchNorm2d(3));
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};

StateDict sd_of(torch::nn::Module& m, const std::string& prefix = "") {
  StateDict out;
  const PyObject sd = model_state_dict(m);  // alive for the whole loop
  for (const auto& [k, v] : sd.as_dict().entries()) out.emplace_back(prefix + k.as_str(), v);
  return out;
}

class CheckpointLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mmcpp_loader_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string save(const PyObject& obj, const std::string& name) {
    std::string p = (dir_ / name).string();
    write_checkpoint(Env::system(), obj, p);
    return p;
  }
  fs::path dir_;
};

TEST_F(CheckpointLoader, ReportAsMMEngine) {
  Net src, dst;
  {
    torch::NoGradGuard g;
    for (auto& p : src.parameters()) p.fill_(3);
  }
  StateDict sd = sd_of(src);
  // Drop conv.bias and bn.num_batches_tracked, add an unknown key, change a shape.
  StateDict edited;
  for (auto& [k, v] : sd) {
    if (k == "conv.bias" || k == "bn.num_batches_tracked") continue;
    if (k == "bn.weight")
      edited.emplace_back(k, PyObject::tensor(torch::ones({4})));
    else
      edited.emplace_back(k, v);
  }
  edited.emplace_back("head.fc.weight", PyObject::tensor(torch::ones({2})));
  edited.emplace_back("conv.extra", PyObject::tensor(torch::ones({2})));
  IncompatibleKeys r = load_state_dict(dst, edited, false);
  EXPECT_EQ(r.missing_keys, std::vector<std::string>{"conv.bias"});
  EXPECT_EQ(r.unexpected_keys, (std::vector<std::string>{"head.fc.weight", "conv.extra"}));
  ASSERT_EQ(r.error_msgs.size(), 1u);
  EXPECT_EQ(r.error_msgs[0],
            "size mismatch for bn.weight: copying a param with shape torch.Size([4]) from "
            "checkpoint, the shape in current model is torch.Size([3]).");
  EXPECT_EQ(r.message(), "The model and loaded state dict do not match exactly\n\n" +
                             r.error_msgs[0] +
                             "\nunexpected key in source state_dict: head.fc.weight, conv.extra\n\n"
                             "missing keys in source state_dict: conv.bias\n");
  EXPECT_TRUE((dst.conv->weight == 3).all().item<bool>());  // the rest is loaded
  try {
    load_state_dict(dst, edited, true);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "RuntimeError");
  }
  // Only num_batches_tracked missing: not reported, strict passes.
  StateDict no_nbt;
  for (auto& [k, v] : sd)
    if (k != "bn.num_batches_tracked") no_nbt.emplace_back(k, v);
  EXPECT_TRUE(load_state_dict(dst, no_nbt, true).message().empty());
}

TEST_F(CheckpointLoader, LayoutsRevisionsAndPrefix) {
  Net src;
  {
    torch::NoGradGuard g;
    for (auto& p : src.parameters()) p.fill_(2);
  }
  PyObject sd = model_state_dict(src);
  // module.-prefixed keys in a 'state_dict' wrapper.
  PyObject wrapped = PyObject::dict();
  PyObject prefixed = PyObject::dict(io::DictType::OrderedDict);
  for (const auto& [k, v] : sd.as_dict().entries())
    prefixed.as_dict().set("module." + k.as_str(), v);
  wrapped.as_dict().set("meta", PyObject::dict());
  wrapped.as_dict().set("state_dict", prefixed);
  Net a;
  load_checkpoint(a, save(wrapped, "wrapped.pth"), "cpu", true);
  EXPECT_TRUE((a.conv->weight == 2).all().item<bool>());
  // A bare state dict, and {'model': state_dict}.
  Net b, c;
  load_checkpoint(b, save(sd, "bare.pth"), "cpu", true);
  EXPECT_TRUE((b.bn->weight == 2).all().item<bool>());
  PyObject model_wrapped = PyObject::dict();
  model_wrapped.as_dict().set("model", sd);
  load_checkpoint(c, save(model_wrapped, "model.pth"), "cpu", true);
  EXPECT_TRUE((c.bn->weight == 2).all().item<bool>());
  // revise_keys with a group reference.
  Net d;
  PyObject renamed = PyObject::dict();
  for (const auto& [k, v] : sd.as_dict().entries()) renamed.as_dict().set("net." + k.as_str(), v);
  load_checkpoint(d, save(renamed, "renamed.pth"), "cpu", true, nullptr, {{"^net\\.(.*)$", "\\1"}});
  EXPECT_TRUE((d.conv->weight == 2).all().item<bool>());
  // _load_checkpoint_with_prefix.
  StateDict conv_only = load_checkpoint_with_prefix("conv", (dir_ / "bare.pth").string());
  ASSERT_EQ(conv_only.size(), 2u);
  EXPECT_EQ(conv_only[0].first, "weight");
  try {
    load_checkpoint_with_prefix("head.", (dir_ / "bare.pth").string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "AssertionError");
  }
  try {
    load_checkpoint(d, (dir_ / "nope.pth").string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "FileNotFoundError");
    EXPECT_NE(std::string(e.what()).find("nope.pth"), std::string::npos);
  }
  EXPECT_THROW(load_checkpoint(d, "s3://bucket/x.pth"), Error);
}

TEST_F(CheckpointLoader, UrlsComeFromTheTorchHubCache) {
  const char* old = std::getenv("TORCH_HOME");
  std::string saved = old ? old : "";
  setenv("TORCH_HOME", (dir_ / "torch").string().c_str(), 1);
  const std::string url =
      "https://download.openmmlab.com/mmclassification/v0/resnet/resnet18_8xb16_cifar10.pth?x=1";
  const std::string path =
      (dir_ / "torch" / "hub" / "checkpoints" / "resnet18_8xb16_cifar10.pth").string();
  EXPECT_EQ(cached_path_of_url(url), path);
  Net n;
  try {
    load_checkpoint(n, url);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "FileNotFoundError");
    EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  Net src;
  {
    torch::NoGradGuard g;
    for (auto& p : src.parameters()) p.fill_(5);
  }
  fs::create_directories(fs::path(path).parent_path());
  write_checkpoint(Env::system(), model_state_dict(src), path);
  load_checkpoint(n, url);
  EXPECT_TRUE((n.conv->weight == 5).all().item<bool>());
  unsetenv("TORCH_HOME");
  setenv("XDG_CACHE_HOME", "/cache", 1);
  EXPECT_EQ(torch_hub_checkpoint_dir(), "/cache/torch/hub/checkpoints");
  unsetenv("XDG_CACHE_HOME");
  if (!saved.empty()) setenv("TORCH_HOME", saved.c_str(), 1);
}

// checkpoint.h's load_model_state_dict (what the Runner used before; mmagic's
// inferencers call it): a checkpoint dict or a bare state dict, "module."
// revised, strict errors, and shape mismatches always errors.
TEST_F(CheckpointLoader, LoadModelStateDictWrapper) {
  Net src, dst;
  {
    torch::NoGradGuard g;
    for (auto& p : src.parameters()) p.fill_(2);
  }
  PyObject wrapped = PyObject::dict();
  PyObject sd = PyObject::dict(io::DictType::OrderedDict);
  for (const auto& [k, v] : sd_of(src, "module.")) sd.as_dict().set(PyObject::str(k), v);
  wrapped.as_dict().set("state_dict", sd);
  LoadReport r = load_model_state_dict(dst, wrapped, /*strict=*/true);
  EXPECT_TRUE(r.summary().empty()) << r.summary();
  EXPECT_TRUE(torch::equal(dst.conv->weight, src.conv->weight));
  PyObject partial = PyObject::dict(io::DictType::OrderedDict);
  for (const auto& [k, v] : sd_of(src))
    if (k != "conv.bias") partial.as_dict().set(PyObject::str(k), v);
  EXPECT_EQ(load_model_state_dict(dst, partial, false).missing_keys,
            std::vector<std::string>{"conv.bias"});
  EXPECT_THROW(load_model_state_dict(dst, partial, true), Error);
  PyObject bad = PyObject::dict(io::DictType::OrderedDict);
  bad.as_dict().set(PyObject::str("bn.weight"), PyObject::tensor(torch::ones({5})));
  EXPECT_THROW(load_model_state_dict(dst, bad, false), Error);
}

}  // namespace
}  // namespace mmcpp::engine
