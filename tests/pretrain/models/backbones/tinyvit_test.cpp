// TinyViT: parameter counts of MMPretrain's model zoo (metafile.yml, 224, 384
// and 512 px), the state-dict layout of a small arch (names/shapes as
// MMPretrain 1.2 builds them; LeAttention's attention_bias_idxs is not in
// it, as MMPretrain's non-persistent buffer), outputs for every out index
// with and without gap_before_final_norm, windows that need padding, the
// bias index table, the ConvBN2d init, frozen stages and arch errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/tinyvit.h"
#include "mmcpp/pretrain/models/utils/le_attention.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

std::shared_ptr<BaseBackboneImpl> build(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  auto m = MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
  return std::dynamic_pointer_cast<BaseBackboneImpl>(m);
}

using Entry = std::pair<std::string, std::vector<std::int64_t>>;

std::vector<Entry> layout(torch::nn::Module& m) {
  std::vector<Entry> out;
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

const std::string kSmall =
    "type='TinyViT', arch=dict(channels=[8, 16, 24, 32], num_heads=[1, 2, 3, 4], "
    "depths=[1, 1, 1, 1]), img_size=(64, 64), window_size=[4, 4, 2, 2]";

TEST(TinyViT, ParameterCountsOfTheModelZoo) {
  auto with_head = [](const std::string& args, std::int64_t c) {
    auto b = build("dict(type='TinyViT', " + args + ", out_indices=(3, ))");
    return num_params(*b) + c * 1000 + 1000;
  };
  EXPECT_EQ(with_head("arch='5m'", 320), 5392764);
  EXPECT_EQ(with_head("arch='11m'", 448), 10996972);
  EXPECT_EQ(with_head("arch='21m'", 576), 21198568);
  EXPECT_EQ(with_head("arch='21m', img_size=(384, 384), window_size=[12, 12, 24, 12]", 576),
            21230488);
  EXPECT_EQ(with_head("arch='21m', img_size=(512, 512), window_size=[16, 16, 32, 16]", 576),
            21268120);
}

TEST(TinyViT, StateDictLayoutMatchesMMPretrain) {
  auto m = build("dict(" + kSmall + ", out_indices=(0, 1, 2, 3))");
  auto l = layout(*m);
  ASSERT_EQ(l.size(), 149u);
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(l[0], (Entry{"patch_embed.seq.0.conv2d.weight", V{4, 3, 3, 3}}));
  EXPECT_EQ(l[1], (Entry{"patch_embed.seq.0.bn2d.weight", V{4}}));
  EXPECT_EQ(l[6], (Entry{"patch_embed.seq.2.conv2d.weight", V{8, 4, 3, 3}}));
  EXPECT_EQ(l[12], (Entry{"stages.0.blocks.0.conv1.conv2d.weight", V{32, 8, 1, 1}}));
  EXPECT_EQ(l[18], (Entry{"stages.0.blocks.0.conv2.conv2d.weight", V{32, 1, 3, 3}}));
  EXPECT_EQ(l[24], (Entry{"stages.0.blocks.0.conv3.conv2d.weight", V{8, 32, 1, 1}}));
  EXPECT_EQ(l[30], (Entry{"stages.0.downsample.conv1.conv2d.weight", V{16, 8, 1, 1}}));
  EXPECT_EQ(l[36], (Entry{"stages.0.downsample.conv2.conv2d.weight", V{16, 1, 3, 3}}));
  EXPECT_EQ(l[42], (Entry{"stages.0.downsample.conv3.conv2d.weight", V{16, 16, 1, 1}}));
  EXPECT_EQ(l[48], (Entry{"stages.1.blocks.0.attn.attention_biases", V{2, 16}}));
  EXPECT_EQ(l[49], (Entry{"stages.1.blocks.0.attn.norm.weight", V{16}}));
  EXPECT_EQ(l[51], (Entry{"stages.1.blocks.0.attn.qkv.weight", V{48, 16}}));
  EXPECT_EQ(l[53], (Entry{"stages.1.blocks.0.attn.proj.weight", V{16, 16}}));
  EXPECT_EQ(l[55], (Entry{"stages.1.blocks.0.mlp.norm.weight", V{16}}));
  EXPECT_EQ(l[57], (Entry{"stages.1.blocks.0.mlp.fc1.weight", V{64, 16}}));
  EXPECT_EQ(l[59], (Entry{"stages.1.blocks.0.mlp.fc2.weight", V{16, 64}}));
  EXPECT_EQ(l[61], (Entry{"stages.1.blocks.0.local_conv.conv2d.weight", V{16, 1, 3, 3}}));
  EXPECT_EQ(l[122], (Entry{"stages.3.blocks.0.attn.attention_biases", V{4, 4}}));
  EXPECT_EQ(l[141], (Entry{"norm0.weight", V{16}}));
  EXPECT_EQ(l[148], (Entry{"norm3.bias", V{32}}));
  for (const auto& e : l) EXPECT_EQ(e.first.find("attention_bias_idxs"), std::string::npos);
}

TEST(TinyViT, OutputsForEveryOutIndex) {
  torch::NoGradGuard ng;
  auto x = torch::randn({2, 3, 64, 64});
  auto m = build("dict(" + kSmall + ", out_indices=(0, 1, 2, 3))");
  m->eval();
  auto outs = m->forward(x);
  ASSERT_EQ(outs.size(), 4u);
  const std::vector<std::int64_t> c = {16, 24, 32, 32};
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(outs[i].sizes(), (std::vector<std::int64_t>{2, c[i]}));
  auto maps = build("dict(" + kSmall + ", out_indices=(0, 1, 2, -1), gap_before_final_norm=False)");
  maps->eval();
  auto o = maps->forward(x);
  ASSERT_EQ(o.size(), 4u);
  EXPECT_EQ(o[0].sizes(), (std::vector<std::int64_t>{2, 16, 8, 8}));
  EXPECT_EQ(o[1].sizes(), (std::vector<std::int64_t>{2, 24, 4, 4}));
  EXPECT_EQ(o[2].sizes(), (std::vector<std::int64_t>{2, 32, 2, 2}));
  EXPECT_EQ(o[3].sizes(), (std::vector<std::int64_t>{2, 32, 2, 2}));
  // Windows of 3 over 8x8 and 4x4 maps need padding.
  auto padded = build(
      "dict(type='TinyViT', arch=dict(channels=[8, 16, 24, 32], num_heads=[1, "
      "2, 3, 4], depths=[1, 2, 2, 1]), img_size=(64, 64), window_size=[4, 3, 3, "
      "2])");
  padded->eval();
  auto p = padded->forward(x);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].sizes(), (std::vector<std::int64_t>{2, 32}));
  EXPECT_TRUE(torch::isfinite(p[0]).all().item<bool>());
}

