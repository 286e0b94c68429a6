// RIFormer: parameter counts of MMPretrain's model zoo (metafile.yml lists
// the deploy models, rounded to thousands), the training, deploy=True and
// switched state-dict layouts (names/order as MMPretrain 1.2 gives them),
// switch_to_deploy keeping the outputs, frozen stages (frozen_stages + 1
// network entries) and arguments.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/riformer.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

std::shared_ptr<BaseBackboneImpl> build(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  auto m = MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
  return std::dynamic_pointer_cast<BaseBackboneImpl>(m);
}

std::vector<std::string> keys(torch::nn::Module& m, const std::string& prefix = "") {
  std::vector<std::string> out;
  io::PyObject sd = engine::model_state_dict(m);
  for (const auto& [k, v] : sd.as_dict().entries())
    if (k.as_str().rfind(prefix, 0) == 0) out.push_back(k.as_str());
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

const char* kSmall = "arch=dict(layers=[1, 2, 1, 1], embed_dims=[8, 16, 24, 32])";

// Random norm and affine parameters, so that fusing them matters.
void randomize(torch::nn::Module& m) {
  torch::NoGradGuard ng;
  for (auto& p : m.named_parameters()) {
    const auto& k = p.key();
    if (k.find("norm") != std::string::npos || k.find("token_mixer") != std::string::npos ||
        k.find("layer_scale") != std::string::npos)
      p.value().copy_(torch::randn_like(p.value()) * 0.5 +
                      (k.find("bias") == std::string::npos ? 1.0 : 0.0));
  }
}

TEST(RIFormer, ParameterCountsOfTheModelZoo) {
  const std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> zoo = {
      {"s12", 512, 11915000},
      {"s24", 512, 21389000},
      {"s36", 512, 30863000},
      {"m36", 768, 56173000},
      {"m48", 768, 73473000}};
  for (const auto& [arch, c, rounded] : zoo) {
    auto deploy = build("dict(type='RIFormer', arch='" + arch + "', deploy=True)");
    const std::int64_t n = num_params(*deploy) + c * 1000 + 1000;
    EXPECT_LE(std::abs(n - rounded), 500) << arch << ": " << n;
    // The training model adds the depthwise affine (weight + bias) of each block.
    auto train = build("dict(type='RIFormer', arch='" + arch + "')");
    std::int64_t blocks_dims = 0;
    const auto& table = poolformer_arch_settings();
    for (const auto& [name, a] : table)
      if (name == arch)
        for (std::size_t i = 0; i < a.layers.size(); ++i)
          blocks_dims += a.layers[i] * a.embed_dims[i];
    EXPECT_EQ(num_params(*train), num_params(*deploy) + 2 * blocks_dims) << arch;
  }
  // s12 in deploy mode is PoolFormer-S12's count exactly.
  EXPECT_EQ(num_params(*build("dict(type='RIFormer', arch='s12', deploy=True)")) + 513000,
            11915176);
}

TEST(RIFormer, StateDictLayoutsMatchMMPretrain) {
  auto m = build(std::string("dict(type='RIFormer', ") + kSmall + ")");
  const std::vector<std::string> train = {"network.0.0.layer_scale_1",
                                          "network.0.0.layer_scale_2",
                                          "network.0.0.norm1.weight",
                                          "network.0.0.norm1.bias",
                                          "network.0.0.token_mixer.affine.weight",
                                          "network.0.0.token_mixer.affine.bias",
                                          "network.0.0.norm2.weight",
                                          "network.0.0.norm2.bias",
                                          "network.0.0.mlp.fc1.weight",
                                          "network.0.0.mlp.fc1.bias",
                                          "network.0.0.mlp.fc2.weight",
                                          "network.0.0.mlp.fc2.bias"};
  EXPECT_EQ(keys(*m, "network.0.0."), train);
  EXPECT_EQ(m->named_parameters()["network.0.0.token_mixer.affine.weight"].sizes(),
            (std::vector<std::int64_t>{8, 1, 1, 1}));
  auto all = keys(*m);
  EXPECT_EQ(all.front(), "patch_embed.proj.weight");
  EXPECT_EQ(all[all.size() - 2], "norm6.weight");

  auto d = build(std::string("dict(type='RIFormer', ") + kSmall + ", deploy=True)");
  const std::vector<std::string> deploy = {
      "network.0.0.layer_scale_1",       "network.0.0.layer_scale_2",
      "network.0.0.norm_reparam.weight", "network.0.0.norm_reparam.bias",
      "network.0.0.norm2.weight",        "network.0.0.norm2.bias",
      "network.0.0.mlp.fc1.weight",      "network.0.0.mlp.fc1.bias",
      "network.0.0.mlp.fc2.weight",      "network.0.0.mlp.fc2.bias"};
  EXPECT_EQ(keys(*d, "network.0.0."), deploy);

  // switch_to_deploy appends norm_reparam after the block's other children.
  dynamic_cast<RIFormerImpl&>(*m).switch_to_deploy();
  EXPECT_TRUE(dynamic_cast<RIFormerImpl&>(*m).deploy());
  const std::vector<std::string> switched = {
      "network.0.0.layer_scale_1",       "network.0.0.layer_scale_2",
      "network.0.0.norm2.weight",        "network.0.0.norm2.bias",
      "network.0.0.mlp.fc1.weight",      "network.0.0.mlp.fc1.bias",
      "network.0.0.mlp.fc2.weight",      "network.0.0.mlp.fc2.bias",
      "network.0.0.norm_reparam.weight", "network.0.0.norm_reparam.bias"};
  EXPECT_EQ(keys(*m, "network.0.0."), switched);
  EXPECT_EQ(keys(*m).size(), keys(*d).size());
}

TEST(RIFormer, SwitchToDeployKeepsTheOutputs) {
  torch::manual_seed(3);
  auto m = build(std::string("dict(type='RIFormer', ") + kSmall + ", out_indices=(0, 2, 4, 6))");
  randomize(*m);
  m->eval();
  torch::NoGradGuard ng;
  const auto x = torch::randn({2, 3, 64, 64});
  const auto before = m->forward(x);
  auto& r = dynamic_cast<RIFormerImpl&>(*m);
  r.switch_to_deploy();
  r.switch_to_deploy();  // a second call changes nothing
  const auto after = m->forward(x);
  ASSERT_EQ(before.size(), 4u);
  ASSERT_EQ(after.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_TRUE(torch::allclose(before[i], after[i], 1e-4, 1e-4))
        << i << ": " << (before[i] - after[i]).abs().max().item<float>();
  // The switched weights load into a deploy=True build and give the same outputs.
  auto d = build(std::string("dict(type='RIFormer', ") + kSmall +
                 ", out_indices=(0, 2, 4, 6), deploy=True)");
  auto dp = d->named_parameters();
  for (const auto& p : m->named_parameters()) dp[p.key()].copy_(p.value());
  d->eval();
  const auto loaded = d->forward(x);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_TRUE(torch::allclose(loaded[i], after[i], 1e-5, 1e-6));
  // The fused norm: weight norm1.weight * (affine.weight - 1).
  auto fresh = build(std::string("dict(type='RIFormer', ") + kSmall + ")");
  randomize(*fresh);
  auto fp = fresh->named_parameters();
  const auto expected_w = fp["network.0.0.norm1.weight"] *
                          (fp["network.0.0.token_mixer.affine.weight"].reshape(-1) - 1);
  const auto expected_b =
      fp["network.0.0.norm1.bias"] * (fp["network.0.0.token_mixer.affine.weight"].reshape(-1) - 1) +
      fp["network.0.0.token_mixer.affine.bias"];
  dynamic_cast<RIFormerImpl&>(*fresh).switch_to_deploy();
  auto sp = fresh->named_parameters();
  EXPECT_TRUE(torch::allclose(sp["network.0.0.norm_reparam.weight"], expected_w));
  EXPECT_TRUE(torch::allclose(sp["network.0.0.norm_reparam.bias"], expected_b));
  EXPECT_TRUE(sp["network.0.0.norm_reparam.weight"].requires_grad());
}

TEST(RIFormer, FrozenStagesAndArguments) {
  auto trainable = [](torch::nn::Module& m, const std::string& prefix) {
    for (const auto& p : m.named_parameters())
      if (p.key().rfind(prefix, 0) == 0 && !p.value().requires_grad()) return false;
    return true;
  };
  auto none = build(std::string("dict(type='RIFormer', ") + kSmall + ")");
  EXPECT_TRUE(trainable(*none, ""));
  // frozen_stages=0: patch_embed and network[0] (range(0, frozen_stages + 1)).
  auto zero = build(std::string("dict(type='RIFormer', ") + kSmall +
                    ", frozen_stages=0, out_indices=(0, 6))");
  zero->train();
  EXPECT_FALSE(trainable(*zero, "patch_embed."));
  EXPECT_FALSE(trainable(*zero, "network.0."));
  EXPECT_FALSE(trainable(*zero, "norm0."));
  EXPECT_TRUE(trainable(*zero, "network.1."));
  EXPECT_TRUE(trainable(*zero, "norm6."));
  EXPECT_EQ(kind_of(std::string("dict(type='RIFormer', ") + kSmall + ", frozen_stages=7)"),
            "IndexError");

  auto one =
      build(std::string("dict(type='RIFormer', ") + kSmall + ", in_channels=1, out_indices=-3)");
  one->eval();
  const auto out = one->forward(torch::randn({1, 1, 32, 32}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].sizes(), (std::vector<std::int64_t>{1, 24, 2, 2}));
  EXPECT_EQ(kind_of("dict(type='RIFormer', arch='x')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='RIFormer', arch='s12', pool_size=3)"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='RIFormer', arch='s12', out_indices=-8)"), "AssertionError");
}

}  // namespace
}  // namespace mmcpp::pretrain
