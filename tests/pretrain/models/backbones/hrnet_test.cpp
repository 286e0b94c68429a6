// HRNet and the HRFuseScales neck: parameter counts of MMPretrain's model zoo
// (metafile.yml), the state-dict layout of a small arch (names/shapes as
// MMPretrain 1.2 builds them, fuse layers keeping the index of PyTorch's None
// entries), outputs with and without multiscale_output, norm_eval,
// zero_init_residual, a classifier with a list of necks and arch errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/hrnet.h"
#include "mmcpp/pretrain/models/classifiers/image.h"
#include "mmcpp/pretrain/models/necks/hr_fuse.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

std::shared_ptr<torch::nn::Module> build_any(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  return MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
}

std::shared_ptr<BaseBackboneImpl> build(const std::string& text) {
  return std::dynamic_pointer_cast<BaseBackboneImpl>(build_any(text));
}

std::vector<std::pair<std::string, std::vector<std::int64_t>>> layout(torch::nn::Module& m) {
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> out;
  io::PyObject sd = engine::model_state_dict(m);
  for (const auto& [k, v] : sd.as_dict().entries())
    out.emplace_back(k.as_str(), v.as_tensor().sizes().vec());
  return out;
}

std::int64_t num_params(torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

std::string kind_of(const std::string& cfg) {
  try {
    build_any(cfg);
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

const std::string kExtra =
    "extra=dict("
    "stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(1,), "
    "num_channels=(8,)), "
    "stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(1, 1), "
    "num_channels=(4, 8)), "
    "stage3=dict(num_modules=1, num_branches=3, block='BASIC', num_blocks=(1, 1, 1), "
    "num_channels=(4, 8, 16)), "
    "stage4=dict(num_modules=2, num_branches=4, block='BASIC', num_blocks=(1, 1, 1, 1), "
    "num_channels=(4, 8, 16, 32)))";

TEST(HRNet, ParameterCountsOfTheModelZoo) {
  // Backbone + HRFuseScales + LinearClsHead(2048 -> 1000): metafile.yml's Parameters.
  auto total = [](const std::string& arch, std::int64_t w) {
    auto b = build("dict(type='HRNet', arch='" + arch + "')");
    auto n = build_any("dict(type='HRFuseScales', in_channels=(" + std::to_string(w) + ", " +
                       std::to_string(2 * w) + ", " + std::to_string(4 * w) + ", " +
                       std::to_string(8 * w) + "))");
    return num_params(*b) + num_params(*n) + 2048 * 1000 + 1000;
  };
  EXPECT_EQ(total("w18", 18), 21295164);
  EXPECT_EQ(total("w30", 30), 37708380);
  EXPECT_EQ(total("w32", 32), 41228840);
  EXPECT_EQ(total("w40", 40), 57553320);
  EXPECT_EQ(total("w44", 44), 67061144);
  EXPECT_EQ(total("w48", 48), 77466024);
  EXPECT_EQ(total("w64", 64), 128056104);
}

TEST(HRNet, StateDictLayoutMatchesMMPretrain) {
  auto m = build("dict(type='HRNet', multiscale_output=False, " + kExtra + ")");
  auto l = layout(*m);
  EXPECT_EQ(l.size(), 384u);
  EXPECT_EQ(num_params(*m), 124528);
  using V = std::vector<std::int64_t>;
  // A subsequence of MMPretrain 1.2's state dict, in its order.
  const std::vector<std::pair<std::string, V>> expected = {
      {"conv1.weight", {64, 3, 3, 3}},
      {"bn1.weight", {64}},
      {"conv2.weight", {64, 64, 3, 3}},
      {"bn2.weight", {64}},
      {"layer1.0.conv1.weight", {8, 64, 1, 1}},
      {"layer1.0.conv3.weight", {32, 8, 1, 1}},
      {"layer1.0.downsample.0.weight", {32, 64, 1, 1}},
      {"transition1.0.0.weight", {4, 32, 3, 3}},
      {"transition1.1.0.0.weight", {8, 32, 3, 3}},
      {"stage2.0.fuse_layers.0.1.0.weight", {4, 8, 1, 1}},
      {"stage2.0.fuse_layers.1.0.0.0.weight", {8, 4, 3, 3}},
      {"transition2.2.0.0.weight", {16, 8, 3, 3}},
      {"stage3.0.fuse_layers.2.0.0.0.weight", {4, 4, 3, 3}},
      {"stage3.0.fuse_layers.2.0.1.0.weight", {16, 4, 3, 3}},
      {"stage3.0.fuse_layers.2.1.0.0.weight", {16, 8, 3, 3}},
      {"transition3.3.0.0.weight", {32, 16, 3, 3}},
      {"stage4.0.fuse_layers.3.2.0.1.weight", {32}},
      {"stage4.1.fuse_layers.0.3.1.weight", {4}},
  };
  auto it = l.begin();
  for (const auto& e : expected) {
    it = std::find(it, l.end(), e);
    ASSERT_NE(it, l.end()) << e.first;
  }
  // multiscale_output=False: the last module fuses into branch 0 only.
  for (const auto& e : l) EXPECT_EQ(e.first.rfind("stage4.1.fuse_layers.1", 0), std::string::npos);
  EXPECT_EQ(l.front().first, "conv1.weight");
  EXPECT_EQ(l.back().first, "stage4.1.fuse_layers.0.3.1.num_batches_tracked");
}

TEST(HRNet, OutputsPerBranch) {
  torch::NoGradGuard ng;
  auto x = torch::randn({1, 3, 64, 64});
  auto m = build("dict(type='HRNet', " + kExtra + ")");
  m->eval();
  auto outs = m->forward(x);
  ASSERT_EQ(outs.size(), 4u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{1, 4, 16, 16}));
  EXPECT_EQ(outs[1].sizes(), (std::vector<std::int64_t>{1, 8, 8, 8}));
  EXPECT_EQ(outs[2].sizes(), (std::vector<std::int64_t>{1, 16, 4, 4}));
  EXPECT_EQ(outs[3].sizes(), (std::vector<std::int64_t>{1, 32, 2, 2}));
  auto single = build("dict(type='HRNet', multiscale_output=False, " + kExtra + ")");
  single->eval();
  auto o = single->forward(x);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].sizes(), outs[0].sizes());
  auto neck = std::dynamic_pointer_cast<HRFuseScalesImpl>(
      build_any("dict(type='HRFuseScales', in_channels=(4, 8, 16, 32), out_channels=64)"));
  ASSERT_TRUE(neck);
  auto fused = neck->forward(outs);
  ASSERT_EQ(fused.size(), 1u);
  EXPECT_EQ(fused[0].sizes(), (std::vector<std::int64_t>{1, 64, 2, 2}));
}