TEST(TinyViT, LeAttentionBiasIndexTable) {
  LeAttention attn(8, 4, 2, 1.0, std::pair<std::int64_t, std::int64_t>{2, 2});
  // Offsets numbered by first appearance over the points (0,0), (0,1), (1,0), (1,1).
  auto expected = torch::tensor({0, 1, 2, 3, 1, 0, 3, 2, 2, 3, 0, 1, 3, 2, 1, 0}, torch::kLong);
  EXPECT_TRUE(torch::equal(attn->attention_bias_idxs().flatten(), expected));
  auto params = attn->named_parameters(false);
  EXPECT_EQ(params["attention_biases"].sizes(), (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(attn->forward(torch::randn({3, 4, 8})).sizes(), (std::vector<std::int64_t>{3, 4, 8}));
}

TEST(TinyViT, ConvBNInitAndFrozenStages) {
  auto m = build("dict(" + kSmall + ", frozen_stages=2)");
  auto p = m->named_parameters();
  // MBConvBlock's conv3 BN starts at 0, the others at 1 (ConvBN2d's bn_weight_init).
  EXPECT_EQ(p["stages.0.blocks.0.conv3.bn2d.weight"].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(p["stages.0.blocks.0.conv1.bn2d.weight"].min().item<double>(), 1.0);
  // As MMPretrain: frozen in train(), not at construction.
  EXPECT_TRUE(p["stages.0.blocks.0.conv1.conv2d.weight"].requires_grad());
  m->train(true);
  for (const auto& e : m->named_parameters()) {
    const bool frozen = e.key().rfind("stages.0.", 0) == 0 || e.key().rfind("stages.1.", 0) == 0;
    EXPECT_EQ(e.value().requires_grad(), !frozen) << e.key();
  }
  EXPECT_FALSE(m->named_modules()["stages.1.blocks.0"]->is_training());
  EXPECT_TRUE(m->named_modules()["stages.2"]->is_training());
}

TEST(TinyViT, ArchErrorsAndOptions) {
  EXPECT_EQ(kind_of("dict(type='TinyViT', arch='7m')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='TinyViT', arch=dict(channels=[8], depths=[1]))"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='TinyViT', arch='5m', window=7)"), "TypeError");
  auto m = build("dict(" + kSmall +
                 ", use_checkpoint=True, layer_lr_decay=0.9, mbconv_expand_ratio=2.0)");
  auto* t = dynamic_cast<TinyViTImpl*>(m.get());
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->options().use_checkpoint);
  EXPECT_EQ(t->out_indices(), (std::vector<std::int64_t>{3}));
  EXPECT_EQ(m->named_parameters()["stages.0.blocks.0.conv1.conv2d.weight"].size(0), 16);
}

}  // namespace
}  // namespace mmcpp::pretrain
