// VisionTransformer, DistilledVisionTransformer and their parts: state-dict
// layouts, parameter counts of MMPretrain's zoo, out types, out indices,
// position-embedding interpolation (forward and checkpoint loading), frozen
// stages and argument errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/pretrain/models/backbones/deit.h"
#include "mmcpp/pretrain/models/backbones/deit3.h"
#include "mmcpp/pretrain/models/backbones/vision_transformer.h"
#include "mmcpp/pretrain/models/necks/mae_neck.h"
#include "mmcpp/pretrain/models/utils/embed.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

std::shared_ptr<torch::nn::Module> build_any(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  return MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
}

std::shared_ptr<VisionTransformerImpl> build(const std::string& text) {
  return std::dynamic_pointer_cast<VisionTransformerImpl>(build_any(text));
}

std::vector<std::string> keys(torch::nn::Module& m) {
  std::vector<std::string> out;
  io::PyObject sd = engine::model_state_dict(m);
  for (const auto& [k, v] : sd.as_dict().entries()) out.push_back(k.as_str());
  return out;
}

std::int64_t num_params(torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

std::string kind_of(const std::string& cfg) {
  try {
    build_any(cfg);
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

const std::string kSmall =
    "arch=dict(embed_dims=32, num_layers=3, num_heads=2, feedforward_channels=64), img_size=32, "
    "patch_size=8";

TEST(VisionTransformer, StateDictLayoutMatchesMMPretrain) {
  auto vit = build("dict(type='VisionTransformer', " + kSmall + ")");
  auto k = keys(*vit);
  const std::vector<std::string> head = {"cls_token",
                                         "pos_embed",
                                         "patch_embed.projection.weight",
                                         "patch_embed.projection.bias",
                                         "layers.0.ln1.weight",
                                         "layers.0.ln1.bias",
                                         "layers.0.attn.qkv.weight",
                                         "layers.0.attn.qkv.bias",
                                         "layers.0.attn.proj.weight",
                                         "layers.0.attn.proj.bias",
                                         "layers.0.ln2.weight",
                                         "layers.0.ln2.bias",
                                         "layers.0.ffn.layers.0.0.weight",
                                         "layers.0.ffn.layers.0.0.bias",
                                         "layers.0.ffn.layers.1.weight",
                                         "layers.0.ffn.layers.1.bias"};
  ASSERT_GE(k.size(), head.size());
  EXPECT_EQ(std::vector<std::string>(k.begin(), k.begin() + head.size()), head);
  EXPECT_EQ(k.size(), 4u + 12u * 3 + 2u);
  EXPECT_EQ(k.back(), "ln1.bias");
  EXPECT_EQ(vit->pos_embed.sizes(), (std::vector<std::int64_t>{1, 17, 32}));
  // Layer scale adds gamma1/gamma2; avg_featmap adds ln2; pre_norm drops the patch bias.
  auto ls = keys(*build("dict(type='VisionTransformer', " + kSmall +
                        ", layer_scale_init_value=0.1, out_type='avg_featmap', pre_norm=True)"));
  EXPECT_NE(std::find(ls.begin(), ls.end(), "layers.0.attn.gamma1.weight"), ls.end());
  EXPECT_NE(std::find(ls.begin(), ls.end(), "layers.0.ffn.gamma2.weight"), ls.end());
  EXPECT_NE(std::find(ls.begin(), ls.end(), "pre_norm.weight"), ls.end());
  EXPECT_EQ(ls.back(), "ln2.bias");
  EXPECT_EQ(std::find(ls.begin(), ls.end(), "patch_embed.projection.bias"), ls.end());
  // Distilled: dist_token right after pos_embed, two extra tokens.
  auto d = build("dict(type='DistilledVisionTransformer', " + kSmall + ")");
  auto dk = keys(*d);
  EXPECT_EQ(dk[2], "dist_token");
  EXPECT_EQ(d->pos_embed.size(1), 18);
}

TEST(VisionTransformer, ParameterCountsEqualMMPretrainMetafile) {
  // configs/deit/metafile.yml: deit-tiny 5717416, deit-tiny-distilled 5910800.
  auto tiny = build_any(
      "dict(type='ImageClassifier', backbone=dict(type='VisionTransformer', arch='deit-tiny', "
      "img_size=224, patch_size=16), neck=None, head=dict(type='VisionTransformerClsHead', "
      "num_classes=1000, in_channels=192))");
  EXPECT_EQ(num_params(*tiny), 5717416);
  auto dist = build_any(
      "dict(type='ImageClassifier', backbone=dict(type='DistilledVisionTransformer', "
      "arch='deit-tiny', img_size=224, patch_size=16), neck=None, "
      "head=dict(type='DeiTClsHead', num_classes=1000, in_channels=192))");
  EXPECT_EQ(num_params(*dist), 5910800);
}

TEST(VisionTransformer, ArchZooHasEveryNameAndAlias) {
  for (const char* n :
       {"s",        "small",       "b",        "base",         "l",      "large",
        "h",        "huge",        "eva-g",    "eva-giant",    "deit-t", "deit-tiny",
        "deit-s",   "deit-small",  "dinov2-s", "dinov2-small", "deit-b", "deit-base",
        "dinov2-g", "dinov2-giant"})
    EXPECT_EQ(vit_arch_zoo().count(n), 1u) << n;
  EXPECT_EQ(vit_arch_zoo().size(), 20u);
  EXPECT_EQ(vit_arch_zoo().at("dinov2-g").feedforward_channels, 6144);
  EXPECT_EQ(kind_of("dict(type='VisionTransformer', arch='tiny')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='VisionTransformer', arch=dict(embed_dims=8))"), "AssertionError");
}

TEST(VisionTransformer, OutTypesAndIndices) {
  torch::manual_seed(0);
  torch::Tensor x = torch::randn({2, 3, 32, 32});
  auto cls = build("dict(type='VisionTransformer', " + kSmall + ", out_indices=(0, -1))");
  cls->eval();
  auto o = cls->forward(x);
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].sizes(), (std::vector<std::int64_t>{2, 32}));
  EXPECT_EQ(cls->out_indices(), (std::vector<std::int64_t>{0, 2}));
  auto fm = build("dict(type='VisionTransformer', " + kSmall + ", out_type='featmap')");
  EXPECT_EQ(fm->forward(x)[0].sizes(), (std::vector<std::int64_t>{2, 32, 4, 4}));
  auto avg = build("dict(type='VisionTransformer', " + kSmall + ", out_type='avg_featmap')");
  EXPECT_EQ(avg->forward(x)[0].sizes(), (std::vector<std::int64_t>{2, 32}));
  auto raw = build("dict(type='VisionTransformer', " + kSmall + ", out_type='raw')");
  EXPECT_EQ(raw->forward(x)[0].sizes(), (std::vector<std::int64_t>{2, 17, 32}));
  auto nocls =
      build("dict(type='VisionTransformer', " + kSmall + ", out_type='raw', with_cls_token=False)");
  EXPECT_EQ(nocls->forward(x)[0].sizes(), (std::vector<std::int64_t>{2, 16, 32}));
  EXPECT_EQ(keys(*nocls)[0], "pos_embed");
  // The featmap is the patch tokens of the raw output.
  raw->eval();
  fm->eval();
  EXPECT_EQ(kind_of("dict(type='VisionTransformer', " + kSmall + ", out_type='mean')"),
            "ValueError");
  EXPECT_EQ(kind_of("dict(type='VisionTransformer', " + kSmall + ", with_cls_token=False)"),
            "ValueError");
  EXPECT_EQ(kind_of("dict(type='VisionTransformer', " + kSmall + ", out_indices=5)"),
            "AssertionError");
  EXPECT_EQ(kind_of("dict(type='VisionTransformer', " + kSmall + ", layer_cfgs=dict(foo=1))"),
            "TypeError");
  auto d = build("dict(type='DistilledVisionTransformer', " + kSmall + ")");
  auto dout = d->forward(x);
  EXPECT_EQ(dout[0].sizes(), (std::vector<std::int64_t>{2, 2, 32}));  // (cls, dist) stacked
  EXPECT_EQ(kind_of("dict(type='DistilledVisionTransformer', " + kSmall + ", with_cls_token=True)"),
            "TypeError");
}

TEST(VisionTransformer, PosEmbedFollowsTheInputSize) {
  auto vit = build("dict(type='VisionTransformer', " + kSmall + ", out_type='featmap')");
  vit->eval();
  // A 48x48 input gives a 6x6 patch grid: the 4x4 position embedding is resized.
  EXPECT_EQ(vit->forward(torch::randn({1, 3, 48, 48}))[0].sizes(),
            (std::vector<std::int64_t>{1, 32, 6, 6}));
  // resize_pos_embed keeps the extra tokens and is the identity for equal shapes.
  torch::Tensor pe = torch::randn({1, 1 + 16, 8});
  torch::Tensor r = resize_pos_embed(pe, {4, 4}, {2, 2}, "bicubic", 1);
  EXPECT_EQ(r.sizes(), (std::vector<std::int64_t>{1, 5, 8}));
  EXPECT_TRUE(torch::equal(r.slice(1, 0, 1), pe.slice(1, 0, 1)));
  EXPECT_TRUE(torch::equal(resize_pos_embed(pe, {4, 4}, {4, 4}), pe));
  // A constant grid stays constant under bicubic resizing.
  torch::Tensor c = torch::ones({1, 17, 3});
  EXPECT_TRUE(torch::allclose(resize_pos_embed(c, {4, 4}, {7, 7}), torch::ones({1, 50, 3})));
  EXPECT_THROW(resize_pos_embed(pe, {3, 3}, {2, 2}), Error);
}

TEST(VisionTransformer, LoadingResizesACheckpointsPosEmbed) {
  auto big = build("dict(type='VisionTransformer', " + kSmall + ")");
  torch::Tensor src = torch::randn({1, 17, 32});
  engine::StateDict sd = {{"pos_embed", io::PyObject::tensor(src)}};
  auto small = build(
      "dict(type='VisionTransformer', arch=dict(embed_dims=32, num_layers=3, num_heads=2, "
      "feedforward_channels=64), img_size=16, patch_size=8)");
  small->load_state_dict_pre_hook(sd, "");
  const torch::Tensor& got = sd[0].second.as_tensor();
  EXPECT_EQ(got.sizes(), (std::vector<std::int64_t>{1, 5, 32}));
  EXPECT_TRUE(torch::allclose(got, resize_pos_embed(src, {4, 4}, {2, 2})));
  // Without a cls token the checkpoint's first row is dropped.
  auto nocls = build("dict(type='VisionTransformer', " + kSmall +
                     ", out_type='featmap', with_cls_token=False)");
  engine::StateDict sd2 = {{"backbone.pos_embed", io::PyObject::tensor(src)}};
  nocls->load_state_dict_pre_hook(sd2, "backbone.");
  EXPECT_TRUE(torch::equal(sd2[0].second.as_tensor(), src.slice(1, 1)));
  // Through the loader: a full state dict of another image size loads strictly.
  auto from = build("dict(type='VisionTransformer', " + kSmall + ")");
  auto state = engine::model_state_dict(*from);
  engine::StateDict full;
  for (const auto& [k, v] : state.as_dict().entries()) full.emplace_back(k.as_str(), v);
  auto res = engine::load_state_dict(*small, full, /*strict=*/true);
  EXPECT_TRUE(res.missing_keys.empty());
  EXPECT_TRUE(res.error_msgs.empty());
}

TEST(VisionTransformer, FrozenStages) {
  auto vit = build("dict(type='VisionTransformer', " + kSmall + ", frozen_stages=2)");
  auto params = vit->named_parameters();
  EXPECT_FALSE(params["pos_embed"].requires_grad());
  EXPECT_FALSE(params["cls_token"].requires_grad());
  EXPECT_FALSE(params["patch_embed.projection.weight"].requires_grad());
  EXPECT_FALSE(params["layers.1.ffn.layers.1.weight"].requires_grad());
  EXPECT_TRUE(params["layers.2.attn.qkv.weight"].requires_grad());
  EXPECT_TRUE(params["ln1.weight"].requires_grad());
  auto all = build("dict(type='VisionTransformer', " + kSmall + ", frozen_stages=3)");
  EXPECT_FALSE(all->named_parameters()["ln1.weight"].requires_grad());
}

TEST(VisionTransformer, DefaultInit) {
  torch::manual_seed(0);
  auto vit = build("dict(type='VisionTransformer', " + kSmall + ")");
  vit->init_weights();
  auto p = vit->named_parameters();
  EXPECT_GT(p["pos_embed"].abs().sum().item<double>(), 0);
  const double sd = p["pos_embed"].std().item<double>();  // trunc_normal_(std=0.02)
  EXPECT_GT(sd, 0.015);
  EXPECT_LT(sd, 0.025);
  EXPECT_EQ(p["cls_token"].abs().sum().item<double>(), 0);
  EXPECT_LT(p["layers.0.ffn.layers.1.bias"].abs().max().item<double>(), 1e-4);
  auto d = build("dict(type='DistilledVisionTransformer', " + kSmall + ")");
  d->init_weights();
  EXPECT_GT(d->named_parameters()["dist_token"].abs().sum().item<double>(), 0);
}

TEST(VisionTransformer, SwiGLUFusedFFNAsDINOv2) {
  auto vit = build("dict(type='VisionTransformer', " + kSmall +
                   ", layer_scale_init_value=1e-5, layer_cfgs=dict(ffn_type='swiglu_fused'))");
  auto k = keys(*vit);
  const std::vector<std::string> ffn = {"layers.0.ffn.w12.weight", "layers.0.ffn.w12.bias",
                                        "layers.0.ffn.w3.weight", "layers.0.ffn.w3.bias",
                                        "layers.0.ffn.gamma2.weight"};
  auto it = std::find(k.begin(), k.end(), ffn[0]);
  ASSERT_NE(it, k.end());
  EXPECT_EQ(std::vector<std::string>(it, it + 5), ffn);
  // Hidden width (int(64 * 2 / 3) + 7) // 8 * 8 = 48.
  auto p = vit->named_parameters();
  EXPECT_EQ(p["layers.0.ffn.w12.weight"].sizes(), (std::vector<std::int64_t>{96, 32}));
  EXPECT_EQ(p["layers.0.ffn.w3.weight"].sizes(), (std::vector<std::int64_t>{32, 48}));
  vit->eval();
  auto out = vit->forward(torch::randn({1, 3, 32, 32}));
  EXPECT_EQ(out[0].sizes(), (std::vector<std::int64_t>{1, 32}));
  EXPECT_EQ(
      kind_of("dict(type='VisionTransformer', " + kSmall + ", layer_cfgs=dict(ffn_type='moe'))"),
      "NotImplementedError");
}

TEST(VisionTransformer, LayerDepth) {
  auto vit = build("dict(type='VisionTransformer', " + kSmall + ")");
  using P = std::pair<std::int64_t, std::int64_t>;
  EXPECT_EQ(vit->get_layer_depth("backbone.cls_token", "backbone."), (P{0, 5}));
  EXPECT_EQ(vit->get_layer_depth("backbone.layers.1.ln1.weight", "backbone."), (P{2, 5}));
  EXPECT_EQ(vit->get_layer_depth("backbone.ln1.weight", "backbone."), (P{4, 5}));
  EXPECT_EQ(vit->get_layer_depth("head.layers.head.weight", "backbone."), (P{4, 5}));
}

}  // namespace
}  // namespace mmcpp::pretrain