TEST(HRNet, NormEvalAndZeroInitResidual) {
  auto m = build("dict(type='HRNet', norm_eval=True, zero_init_residual=True, " + kExtra + ")");
  m->train(true);
  for (const auto& item : m->named_modules())
    if (mmcv::is_batch_norm(*item.value())) EXPECT_FALSE(item.value()->is_training()) << item.key();
  m->init_weights();
  auto sd = m->named_parameters();
  // As MMPretrain 1.2: the blocks get Constant(0, override norm2) as init_cfg,
  // but they sit in a ResLayer (a plain nn.Sequential) that MMEngine's
  // init_weights does not descend into, so their norm2 keeps HRNet's 1.
  EXPECT_EQ(sd["stage2.0.branches.0.0.bn2.weight"].min().item<double>(), 1.0);
  EXPECT_EQ(sd["bn1.weight"].min().item<double>(), 1.0);
  // layer1 (stage1) is not an HRModule: its blocks keep the Constant(1) init.
  EXPECT_EQ(sd["layer1.0.bn3.weight"].min().item<double>(), 1.0);
}

TEST(HRNet, ClassifierWithAListOfNecks) {
  auto m = std::dynamic_pointer_cast<ImageClassifier>(build_any(
      "dict(type='ImageClassifier', backbone=dict(type='HRNet', " + kExtra +
      "), neck=[dict(type='HRFuseScales', in_channels=(4, 8, 16, 32), out_channels=64), "
      "dict(type='GlobalAveragePooling')], head=dict(type='LinearClsHead', num_classes=3, "
      "in_channels=64))"));
  ASSERT_TRUE(m);
  bool found = false;
  for (const auto& e : layout(*m)) {
    found = found || e.first == "neck.0.final_layer.conv.weight";
    EXPECT_NE(e.first.rfind("neck.1", 0), 0u) << e.first;  // GAP has no state
  }
  EXPECT_TRUE(found);
  m->eval();
  torch::NoGradGuard ng;
  auto feats = m->extract_feat(torch::randn({2, 3, 64, 64}), "neck");
  ASSERT_EQ(feats.size(), 1u);
  EXPECT_EQ(feats[0].sizes(), (std::vector<std::int64_t>{2, 64}));
}

TEST(HRNet, ArchErrors) {
  EXPECT_EQ(kind_of("dict(type='HRNet', arch='w20')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='HRNet', extra=dict(stage1=dict(num_modules=1, num_branches=1, "
                    "block='BASIC', num_blocks=(1,), num_channels=(8,))))"),
            "AssertionError");
  EXPECT_EQ(kind_of("dict(type='HRNet', arch='w18', frozen_stages=1)"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='HRFuseScales')"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='ImageClassifier', backbone=dict(type='HRNet', arch='w18'), "
                    "neck=[dict(type='HRNet', arch='w18')])"),
            "TypeError");
}

}  // namespace
}  // namespace mmcpp::pretrain
