// EfficientNet (b0-b8, l2, EdgeTPU es/em/el), Conv2dAdaptivePadding and
// RegNet: parameter counts of MMPretrain's model zoo (metafile.yml), layouts,
// out_indices, frozen stages and errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/efficientnet.h"
#include "mmcpp/pretrain/models/backbones/regnet.h"
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

bool has(const std::vector<std::string>& v, const std::string& k) {
  return std::find(v.begin(), v.end(), k) != v.end();
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

std::int64_t with_head(const std::string& cfg, std::int64_t in) {
  return num_params(*build(cfg)) + in * 1000 + 1000;
}

TEST(EfficientNet, ParameterCountsOfTheModelZoo) {
  EXPECT_EQ(with_head("dict(type='EfficientNet', arch='b0')", 1280), 5288548);
  EXPECT_EQ(with_head("dict(type='EfficientNet', arch='b1')", 1280), 7794184);
  EXPECT_EQ(with_head("dict(type='EfficientNet', arch='b2')", 1408), 9109994);
  EXPECT_EQ(with_head("dict(type='EfficientNet', arch='b3')", 1536), 12233232);
}

TEST(EfficientNet, LayoutOutputsAndEdgeTPU) {
  auto b0 = build("dict(type='EfficientNet', arch='b0', out_indices=(0, 1, 2, 6))");
  auto k = keys(*b0);
  EXPECT_EQ(k[0], "layers.0.conv.weight");
  EXPECT_TRUE(has(k, "layers.1.0.depthwise_conv.conv.weight"));
  EXPECT_FALSE(has(k, "layers.1.0.expand_conv.conv.weight"));
  EXPECT_TRUE(has(k, "layers.1.0.se.conv1.conv.weight"));
  EXPECT_TRUE(has(k, "layers.2.0.expand_conv.bn.running_var"));
  EXPECT_TRUE(has(k, "layers.6.bn.num_batches_tracked"));
  EXPECT_EQ(b0->named_parameters()["layers.2.0.se.conv1.conv.weight"].sizes(),
            (std::vector<std::int64_t>{4, 96, 1, 1}));  // 96 // (6 * 4)
  b0->eval();
  auto outs = b0->forward(torch::randn({1, 3, 65, 65}));  // odd size: adaptive padding
  ASSERT_EQ(outs.size(), 4u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{1, 32, 33, 33}));
  EXPECT_EQ(outs[1].sizes(), (std::vector<std::int64_t>{1, 16, 33, 33}));
  EXPECT_EQ(outs[3].sizes(), (std::vector<std::int64_t>{1, 1280, 3, 3}));
  auto es = build("dict(type='EfficientNet', arch='es')");
  auto ke = keys(*es);
  EXPECT_TRUE(has(ke, "layers.1.0.conv1.conv.weight"));  // EdgeResidual
  EXPECT_TRUE(has(ke, "layers.1.0.conv2.conv.weight"));
  EXPECT_FALSE(has(ke, "layers.1.0.se.conv1.conv.weight"));
  EXPECT_TRUE(has(ke, "layers.4.0.depthwise_conv.conv.weight"));
  auto el = build("dict(type='EfficientNet', arch='el')");
  // The repeated first EdgeTPU row (depth 1.4) widens 3 -> 4 without residual
  // (in 32 = make_divisible(24 * 1.2, 8)).
  EXPECT_EQ(el->named_parameters()["layers.1.1.conv1.conv.weight"].size(0), 4 * 32);
}

TEST(EfficientNet, ConvCfgFrozenStagesAndErrors) {
  auto plain = build("dict(type='EfficientNet', arch='b0', conv_cfg=None, frozen_stages=2)");
  plain->train();
  auto p = plain->named_parameters();
  EXPECT_FALSE(p["layers.1.0.depthwise_conv.conv.weight"].requires_grad());
  EXPECT_TRUE(p["layers.2.0.depthwise_conv.conv.weight"].requires_grad());
  EXPECT_EQ(kind_of("dict(type='EfficientNet', arch='b9')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='EfficientNet', out_indices=(7, ))"), "ValueError");
  EXPECT_EQ(kind_of("dict(type='EfficientNet', frozen_stages=8)"), "ValueError");
}

TEST(Conv2dAdaptivePadding, PadsAsTensorFlowSame) {
  registry::ScopeGuard scope("mmpretrain");
  config::Value cfg = mmcv::make_dict({{"type", config::Value("Conv2dAdaptivePadding")}});
  auto conv = mmcv::build_conv_layer(cfg, {config::Value(2), config::Value(3), config::Value(3)},
                                     {{"stride", config::Value(2)}, {"padding", config::Value(5)}});
  auto* c = conv.as<torch::nn::Conv2dImpl>();
  ASSERT_NE(c, nullptr);
  auto x = torch::randn({1, 2, 8, 8});
  // H=8, s=2, k=3: pad 1 in total, 0 before and 1 after.
  auto ref = torch::conv2d(torch::constant_pad_nd(x, {0, 1, 0, 1}), c->weight, c->bias, 2);
  auto y = conv(x);
  EXPECT_EQ(y.sizes(), (std::vector<std::int64_t>{1, 3, 4, 4}));
  EXPECT_TRUE(torch::allclose(y, ref));
}

TEST(RegNet, WidthsAndParameterCounts) {
  auto s = regnet_stages(regnet_arch_settings()[0].second);  // regnetx_400mf
  EXPECT_EQ(s.widths, (std::vector<std::int64_t>{32, 64, 160, 384}));
  EXPECT_EQ(s.blocks, (std::vector<std::int64_t>{1, 2, 7, 12}));
  // MMPretrain's RegNetX-400MF: 5.16M parameters with LinearClsHead(1000, 384).
  EXPECT_NEAR(static_cast<double>(with_head("dict(type='RegNet', arch='regnetx_400mf')", 384)),
              5.16e6, 5e3);
  auto k = keys(*build("dict(type='RegNet', arch='regnetx_800mf')"));
  EXPECT_EQ(k[0], "conv1.weight");
  EXPECT_EQ(k[1], "bn1.weight");
  EXPECT_TRUE(has(k, "layer1.0.downsample.0.weight"));
  EXPECT_TRUE(has(k, "layer4.0.bn3.running_mean"));
}

TEST(RegNet, CustomArchOutputsAndErrors) {
  auto m = build(
      "dict(type='RegNet', arch=dict(w0=24, wa=24.48, wm=2.54, group_w=16, depth=22, "
      "bot_mul=1.0), out_indices=(0, 1, 2, 3), frozen_stages=1)");
  m->train();
  auto outs = m->forward(torch::randn({1, 3, 64, 64}));
  ASSERT_EQ(outs.size(), 4u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{1, 32, 16, 16}));
  EXPECT_EQ(outs[3].sizes(), (std::vector<std::int64_t>{1, 384, 2, 2}));
  auto p = m->named_parameters();
  EXPECT_FALSE(p["layer1.0.conv2.weight"].requires_grad());
  EXPECT_TRUE(p["layer2.0.conv2.weight"].requires_grad());
  EXPECT_EQ(p["layer3.0.conv2.weight"].sizes(), (std::vector<std::int64_t>{160, 16, 3, 3}));
  EXPECT_EQ(kind_of("dict(type='RegNet', arch='regnety_400mf')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='RegNet', arch='regnetx_400mf', deep_stem=True)"),
            "NotImplementedError");
  EXPECT_EQ(kind_of("dict(type='RegNet', arch='regnetx_400mf', depth=50)"), "TypeError");
}

}  // namespace
}  // namespace mmcpp::pretrain
