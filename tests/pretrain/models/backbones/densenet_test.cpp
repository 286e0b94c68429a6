// DenseNet: parameter counts of MMPretrain's model zoo (metafile.yml), the
// state-dict layout of a small arch (names/shapes as MMPretrain 1.2 builds
// them), outputs for every out_indices form, frozen stages and arch errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/densenet.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

std::shared_ptr<BaseBackboneImpl> build(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  auto m = MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
  return std::dynamic_pointer_cast<BaseBackboneImpl>(m);
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
    build(cfg);
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

const char* kSmall = "arch=dict(growth_rate=8, depths=[1, 2], init_channels=8)";

TEST(DenseNet, ParameterCountsOfTheModelZoo) {
  auto with_head = [](const std::string& arch, std::int64_t c) {
    auto b = build("dict(type='DenseNet', arch='" + arch + "')");
    return num_params(*b) + c * 1000 + 1000;
  };
  EXPECT_EQ(with_head("121", 1024), 7978856);
  EXPECT_EQ(with_head("169", 1664), 14149480);
  EXPECT_EQ(with_head("201", 1920), 20013928);
  EXPECT_EQ(with_head("161", 2208), 28681000);
}

TEST(DenseNet, StateDictLayoutMatchesMMPretrain) {
  auto m = build(std::string("dict(type='DenseNet', ") + kSmall + ", out_indices=(0, 1))");
  auto l = layout(*m);
  ASSERT_EQ(l.size(), 53u);
  using V = std::vector<std::int64_t>;
  // MMPretrain 1.2's names, in order (BatchNorm buffers left out here).
  const std::vector<std::pair<std::string, V>> expected = {
      {"stem.0.weight", {8, 3, 7, 7}},         {"stem.1.weight", {8}},
      {"stages.0.block.0.norm1.weight", {8}},  {"stages.0.block.0.conv1.weight", {32, 8, 1, 1}},
      {"stages.0.block.0.norm2.weight", {32}}, {"stages.0.block.0.conv2.weight", {8, 32, 3, 3}},
      {"stages.1.block.0.norm1.weight", {8}},  {"stages.1.block.0.conv1.weight", {32, 8, 1, 1}},
      {"stages.1.block.0.norm2.weight", {32}}, {"stages.1.block.0.conv2.weight", {8, 32, 3, 3}},
      {"stages.1.block.1.norm1.weight", {16}}, {"stages.1.block.1.conv1.weight", {32, 16, 1, 1}},
      {"stages.1.block.1.norm2.weight", {32}}, {"stages.1.block.1.conv2.weight", {8, 32, 3, 3}},
      {"transitions.0.norm.weight", {16}},     {"transitions.0.conv.weight", {8, 16, 1, 1}},
      {"transitions.1.0.weight", {24}},
  };
  std::vector<std::pair<std::string, V>> weights;
  for (const auto& e : l)
    if (e.first.size() > 7 && e.first.compare(e.first.size() - 7, 7, ".weight") == 0)
      weights.push_back(e);
  EXPECT_EQ(weights, expected);
  EXPECT_EQ(l[1].first, "stem.1.weight");
  EXPECT_EQ(l[5].first, "stem.1.num_batches_tracked");
  EXPECT_EQ(l.back().first, "transitions.1.0.num_batches_tracked");
}

TEST(DenseNet, OutIndicesAndShapes) {
  torch::NoGradGuard ng;
  auto x = torch::randn({1, 3, 64, 64});
  auto m = build(std::string("dict(type='DenseNet', ") + kSmall + ", out_indices=(0, 1))");
  auto outs = m->forward(x);
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{1, 8, 8, 8}));   // 16 * 0.5, pooled
  EXPECT_EQ(outs[1].sizes(), (std::vector<std::int64_t>{1, 24, 8, 8}));  // 8 + 2 * 8
  auto last = build(std::string("dict(type='DenseNet', ") + kSmall + ")")->forward(x);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].sizes(), outs[1].sizes());
  auto neg = build(std::string("dict(type='DenseNet', ") + kSmall + ", out_indices=-2)");
  auto o = neg->forward(x);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].size(1), 8);
  auto full = build("dict(type='DenseNet', arch='121', out_indices=(0, 1, 2, 3))");
  auto* dn = dynamic_cast<DenseNetImpl*>(full.get());
  ASSERT_NE(dn, nullptr);
  EXPECT_EQ(dn->stage_channels(), (std::vector<std::int64_t>{128, 256, 512, 1024}));
}

TEST(DenseNet, FrozenStagesStayFrozenInTrain) {
  auto m = build(std::string("dict(type='DenseNet', ") + kSmall + ", frozen_stages=1)");
  m->train(true);
  for (const auto& p : m->named_parameters()) {
    const bool frozen =
        p.key().rfind("stages.0.", 0) == 0 || p.key().rfind("transitions.0.", 0) == 0;
    EXPECT_EQ(p.value().requires_grad(), !frozen) << p.key();
  }
  for (const auto& item : m->named_modules())
    if (item.key().rfind("stages.0", 0) == 0)
      EXPECT_FALSE(item.value()->is_training()) << item.key();
  EXPECT_TRUE(m->named_modules()["stages.1"]->is_training());
}

TEST(DenseNet, ArchErrorsAndOptions) {
  EXPECT_EQ(kind_of("dict(type='DenseNet', arch='122')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='DenseNet', arch=dict(growth_rate=8, depths=[1]))"),
            "AssertionError");
  EXPECT_EQ(kind_of("dict(type='DenseNet', arch='121', foo=1)"), "TypeError");
  auto m = build(std::string("dict(type='DenseNet', ") + kSmall +
                 ", memory_efficient=True, drop_rate=0.1, bn_size=2, compression_factor=0.25)");
  auto* dn = dynamic_cast<DenseNetImpl*>(m.get());
  ASSERT_NE(dn, nullptr);
  EXPECT_TRUE(dn->options().memory_efficient);
  EXPECT_EQ(dn->stage_channels()[0], 4);  // floor(16 * 0.25)
  EXPECT_EQ(layout(*m)[11],
            (std::pair<std::string, std::vector<std::int64_t>>{
                "stages.0.block.0.conv1.weight", {16, 8, 1, 1}}));  // bn_size * growth
}

}  // namespace
}  // namespace mmcpp::pretrain
