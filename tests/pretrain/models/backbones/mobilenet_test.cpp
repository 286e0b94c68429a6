// MobileNetV2 and MobileNetV3: state-dict layouts and parameter counts of
// MMPretrain's model zoo, out_indices, frozen stages, norm_eval and errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/mobilenet_v2.h"
#include "mmcpp/pretrain/models/backbones/mobilenet_v3.h"
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

TEST(MobileNetV2, LayoutAndParameterCount) {
  auto m = build("dict(type='MobileNetV2', widen_factor=1.)");
  // metafile.yml: 3504872 with LinearClsHead(1000, 1280).
  EXPECT_EQ(num_params(*m) + 1280 * 1000 + 1000, 3504872);
  auto k = keys(*m);
  EXPECT_EQ(k[0], "conv1.conv.weight");
  EXPECT_EQ(k[1], "conv1.bn.weight");
  EXPECT_TRUE(has(k, "layer1.0.conv.0.conv.weight"));  // no expand conv: ratio 1
  EXPECT_FALSE(has(k, "layer1.0.conv.2.conv.weight"));
  EXPECT_TRUE(has(k, "layer2.1.conv.2.bn.running_var"));
  EXPECT_EQ(k.back(), "conv2.bn.num_batches_tracked");
  auto narrow = build("dict(type='MobileNetV2', widen_factor=0.25, out_indices=(2, 4, 7))");
  narrow->eval();
  auto outs = narrow->forward(torch::randn({2, 3, 64, 64}));
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{2, 8, 8, 8}));
  EXPECT_EQ(outs[1].sizes(), (std::vector<std::int64_t>{2, 24, 4, 4}));
  EXPECT_EQ(outs[2].sizes(), (std::vector<std::int64_t>{2, 1280, 2, 2}));
  auto wide = build("dict(type='MobileNetV2', widen_factor=1.5)");
  EXPECT_EQ(wide->named_parameters()["conv2.conv.weight"].size(0), 1920);
}

TEST(MobileNetV2, FrozenStagesNormEvalAndErrors) {
  auto m = build("dict(type='MobileNetV2', widen_factor=0.5, frozen_stages=2, norm_eval=True)");
  m->train();
  auto p = m->named_parameters();
  EXPECT_FALSE(p["conv1.conv.weight"].requires_grad());
  EXPECT_FALSE(p["layer2.0.conv.0.conv.weight"].requires_grad());
  EXPECT_TRUE(p["layer3.0.conv.0.conv.weight"].requires_grad());
  for (const auto& mod : m->modules(false))
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(mod.get()))
      EXPECT_FALSE(bn->is_training());
  EXPECT_EQ(kind_of("dict(type='MobileNetV2', out_indices=(8, ))"), "ValueError");
  EXPECT_EQ(kind_of("dict(type='MobileNetV2', frozen_stages=8)"), "ValueError");
}

TEST(MobileNetV3, ArchsLayoutAndParameterCounts) {
  auto small = build("dict(type='MobileNetV3', arch='small')");
  auto k = keys(*small);
  EXPECT_EQ(k[0], "layer0.conv.weight");
  EXPECT_TRUE(has(k, "layer1.depthwise_conv.conv.weight"));
  EXPECT_FALSE(has(k, "layer1.expand_conv.conv.weight"));  // mid == in
  EXPECT_TRUE(has(k, "layer1.se.conv1.conv.bias"));
  EXPECT_TRUE(has(k, "layer2.expand_conv.bn.running_mean"));
  EXPECT_FALSE(has(k, "layer2.se.conv1.conv.weight"));
  EXPECT_TRUE(has(k, "layer12.conv.weight"));
  EXPECT_EQ(small->named_parameters()["layer1.se.conv1.conv.weight"].sizes(),
            (std::vector<std::int64_t>{8, 16, 1, 1}));
  // metafile.yml (rounded to 10k): small 2.54M, large 5.48M with
  // StackedLinearClsHead(mid 1024 / 1280).
  auto head = [](std::int64_t in, std::int64_t mid) { return in * mid + mid + mid * 1000 + 1000; };
  EXPECT_NEAR(static_cast<double>(num_params(*small) + head(576, 1024)), 2.54e6, 5e3);
  auto large = build("dict(type='MobileNetV3', arch='large')");
  EXPECT_NEAR(static_cast<double>(num_params(*large) + head(960, 1280)), 5.48e6, 5e3);
  auto s075 = build("dict(type='MobileNetV3', arch='small_075')");
  EXPECT_NEAR(static_cast<double>(num_params(*s075) + head(432, 1024)), 2.04e6, 5e3);
  large->eval();
  auto outs = large->forward(torch::randn({1, 3, 64, 64}));
  ASSERT_EQ(outs.size(), 1u);  // out_indices None: (16, ) for large
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{1, 960, 2, 2}));
}

TEST(MobileNetV3, OutIndicesFrozenStagesAndErrors) {
  auto m = build(
      "dict(type='MobileNetV3', arch='small_050', out_indices=(0, 3, 12), "
      "frozen_stages=1)");
  m->train();
  auto outs = m->forward(torch::randn({1, 3, 64, 64}));
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{1, 16, 32, 32}));
  EXPECT_EQ(outs[1].sizes(), (std::vector<std::int64_t>{1, 16, 8, 8}));
  EXPECT_EQ(outs[2].sizes(), (std::vector<std::int64_t>{1, 288, 2, 2}));
  auto p = m->named_parameters();
  EXPECT_FALSE(p["layer0.conv.weight"].requires_grad());
  EXPECT_FALSE(p["layer1.depthwise_conv.conv.weight"].requires_grad());
  EXPECT_TRUE(p["layer2.depthwise_conv.conv.weight"].requires_grad());
  EXPECT_EQ(kind_of("dict(type='MobileNetV3', arch='medium')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='MobileNetV3', out_indices=(13, ))"), "ValueError");
}

}  // namespace
}  // namespace mmcpp::pretrain
