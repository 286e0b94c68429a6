// BEiTViT: parameter counts of MMPretrain's model zoo (beit, beitv2, cae, eva
// metafile.yml, with LinearClsHead(1000)), the state-dict layout of a small
// arch (names, order, shapes and dtypes of MMPretrain's beit.py), the outputs
// of every out_type, the shared relative position bias, frozen stages, layer
// depths and the checkpoint hooks.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/beit.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

using Shape = std::vector<std::int64_t>;

std::shared_ptr<BaseBackboneImpl> build(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  auto m = MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
  return std::dynamic_pointer_cast<BaseBackboneImpl>(m);
}

struct Entry {
  std::string name;
  Shape shape;
  bool is_int64;
  bool operator==(const Entry& o) const {
    return name == o.name && shape == o.shape && is_int64 == o.is_int64;
  }
};

std::vector<Entry> layout(torch::nn::Module& m) {
  std::vector<Entry> out;
  io::PyObject sd = engine::model_state_dict(m);
  for (const auto& [k, v] : sd.as_dict().entries())
    out.push_back(
        {k.as_str(), v.as_tensor().sizes().vec(), v.as_tensor().scalar_type() == torch::kInt64});
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

const std::string kTiny =
    "dict(type='BEiTViT', arch=dict(embed_dims=64, num_layers=3, num_heads=4, "
    "feedforward_channels=128), img_size=32, patch_size=8, ";

TEST(BEiTViT, ParameterCountsOfTheModelZoo) {
  // beit/beitv2 fine-tuning: 86530984; cae (use_abs_pos_emb): 86682280.
  auto base = build("dict(type='BEiTViT', arch='base')");
  EXPECT_EQ(num_params(*base) + 768 * 1000 + 1000, 86530984);
  auto cae = build("dict(type='BEiTViT', arch='b', use_abs_pos_emb=True)");
  EXPECT_EQ(num_params(*cae) + 768 * 1000 + 1000, 86682280);
  // eva-l (configs/_base_/models/eva/eva-l.py) at 196 px: 304142312.
  auto eva_l = build(
      "dict(type='BEiTViT', arch='l', img_size=196, patch_size=14, layer_scale_init_value=0.0, "
      "use_abs_pos_emb=True, use_rel_pos_bias=False, layer_cfgs=dict(bias=True))");
  EXPECT_EQ(num_params(*eva_l) + 1024 * 1000 + 1000, 304142312);
}

TEST(BEiTViT, StateDictLayoutOfMMPretrain) {
  auto m = build(kTiny +
                 "use_rel_pos_bias=False, use_shared_rel_pos_bias=True, use_abs_pos_emb=True, "
                 "out_type='featmap', final_norm=True)");
  const std::vector<Entry> expected = {
      {"cls_token", {1, 1, 64}, false},
      {"pos_embed", {1, 17, 64}, false},
      {"patch_embed.projection.weight", {64, 3, 8, 8}, false},
      {"patch_embed.projection.bias", {64}, false},
      {"rel_pos_bias.relative_position_bias_table", {52, 4}, false},
      {"rel_pos_bias.relative_position_index", {17, 17}, true},
      {"layers.0.gamma_1", {64}, false},
      {"layers.0.gamma_2", {64}, false},
      {"layers.0.ln1.weight", {64}, false},
      {"layers.0.ln1.bias", {64}, false},
      {"layers.0.attn.q_bias", {64}, false},
      {"layers.0.attn.v_bias", {64}, false},
      {"layers.0.attn.qkv.weight", {192, 64}, false},
      {"layers.0.attn.proj.weight", {64, 64}, false},
      {"layers.0.attn.proj.bias", {64}, false},
      {"layers.0.ln2.weight", {64}, false},
      {"layers.0.ln2.bias", {64}, false},
      {"layers.0.ffn.layers.0.0.weight", {128, 64}, false},
      {"layers.0.ffn.layers.0.0.bias", {128}, false},
      {"layers.0.ffn.layers.1.weight", {64, 128}, false},
      {"layers.0.ffn.layers.1.bias", {64}, false},
      {"layers.1.gamma_1", {64}, false}};
  auto l = layout(*m);
  ASSERT_EQ(l.size(), 53u);  // 6 + 3 layers of 15 + ln1
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(l[i], expected[i]) << i;
  EXPECT_EQ(l.back().name, "ln1.bias");
  // Per-layer relative position bias (the default): table and index inside attn.
  auto r = layout(*build(kTiny + "out_indices=(0, 2))"));
  ASSERT_EQ(r.size(), 56u);
  EXPECT_EQ(r[0].name, "cls_token");
  EXPECT_EQ(r[1].name, "patch_embed.projection.weight");
  EXPECT_EQ(r[9], (Entry{"layers.0.attn.relative_position_bias_table", {52, 4}, false}));
  EXPECT_EQ(r[10], (Entry{"layers.0.attn.relative_position_index", {17, 17}, true}));
  EXPECT_EQ(r[11].name, "layers.0.attn.qkv.weight");
  EXPECT_EQ(r[r.size() - 2].name, "ln2.weight");  // avg_featmap's norm
  // bias=True: qkv's own bias, no q_bias/v_bias; layer_scale_init_value=0: no gammas.
  auto e = layout(*build(kTiny + "bias=True, layer_scale_init_value=0., use_rel_pos_bias=False)"));
  EXPECT_EQ(e[3].name, "layers.0.ln1.weight");
  EXPECT_EQ(e[5], (Entry{"layers.0.attn.qkv.weight", {192, 64}, false}));
  EXPECT_EQ(e[6], (Entry{"layers.0.attn.qkv.bias", {192}, false}));
}

TEST(BEiTViT, OutTypesAndPatchGrids) {
  torch::manual_seed(0);
  const torch::Tensor x = torch::randn({2, 3, 32, 32});
  for (const auto& [out_type, shape] :
       std::vector<std::pair<std::string, Shape>>{{"avg_featmap", {2, 64}},
                                                  {"cls_token", {2, 64}},
                                                  {"featmap", {2, 64, 4, 4}},
                                                  {"raw", {2, 17, 64}}}) {
    SCOPED_TRACE(out_type);
    auto m = build(kTiny + "out_type='" + out_type + "', out_indices=(0, -1))");
    m->init_weights();
    m->eval();
    auto outs = m->forward(x);
    ASSERT_EQ(outs.size(), 2u);
    EXPECT_EQ(outs[1].sizes(), shape);
  }
  // Absolute position embedding resized to another input size, no cls token.
  auto m = build(kTiny +
                 "use_abs_pos_emb=True, use_rel_pos_bias=False, with_cls_token=False, "
                 "out_type='featmap')");
  EXPECT_EQ(m->forward(torch::randn({1, 3, 48, 40}))[0].sizes(), (Shape{1, 64, 6, 5}));
  // The shared bias is the same for every layer: a model whose per-layer
  // tables all equal the shared one gives the same outputs.
  auto shared = build(kTiny + "use_rel_pos_bias=False, use_shared_rel_pos_bias=True)");
  auto per_layer = build(kTiny + "out_indices=(2, ))");
  shared->init_weights();
  {
    torch::NoGradGuard ng;
    shared->named_parameters()["rel_pos_bias.relative_position_bias_table"].normal_(0, 0.5);
  }
  io::PyObject sd = engine::model_state_dict(*shared);
  // The hook expands the table into every layer and drops the shared index (as
  // MMPretrain: the per-layer index buffers are then reported missing).
  auto report = engine::load_model_state_dict(*per_layer, sd, /*strict=*/false);
  EXPECT_TRUE(report.unexpected_keys.empty());
  ASSERT_EQ(report.missing_keys.size(), 3u);
  EXPECT_EQ(report.missing_keys[0], "layers.0.attn.relative_position_index");
  shared->eval();
  per_layer->eval();
  EXPECT_TRUE(torch::allclose(shared->forward(x)[0], per_layer->forward(x)[0], 1e-5, 1e-5));
  EXPECT_TRUE(
      torch::equal(per_layer->named_parameters()["layers.1.attn.relative_position_bias_table"],
                   shared->named_parameters()["rel_pos_bias.relative_position_bias_table"]));
}

TEST(BEiTViT, RelativePositionIndexOfMMPretrain) {
  // Window 2x2: (2*2-1)^2 + 3 = 12 rows; the cls rows/columns use the last three.
  auto idx = beit_relative_position_index(2, 2);
  auto expected = torch::tensor({11, 9, 9, 9, 9,  //
                                 10, 4, 3, 1, 0,  //
                                 10, 5, 4, 2, 1,  //
                                 10, 7, 6, 4, 3,  //
                                 10, 8, 7, 5, 4},
                                torch::kInt64)
                      .view({5, 5});
  EXPECT_TRUE(torch::equal(idx, expected)) << idx;
}

TEST(BEiTViT, FrozenStagesLayerDepthAndErrors) {
  auto m = build(kTiny + "use_abs_pos_emb=True, frozen_stages=3)");
  auto p = m->named_parameters();
  EXPECT_FALSE(p["cls_token"].requires_grad());
  EXPECT_FALSE(p["pos_embed"].requires_grad());
  EXPECT_FALSE(p["patch_embed.projection.weight"].requires_grad());
  EXPECT_FALSE(p["layers.2.gamma_2"].requires_grad());
  EXPECT_FALSE(p["ln2.weight"].requires_grad());  // all layers frozen: the last norm too
  auto f1 = build(kTiny + "frozen_stages=1)")->named_parameters();
  EXPECT_FALSE(f1["layers.0.attn.qkv.weight"].requires_grad());
  EXPECT_TRUE(f1["layers.1.attn.qkv.weight"].requires_grad());
  EXPECT_TRUE(f1["ln2.weight"].requires_grad());
  auto& beit = dynamic_cast<BEiTViTImpl&>(*m);
  EXPECT_EQ(beit.get_layer_depth("backbone.cls_token", "backbone."),
            (std::pair<std::int64_t, std::int64_t>{0, 5}));
  EXPECT_EQ(beit.get_layer_depth("backbone.layers.2.attn.q_bias", "backbone."),
            (std::pair<std::int64_t, std::int64_t>{3, 5}));
  EXPECT_EQ(beit.get_layer_depth("head.fc.weight", "backbone."),
            (std::pair<std::int64_t, std::int64_t>{4, 5}));
  EXPECT_EQ(kind_of("dict(type='BEiTViT', arch='huge')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='BEiTViT', arch=dict(embed_dims=8))"), "AssertionError");
  EXPECT_EQ(kind_of(kTiny + "use_shared_rel_pos_bias=True)"), "AssertionError");
  EXPECT_EQ(kind_of(kTiny + "out_type='mean')"), "ValueError");
  EXPECT_EQ(kind_of(kTiny + "with_cls_token=False, out_type='cls_token')"), "ValueError");
  EXPECT_EQ(kind_of(kTiny + "out_indices=(4, ))"), "AssertionError");
  for (const char* alias : {"s", "small", "b", "base", "l", "large", "eva-g", "eva-giant", "deit-t",
                            "deit-tiny", "deit-s", "deit-small", "deit-b", "deit-base"})
    EXPECT_EQ(beit_arch_zoo().count(alias), 1u) << alias;
  EXPECT_EQ(beit_arch_zoo().size(), 14u);
}

TEST(BEiTViT, TrainingStepWithDropPath) {
  torch::manual_seed(0);
  auto m = build(kTiny + "drop_path_rate=0.1, use_abs_pos_emb=True)");
  m->init_weights();
  m->train();
  auto outs = m->forward(torch::randn({2, 3, 32, 32}));
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].sizes(), (Shape{2, 64}));
  outs[0].pow(2).mean().backward();
  auto p = m->named_parameters();
  for (const char* name :
       {"pos_embed", "layers.0.gamma_1", "layers.0.attn.q_bias",
        "layers.1.attn.relative_position_bias_table", "layers.2.gamma_2", "ln2.weight"}) {
    ASSERT_TRUE(p[name].grad().defined()) << name;
    EXPECT_GT(p[name].grad().abs().sum().item<double>(), 0) << name;
  }
  // The k bias stays zero: q_bias and v_bias only.
  EXPECT_EQ(p["layers.0.attn.qkv.weight"].size(0), 192);
}

}  // namespace
}  // namespace mmcpp::pretrain
