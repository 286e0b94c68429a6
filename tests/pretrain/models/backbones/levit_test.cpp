// LeViT and LeViTClsHead: parameter counts of MMPretrain's model zoo
// (metafile.yml), the state-dict layout of LeViT-128S as MMPretrain 1.2 builds
// it, forward shapes for out_indices, the options, the attention bias index
// tables, and switch_to_deploy/deploy=True of the backbone and the head
// keeping the outputs.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/levit.h"
#include "mmcpp/pretrain/models/heads/levit_head.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

std::shared_ptr<torch::nn::Module> build_module(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  return MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
}

std::shared_ptr<LeViTImpl> build(const std::string& text) {
  return std::dynamic_pointer_cast<LeViTImpl>(build_module(text));
}

std::vector<std::pair<std::string, std::vector<std::int64_t>>> entries(torch::nn::Module& m) {
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> out;
  io::PyObject sd = engine::model_state_dict(m);
  for (const auto& [k, v] : sd.as_dict().entries())
    out.emplace_back(k.as_str(), v.as_tensor().sizes().vec());
  return out;
}

std::vector<std::string> keys(torch::nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [k, s] : entries(m)) out.push_back(k);
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
    build_module(cfg);
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

// Random BN statistics and affine parameters and attention biases, so that
// fusing them matters.
void randomize(torch::nn::Module& m) {
  torch::NoGradGuard ng;
  auto bn = [](auto* b) {
    b->running_mean.copy_(torch::randn_like(b->running_mean) * 0.1);
    b->running_var.copy_(torch::rand_like(b->running_var) + 0.5);
    b->weight.copy_(torch::rand_like(b->weight) + 0.5);
    b->bias.copy_(torch::randn_like(b->bias) * 0.1);
  };
  for (const auto& mod : m.modules()) {
    if (auto* b = dynamic_cast<torch::nn::BatchNorm2dImpl*>(mod.get())) bn(b);
    if (auto* b = dynamic_cast<torch::nn::BatchNorm1dImpl*>(mod.get())) bn(b);
  }
  for (auto& p : m.named_parameters())
    if (p.key().find("attention_biases") != std::string::npos)
      p.value().copy_(torch::randn_like(p.value()));
}

using Shape = std::vector<std::int64_t>;

TEST(LeViT, ParameterCountsOfTheModelZoo) {
  // metafile.yml: the backbone plus one BatchNormLinear(C, 1000) head.
  const std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> zoo = {
      {"128s", 384, 7391290},
      {"128", 384, 8828168},
      {"192", 384, 10561301},
      {"256", 512, 18379852},
      {"384", 768, 38358300}};
  for (const auto& [arch, c, params] : zoo) {
    SCOPED_TRACE(arch);
    auto m = build("dict(type='LeViT', arch='" + arch + "')");
    auto head = build_module(
        "dict(type='LeViTClsHead', num_classes=1000, distillation=False, "
        "in_channels=" +
        std::to_string(c) + ")");
    EXPECT_EQ(num_params(*m) + num_params(*head), params);
  }
}

TEST(LeViT, StateDictLayoutAsMMPretrain) {
  auto m = build("dict(type='LeViT', arch='128s')");
  auto e = entries(*m);
  ASSERT_EQ(e.size(), 322u);  // MMPretrain: 336 in the classifier, 14 of them the head's
  const std::vector<std::pair<std::string, Shape>> head = {
      {"patch_embed.patch_embed.0.conv.weight", {16, 3, 3, 3}},
      {"patch_embed.patch_embed.0.bn.weight", {16}},
      {"patch_embed.patch_embed.0.bn.bias", {16}},
      {"patch_embed.patch_embed.0.bn.running_mean", {16}},
      {"patch_embed.patch_embed.0.bn.running_var", {16}},
      {"patch_embed.patch_embed.0.bn.num_batches_tracked", {}},
      {"patch_embed.patch_embed.2.conv.weight", {32, 16, 3, 3}}};
  for (std::size_t i = 0; i < head.size(); ++i) EXPECT_EQ(e[i], head[i]) << i;
  const std::vector<std::pair<std::string, Shape>> attn = {
      {"stages.0.0.block.attention_biases", {4, 196}},
      {"stages.0.0.block.attention_bias_idxs", {196, 196}},
      {"stages.0.0.block.qkv.linear.weight", {256, 128}},
      {"stages.0.0.block.qkv.bn.weight", {256}}};
  auto it = std::find(e.begin(), e.end(), attn[0]);
  ASSERT_NE(it, e.end());
  for (std::size_t i = 0; i < attn.size(); ++i) EXPECT_EQ(*(it + i), attn[i]) << i;
  const std::vector<std::pair<std::string, Shape>> sub = {
      {"stages.1.0.attention_biases", {8, 196}},
      {"stages.1.0.attention_bias_idxs", {49, 196}},
      {"stages.1.0.kv.linear.weight", {640, 128}}};
  it = std::find(e.begin(), e.end(), sub[0]);
  ASSERT_NE(it, e.end());
  for (std::size_t i = 0; i < sub.size(); ++i) EXPECT_EQ(*(it + i), sub[i]) << i;
  auto k = keys(*m);
  EXPECT_TRUE(has(k, "stages.0.0.block.proj.1.linear.weight"));
  EXPECT_TRUE(has(k, "stages.0.1.block.linear2.bn.running_var"));
  EXPECT_TRUE(has(k, "stages.1.0.q.1.linear.weight"));
  EXPECT_TRUE(has(k, "stages.1.0.proj.1.bn.weight"));
  EXPECT_TRUE(has(k, "stages.1.1.block.linear1.linear.weight"));  // the MLP after the subsample
  EXPECT_EQ(k.back(), "stages.2.9.block.linear2.bn.num_batches_tracked");
  EXPECT_EQ(engine::model_state_dict(*m)
                .as_dict()
                .find("stages.0.0.block.attention_bias_idxs")
                ->as_tensor()
                .scalar_type(),
            torch::kLong);
}

