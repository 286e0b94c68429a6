// MobileOne: parameter counts of MMPretrain's model zoo (metafile.yml lists the
// deploy-mode counts with LinearClsHead(1000)), the state-dict layout of
// MobileOneBlock (names and order from mobileone.py), out_indices, frozen
// stages, norm_eval, and switch_to_deploy keeping the outputs.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/mobileone.h"
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

std::vector<std::string> keys(torch::nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [k, _] : layout(m)) out.push_back(k);
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

const char* kTiny =
    "dict(num_blocks=[1, 2, 1, 1], width_factor=[0.125, 0.125, 0.25, 0.25], "
    "num_conv_branches=[2, 1, 1, 3], num_se_blocks=[0, 1, 0, 1])";

TEST(MobileOne, ParameterCountsOfTheModelZoo) {
  const std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> zoo = {
      {"s0", 1024, 2078504},
      {"s1", 1280, 4764840},
      {"s2", 2048, 7808168},
      {"s3", 2048, 10078312},
      {"s4", 2048, 14838352}};
  for (const auto& [arch, channels, params] : zoo) {
    SCOPED_TRACE(arch);
    auto m = build("dict(type='MobileOne', arch='" + arch + "', deploy=True)");
    EXPECT_EQ(num_params(*m) + channels * 1000 + 1000, params);
  }
  // Training mode (MMPretrain: s0 4268272, s4 12902248 backbone parameters).
  EXPECT_EQ(num_params(*build("dict(type='MobileOne', arch='s0')")), 4268272);
  EXPECT_EQ(num_params(*build("dict(type='MobileOne', arch='s4')")), 12902248);
}

TEST(MobileOne, StateDictLayoutOfABlock) {
  auto m = build("dict(type='MobileOne', arch=" + std::string(kTiny) + ")");
  auto l = layout(*m);
  // stage0: 3 -> 8 channels, stride 2: no identity branch, a 1x1 scale branch.
  using Shape = std::vector<std::int64_t>;
  const std::vector<std::pair<std::string, Shape>> stage0 = {
      {"stage0.branch_scale.conv.weight", {8, 3, 1, 1}},
      {"stage0.branch_scale.norm.weight", {8}},
      {"stage0.branch_scale.norm.bias", {8}},
      {"stage0.branch_scale.norm.running_mean", {8}},
      {"stage0.branch_scale.norm.running_var", {8}},
      {"stage0.branch_scale.norm.num_batches_tracked", {}},
      {"stage0.branch_conv_list.0.conv.weight", {8, 3, 3, 3}},
      {"stage0.branch_conv_list.0.norm.weight", {8}}};
  for (std::size_t i = 0; i < stage0.size(); ++i) EXPECT_EQ(l[i], stage0[i]) << i;
  auto k = keys(*m);
  auto pos = [&](const std::string& key) {
    auto it = std::find(k.begin(), k.end(), key);
    EXPECT_NE(it, k.end()) << key;
    return it - k.begin();
  };
  // stage2.2 (the second depthwise block, stride 1, SE): se, branch_norm,
  // branch_scale, branch_conv_list, in this order.
  EXPECT_LT(pos("stage2.2.se.conv1.conv.weight"), pos("stage2.2.branch_norm.weight"));
  EXPECT_LT(pos("stage2.2.branch_norm.num_batches_tracked"),
            pos("stage2.2.branch_scale.conv.weight"));
  EXPECT_LT(pos("stage2.2.branch_scale.norm.num_batches_tracked"),
            pos("stage2.2.branch_conv_list.0.conv.weight"));
  EXPECT_EQ(std::count(k.begin(), k.end(), "stage2.0.branch_norm.weight"), 0);        // stride 2
  EXPECT_EQ(std::count(k.begin(), k.end(), "stage2.1.branch_scale.conv.weight"), 0);  // 1x1
  EXPECT_EQ(std::count(k.begin(), k.end(), "stage2.0.se.conv1.conv.weight"), 0);      // not last
  EXPECT_EQ(std::count(k.begin(), k.end(), "stage4.0.branch_conv_list.2.conv.weight"), 1);
  auto p = m->named_parameters();
  EXPECT_EQ(p["stage1.0.branch_conv_list.0.conv.weight"].sizes(), (Shape{8, 1, 3, 3}));
  EXPECT_EQ(p["stage1.1.branch_conv_list.1.conv.weight"].sizes(), (Shape{8, 8, 1, 1}));
  EXPECT_EQ(p["stage4.1.branch_conv_list.0.conv.weight"].sizes(), (Shape{128, 64, 1, 1}));
  // SE of 16 channels, ratio 16, divisor 8: squeeze to 8.
  EXPECT_EQ(p["stage2.2.se.conv1.conv.weight"].sizes(), (Shape{8, 16, 1, 1}));
  auto d = keys(*build("dict(type='MobileOne', arch=" + std::string(kTiny) + ", deploy=True)"));
  EXPECT_EQ(d[0], "stage0.branch_reparam.weight");
  EXPECT_EQ(d[1], "stage0.branch_reparam.bias");
  EXPECT_LT(std::find(d.begin(), d.end(), "stage2.2.se.conv2.conv.bias"),
            std::find(d.begin(), d.end(), "stage2.2.branch_reparam.weight"));
}

