// VGG and RepVGG: parameter counts of MMPretrain's model zoo (metafile.yml),
// state-dict layouts, out_indices, frozen stages, and RepVGG's
// switch_to_deploy giving the training-mode outputs.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/repvgg.h"
#include "mmcpp/pretrain/models/backbones/vgg.h"
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

// Random BN statistics and affine parameters, so that fusing them matters.
void randomize_norms(torch::nn::Module& m) {
  torch::NoGradGuard ng;
  for (const auto& mod : m.modules())
    if (auto* bn = dynamic_cast<torch::nn::BatchNorm2dImpl*>(mod.get())) {
      bn->running_mean.copy_(torch::randn_like(bn->running_mean) * 0.1);
      bn->running_var.copy_(torch::rand_like(bn->running_var) + 0.5);
      bn->weight.copy_(torch::rand_like(bn->weight) + 0.5);
      bn->bias.copy_(torch::randn_like(bn->bias) * 0.1);
    }
}

TEST(VGG, LayoutParameterCountAndOutputs) {
  auto v11 = build("dict(type='VGG', depth=11, num_classes=1000)");
  EXPECT_NEAR(static_cast<double>(num_params(*v11)), 132.86e6, 5e3);  // metafile: 132.86M
  auto k = keys(*v11);
  EXPECT_EQ(k[0], "features.0.conv.weight");
  EXPECT_EQ(k[1], "features.0.conv.bias");
  EXPECT_TRUE(has(k, "features.2.conv.weight"));  // features.1 is the MaxPool
  EXPECT_FALSE(has(k, "features.1.conv.weight"));
  EXPECT_EQ(k.back(), "classifier.6.bias");
  auto bn = keys(*build("dict(type='VGG', depth=11, norm_cfg=dict(type='BN'))"));
  EXPECT_TRUE(has(bn, "features.0.bn.running_var"));
  EXPECT_TRUE(has(bn, "features.0.conv.bias"));  // bias=True even with a norm
  auto m = build(
      "dict(type='VGG', depth=13, out_indices=(0, 2, 4), frozen_stages=2, "
      "with_last_pool=False)");
  m->train();
  auto outs = m->forward(torch::randn({1, 3, 64, 64}));
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{1, 64, 32, 32}));
  EXPECT_EQ(outs[2].sizes(), (std::vector<std::int64_t>{1, 512, 4, 4}));  // no last pool
  auto p = m->named_parameters();
  EXPECT_FALSE(p["features.3.conv.weight"].requires_grad());  // stage 2
  EXPECT_TRUE(p["features.6.conv.weight"].requires_grad());   // stage 3
  EXPECT_EQ(kind_of("dict(type='VGG', depth=12)"), "KeyError");
}

TEST(RepVGG, ParameterCountsAndLayout) {
  // metafile.yml lists the deploy-mode counts (with LinearClsHead(1000)).
  auto a0 = build("dict(type='RepVGG', arch='A0', deploy=True)");
  EXPECT_EQ(num_params(*a0) + 1280 * 1000 + 1000, 8309384);
  auto b1g2 = build("dict(type='RepVGG', arch='B1g2', deploy=True)");
  EXPECT_EQ(num_params(*b1g2) + 2048 * 1000 + 1000, 41360104);
  auto train = build("dict(type='RepVGG', arch='A0')");
  auto k = keys(*train);
  EXPECT_EQ(k[0], "stem.branch_3x3.conv.weight");
  EXPECT_TRUE(has(k, "stage_1.1.branch_norm.running_mean"));
  EXPECT_FALSE(has(k, "stage_1.0.branch_norm.weight"));  // stride 2: no identity branch
  EXPECT_TRUE(has(k, "stage_4.0.branch_1x1.norm.num_batches_tracked"));
  auto d2 = keys(*build("dict(type='RepVGG', arch='D2se', deploy=True)"));
  EXPECT_EQ(d2[0], "stem.branch_reparam.weight");
  EXPECT_TRUE(has(d2, "stem.se_layer.conv1.conv.weight"));
  EXPECT_EQ(kind_of("dict(type='RepVGG', arch='C0')"), "AssertionError");
}

TEST(RepVGG, SwitchToDeployKeepsTheOutputs) {
  // As in MMPretrain, a deploy block skips its SE layer (branch_reparam only),
  // so only SE-free archs keep their outputs exactly.
  for (const auto& [arch, same_outputs] : std::vector<std::pair<std::string, bool>>{
           {"dict(num_blocks=[2, 2, 2, 1], width_factor=[0.25, 0.25, 0.25, 0.5], "
            "group_layer_map=None, se_cfg=None)",
            true},
           {"dict(num_blocks=[2, 2, 2, 1], width_factor=[0.25, 0.25, 0.25, 0.5], "
            "group_layer_map={2: 2, 4: 4}, se_cfg=None, stem_channels=8)",
            true},
           {"dict(num_blocks=[2, 2, 2, 1], width_factor=[0.25, 0.25, 0.25, 0.5], "
            "group_layer_map=None, se_cfg=dict(ratio=4, divisor=1))",
            false}}) {
    SCOPED_TRACE(arch);
    auto m = build("dict(type='RepVGG', arch=" + arch + ", out_indices=(1, 3))");
    randomize_norms(*m);
    m->eval();
    auto x = torch::randn({2, 3, 32, 32});
    auto before = m->forward(x);
    auto& rep = dynamic_cast<RepVGGImpl&>(*m);
    rep.switch_to_deploy();
    EXPECT_TRUE(rep.deploy());
    auto k = keys(*m);
    EXPECT_TRUE(has(k, "stage_1.1.branch_reparam.bias"));
    EXPECT_FALSE(has(k, "stage_1.1.branch_3x3.conv.weight"));
    auto after = m->forward(x);
    ASSERT_EQ(after.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i)
      EXPECT_EQ(torch::allclose(before[i], after[i], 1e-4, 1e-5), same_outputs)
          << (before[i] - after[i]).abs().max().item<float>();
    // A deploy-built model has the same keys (the order aside) and loads them.
    auto deploy = build("dict(type='RepVGG', arch=" + arch + ", out_indices=(1, 3), deploy=True)");
    auto kd = keys(*deploy);
    std::sort(k.begin(), k.end());
    std::sort(kd.begin(), kd.end());
    EXPECT_EQ(k, kd);
  }
}

TEST(RepVGG, FrozenStagesAndPpf) {
  auto m = build(
      "dict(type='RepVGG', arch='yolox-pai-small', frozen_stages=1, add_ppf=True, "
      "out_indices=(3, ))");
  m->train();
  auto p = m->named_parameters();
  EXPECT_FALSE(p["stem.branch_3x3.conv.weight"].requires_grad());
  EXPECT_FALSE(p["stage_1.0.branch_3x3.conv.weight"].requires_grad());
  EXPECT_TRUE(p["stage_2.0.branch_3x3.conv.weight"].requires_grad());
  EXPECT_EQ(p["ppf.conv1.conv.weight"].sizes(), (std::vector<std::int64_t>{256, 512, 1, 1}));
  auto outs = m->forward(torch::randn({1, 3, 64, 64}));
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{1, 512, 2, 2}));
}

}  // namespace
}  // namespace mmcpp::pretrain