TEST(LeViT, ForwardShapesAndOptions) {
  auto m = build("dict(type='LeViT', arch='128s', out_indices=(0, 1, -1))");
  m->eval();
  auto outs = m->forward(torch::randn({2, 3, 224, 224}));
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(outs[0].sizes(), (Shape{2, 128, 14, 14}));
  EXPECT_EQ(outs[1].sizes(), (Shape{2, 256, 7, 7}));
  EXPECT_EQ(outs[2].sizes(), (Shape{2, 384, 4, 4}));
  EXPECT_EQ(m->resolutions(), (Shape{14, 7, 4}));
  // A smaller image: img_size sets the attention grids.
  auto s = build("dict(type='LeViT', arch='128S', img_size=64, out_indices=2)");
  auto ks = entries(*s);
  EXPECT_NE(
      std::find(ks.begin(), ks.end(),
                std::pair<std::string, Shape>{"stages.0.0.block.attention_bias_idxs", {16, 16}}),
      ks.end());
  s->train();
  auto o = s->forward(torch::randn({2, 3, 64, 64}));
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].sizes(), (Shape{2, 384, 1, 1}));
  // A custom arch, no MLP blocks, drop path.
  auto c = build(
      "dict(type='LeViT', arch=dict(embed_dims=[32, 48], key_dims=[8, 8], num_heads=[2, 3], "
      "depths=[1, 2]), img_size=32, mlp_ratio=0, drop_path_rate=0.1)");
  auto kc = keys(*c);
  EXPECT_TRUE(has(kc, "stages.1.2.block.qkv.linear.weight"));  // subsample, 2 attentions
  EXPECT_FALSE(has(kc, "stages.1.3.block.qkv.linear.weight"));
  EXPECT_FALSE(has(kc, "stages.0.1.block.linear1.linear.weight"));
  c->train();
  EXPECT_EQ(c->forward(torch::randn({2, 3, 32, 32}))[0].sizes(), (Shape{2, 48, 1, 1}));
  EXPECT_EQ(kind_of("dict(type='LeViT', arch='512')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='LeViT', arch=dict(embed_dim=[32], key_dim=[8], num_heads=[2], "
                    "depth=[1]))"),
            "AssertionError");
  EXPECT_EQ(kind_of("dict(type='LeViT', arch='128s', out_indices=3)"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='LeViT', arch='128s', out_indices='x')"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='LeViT', arch='128s', foo=1)"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='LeViT', arch=3)"), "TypeError");
}

TEST(LeViT, AttentionBiasIndexTables) {
  auto [idx, n] = levit_attention_bias_idxs(2, 1);
  EXPECT_EQ(n, 4);
  EXPECT_TRUE(torch::equal(
      idx,
      torch::tensor({0, 1, 2, 3, 1, 0, 3, 2, 2, 3, 0, 1, 3, 2, 1, 0}, torch::kLong).view({4, 4})));
  // Subsampled queries (0, 0), (0, 2), (2, 0), (2, 2) over a 3x3 grid.
  auto [sidx, sn] = levit_attention_bias_idxs(3, 2);
  EXPECT_EQ(sidx.sizes(), (Shape{4, 9}));
  EXPECT_EQ(sn, 9);
  EXPECT_TRUE(torch::equal(sidx[0], torch::arange(9, torch::kLong)));
  EXPECT_TRUE(torch::equal(sidx[3], torch::arange(8, -1, -1, torch::kLong)));
}

