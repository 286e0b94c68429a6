// ConvNeXt v1/v2: arch table, state-dict layout and parameter counts of
// MMPretrain's model zoo (metafile.yml), out_indices, frozen stages,
// gap_before_final_norm, linear_pw_conv and argument errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/convnext.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

std::shared_ptr<BaseBackboneImpl> build(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  auto m = MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
  return std::dynamic_pointer_cast<BaseBackboneImpl>(m);
}

std::vector<std::string> keys(torch::nn::Module& m) {
  std::vector<std::string> out;
  io::PyObject sd = engine::model_state_dict(m);
  for (const auto& [k, v] : sd.as_dict().entries()) out.push_back(k.as_str());
  return out;
}

std::int64_t num_params(torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

std::string kind_of(const std::string& cfg) {
  try {
    build(cfg);
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

TEST(ConvNeXt, ParameterCountsOfTheModelZoo) {
  // Backbone + LinearClsHead(1000): metafile.yml's Parameters.
  auto with_head = [](const std::string& arch, bool v2, std::int64_t c) {
    auto b = build("dict(type='ConvNeXt', arch='" + arch + "'" +
                   (v2 ? ", use_grn=True, layer_scale_init_value=0." : "") + ")");
    return num_params(*b) + c * 1000 + 1000;
  };
  EXPECT_EQ(with_head("tiny", false, 768), 28589128);
  EXPECT_EQ(with_head("atto", true, 320), 3708400);
  EXPECT_EQ(with_head("femto", true, 384), 5233240);
  EXPECT_EQ(with_head("nano", true, 640), 15623800);
}

TEST(ConvNeXt, StateDictLayoutMatchesMMPretrain) {
  auto m = build(
      "dict(type='ConvNeXt', arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 24, 32]), "
      "out_indices=(0, 3))");
  auto k = keys(*m);
  const std::vector<std::string> head = {
      "downsample_layers.0.0.weight", "downsample_layers.0.0.bias",
      "downsample_layers.0.1.weight", "downsample_layers.0.1.bias",
      "downsample_layers.1.0.weight", "downsample_layers.1.0.bias",
      "downsample_layers.1.1.weight", "downsample_layers.1.1.bias"};
  ASSERT_GE(k.size(), head.size());
  EXPECT_EQ(std::vector<std::string>(k.begin(), k.begin() + 8), head);
  auto pos = std::find(k.begin(), k.end(), "stages.0.0.gamma");
  ASSERT_NE(pos, k.end());
  // The block's own parameter (gamma) comes before its children, as in PyTorch.
  EXPECT_EQ(*(pos + 1), "stages.0.0.depthwise_conv.weight");
  EXPECT_EQ(k[k.size() - 4], "norm0.weight");
  EXPECT_EQ(k.back(), "norm3.bias");
  auto p = m->named_parameters();
  EXPECT_EQ(p["stages.1.0.pointwise_conv1.weight"].sizes(), (std::vector<std::int64_t>{64, 16}));
  EXPECT_EQ(p["stages.0.0.depthwise_conv.weight"].sizes(), (std::vector<std::int64_t>{8, 1, 7, 7}));

  auto v2 =
      keys(*build("dict(type='ConvNeXt', arch='atto', use_grn=True, "
                  "layer_scale_init_value=0.)"));
  EXPECT_NE(std::find(v2.begin(), v2.end(), "stages.0.0.grn.gamma"), v2.end());
  EXPECT_EQ(std::find(v2.begin(), v2.end(), "stages.0.0.gamma"), v2.end());
  auto conv = build("dict(type='ConvNeXt', arch='atto', linear_pw_conv=False)");
  EXPECT_EQ(conv->named_parameters()["stages.0.0.pointwise_conv1.weight"].sizes(),
            (std::vector<std::int64_t>{160, 40, 1, 1}));
}

TEST(ConvNeXt, OutputsOutIndicesAndGap) {
  const std::string arch = "arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 24, 32])";
  auto m = build("dict(type='ConvNeXt', " + arch + ", out_indices=(0, 1, 2, 3))");
  m->eval();
  auto outs = m->forward(torch::randn({2, 3, 64, 64}));
  ASSERT_EQ(outs.size(), 4u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{2, 8}));
  EXPECT_EQ(outs[3].sizes(), (std::vector<std::int64_t>{2, 32}));
  auto maps =
      build("dict(type='ConvNeXt', " + arch + ", out_indices=-1, gap_before_final_norm=False)");
  auto f = maps->forward(torch::randn({1, 3, 64, 64}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].sizes(), (std::vector<std::int64_t>{1, 32, 2, 2}));
  // The linear and the 1x1-conv pointwise forms give the same outputs.
  auto lin = build("dict(type='ConvNeXt', " + arch + ")");
  auto conv = build("dict(type='ConvNeXt', " + arch + ", linear_pw_conv=False)");
  torch::NoGradGuard ng;
  auto cp = conv->named_parameters();
  for (auto& kv : lin->named_parameters()) {
    auto& dst = cp[kv.key()];
    dst.copy_(kv.value().reshape(dst.sizes()));
  }
  auto x = torch::randn({1, 3, 32, 32});
  EXPECT_TRUE(torch::allclose(lin->forward(x)[0], conv->forward(x)[0], 1e-4, 1e-5));
}

TEST(ConvNeXt, FrozenStagesAndDefaults) {
  auto m = build("dict(type='ConvNeXt', arch='atto', frozen_stages=2)");
  m->train();
  auto p = m->named_parameters();
  EXPECT_FALSE(p["downsample_layers.1.1.weight"].requires_grad());
  EXPECT_FALSE(p["stages.1.0.gamma"].requires_grad());
  EXPECT_TRUE(p["stages.2.0.gamma"].requires_grad());
  EXPECT_TRUE(p["downsample_layers.2.1.weight"].requires_grad());
  auto& cnx = dynamic_cast<ConvNeXtImpl&>(*m);
  EXPECT_EQ(cnx.out_indices(), (std::vector<std::int64_t>{3}));
  EXPECT_FLOAT_EQ(p["stages.0.0.gamma"][0].item<float>(), 1e-6f);
}

TEST(ConvNeXt, LayerDepthForLayerwiseDecay) {
  auto m = build("dict(type='ConvNeXt', arch='atto')");
  auto& cnx = dynamic_cast<ConvNeXtImpl&>(*m);
  using P = std::pair<std::int64_t, std::int64_t>;
  // depths[-2] = 6 <= 9: max_layer_id 6, 8 layers in all.
  EXPECT_EQ(cnx.get_layer_depth("backbone.downsample_layers.0.0.weight", "backbone."), P(0, 8));
  EXPECT_EQ(cnx.get_layer_depth("backbone.downsample_layers.2.1.weight", "backbone."), P(3, 8));
  EXPECT_EQ(cnx.get_layer_depth("backbone.downsample_layers.3.1.weight", "backbone."), P(6, 8));
  EXPECT_EQ(cnx.get_layer_depth("backbone.stages.1.0.gamma", "backbone."), P(2, 8));
  EXPECT_EQ(cnx.get_layer_depth("backbone.stages.2.4.gamma", "backbone."), P(4, 8));
  EXPECT_EQ(cnx.get_layer_depth("backbone.stages.3.1.gamma", "backbone."), P(6, 8));
  EXPECT_EQ(cnx.get_layer_depth("backbone.norm3.weight", "backbone."), P(7, 8));
  EXPECT_EQ(cnx.get_layer_depth("head.fc.weight", "backbone."), P(7, 8));
  auto base = build("dict(type='ConvNeXt', arch='base')");
  EXPECT_EQ(
      dynamic_cast<ConvNeXtImpl&>(*base).get_layer_depth("backbone.stages.2.26.gamma", "backbone."),
      P(11, 14));
}

TEST(ConvNeXt, ArgumentErrors) {
  EXPECT_EQ(kind_of("dict(type='ConvNeXt', arch='tiny2')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='ConvNeXt', arch=dict(depths=[1]))"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='ConvNeXt', arch='atto', dropout=0.1)"), "TypeError");
}

}  // namespace
}  // namespace mmcpp::pretrain
