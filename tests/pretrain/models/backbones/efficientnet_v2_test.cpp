// EfficientNetV2: parameter counts of MMPretrain's model zoo (metafile.yml),
// layout (EnhancedConvModule, FusedMBConv, MBConv), out_indices, frozen
// stages and errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/efficientnet_v2.h"
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

std::int64_t with_head(const std::string& arch, std::int64_t in) {
  std::int64_t n = 0;
  for (const auto& p : build("dict(type='EfficientNetV2', arch='" + arch + "')")->parameters())
    n += p.numel();
  return n + in * 1000 + 1000;
}

std::string kind_of(const std::string& cfg) {
  try {
    build(cfg);
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

TEST(EfficientNetV2, ParameterCountsOfTheModelZoo) {
  EXPECT_EQ(with_head("b0", 1280), 7139704);
  EXPECT_EQ(with_head("b1", 1280), 8141052);
  EXPECT_EQ(with_head("b2", 1408), 10096086);
  EXPECT_EQ(with_head("b3", 1536), 14358406);
  EXPECT_EQ(with_head("s", 1280), 21458488);
}

TEST(EfficientNetV2, LayoutOutputsAndFrozenStages) {
  auto m = build(
      "dict(type='EfficientNetV2', arch='b0', out_indices=(0, 1, 2, -1), "
      "frozen_stages=2)");
  auto k = keys(*m);
  EXPECT_EQ(k[0], "layers.0.conv.weight");
  EXPECT_TRUE(has(k, "layers.1.0.conv.weight"));  // EnhancedConvModule
  EXPECT_TRUE(has(k, "layers.1.0.bn.running_var"));
  EXPECT_TRUE(has(k, "layers.2.0.conv1.conv.weight"));     // FusedMBConv
  EXPECT_TRUE(has(k, "layers.4.0.se.conv1.conv.weight"));  // MBConv with SE
  EXPECT_TRUE(has(k, "layers.7.bn.num_batches_tracked"));
  m->train();
  auto p = m->named_parameters();
  EXPECT_FALSE(p["layers.1.0.conv.weight"].requires_grad());
  EXPECT_TRUE(p["layers.2.0.conv1.conv.weight"].requires_grad());
  auto outs = m->forward(torch::randn({1, 3, 64, 64}));
  ASSERT_EQ(outs.size(), 4u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{1, 32, 32, 32}));
  EXPECT_EQ(outs[1].sizes(), (std::vector<std::int64_t>{1, 16, 32, 32}));
  EXPECT_EQ(outs[3].sizes(), (std::vector<std::int64_t>{1, 1280, 2, 2}));
  EXPECT_EQ(kind_of("dict(type='EfficientNetV2', arch='b4')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='EfficientNetV2', arch='b0', frozen_stages=9)"), "ValueError");
  EXPECT_EQ(kind_of("dict(type='EfficientNetV2', arch='b0', out_indices=(-10, ))"),
            "AssertionError");
}

}  // namespace
}  // namespace mmcpp::pretrain