TEST(MobileOne, OutIndicesFrozenStagesAndErrors) {
  auto m = build("dict(type='MobileOne', arch='s0', out_indices=(0, 1, 2, -1), frozen_stages=2)");
  m->train();
  auto outs = m->forward(torch::randn({1, 3, 64, 64}));
  ASSERT_EQ(outs.size(), 4u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{1, 48, 16, 16}));
  EXPECT_EQ(outs[1].sizes(), (std::vector<std::int64_t>{1, 128, 8, 8}));
  EXPECT_EQ(outs[2].sizes(), (std::vector<std::int64_t>{1, 256, 4, 4}));
  EXPECT_EQ(outs[3].sizes(), (std::vector<std::int64_t>{1, 1024, 2, 2}));
  auto p = m->named_parameters();
  EXPECT_FALSE(p["stage0.branch_conv_list.0.conv.weight"].requires_grad());
  EXPECT_FALSE(p["stage2.0.branch_conv_list.0.conv.weight"].requires_grad());
  EXPECT_TRUE(p["stage3.0.branch_conv_list.0.conv.weight"].requires_grad());
  for (const auto& mod : m->named_modules())
    if (mod.key().rfind("stage1", 0) == 0) EXPECT_FALSE(mod.value()->is_training()) << mod.key();
  auto ne = build("dict(type='MobileOne', arch='s1', norm_eval=True)");
  ne->train();
  for (const auto& mod : ne->modules())
    if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(mod.get())) EXPECT_FALSE(mod->is_training());
  auto single = build("dict(type='MobileOne', arch='s0', out_indices=2)");
  single->eval();
  EXPECT_EQ(single->forward(torch::randn({1, 3, 32, 32})).size(), 1u);
  EXPECT_EQ(kind_of("dict(type='MobileOne', arch='s5')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='MobileOne', arch=3)"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='MobileOne', arch='s0', out_indices=(5, ))"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='MobileOne', arch=dict(num_blocks=[1, 1, 1, 1], "
                    "width_factor=[1, 1, 1, 1], num_conv_branches=[1, 1, 1, 1], "
                    "num_se_blocks=[0, 0, 2, 0]))"),
            "ValueError");
  EXPECT_EQ(kind_of("dict(type='MobileOne', arch=dict(num_blocks=[1, 1, 1], "
                    "width_factor=[1, 1, 1], num_conv_branches=[1, 1, 1], "
                    "num_se_blocks=[0, 0, 0]))"),
            "AssertionError");
  EXPECT_EQ(kind_of("dict(type='MobileOne', arch='s0', se_cfgx=None)"), "TypeError");
}

TEST(MobileOne, SwitchToDeployKeepsTheOutputs) {
  torch::manual_seed(0);
  auto m = build("dict(type='MobileOne', arch=" + std::string(kTiny) + ", out_indices=(1, 3))");
  m->init_weights();
  randomize_norms(*m);
  m->eval();
  auto x = torch::randn({2, 3, 32, 32});
  auto before = m->forward(x);
  auto& mo = dynamic_cast<MobileOneImpl&>(*m);
  mo.switch_to_deploy();
  EXPECT_TRUE(mo.deploy());
  auto after = m->forward(x);
  ASSERT_EQ(after.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i)
    EXPECT_TRUE(torch::allclose(before[i], after[i], 1e-4, 1e-4))
        << (before[i] - after[i]).abs().max().item<float>();
  // The fused layout equals a deploy-built model's, in the same order.
  auto deploy = build("dict(type='MobileOne', arch=" + std::string(kTiny) +
                      ", out_indices=(1, 3), deploy=True)");
  EXPECT_EQ(layout(*m), layout(*deploy));
  for (const auto& p : m->parameters()) EXPECT_TRUE(p.is_leaf());
  mo.switch_to_deploy();  // a second switch changes nothing
  EXPECT_TRUE(torch::equal(m->forward(x)[1], after[1]));
  // Only BN can be fused.
  auto gn = build("dict(type='MobileOne', arch=" + std::string(kTiny) +
                  ", norm_cfg=dict(type='GN', num_groups=1))");
  EXPECT_THROW(dynamic_cast<MobileOneImpl&>(*gn).switch_to_deploy(), Error);
}

TEST(MobileOne, TrainingStepReachesEveryBranch) {
  torch::manual_seed(0);
  auto m = build("dict(type='MobileOne', arch=" + std::string(kTiny) + ")");
  m->init_weights();
  m->train();
  auto outs = m->forward(torch::randn({2, 3, 64, 64}));
  ASSERT_EQ(outs.size(), 1u);
  outs[0].pow(2).mean().backward();
  auto p = m->named_parameters();
  for (const char* name :
       {"stage0.branch_scale.conv.weight", "stage0.branch_conv_list.0.conv.weight",
        "stage2.2.branch_norm.weight", "stage2.2.se.conv1.conv.weight",
        "stage4.1.branch_conv_list.2.norm.bias"}) {
    ASSERT_TRUE(p[name].grad().defined()) << name;
    EXPECT_GT(p[name].grad().abs().sum().item<double>(), 0) << name;
  }
}

}  // namespace
}  // namespace mmcpp::pretrain
