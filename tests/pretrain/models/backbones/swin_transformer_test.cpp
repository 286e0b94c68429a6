// SwinTransformer and its window attention: state-dict layout, parameter
// counts of MMPretrain's zoo, outputs per out index, window attention masks,
// padding of small maps, frozen stages and checkpoint upgrades.
#include <gtest/gtest.h>

#include "mmcpp/pretrain/models/utils/embed.h"

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/pretrain/models/backbones/swin_transformer.h"
#include "mmcpp/pretrain/models/utils/attention.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

std::shared_ptr<torch::nn::Module> build_any(const std::string& text) {
  registry::ScopeGuard scope("mmpretrain");
  return MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
}

std::shared_ptr<SwinTransformerImpl> build(const std::string& text) {
  return std::dynamic_pointer_cast<SwinTransformerImpl>(build_any(text));
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

std::string kind_of(const std::string& cfg) {
  try {
    build_any(cfg);
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

const std::string kSmall =
    "arch=dict(embed_dims=16, depths=[2, 2, 2], num_heads=[2, 2, 4]), img_size=32, "
    "window_size=2";

TEST(SwinTransformer, StateDictLayoutMatchesMMPretrain) {
  auto swin = build("dict(type='SwinTransformer', " + kSmall + ", out_indices=(0, 2))");
  auto k = keys(*swin);
  const std::vector<std::string> head = {
      "patch_embed.projection.weight",
      "patch_embed.projection.bias",
      "patch_embed.norm.weight",
      "patch_embed.norm.bias",
      "stages.0.blocks.0.norm1.weight",
      "stages.0.blocks.0.norm1.bias",
      "stages.0.blocks.0.attn.w_msa.relative_position_bias_table",
      "stages.0.blocks.0.attn.w_msa.relative_position_index",
      "stages.0.blocks.0.attn.w_msa.qkv.weight",
      "stages.0.blocks.0.attn.w_msa.qkv.bias",
      "stages.0.blocks.0.attn.w_msa.proj.weight",
      "stages.0.blocks.0.attn.w_msa.proj.bias",
      "stages.0.blocks.0.norm2.weight",
      "stages.0.blocks.0.norm2.bias",
      "stages.0.blocks.0.ffn.layers.0.0.weight",
      "stages.0.blocks.0.ffn.layers.0.0.bias",
      "stages.0.blocks.0.ffn.layers.1.weight",
      "stages.0.blocks.0.ffn.layers.1.bias"};
  ASSERT_GE(k.size(), head.size());
  EXPECT_EQ(std::vector<std::string>(k.begin(), k.begin() + head.size()), head);
  EXPECT_TRUE(has(k, "stages.0.downsample.norm.weight"));
  EXPECT_TRUE(has(k, "stages.1.downsample.reduction.weight"));
  EXPECT_FALSE(has(k, "stages.2.downsample.reduction.weight"));
  EXPECT_EQ(k[k.size() - 4], "norm0.weight");
  EXPECT_EQ(k.back(), "norm2.bias");
  auto p = swin->named_parameters();
  EXPECT_EQ(p["stages.0.downsample.reduction.weight"].sizes(), (std::vector<std::int64_t>{32, 64}));
  EXPECT_EQ(p["stages.0.blocks.0.attn.w_msa.relative_position_bias_table"].sizes(),
            (std::vector<std::int64_t>{9, 2}));
  auto abs = keys(*build("dict(type='SwinTransformer', " + kSmall +
                         ", use_abs_pos_embed=True, out_indices=(2, ))"));
  EXPECT_EQ(abs[0], "absolute_pos_embed");
}

TEST(SwinTransformer, ParameterCountsEqualMMPretrainMetafile) {
  // configs/swin_transformer/metafile.yml: swin-tiny 28.29M (1000 classes).
  auto m = build_any(
      "dict(type='ImageClassifier', backbone=dict(type='SwinTransformer', arch='tiny', "
      "img_size=224, drop_path_rate=0.2), neck=dict(type='GlobalAveragePooling'), "
      "head=dict(type='LinearClsHead', num_classes=1000, in_channels=768))");
  std::int64_t n = 0;
  for (const auto& t : m->parameters()) n += t.numel();
  EXPECT_NEAR(static_cast<double>(n) / 1e6, 28.29, 0.005);
  for (const char* a : {"t", "tiny", "s", "small", "b", "base", "l", "large"})
    EXPECT_EQ(swin_arch_zoo().count(a), 1u) << a;
  EXPECT_EQ(kind_of("dict(type='SwinTransformer', arch='huge')"), "AssertionError");
  // The default out_indices=(3, ) needs 4 stages (IndexError, as in Python).
  EXPECT_EQ(kind_of("dict(type='SwinTransformer', " + kSmall + ")"), "IndexError");
  EXPECT_EQ(kind_of("dict(type='SwinTransformer', arch=dict(embed_dims=8, depths=[2], "
                    "num_heads=[2], extra=1))"),
            "AssertionError");
}

TEST(SwinTransformer, OutputsPerOutIndex) {
  torch::manual_seed(0);
  auto swin = build("dict(type='SwinTransformer', " + kSmall + ", out_indices=(0, 1, 2))");
  swin->eval();
  auto outs = swin->forward(torch::randn({2, 3, 32, 32}));
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{2, 16, 8, 8}));
  EXPECT_EQ(outs[1].sizes(), (std::vector<std::int64_t>{2, 32, 4, 4}));
  EXPECT_EQ(outs[2].sizes(), (std::vector<std::int64_t>{2, 64, 2, 2}));
  auto after = build("dict(type='SwinTransformer', " + kSmall +
                     ", out_indices=(0, 1), out_after_downsample=True)");
  auto a = after->forward(torch::randn({1, 3, 32, 32}));
  EXPECT_EQ(a[0].sizes(), (std::vector<std::int64_t>{1, 32, 4, 4}));
  // Training (drop path on, shifted windows): gradients reach every parameter, no NaNs.
  swin->train();
  auto t = swin->forward(torch::randn({2, 3, 32, 32}));
  (t[0].mean() + t[1].mean() + t[2].pow(2).mean()).backward();
  for (const auto& p : swin->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_FALSE(torch::isnan(p.value().grad()).any().item<bool>()) << p.key();
  }
  // A map smaller than the window needs pad_small_map.
  auto big_window =
      "dict(type='SwinTransformer', arch=dict(embed_dims=16, depths=[2, 2], "
      "num_heads=[2, 2]), img_size=32, window_size=7, out_indices=(1, )";
  auto noPad = build(std::string(big_window) + ")");
  EXPECT_THROW(noPad->forward(torch::randn({1, 3, 32, 32})), Error);
  auto pad = build(std::string(big_window) + ", pad_small_map=True)");
  EXPECT_EQ(pad->forward(torch::randn({1, 3, 32, 32}))[0].sizes(),
            (std::vector<std::int64_t>{1, 32, 4, 4}));
  // Absolute position embedding follows the input size.
  auto abs = build("dict(type='SwinTransformer', " + kSmall +
                   ", use_abs_pos_embed=True, out_indices=(2, ))");
  EXPECT_EQ(abs->forward(torch::randn({1, 3, 64, 64}))[0].sizes(),
            (std::vector<std::int64_t>{1, 64, 4, 4}));
}

TEST(SwinTransformer, WindowAttentionMatchesItsDefinition) {
  // The relative position index of a 2x2 window (MMPretrain's double_step_seq).
  WindowMSAOptions o;
  o.embed_dims = 4;
  o.num_heads = 1;
  o.window_size = {2, 2};
  WindowMSA w(o);
  EXPECT_TRUE(torch::equal(
      w->relative_position_index,
      torch::tensor({{4, 3, 1, 0}, {5, 4, 2, 1}, {7, 6, 4, 3}, {8, 7, 5, 4}}, torch::kLong)));
  // The shifted-window mask separates regions with -100.
  torch::Tensor mask = ShiftWindowMSAImpl::get_attn_mask({4, 4}, 2, 1, torch::kCPU);
  EXPECT_EQ(mask.sizes(), (std::vector<std::int64_t>{4, 4, 4}));
  EXPECT_EQ(mask[0].abs().sum().item<float>(), 0);  // the top-left window is one region
  EXPECT_EQ(mask[3][0][3].item<float>(), -100);
  EXPECT_FALSE(ShiftWindowMSAImpl::get_attn_mask({4, 4}, 2, 0, torch::kCPU).defined());
  // window_partition and window_reverse are inverse.
  torch::Tensor x = torch::randn({2, 4, 6, 3});
  EXPECT_TRUE(torch::equal(
      ShiftWindowMSAImpl::window_reverse(ShiftWindowMSAImpl::window_partition(x, 2), 4, 6, 2), x));
}

TEST(SwinTransformer, FrozenStagesAndLoadingUpgrades) {
  auto swin =
      build("dict(type='SwinTransformer', " + kSmall + ", frozen_stages=0, out_indices=(0, 2))");
  swin->train();
  auto p = swin->named_parameters();
  EXPECT_FALSE(p["patch_embed.projection.weight"].requires_grad());
  EXPECT_FALSE(p["stages.0.blocks.1.ffn.layers.1.weight"].requires_grad());
  EXPECT_FALSE(p["norm0.weight"].requires_grad());
  EXPECT_TRUE(p["stages.1.blocks.0.norm1.weight"].requires_grad());
  EXPECT_TRUE(p["norm2.weight"].requires_grad());
  EXPECT_FALSE(swin->named_modules()["stages.0"]->is_training());
  // Old checkpoints: `norm.` becomes the last stage's norm, attn_mask is dropped.
  engine::StateDict sd = {
      {"backbone.norm.weight", io::PyObject::tensor(torch::ones({64}))},
      {"backbone.stages.0.blocks.1.attn_mask", io::PyObject::tensor(torch::ones({1}))}};
  swin->load_state_dict_pre_hook(sd, "backbone.");
  ASSERT_EQ(sd.size(), 1u);
  EXPECT_EQ(sd[0].first, "backbone.norm2.weight");
  using P = std::pair<std::int64_t, std::int64_t>;
  EXPECT_EQ(swin->get_layer_depth("backbone.stages.1.blocks.1.norm1.weight", "backbone."),
            (P{4, 8}));
  EXPECT_EQ(swin->get_layer_depth("backbone.stages.1.downsample.reduction.weight", "backbone."),
            (P{4, 8}));
  EXPECT_EQ(swin->get_layer_depth("backbone.patch_embed.norm.weight", "backbone."), (P{0, 8}));
}

TEST(SwinTransformer, LoadingATableOfAnotherWindowSizeResamplesIt) {
  // A window-3 checkpoint into a window-4 model (MMPretrain's fine-tuning at a
  // larger window): each relative_position_bias_table is resampled with
  // resize_relative_position_bias_table, the checkpoint's index dropped.
  auto swin = build(
      "dict(type='SwinTransformer', arch=dict(embed_dims=16, depths=[2, 2, 2], "
      "num_heads=[2, 2, 4]), img_size=32, window_size=4, out_indices=(2, ))");
  const std::int64_t heads =
      swin->named_parameters()["stages.0.blocks.0.attn.w_msa.relative_position_bias_table"].size(1);
  torch::Tensor small = torch::randn({5 * 5, heads});
  engine::StateDict sd = {{"backbone.stages.0.blocks.0.attn.w_msa.relative_position_bias_table",
                           io::PyObject::tensor(small)},
                          {"backbone.stages.0.blocks.0.attn.w_msa.relative_position_index",
                           io::PyObject::tensor(torch::zeros({9, 9}, torch::kLong))}};
  swin->load_state_dict_pre_hook(sd, "backbone.");
  ASSERT_EQ(sd.size(), 1u);
  EXPECT_EQ(sd[0].first, "backbone.stages.0.blocks.0.attn.w_msa.relative_position_bias_table");
  const torch::Tensor resized = sd[0].second.as_tensor();
  EXPECT_EQ(resized.sizes(), (std::vector<std::int64_t>{7 * 7, heads}));
  EXPECT_TRUE(torch::allclose(resized, resize_relative_position_bias_table(5, 7, small, heads)));
}

TEST(SwinTransformerV2, StateDictLayoutOutputsAndMetafileCount) {
  registry::ScopeGuard scope("mmpretrain");
  auto build_v2 = [](const std::string& text) {
    return MODELS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
  };
  auto m = build_v2(
      "dict(type='SwinTransformerV2', arch=dict(embed_dims=16, depths=[2, 2], num_heads=[2, 4], "
      "extra_norm_every_n_blocks=2), img_size=32, window_size=[4, 2], out_indices=(0, 1), "
      "pretrained_window_sizes=[0, 0])");
  std::vector<std::string> k = keys(*m);
  const std::vector<std::string> block = {"stages.0.blocks.0.attn.w_msa.logit_scale",
                                          "stages.0.blocks.0.attn.w_msa.q_bias",
                                          "stages.0.blocks.0.attn.w_msa.v_bias",
                                          "stages.0.blocks.0.attn.w_msa.relative_coords_table",
                                          "stages.0.blocks.0.attn.w_msa.relative_position_index",
                                          "stages.0.blocks.0.attn.w_msa.cpb_mlp.0.weight",
                                          "stages.0.blocks.0.attn.w_msa.cpb_mlp.0.bias",
                                          "stages.0.blocks.0.attn.w_msa.cpb_mlp.2.weight",
                                          "stages.0.blocks.0.attn.w_msa.qkv.weight",
                                          "stages.0.blocks.0.attn.w_msa.proj.weight",
                                          "stages.0.blocks.0.attn.w_msa.proj.bias",
                                          "stages.0.blocks.0.norm1.weight"};
  auto it = std::find(k.begin(), k.end(), block[0]);
  ASSERT_NE(it, k.end());
  EXPECT_EQ(std::vector<std::string>(it, it + static_cast<std::ptrdiff_t>(block.size())), block);
  // Stage 1 downsamples first (reduction before its post-norm); the second block has norm3.
  auto at = [&k](const std::string& s) { return std::find(k.begin(), k.end(), s) - k.begin(); };
  EXPECT_LT(at("stages.1.downsample.reduction.weight"), at("stages.1.downsample.norm.weight"));
  EXPECT_LT(at("stages.1.downsample.norm.weight"), at("stages.1.blocks.0.norm1.weight"));
  EXPECT_NE(at("stages.0.blocks.1.norm3.weight"), static_cast<std::ptrdiff_t>(k.size()));
  EXPECT_EQ(at("stages.0.blocks.0.norm3.weight"), static_cast<std::ptrdiff_t>(k.size()));
  auto* bb = dynamic_cast<BaseBackboneImpl*>(m.get());
  ASSERT_NE(bb, nullptr);
  bb->eval();
  auto outs = bb->forward(torch::randn({2, 3, 32, 32}));
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].sizes(), (std::vector<std::int64_t>{2, 16, 8, 8}));
  EXPECT_EQ(outs[1].sizes(), (std::vector<std::int64_t>{2, 32, 4, 4}));
  EXPECT_FALSE(torch::isnan(outs[1]).any().item<bool>());
  // Loading drops the re-initialised buffers of the checkpoint.
  auto* hook = dynamic_cast<engine::LoadStateDictPreHook*>(m.get());
  engine::StateDict sd = {
      {"stages.0.blocks.0.attn.w_msa.relative_position_index",
       io::PyObject::tensor(torch::ones({1}))},
      {"stages.0.blocks.0.attn.w_msa.logit_scale", io::PyObject::tensor(torch::ones({1}))}};
  hook->load_state_dict_pre_hook(sd, "");
  ASSERT_EQ(sd.size(), 1u);
  EXPECT_EQ(sd[0].first, "stages.0.blocks.0.attn.w_msa.logit_scale");
  // configs/swin_transformer_v2/metafile.yml: swinv2-tiny 28.35M.
  auto tiny = build_v2(
      "dict(type='ImageClassifier', backbone=dict(type='SwinTransformerV2', arch='tiny', "
      "img_size=256), neck=dict(type='GlobalAveragePooling'), head=dict(type='LinearClsHead', "
      "num_classes=1000, in_channels=768))");
  std::int64_t n = 0;
  for (const auto& t : tiny->parameters()) n += t.numel();
  EXPECT_NEAR(static_cast<double>(n) / 1e6, 28.35, 0.005);
}

}  // namespace
}  // namespace mmcpp::pretrain
