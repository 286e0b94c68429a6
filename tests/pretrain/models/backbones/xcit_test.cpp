// XCiT: state-dict layout, parameter counts of MMPretrain's model zoo
// (metafile.yml), outputs, gradients and BN statistics of MMPretrain 1.2 on
// deterministic weights, out_type and out_indices, frozen stages, init_weights
// and argument errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/xcit.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

using Shape = std::vector<std::int64_t>;

std::shared_ptr<XCiTImpl> build(const std::string& args) {
  registry::ScopeGuard scope("mmpretrain");
  auto m = MODELS().build(config::Config::fromstring("x = dict(type='XCiT', " + args + ")", ".py")
                              .get("x")
                              ->deep_copy());
  return std::dynamic_pointer_cast<XCiTImpl>(m);
}

const char* kSmall = "embed_dims=32, num_heads=4, patch_size=8, img_size=32";

std::string kind_of(const std::string& args) {
  try {
    build(args)->forward(torch::zeros({1, 3, 32, 32}));
  } catch (const Error& e) {
    return e.kind();
  }
  return "";
}

std::int64_t num_params(torch::nn::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

// Every floating entry i of the state dict (in order) set to 0.2 sin(0.7 j + i)
// (running_var: 1 + 0.5 sin^2), as the Python reference did.
void fill_deterministic(torch::nn::Module& m) {
  torch::NoGradGuard ng;
  io::PyObject sd = engine::model_state_dict(m);
  auto params = m.named_parameters();
  auto buffers = m.named_buffers();
  std::int64_t i = 0;
  for (const auto& [k, v] : sd.as_dict().entries()) {
    const std::string name = k.as_str();
    torch::Tensor* t = params.find(name);
    if (!t) t = buffers.find(name);
    ASSERT_NE(t, nullptr) << name;
    if (t->is_floating_point()) {
      torch::Tensor s = torch::sin(0.7 * torch::arange(t->numel(), torch::kFloat64) + double(i));
      const bool var = name.size() > 11 && name.substr(name.size() - 11) == "running_var";
      t->copy_((var ? 1 + 0.5 * s * s : 0.2 * s).to(torch::kFloat).reshape(t->sizes()));
    }
    ++i;
  }
}

torch::Tensor sine_input(Shape shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return torch::sin(0.3 * torch::arange(n, torch::kFloat64)).to(torch::kFloat).reshape(shape);
}

struct Expected {
  Shape shape;
  double sum, abs_sum;
  std::vector<float> head, tail;  // the first 4 and the last 2 values
};

void expect_output(const torch::Tensor& out, const Expected& e) {
  ASSERT_EQ(out.sizes().vec(), e.shape);
  EXPECT_NEAR(out.to(torch::kFloat64).sum().item<double>(), e.sum, 2e-3);
  EXPECT_NEAR(out.to(torch::kFloat64).abs().sum().item<double>(), e.abs_sum, 2e-3);
  torch::Tensor f = out.flatten();
  for (std::size_t j = 0; j < e.head.size(); ++j)
    EXPECT_NEAR(f[static_cast<std::int64_t>(j)].item<float>(), e.head[j], 1e-5);
  for (std::size_t j = 0; j < e.tail.size(); ++j)
    EXPECT_NEAR(f[f.numel() - 2 + static_cast<std::int64_t>(j)].item<float>(), e.tail[j], 1e-5);
}

TEST(XCiT, StateDictLayoutMatchesMMPretrain) {
  // MMPretrain 1.2: XCiT(embed_dims=32, depth=1, cls_attn_layers=1, num_heads=4,
  // patch_size=8, img_size=32).state_dict().
  const std::vector<std::pair<std::string, Shape>> expected = {
      {"cls_token", {1, 1, 32}},
      {"patch_embed.proj.0.conv.weight", {8, 3, 3, 3}},
      {"patch_embed.proj.0.bn.weight", {8}},
      {"patch_embed.proj.0.bn.bias", {8}},
      {"patch_embed.proj.0.bn.running_mean", {8}},
      {"patch_embed.proj.0.bn.running_var", {8}},
      {"patch_embed.proj.0.bn.num_batches_tracked", {}},
      {"patch_embed.proj.1.conv.weight", {16, 8, 3, 3}},
      {"patch_embed.proj.1.bn.weight", {16}},
      {"patch_embed.proj.1.bn.bias", {16}},
      {"patch_embed.proj.1.bn.running_mean", {16}},
      {"patch_embed.proj.1.bn.running_var", {16}},
      {"patch_embed.proj.1.bn.num_batches_tracked", {}},
      {"patch_embed.proj.2.conv.weight", {32, 16, 3, 3}},
      {"patch_embed.proj.2.bn.weight", {32}},
      {"patch_embed.proj.2.bn.bias", {32}},
      {"patch_embed.proj.2.bn.running_mean", {32}},
      {"patch_embed.proj.2.bn.running_var", {32}},
      {"patch_embed.proj.2.bn.num_batches_tracked", {}},
      {"pos_embed.token_projection.conv.weight", {32, 64, 1, 1}},
      {"pos_embed.token_projection.conv.bias", {32}},
      {"xca_layers.0.gamma1", {32}},
      {"xca_layers.0.gamma3", {32}},
      {"xca_layers.0.gamma2", {32}},
      {"xca_layers.0.norm1.weight", {32}},
      {"xca_layers.0.norm1.bias", {32}},
      {"xca_layers.0.attn.temperature", {4, 1, 1}},
      {"xca_layers.0.attn.qkv.weight", {96, 32}},
      {"xca_layers.0.attn.qkv.bias", {96}},
      {"xca_layers.0.attn.proj.weight", {32, 32}},
      {"xca_layers.0.attn.proj.bias", {32}},
      {"xca_layers.0.norm3.weight", {32}},
      {"xca_layers.0.norm3.bias", {32}},
      {"xca_layers.0.local_mp.conv1.conv.weight", {32, 1, 3, 3}},
      {"xca_layers.0.local_mp.conv1.conv.bias", {32}},
      {"xca_layers.0.local_mp.conv1.bn.weight", {32}},
      {"xca_layers.0.local_mp.conv1.bn.bias", {32}},
      {"xca_layers.0.local_mp.conv1.bn.running_mean", {32}},
      {"xca_layers.0.local_mp.conv1.bn.running_var", {32}},
      {"xca_layers.0.local_mp.conv1.bn.num_batches_tracked", {}},
      {"xca_layers.0.local_mp.conv2.conv.weight", {32, 1, 3, 3}},
      {"xca_layers.0.local_mp.conv2.conv.bias", {32}},
      {"xca_layers.0.norm2.weight", {32}},
      {"xca_layers.0.norm2.bias", {32}},
      {"xca_layers.0.ffn.layers.0.0.weight", {128, 32}},
      {"xca_layers.0.ffn.layers.0.0.bias", {128}},
      {"xca_layers.0.ffn.layers.1.weight", {32, 128}},
      {"xca_layers.0.ffn.layers.1.bias", {32}},
      {"ca_layers.0.gamma1", {32}},
      {"ca_layers.0.gamma2", {32}},
      {"ca_layers.0.norm1.weight", {32}},
      {"ca_layers.0.norm1.bias", {32}},
      {"ca_layers.0.attn.q.weight", {32, 32}},
      {"ca_layers.0.attn.q.bias", {32}},
      {"ca_layers.0.attn.k.weight", {32, 32}},
      {"ca_layers.0.attn.k.bias", {32}},
      {"ca_layers.0.attn.v.weight", {32, 32}},
      {"ca_layers.0.attn.v.bias", {32}},
      {"ca_layers.0.attn.proj.weight", {32, 32}},
      {"ca_layers.0.attn.proj.bias", {32}},
      {"ca_layers.0.norm2.weight", {32}},
      {"ca_layers.0.norm2.bias", {32}},
      {"ca_layers.0.ffn.layers.0.0.weight", {128, 32}},
      {"ca_layers.0.ffn.layers.0.0.bias", {128}},
      {"ca_layers.0.ffn.layers.1.weight", {32, 128}},
      {"ca_layers.0.ffn.layers.1.bias", {32}},
      {"norm.weight", {32}},
      {"norm.bias", {32}},
  };
  auto m = build(
      "embed_dims=32, depth=1, cls_attn_layers=1, num_heads=4, patch_size=8, "
      "img_size=32");
  io::PyObject sd = engine::model_state_dict(*m);
  std::vector<std::pair<std::string, Shape>> got;
  for (const auto& [k, v] : sd.as_dict().entries())
    got.emplace_back(k.as_str(), v.as_tensor().sizes().vec());
  EXPECT_EQ(got, expected);

  // Without layer scale the class-attention blocks have no gammas; the XCA blocks keep theirs.
  auto no_ls = build(std::string(kSmall) + ", depth=1, layer_scale_init_value=0.");
  auto p = no_ls->named_parameters();
  EXPECT_EQ(p.find("ca_layers.0.gamma1"), nullptr);
  ASSERT_NE(p.find("xca_layers.0.gamma3"), nullptr);
  EXPECT_EQ(p["xca_layers.0.gamma3"].abs().sum().item<float>(), 0.f);
  // No positional encoding, no final norm, no qkv bias.
  auto bare = build(std::string(kSmall) +
                    ", depth=1, use_pos_embed=False, final_norm=False, qkv_bias=False");
  auto bp = bare->named_parameters();
  EXPECT_EQ(bp.find("pos_embed.token_projection.conv.weight"), nullptr);
  EXPECT_EQ(bp.find("norm.weight"), nullptr);
  EXPECT_EQ(bp.find("xca_layers.0.attn.qkv.bias"), nullptr);
  EXPECT_EQ(bp.find("ca_layers.0.attn.q.bias"), nullptr);
}

TEST(XCiT, ParameterCountsOfTheModelZoo) {
  // Backbone + LinearClsHead(1000): metafile.yml's Parameters of every size.
  struct Arch {
    const char* args;
    std::int64_t dims, params;
  };
  const std::vector<Arch> zoo = {
      {"patch_size=16, embed_dims=128, depth=12, num_heads=4", 128, 3053224},
      {"patch_size=8, embed_dims=128, depth=12, num_heads=4", 128, 3049016},
      {"patch_size=16, embed_dims=192, depth=12, num_heads=4", 192, 6716272},
      {"patch_size=8, embed_dims=192, depth=12, num_heads=4", 192, 6706504},
      {"patch_size=16, embed_dims=192, depth=24, num_heads=4", 192, 12116896},
      {"patch_size=8, embed_dims=192, depth=24, num_heads=4", 192, 12107128},
      {"patch_size=16, embed_dims=384, depth=12, num_heads=8", 384, 26253304},
      {"patch_size=8, embed_dims=384, depth=12, num_heads=8", 384, 26213032},
      {"patch_size=16, embed_dims=384, depth=24, num_heads=8", 384, 47671384},
      {"patch_size=8, embed_dims=384, depth=24, num_heads=8", 384, 47631112},
      {"patch_size=16, embed_dims=512, depth=24, num_heads=8", 512, 84395752},
      {"patch_size=8, embed_dims=512, depth=24, num_heads=8", 512, 84323624},
      {"patch_size=16, embed_dims=768, depth=24, num_heads=16", 768, 189096136},
      {"patch_size=8, embed_dims=768, depth=24, num_heads=16", 768, 188932648},
  };
  for (const auto& a : zoo)
    EXPECT_EQ(num_params(*build(a.args)) + a.dims * 1000 + 1000, a.params) << a.args;
}

TEST(XCiT, OutputsEqualMMPretrainOnDeterministicWeights) {
  // Reference: MMPretrain 1.2 on CPU, weights/input filled as fill_deterministic/sine_input.
  torch::NoGradGuard ng;
  auto m = build(
      "embed_dims=32, depth=2, cls_attn_layers=2, num_heads=4, patch_size=8, img_size=32, "
      "tokens_norm=True, out_type='raw', out_indices=(0, 1, 2, 3)");
  fill_deterministic(*m);
  m->eval();
  auto outs = m->forward(sine_input({2, 3, 32, 32}));
  ASSERT_EQ(outs.size(), 4u);
  expect_output(outs[0], {{2, 16, 32},
                          22.291785,
                          291.910550,
                          {0.22593f, 0.585618f, 0.216521f, -0.211555f},
                          {-0.303269f, -0.411944f}});
  expect_output(outs[1], {{2, 16, 32},
                          34.514888,
                          276.039975,
                          {0.215083f, 0.456238f, 0.081371f, 0.05753f},
                          {-0.028625f, -0.330984f}});
  expect_output(outs[2], {{2, 17, 32},
                          -130.524764,
                          359.992651,
                          {0.090766f, -0.143532f, 0.153248f, 0.554711f},
                          {0.221082f, -0.384672f}});
  expect_output(outs[3], {{2, 17, 32},
                          39.521564,
                          169.545073,
                          {-0.079741f, -0.094326f, 0.078798f, 0.169824f},
                          {0.195232f, 0.290357f}});

  // Patch 16, no layer scale, featmaps of a non-square input.
  auto f = build(
      "embed_dims=32, depth=1, cls_attn_layers=1, num_heads=2, patch_size=16, img_size=64, "
      "layer_scale_init_value=0., out_type='featmap', out_indices=(0, 1)");
  fill_deterministic(*f);
  f->eval();
  auto maps = f->forward(sine_input({1, 3, 64, 48}));
  ASSERT_EQ(maps.size(), 2u);
  expect_output(maps[0], {{1, 32, 4, 3},
                          11.060316,
                          111.052861,
                          {0.302763f, 0.551448f, 0.422024f, 0.129351f},
                          {-0.163971f, -0.398894f}});
  expect_output(maps[1], {{1, 32, 4, 3},
                          11.637223,
                          59.890229,
                          {0.214429f, 0.270328f, 0.23086f, 0.148731f},
                          {-0.20891f, -0.066454f}});
}

TEST(XCiT, GradientsAndBatchNormStatisticsEqualMMPretrain) {
  // Reference: MMPretrain 1.2, train mode, loss = sum of the squares of all four raw outputs.
  auto m = build(
      "embed_dims=32, depth=2, cls_attn_layers=2, num_heads=4, patch_size=8, img_size=32, "
      "tokens_norm=True, out_type='raw', out_indices=(0, 1, 2, 3)");
  fill_deterministic(*m);
  m->train();
  torch::Tensor loss = torch::zeros({});
  for (const auto& o : m->forward(sine_input({2, 3, 32, 32}))) loss = loss + o.pow(2).sum();
  loss.backward();
  EXPECT_NEAR(loss.item<double>(), 505.393005, 5e-3);
  struct Grad {
    const char* name;
    double sum, abs_sum;
  };
  const std::vector<Grad> expected = {
      {"cls_token", 0., 15.614039},
      {"patch_embed.proj.0.conv.weight", 0.880930, 142.654179},
      {"pos_embed.token_projection.conv.weight", 2461.673044, 30811.965677},
      {"xca_layers.0.attn.temperature", -0.492950, 1.451264},
      {"xca_layers.1.local_mp.conv1.bn.weight", 12.553334, 13.017825},
      {"ca_layers.1.gamma2", -2.732551, 8.047002},
      {"ca_layers.0.attn.q.weight", -0.000001, 0.000179},
      {"norm.weight", 214.963582, 324.263758},
  };
  auto params = m->named_parameters();
  for (const auto& e : expected) {
    torch::Tensor g = params[e.name].grad().to(torch::kFloat64);
    const double tol = 1e-3 * e.abs_sum + 1e-6;
    EXPECT_NEAR(g.sum().item<double>(), e.sum, tol) << e.name;
    EXPECT_NEAR(g.abs().sum().item<double>(), e.abs_sum, tol) << e.name;
  }
  auto buffers = m->named_buffers();
  EXPECT_NEAR(buffers["patch_embed.proj.0.bn.running_mean"].sum().item<double>(), 0.011663, 1e-5);
  EXPECT_NEAR(buffers["xca_layers.1.local_mp.conv1.bn.running_var"].sum().item<double>(), 36.088088,
              1e-4);
}

TEST(XCiT, OutTypesAndOutIndices) {
  const std::string arch = std::string(kSmall) + ", depth=2, cls_attn_layers=1";
  auto x = torch::randn({2, 3, 32, 32});
  auto shapes = [&](const std::string& extra) {
    auto m = build(arch + ", " + extra);
    m->eval();
    std::vector<Shape> s;
    for (const auto& o : m->forward(x)) s.push_back(o.sizes().vec());
    return s;
  };
  EXPECT_EQ(shapes("out_type='cls_token'"), (std::vector<Shape>{{2, 32}}));
  EXPECT_EQ(shapes("out_type='raw', out_indices=(0, -1)"),
            (std::vector<Shape>{{2, 16, 32}, {2, 17, 32}}));
  EXPECT_EQ(shapes("out_type='featmap', out_indices=[1, 2]"),
            (std::vector<Shape>{{2, 32, 4, 4}, {2, 32, 4, 4}}));
  EXPECT_EQ(shapes("out_type='avg_featmap', out_indices=(0, 1, 2)"),
            (std::vector<Shape>{{2, 32}, {2, 32}, {2, 32}}));
  EXPECT_EQ(shapes("out_type='raw', out_indices=2"), (std::vector<Shape>{{2, 17, 32}}));
  // out_indices == num_layers is accepted and outputs nothing; duplicates output once.
  EXPECT_EQ(shapes("out_indices=(3, 2, 2)"), (std::vector<Shape>{{2, 32}}));
  // Without class attention, -1 is the last XCA layer, which has no cls token.
  auto no_ca = build(std::string(kSmall) + ", depth=2, cls_attn_layers=0, out_type='raw'");
  EXPECT_EQ(no_ca->forward(x)[0].sizes().vec(), (Shape{2, 16, 32}));
  EXPECT_EQ(kind_of(std::string(kSmall) + ", depth=2, out_indices=(0,)"), "ValueError");
  // An XCA layer's avg_featmap is the mean of its tokens.
  auto raw = build(arch + ", out_type='raw', out_indices=(0,)");
  auto avg = build(arch + ", out_type='avg_featmap', out_indices=(0,)");
  engine::load_model_state_dict(*avg, engine::model_state_dict(*raw), /*strict=*/true);
  raw->eval();
  avg->eval();
  EXPECT_TRUE(torch::allclose(raw->forward(x)[0].mean(1), avg->forward(x)[0], 1e-5, 1e-6));
}

TEST(XCiT, ArgumentErrors) {
  EXPECT_EQ(kind_of(std::string(kSmall) + ", depth=1"), "");
  EXPECT_EQ(kind_of("embed_dims=32, num_heads=4, patch_size=12, img_size=36, depth=1"),
            "ValueError");
  EXPECT_EQ(kind_of("embed_dims=32, num_heads=4, patch_size=8, img_size=36, depth=1"),
            "ValueError");
  EXPECT_EQ(kind_of(std::string(kSmall) + ", depth=1, out_type='mean'"), "AssertionError");
  EXPECT_EQ(kind_of(std::string(kSmall) + ", depth=1, out_indices=(4,)"), "AssertionError");
  EXPECT_EQ(kind_of(std::string(kSmall) + ", depth=1, out_indices=(-4,)"), "AssertionError");
  EXPECT_EQ(kind_of(std::string(kSmall) + ", depth=1, frozen_stages=5"), "ValueError");
  EXPECT_EQ(kind_of(std::string(kSmall) + ", depth=1, arch='tiny'"), "TypeError");
  // As in MMPretrain, the last class-attention layer needs the final norm.
  EXPECT_EQ(kind_of(std::string(kSmall) + ", depth=1, final_norm=False"), "AttributeError");
  EXPECT_EQ(kind_of(std::string(kSmall) +
                    ", depth=1, cls_attn_layers=0, final_norm=False, out_type='raw'"),
            "");
  // Defaults: MMPretrain's XCiT() is 12 XCA + 2 class-attention layers of 768 channels.
  auto d = build("depth=1");
  EXPECT_EQ(d->options().embed_dims, 768);
  EXPECT_EQ(d->options().cls_attn_layers, 2);
  EXPECT_EQ(d->num_layers(), 3);
  EXPECT_EQ(d->out_indices(), (std::vector<std::int64_t>{2}));
}

TEST(XCiT, FrozenStages) {
  const std::string arch = std::string(kSmall) + ", depth=2, cls_attn_layers=2";
  auto grad_on = [](XCiTImpl& m, const std::string& name) {
    return m.named_parameters()[name].requires_grad();
  };
  auto m = build(arch + ", frozen_stages=2");
  EXPECT_TRUE(grad_on(*m, "patch_embed.proj.0.conv.weight"));  // frozen by train() only
  m->train();
  EXPECT_FALSE(grad_on(*m, "patch_embed.proj.0.conv.weight"));
  EXPECT_FALSE(grad_on(*m, "pos_embed.token_projection.conv.weight"));
  EXPECT_FALSE(grad_on(*m, "xca_layers.0.attn.qkv.weight"));
  EXPECT_TRUE(grad_on(*m, "xca_layers.1.attn.qkv.weight"));
  EXPECT_TRUE(grad_on(*m, "cls_token"));
  EXPECT_TRUE(m->named_modules()["xca_layers.1"]->is_training());
  EXPECT_FALSE(m->named_modules()["patch_embed.proj.0.bn"]->is_training());

  auto all = build(arch + ", frozen_stages=4");
  all->train();
  EXPECT_FALSE(grad_on(*all, "cls_token"));
  EXPECT_FALSE(grad_on(*all, "ca_layers.0.gamma1"));
  EXPECT_TRUE(grad_on(*all, "ca_layers.1.gamma1"));
  EXPECT_FALSE(grad_on(*all, "norm.weight"));  // frozen_stages == num_layers
  auto beyond = build(arch + ", frozen_stages=5");
  beyond->train();
  EXPECT_FALSE(grad_on(*beyond, "ca_layers.1.gamma1"));
  EXPECT_TRUE(grad_on(*beyond, "norm.weight"));  // as MMPretrain: only exactly num_layers
  auto none = build(arch);
  none->train();
  for (const auto& p : none->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(XCiT, InitWeightsAndTraining) {
  torch::manual_seed(0);
  auto m = build(std::string(kSmall) + ", depth=1, drop_path_rate=0.1, drop_rate=0.1");
  m->init_weights();
  auto p = m->named_parameters();
  const float cls_std = p["cls_token"].std().item<float>();
  EXPECT_GT(cls_std, 0.005f);
  EXPECT_LT(cls_std, 0.05f);
  // TruncNormal(layer='Linear') with MMEngine's default std=1, truncated to [-2, 2].
  const torch::Tensor w = p["xca_layers.0.attn.qkv.weight"];
  EXPECT_GT(w.std().item<float>(), 0.6f);
  EXPECT_LE(w.abs().max().item<float>(), 2.f);
  EXPECT_EQ(p["xca_layers.0.attn.qkv.bias"].abs().sum().item<float>(), 0.f);
  EXPECT_EQ(p["xca_layers.0.attn.temperature"].sum().item<float>(), 4.f);

  // One SGD step: every parameter gets a gradient.
  m->train();
  torch::optim::SGD sgd(m->parameters(), torch::optim::SGDOptions(0.01));
  auto out = m->forward(torch::randn({2, 3, 32, 32}))[0];
  out.pow(2).mean().backward();
  for (const auto& kv : m->named_parameters()) EXPECT_TRUE(kv.value().grad().defined()) << kv.key();
  sgd.step();
}

TEST(XCiT, ShippedRecipeTrainsAndPredicts) {
  // configs/xcit/xcit-nano-12-p16_8xb128_in1k.py without its batch augments (they would change
  // the objective between steps): three SGD steps on one batch of two 224x224 images lower the
  // loss, and predict gives a score per class.
  config::Config cfg = config::Config::fromfile(
      (std::filesystem::path(MMCPP_SOURCE_DIR) / "configs/xcit/xcit-nano-12-p16_8xb128_in1k.py")
          .string());
  config::Value mc = cfg.get("model")->deep_copy();
  if (const config::Value* dp = cfg.get("data_preprocessor"); dp && dp->is_dict())
    if (!mc.as_dict().contains("data_preprocessor")) mc.as_dict().set("data_preprocessor", *dp);
  mc.as_dict().erase("train_cfg");
  torch::manual_seed(0);
  std::shared_ptr<engine::BaseModel> model;
  {
    registry::ScopeGuard scope("mmpretrain");
    model = engine::build_model(mc);
  }
  ASSERT_NE(model, nullptr);
  model->init_weights();
  model->train();
  auto sgd = std::make_shared<torch::optim::SGD>(model->parameters(),
                                                 torch::optim::SGDOptions(0.01).momentum(0.9));
  engine::OptimWrapper wrapper(sgd, 1, config::Value());
  auto batch = [] {
    torch::manual_seed(7);
    data::DataBatch b;
    b.inputs = torch::randint(0, 255, {2, 3, 224, 224}).to(torch::kByte);
    for (std::int64_t i = 0; i < 2; ++i) {
      auto sample = std::make_shared<data::DataSample>();
      sample->set_gt_label(torch::tensor({i * 3}));
      b.data_samples.push_back(sample);
    }
    return b;
  };
  std::vector<double> losses;
  for (int step = 0; step < 3; ++step) {
    auto b = batch();
    auto log_vars = model->train_step(b, wrapper);
    double loss = 0;
    for (const auto& [k, v] : log_vars)
      if (k == "loss") loss = v.item<double>();
    ASSERT_TRUE(std::isfinite(loss)) << "step " << step;
    losses.push_back(loss);
  }
  EXPECT_LT(losses[2], losses[0]) << losses[0] << " " << losses[1] << " " << losses[2];
  model->eval();
  data::DataSamples preds = model->test_step(batch());
  ASSERT_EQ(preds.size(), 2u);
  EXPECT_TRUE(preds[0]->has("pred_score"));
}

}  // namespace
}  // namespace mmcpp::pretrain
