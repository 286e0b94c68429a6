// ViTEVA02 (EVA02EndcoderLayer, AttentionWithRoPE) and RotaryEmbeddingFast:
// parameter counts of MMPretrain's model zoo (metafile.yml), the state-dict
// layout as MMPretrain 1.2 builds it (the shared RoPE's persistent buffers
// under every attention and the backbone), forward shapes for every out_type,
// the options, and the RoPE tables and rotation.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/vit_eva02.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

using Shape = std::vector<std::int64_t>;

std::shared_ptr<ViTEVA02Impl> build(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  auto m = MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
  return std::dynamic_pointer_cast<ViTEVA02Impl>(m);
}

std::vector<std::pair<std::string, Shape>> entries(torch::nn::Module& m) {
  std::vector<std::pair<std::string, Shape>> out;
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
    build(cfg);
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

TEST(ViTEVA02, ParameterCountsOfTheModelZoo) {
  // metafile.yml's in1k models: the backbone (final_norm=False,
  // out_type='avg_featmap') plus LinearClsHead(C, 1000).
  const std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> zoo = {
      {"arch='t', img_size=336", 192, 5758888},
      {"arch='s', img_size=336", 384, 22133608},
      {"arch='b', img_size=448, sub_ln=True", 768, 87126760},
      {"arch='l', img_size=448, sub_ln=True", 1024, 305104808}};
  for (const auto& [args, c, params] : zoo) {
    SCOPED_TRACE(args);
    auto m = build("dict(type='ViTEVA02', " + args +
                   ", patch_size=14, final_norm=False, out_type='avg_featmap')");
    EXPECT_EQ(num_params(*m) + c * 1000 + 1000, params);
  }
}

TEST(ViTEVA02, StateDictLayoutAsMMPretrain) {
  auto m = build("dict(type='ViTEVA02', arch='tiny', img_size=28, patch_size=14)");
  auto e = entries(*m);
  const std::vector<std::pair<std::string, Shape>> first = {
      {"cls_token", {1, 1, 192}},
      {"pos_embed", {1, 5, 192}},
      {"patch_embed.projection.weight", {192, 3, 14, 14}},
      {"patch_embed.projection.bias", {192}},
      {"layers.0.norm1.weight", {192}},
      {"layers.0.norm1.bias", {192}},
      {"layers.0.attn.qkv.weight", {576, 192}},
      {"layers.0.attn.qkv.bias", {576}},
      {"layers.0.attn.proj.weight", {192, 192}},
      {"layers.0.attn.proj.bias", {192}},
      {"layers.0.attn.rope.freqs_cos", {4, 64}},
      {"layers.0.attn.rope.freqs_sin", {4, 64}},
      {"layers.0.norm2.weight", {192}},
      {"layers.0.norm2.bias", {192}},
      {"layers.0.mlp.w12.weight", {1024, 192}},
      {"layers.0.mlp.w12.bias", {1024}},
      {"layers.0.mlp.w3.weight", {192, 512}},
      {"layers.0.mlp.w3.bias", {192}},
      {"layers.1.norm1.weight", {192}}};
  ASSERT_GE(e.size(), first.size());
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_EQ(e[i], first[i]) << i;
  ASSERT_EQ(e.size(), 4 + 12 * 14 + 2 + 2u);
  const std::vector<std::pair<std::string, Shape>> last = {{"ln1.weight", {192}},
                                                           {"ln1.bias", {192}},
                                                           {"rope.freqs_cos", {4, 64}},
                                                           {"rope.freqs_sin", {4, 64}}};
  for (std::size_t i = 0; i < last.size(); ++i) EXPECT_EQ(e[e.size() - 4 + i], last[i]) << i;
  // sub_ln: the SwiGLU's norm; avg_featmap: ln2 after ln1; no qkv bias.
  auto s =
      keys(*build("dict(type='ViTEVA02', arch='s', img_size=28, patch_size=14, "
                  "sub_ln=True, out_type='avg_featmap', qkv_bias=False)"));
  EXPECT_TRUE(has(s, "layers.11.mlp.norm.weight"));
  EXPECT_FALSE(has(s, "layers.0.attn.qkv.bias"));
  EXPECT_TRUE(has(s, "layers.0.attn.proj.bias"));
  EXPECT_EQ(s[s.size() - 4], "ln2.weight");
  EXPECT_EQ(s[s.size() - 6], "ln1.weight");
}

TEST(ViTEVA02, ForwardShapesForEveryOutType) {
  const std::string base =
      "dict(type='ViTEVA02', arch=dict(embed_dims=32, num_layers=3, num_heads=2, "
      "feedforward_channels=48), img_size=28, patch_size=14, drop_path_rate=0.1, "
      "out_indices=[0, -1], ";
  const std::vector<std::pair<std::string, Shape>> cases = {
      {"out_type='raw')", {2, 5, 32}},
      {"out_type='cls_token')", {2, 32}},
      {"out_type='featmap')", {2, 32, 2, 2}},
      {"out_type='avg_featmap')", {2, 32}},
      {"out_type='featmap', with_cls_token=False)", {2, 32, 2, 2}},
      {"out_type='raw', with_cls_token=False, sub_ln=True, drop_rate=0.1)", {2, 4, 32}}};
  for (const auto& [args, shape] : cases) {
    SCOPED_TRACE(args);
    auto m = build(base + args);
    m->train();
    auto outs = m->forward(torch::randn({2, 3, 28, 28}));
    ASSERT_EQ(outs.size(), 2u);
    EXPECT_EQ(outs[0].sizes(), shape);
    EXPECT_EQ(outs[1].sizes(), shape);
    outs[1].sum().backward();
  }
  // Another input size: the position embedding is resized and the RoPE
  // tables recomputed (and kept, as in Python).
  auto m = build(base + "out_type='featmap')");
  m->eval();
  auto outs = m->forward(torch::randn({1, 3, 42, 56}));
  EXPECT_EQ(outs[1].sizes(), (Shape{1, 32, 3, 4}));
  EXPECT_EQ(m->rope()->freqs_cos.sizes(), (Shape{12, 16}));
  auto k = entries(*m);
  EXPECT_NE(std::find(k.begin(), k.end(),
                      std::pair<std::string, Shape>{"layers.2.attn.rope.freqs_sin", {12, 16}}),
            k.end());
}

TEST(ViTEVA02, ArchNamesAndOptions) {
  for (const char* arch : {"t", "ti", "tiny", "s", "small", "b", "base", "l", "large"})
    EXPECT_EQ(vit_eva02_arch_zoo().count(arch), 1u) << arch;
  EXPECT_EQ(vit_eva02_arch_zoo().size(), 9u);
  EXPECT_EQ(vit_eva02_arch_zoo().at("l").feedforward_channels, 2730);  // int(1024 * 4 * 2 / 3)
  EXPECT_EQ(vit_eva02_arch_zoo().at("b").feedforward_channels, 2048);
  EXPECT_TRUE(build("dict(type='ViTEVA02', arch='TI', img_size=28, patch_size=14)"));
  EXPECT_EQ(kind_of("dict(type='ViTEVA02', arch='deit-tiny', img_size=28, patch_size=14)"),
            "AssertionError");
  EXPECT_EQ(kind_of("dict(type='ViTEVA02', arch=dict(embed_dims=32, num_layers=1), img_size=28, "
                    "patch_size=14)"),
            "AssertionError");
  EXPECT_EQ(kind_of("dict(type='ViTEVA02', arch='t', img_size=28, patch_size=14, "
                    "layer_cfgs=dict(foo=1))"),
            "TypeError");
  EXPECT_EQ(kind_of("dict(type='ViTEVA02', arch='t', img_size=28, patch_size=14, "
                    "out_type='cls_token', with_cls_token=False)"),
            "ValueError");
  // layer_cfgs per layer.
  auto m = build(
      "dict(type='ViTEVA02', arch=dict(embed_dims=32, num_layers=2, num_heads=2, "
      "feedforward_channels=48), img_size=28, patch_size=14, "
      "layer_cfgs=[dict(proj_bias=False), dict(feedforward_channels=16)])");
  auto k = entries(*m);
  auto find = [&](const std::string& name) {
    for (const auto& [n, s] : k)
      if (n == name) return s;
    return Shape{-1};
  };
  EXPECT_EQ(find("layers.0.attn.proj.bias"), (Shape{-1}));
  EXPECT_EQ(find("layers.1.attn.proj.bias"), (Shape{32}));
  EXPECT_EQ(find("layers.1.mlp.w3.weight"), (Shape{32, 16}));
  EXPECT_EQ(kind_of("dict(type='ViTEVA02', arch=dict(embed_dims=32, num_layers=2, num_heads=2, "
                    "feedforward_channels=48), img_size=28, patch_size=14, "
                    "layer_cfgs=[dict()])"),
            "IndexError");
}

TEST(RotaryEmbeddingFast, TablesAndRotation) {
  auto rope = RotaryEmbeddingFast(8, mmcv::Size2{2, 3});
  ASSERT_EQ(rope->freqs_cos.sizes(), (Shape{6, 8}));
  // half = 4, frequencies 1 / 10000 ** ([0, 2] / 4) = [1, 0.01]; row (h=1, w=2):
  // th = 1 / 2 * 4 = 2, tw = 2 / 3 * 4.
  const double th = 2, tw = 8. / 3, f[2] = {1., 0.01};
  const double expect[8] = {th * f[0], th * f[1], th * f[0], th * f[1],
                            tw * f[0], tw * f[1], tw * f[0], tw * f[1]};
  for (int i = 0; i < 8; ++i) {
    EXPECT_NEAR(rope->freqs_cos[5][i].item<double>(), std::cos(expect[i]), 1e-6) << i;
    EXPECT_NEAR(rope->freqs_sin[5][i].item<double>(), std::sin(expect[i]), 1e-6) << i;
  }
  // x = e0 at every token: out[..., 0] = cos[0], out[..., 1] = sin[1] (pairs
  // (x1, x2) -> (-x2, x1)).
  torch::Tensor x = torch::zeros({1, 1, 6, 8});
  x.select(3, 0).fill_(1);
  torch::Tensor out = rope->forward(x, {2, 3});
  EXPECT_TRUE(torch::allclose(out.select(3, 0)[0][0], rope->freqs_cos.select(1, 0)));
  EXPECT_TRUE(torch::allclose(out.select(3, 1)[0][0], rope->freqs_sin.select(1, 1)));
  EXPECT_EQ(out.select(3, 2).abs().max().item<float>(), 0.f);
}

}  // namespace
}  // namespace mmcpp::pretrain