namespace mmcpp::pretrain {
namespace {

TEST(DeiT3, LayoutForwardAndMetafileCount) {
  const std::string small =
      "dict(type='DeiT3', arch=dict(embed_dims=32, num_layers=2, num_heads=2, "
      "feedforward_channels=64), img_size=32, patch_size=8";
  auto m = build_any(small + ", out_indices=(0, 1))");
  auto k = keys(*m);
  // pos_embed covers the patches only; layer scale on both branches.
  EXPECT_EQ(k[0], "cls_token");
  EXPECT_EQ(m->named_parameters()["pos_embed"].sizes(), (std::vector<std::int64_t>{1, 16, 32}));
  for (const char* key : {"layers.0.attn.gamma1.weight", "layers.0.ffn.gamma2.weight",
                          "layers.0.ln2.weight", "layers.1.ffn.layers.0.0.weight"})
    EXPECT_NE(std::find(k.begin(), k.end(), key), k.end()) << key;
  EXPECT_EQ(k.back(), "ln1.bias");
  auto* bb = dynamic_cast<BaseBackboneImpl*>(m.get());
  bb->eval();
  auto outs = bb->forward(torch::randn({2, 3, 32, 32}));
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[1].sizes(), (std::vector<std::int64_t>{2, 32}));
  auto fm_model = build_any(small + ", out_type='featmap')");
  EXPECT_EQ(dynamic_cast<BaseBackboneImpl*>(fm_model.get())
                ->forward(torch::randn({1, 3, 48, 48}))[0]
                .sizes(),
            (std::vector<std::int64_t>{1, 32, 6, 6}));
  // ln2 is unused (MMPretrain normalises with ln1 twice): changing it changes nothing.
  torch::Tensor x = torch::randn({1, 3, 32, 32});
  torch::Tensor before = bb->forward(x)[1];
  {
    torch::NoGradGuard ng;
    m->named_parameters()["layers.0.ln2.weight"].fill_(3.0);
  }
  EXPECT_TRUE(torch::equal(bb->forward(x)[1], before));
  EXPECT_EQ(kind_of(small + ", frozen_stages=1)"), "TypeError");
  // configs/deit3/metafile.yml: deit3-small 22059496.
  auto s = build_any(
      "dict(type='ImageClassifier', backbone=dict(type='DeiT3', arch='s', img_size=224, "
      "patch_size=16), neck=None, head=dict(type='VisionTransformerClsHead', num_classes=1000, "
      "in_channels=384))");
  EXPECT_EQ(num_params(*s), 22059496);
}

}  // namespace
}  // namespace mmcpp::pretrain

namespace mmcpp::pretrain {
namespace {

// The linear-probe neck of the MAE/EVA/MILAN ViT benchmarks.
TEST(ClsBatchNormNeck, NormalisesEachClsTokenWithoutAffine) {
  auto m = build_any("dict(type='ClsBatchNormNeck', input_features=8)");
  EXPECT_EQ(keys(*m), (std::vector<std::string>{"bn.running_mean", "bn.running_var",
                                                "bn.num_batches_tracked"}));
  auto* neck = dynamic_cast<NeckInterface*>(m.get());
  ASSERT_NE(neck, nullptr);
  m->train();
  torch::Tensor x = torch::randn({16, 8}) * 3 + 1;
  auto out = neck->forward(Feats{x, x});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(torch::allclose(out[0].mean(0), torch::zeros({8}), 1e-4, 1e-4));
  EXPECT_EQ(kind_of("dict(type='ClsBatchNormNeck')"), "TypeError");
}

}  // namespace
}  // namespace mmcpp::pretrain
