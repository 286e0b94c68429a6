// The ResNet family and LeNet5: state dict layouts, outputs, frozen stages,
// norm_eval, zero_init_residual and argument errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/resnet.h"
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

std::string kind_of(const std::string& cfg) {
  try {
    build(cfg);
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

TEST(ResNet, StateDictLayoutsMatchMMPretrain) {
  // torchvision's resnet50 state dict has 320 entries, 2 of them the fc.
  auto r50 = build("dict(type='ResNet', depth=50)");
  auto k50 = keys(*r50);
  EXPECT_EQ(k50.size(), 318u);
  EXPECT_EQ(k50[0], "conv1.weight");
  EXPECT_EQ(k50[1], "bn1.weight");
  EXPECT_TRUE(has(k50, "layer1.0.downsample.0.weight"));
  EXPECT_TRUE(has(k50, "layer4.2.bn3.num_batches_tracked"));
  EXPECT_EQ(keys(*build("dict(type='ResNet', depth=18)")).size(), 120u);
  EXPECT_EQ(r50->named_parameters()["layer2.0.conv2.weight"].sizes(),
            (std::vector<std::int64_t>{128, 128, 3, 3}));
  auto v1d = keys(*build("dict(type='ResNetV1d', depth=50)"));
  EXPECT_EQ(v1d[0], "stem.0.conv.weight");
  EXPECT_TRUE(has(v1d, "stem.2.bn.running_var"));
  EXPECT_TRUE(has(v1d, "layer2.0.downsample.1.weight"));  // downsample.0 is the AvgPool
  EXPECT_FALSE(has(v1d, "layer2.0.downsample.0.weight"));
  EXPECT_TRUE(
      has(keys(*build("dict(type='ResNetV1c', depth=50)")), "layer2.0.downsample.0.weight"));
  auto cifar = build("dict(type='ResNet_CIFAR', depth=18)");
  EXPECT_EQ(cifar->named_parameters()["conv1.weight"].sizes(),
            (std::vector<std::int64_t>{64, 3, 3, 3}));
  auto x = build("dict(type='ResNeXt', depth=50, groups=32, width_per_group=4)");
  EXPECT_EQ(x->named_parameters()["layer1.0.conv2.weight"].sizes(),
            (std::vector<std::int64_t>{128, 4, 3, 3}));
  auto se = keys(*build("dict(type='SEResNet', depth=50)"));
  EXPECT_TRUE(has(se, "layer1.0.se_layer.conv1.conv.weight"));
  EXPECT_TRUE(has(se, "layer1.0.se_layer.conv2.conv.bias"));
  auto sx = build("dict(type='SEResNeXt', depth=50)");
  EXPECT_EQ(sx->named_parameters()["layer1.0.conv2.weight"].sizes(),
            (std::vector<std::int64_t>{128, 4, 3, 3}));
  EXPECT_EQ(sx->named_parameters()["layer1.0.se_layer.conv1.conv.weight"].sizes(),
            (std::vector<std::int64_t>{16, 256, 1, 1}));
}

TEST(ResNet, OutputsAndOutIndices) {
  auto r = build(
      "dict(type='ResNet', depth=18, out_indices=(0, 1, 2, 3), base_channels=8, "
      "stem_channels=8)");
  r->eval();
  Feats outs = r->forward(torch::randn({1, 3, 32, 32}));
  ASSERT_EQ(outs.size(), 4u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{1, 8, 8, 8}));
  EXPECT_EQ(outs[3].sizes(), (std::vector<std::int64_t>{1, 64, 1, 1}));
  auto cifar = build("dict(type='ResNet_CIFAR', depth=18, base_channels=8, stem_channels=8)");
  cifar->eval();
  Feats c = cifar->forward(torch::randn({1, 3, 32, 32}));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].sizes(), (std::vector<std::int64_t>{1, 64, 4, 4}));
  auto two = build(
      "dict(type='ResNet', depth=18, num_stages=2, strides=(1, 2), "
      "dilations=(1, 1), out_indices=(1, ))");
  EXPECT_EQ(dynamic_cast<ResNetImpl&>(*two).feat_dim(), 128);
}

TEST(ResNet, FrozenStagesNormEvalAndZeroInit) {
  auto r = build("dict(type='ResNet', depth=18, frozen_stages=1, norm_eval=True)");
  r->train();
  auto params = r->named_parameters();
  EXPECT_FALSE(params["conv1.weight"].requires_grad());
  EXPECT_FALSE(params["layer1.0.conv1.weight"].requires_grad());
  EXPECT_TRUE(params["layer2.0.conv1.weight"].requires_grad());
  for (const auto& m : r->named_modules()) {
    if (m.key() == "layer1") {
      EXPECT_FALSE(m.value()->is_training());
    }
    if (m.key() == "layer2.0.bn1") {
      EXPECT_FALSE(m.value()->is_training());  // norm_eval
    }
    if (m.key() == "layer2.0.conv1") {
      EXPECT_TRUE(m.value()->is_training());
    }
  }
  auto z = build("dict(type='ResNet', depth=50)");
  z->init_weights();
  auto zp = z->named_parameters();
  EXPECT_TRUE((zp["layer1.0.bn3.weight"] == 0).all().item<bool>());
  EXPECT_TRUE((zp["layer1.0.bn1.weight"] == 1).all().item<bool>());
  auto basic = build("dict(type='ResNet', depth=18)");
  basic->init_weights();
  EXPECT_TRUE((basic->named_parameters()["layer1.1.bn2.weight"] == 0).all().item<bool>());
  auto no_zero = build("dict(type='ResNet', depth=18, zero_init_residual=False)");
  no_zero->init_weights();
  EXPECT_TRUE((no_zero->named_parameters()["layer1.1.bn2.weight"] == 1).all().item<bool>());
}

TEST(ResNet, Errors) {
  EXPECT_EQ(kind_of("dict(type='ResNet', depth=20)"), "KeyError");
  EXPECT_EQ(kind_of("dict(type='ResNeXt', depth=18)"), "KeyError");
  EXPECT_EQ(kind_of("dict(type='SEResNet', depth=34)"), "KeyError");
  EXPECT_EQ(kind_of("dict(type='ResNetV1c', depth=50, deep_stem=False)"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='ResNet_CIFAR', depth=18, deep_stem=True)"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='ResNet', depth=18, out_indices=(4, ))"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='ResNet', depth=18, style='keras')"), "");  // BasicBlock ignores it
  EXPECT_EQ(kind_of("dict(type='ResNet', depth=50, style='keras')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='ResNet', depth=50, colour=1)"), "TypeError");
}

TEST(LeNet5, LayoutAndOutput) {
  auto m = build("dict(type='LeNet5', num_classes=10)");
  EXPECT_EQ(keys(*m),
            (std::vector<std::string>{"features.0.weight", "features.0.bias", "features.3.weight",
                                      "features.3.bias", "features.6.weight", "features.6.bias",
                                      "classifier.0.weight", "classifier.0.bias",
                                      "classifier.2.weight", "classifier.2.bias"}));
  Feats out = m->forward(torch::randn({4, 1, 32, 32}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].sizes(), (std::vector<std::int64_t>{4, 10}));
  auto features = build("dict(type='LeNet5')");
  EXPECT_EQ(features->forward(torch::randn({2, 1, 32, 32}))[0].sizes(),
            (std::vector<std::int64_t>{2, 120, 1, 1}));
}

}  // namespace
}  // namespace mmcpp::pretrain