TEST(LeViT, SwitchToDeployKeepsTheOutputs) {
  torch::manual_seed(0);
  auto m = build("dict(type='LeViT', arch='128s', img_size=64, out_indices=(1, 2))");
  randomize(*m);
  m->eval();
  auto x = torch::randn({2, 3, 64, 64});
  auto before = m->forward(x);
  m->switch_to_deploy();
  EXPECT_TRUE(m->deploy());
  auto after = m->forward(x);
  ASSERT_EQ(after.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i)
    EXPECT_TRUE(torch::allclose(before[i], after[i], 1e-4, 1e-4))
        << (before[i] - after[i]).abs().max().item<float>();
  auto e = entries(*m);
  EXPECT_EQ(e[0],
            (std::pair<std::string, Shape>{"patch_embed.patch_embed.0.weight", {16, 3, 3, 3}}));
  EXPECT_EQ(e[1], (std::pair<std::string, Shape>{"patch_embed.patch_embed.0.bias", {16}}));
  auto k = keys(*m);
  const std::vector<std::string> fused = {
      "stages.0.0.block.attention_biases", "stages.0.0.block.attention_bias_idxs",
      "stages.0.0.block.qkv.weight",       "stages.0.0.block.qkv.bias",
      "stages.0.0.block.proj.1.weight",    "stages.0.0.block.proj.1.bias",
      "stages.0.1.block.linear1.weight"};
  auto it = std::find(k.begin(), k.end(), fused[0]);
  ASSERT_NE(it, k.end());
  for (std::size_t i = 0; i < fused.size(); ++i) EXPECT_EQ(*(it + i), fused[i]);
  EXPECT_TRUE(has(k, "stages.1.0.q.1.bias"));
  EXPECT_FALSE(has(k, "stages.1.0.kv.bn.running_mean"));
  // deploy=True builds the same layout; a second switch changes nothing.
  auto d = build("dict(type='LeViT', arch='128s', img_size=64, out_indices=(1, 2), deploy=True)");
  EXPECT_EQ(entries(*d), e);
  m->switch_to_deploy();
  EXPECT_EQ(entries(*m), e);
}

TEST(LeViTClsHead, DistillationDeployAndTraining) {
  torch::manual_seed(0);
  auto mod = build_module("dict(type='LeViTClsHead', num_classes=5, in_channels=8)");
  auto head = std::dynamic_pointer_cast<LeViTClsHeadImpl>(mod);
  ASSERT_TRUE(head);
  EXPECT_EQ(keys(*head),
            (std::vector<std::string>{
                "head.bn.weight", "head.bn.bias", "head.bn.running_mean", "head.bn.running_var",
                "head.bn.num_batches_tracked", "head.linear.weight", "head.linear.bias",
                "head_dist.bn.weight", "head_dist.bn.bias", "head_dist.bn.running_mean",
                "head_dist.bn.running_var", "head_dist.bn.num_batches_tracked",
                "head_dist.linear.weight", "head_dist.linear.bias"}));
  randomize(*head);
  Feats feats = {torch::randn({3, 8})};
  head->train();
  try {
    head->forward(feats);
    ADD_FAILURE() << "training in distillation mode must fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "NotImplementedError");
  }
  head->eval();
  auto before = head->forward(feats);
  EXPECT_EQ(before.sizes(), (Shape{3, 5}));
  head->switch_to_deploy();
  EXPECT_TRUE(torch::allclose(before, head->forward(feats), 1e-5, 1e-5));
  EXPECT_EQ(keys(*head), (std::vector<std::string>{"head.weight", "head.bias", "head_dist.weight",
                                                   "head_dist.bias"}));
  auto plain = std::dynamic_pointer_cast<LeViTClsHeadImpl>(
      build_module("dict(type='LeViTClsHead', num_classes=5, in_channels=8, distillation=False, "
                   "deploy=True)"));
  EXPECT_EQ(keys(*plain), (std::vector<std::string>{"head.weight", "head.bias"}));
  plain->train();
  EXPECT_EQ(plain->forward(feats).sizes(), (Shape{3, 5}));
  EXPECT_EQ(kind_of("dict(type='LeViTClsHead', num_classes=5)"), "TypeError");
}

}  // namespace
}  // namespace mmcpp::pretrain
