// PoolFormer: parameter counts of MMPretrain's model zoo (metafile.yml), the
// state-dict layout of a small arch (names/shapes as MMPretrain 1.2 builds
// them), outputs for every out_indices form, the pooling token mixer, drop
// path rates, frozen stages (patch_embed frozen by default, as MMPretrain
// does) and argument errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/models/backbones/poolformer.h"
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
  for (const auto& [k, v] : sd.as_dict().entries()) {
    auto t = v.as_tensor();
    out.emplace_back(k.as_str(), t.sizes().vec());
  }
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

const char* kSmall = "arch=dict(layers=[1, 1, 1, 1], embed_dims=[8, 16, 24, 32])";

TEST(PoolFormer, ParameterCountsOfTheModelZoo) {
  // Backbone + LinearClsHead(1000): metafile.yml's Parameters.
  auto with_head = [](const std::string& arch, std::int64_t c) {
    auto b = build("dict(type='PoolFormer', arch='" + arch + "')");
    return num_params(*b) + c * 1000 + 1000;
  };
  EXPECT_EQ(with_head("s12", 512), 11915176);
  EXPECT_EQ(with_head("s24", 512), 21388968);
  EXPECT_EQ(with_head("s36", 512), 30862760);
  EXPECT_EQ(with_head("m36", 768), 56172520);
  EXPECT_EQ(with_head("m48", 768), 73473448);
}

TEST(PoolFormer, StateDictLayoutMatchesMMPretrain) {
  auto m = build(std::string("dict(type='PoolFormer', ") + kSmall + ", out_indices=(0, 2, 4, 6))");
  auto l = layout(*m);
  ASSERT_EQ(l.size(), 56u);
  using V = std::vector<std::int64_t>;
  // The first block and downsampling as MMPretrain 1.2 lists them.
  const std::vector<std::pair<std::string, V>> head = {
      {"patch_embed.proj.weight", {8, 3, 7, 7}},
      {"patch_embed.proj.bias", {8}},
      {"network.0.0.layer_scale_1", {8}},
      {"network.0.0.layer_scale_2", {8}},
      {"network.0.0.norm1.weight", {8}},
      {"network.0.0.norm1.bias", {8}},
      {"network.0.0.norm2.weight", {8}},
      {"network.0.0.norm2.bias", {8}},
      {"network.0.0.mlp.fc1.weight", {32, 8, 1, 1}},
      {"network.0.0.mlp.fc1.bias", {32}},
      {"network.0.0.mlp.fc2.weight", {8, 32, 1, 1}},
      {"network.0.0.mlp.fc2.bias", {8}},
      {"network.1.proj.weight", {16, 8, 3, 3}},
      {"network.1.proj.bias", {16}},
      {"network.2.0.layer_scale_1", {16}}};
  EXPECT_EQ(decltype(l)(l.begin(), l.begin() + static_cast<std::ptrdiff_t>(head.size())), head);
  EXPECT_EQ(l[36], (std::pair<std::string, V>{"network.5.proj.weight", {32, 24, 3, 3}}));
  EXPECT_EQ(l[46], (std::pair<std::string, V>{"network.6.0.mlp.fc2.weight", {32, 128, 1, 1}}));
  const std::vector<std::pair<std::string, V>> tail = {
      {"norm0.weight", {8}},  {"norm0.bias", {8}},  {"norm2.weight", {16}}, {"norm2.bias", {16}},
      {"norm4.weight", {24}}, {"norm4.bias", {24}}, {"norm6.weight", {32}}, {"norm6.bias", {32}}};
  EXPECT_EQ(decltype(l)(l.end() - 8, l.end()), tail);
  // No buffers: GroupNorm, pooling and dropout have none.
  EXPECT_EQ(m->buffers().size(), 0u);
}

TEST(PoolFormer, OutputsForEveryOutIndicesForm) {
  torch::manual_seed(0);
  const auto x = torch::randn({2, 3, 64, 64});
  auto shapes = [&](const std::string& oi) {
    auto m = build(std::string("dict(type='PoolFormer', ") + kSmall + ", out_indices=" + oi + ")");
    m->eval();
    torch::NoGradGuard ng;
    std::vector<std::vector<std::int64_t>> out;
    for (const auto& t : m->forward(x)) out.push_back(t.sizes().vec());
    return out;
  };
  using S = std::vector<std::vector<std::int64_t>>;
  EXPECT_EQ(shapes("-1"), (S{{2, 32, 2, 2}}));
  EXPECT_EQ(shapes("(0, 2, 4, 6)"),
            (S{{2, 8, 16, 16}, {2, 16, 8, 8}, {2, 24, 4, 4}, {2, 32, 2, 2}}));
  // Downsampling outputs (odd indices) are normed over the next stage's dims;
  // the outputs follow the network's order, not out_indices'.
  EXPECT_EQ(shapes("[5, 1, -4]"), (S{{2, 16, 8, 8}, {2, 24, 4, 4}, {2, 32, 2, 2}}));
  EXPECT_EQ(shapes("[]"), S{});
  // Equal embed_dims: no downsampling between those stages.
  auto same = build(
      "dict(type='PoolFormer', arch=dict(layers=[1, 1], embed_dims=[8, 8]), out_indices=(1, ))");
  auto l = layout(*same);
  EXPECT_EQ(l[12].first, "network.1.0.layer_scale_1");
  EXPECT_EQ(l.back().first, "norm1.bias");
  EXPECT_EQ(same->forward(x)[0].sizes(), (std::vector<std::int64_t>{2, 8, 16, 16}));
}

TEST(PoolFormer, PoolingIsTheMeanOfTheValidNeighboursMinusTheInput) {
  Pooling pool(3);
  auto x = torch::arange(16, torch::kFloat).reshape({1, 1, 4, 4});
  auto y = pool->forward(x);
  // Corner (0, 0): mean of 0, 1, 4, 5 (padding not counted) minus 0.
  EXPECT_FLOAT_EQ(y[0][0][0][0].item<float>(), 2.5f);
  // Inner (1, 1): mean of its 3x3 neighbourhood equals itself.
  EXPECT_NEAR(y[0][0][1][1].item<float>(), 0.f, 1e-6);
  // Block: x + ls1 * (pool(norm1(x))) + ...: with layer scale 0 the block is the identity.
  auto m = build(std::string("dict(type='PoolFormer', ") +
                 "arch=dict(layers=[1, 1], embed_dims=[8, 8], layer_scale_init_value=0.), "
                 "out_indices=(0, ))");
  m->eval();
  auto params = m->named_parameters();
  torch::NoGradGuard ng;
  params["norm0.weight"].fill_(1);
  params["norm0.bias"].fill_(0);
  auto z = torch::randn({1, 3, 16, 16});
  auto emb =
      torch::conv2d(z, params["patch_embed.proj.weight"], params["patch_embed.proj.bias"], 4, 2);
  auto expected = torch::group_norm(emb, 1, params["norm0.weight"], params["norm0.bias"]);
  EXPECT_TRUE(torch::allclose(m->forward(z)[0], expected, 1e-5, 1e-6));
}

TEST(PoolFormer, DropPathRatesGrowOverAllBlocks) {
  auto m = build(std::string("dict(type='PoolFormer', ") + kSmall + ", drop_path_rate=0.3)");
  std::vector<double> rates;
  for (const auto& item : m->named_modules()) {
    const std::string& name = item.key();
    const auto& mod = item.value();
    if (name.size() < 10 || name.substr(name.size() - 9) != "drop_path") continue;
    auto* dp = dynamic_cast<mmcv::DropPathImpl*>(mod.get());
    rates.push_back(dp ? dp->drop_prob() : 0.);
  }
  ASSERT_EQ(rates.size(), 4u);
  EXPECT_DOUBLE_EQ(rates[0], 0.);  // an Identity, as drop_path 0 gives in MMPretrain
  EXPECT_NEAR(rates[1], 0.1, 1e-12);
  EXPECT_NEAR(rates[2], 0.2, 1e-12);
  EXPECT_NEAR(rates[3], 0.3, 1e-12);
}

TEST(PoolFormer, FrozenStages) {
  auto frozen = [](torch::nn::Module& m, const std::string& prefix) {
    bool all = true;
    for (const auto& p : m.named_parameters())
      if (p.key().rfind(prefix, 0) == 0) all = all && !p.value().requires_grad();
    return all;
  };
  auto trainable = [](torch::nn::Module& m, const std::string& prefix) {
    for (const auto& p : m.named_parameters())
      if (p.key().rfind(prefix, 0) == 0 && !p.value().requires_grad()) return false;
    return true;
  };
  // The default frozen_stages=0 freezes the stem (MMPretrain's `>= 0`).
  auto d = build(std::string("dict(type='PoolFormer', ") + kSmall + ")");
  d->train();
  EXPECT_TRUE(frozen(*d, "patch_embed."));
  EXPECT_TRUE(trainable(*d, "network."));
  auto none = build(std::string("dict(type='PoolFormer', ") + kSmall + ", frozen_stages=-1)");
  EXPECT_TRUE(trainable(*none, ""));
  auto two = build(std::string("dict(type='PoolFormer', ") + kSmall +
                   ", frozen_stages=2, out_indices=(0, 2, 6))");
  two->train();
  EXPECT_TRUE(frozen(*two, "network.0."));
  EXPECT_TRUE(frozen(*two, "network.1."));
  EXPECT_TRUE(frozen(*two, "norm0."));
  EXPECT_TRUE(trainable(*two, "network.2."));
  EXPECT_TRUE(trainable(*two, "norm2."));
  for (const auto& item : two->named_modules())
    if (item.key().rfind("network.1", 0) == 0)
      EXPECT_FALSE(item.value()->is_training()) << item.key();
  EXPECT_EQ(kind_of(std::string("dict(type='PoolFormer', ") + kSmall + ", frozen_stages=8)"),
            "IndexError");
}

TEST(PoolFormer, ArgumentsAndErrors) {
  EXPECT_EQ(kind_of("dict(type='PoolFormer', arch='S12')"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='PoolFormer', arch=dict(layers=[1, 1]))"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='PoolFormer', arch='s12', out_indices=-8)"), "AssertionError");
  EXPECT_EQ(kind_of("dict(type='PoolFormer', arch='s12', out_indices=9)"), "IndexError");
  EXPECT_EQ(kind_of("dict(type='PoolFormer', arch='s12', in_channels=1)"), "TypeError");
  EXPECT_EQ(kind_of("dict(type='PoolFormer', arch=dict(layers=[1], embed_dims=[8]), "
                    "drop_path_rate=0.1)"),
            "ZeroDivisionError");
  // The default out index 6 needs a fourth stage (MMPretrain's embed_dims[3]).
  EXPECT_EQ(kind_of("dict(type='PoolFormer', arch=dict(layers=[1, 1], embed_dims=[8, 16]))"),
            "IndexError");
  // mlp_ratios, layer_scale_init_value, pool_size, patch arguments and act_cfg.
  auto m = build(
      "dict(type='PoolFormer', arch=dict(layers=[1, 1], embed_dims=[8, 16], mlp_ratios=[2, 3], "
      "layer_scale_init_value=0.5), pool_size=5, in_patch_size=4, in_stride=4, in_pad=0, "
      "down_patch_size=2, down_stride=2, down_pad=0, act_cfg=dict(type='ReLU'), drop_rate=0.1, "
      "out_indices=(2, ))");
  auto p = m->named_parameters();
  EXPECT_EQ(p["patch_embed.proj.weight"].sizes(), (std::vector<std::int64_t>{8, 3, 4, 4}));
  EXPECT_EQ(p["network.1.proj.weight"].sizes(), (std::vector<std::int64_t>{16, 8, 2, 2}));
  EXPECT_EQ(p["network.0.0.mlp.fc1.weight"].sizes(), (std::vector<std::int64_t>{16, 8, 1, 1}));
  EXPECT_EQ(p["network.2.0.mlp.fc1.weight"].sizes(), (std::vector<std::int64_t>{48, 16, 1, 1}));
  EXPECT_FLOAT_EQ(p["network.0.0.layer_scale_1"][0].item<float>(), 0.5f);
  m->eval();
  EXPECT_EQ(m->forward(torch::randn({1, 3, 32, 32}))[0].sizes(),
            (std::vector<std::int64_t>{1, 16, 4, 4}));
  // The arch table: s36 and the m archs use layer scale 1e-6.
  const auto& table = poolformer_arch_settings();
  ASSERT_EQ(table.size(), 5u);
  EXPECT_EQ(table[2].first, "s36");
  EXPECT_DOUBLE_EQ(table[2].second.layer_scale_init_value, 1e-6);
  EXPECT_DOUBLE_EQ(table[1].second.layer_scale_init_value, 1e-5);
}

TEST(PoolFormer, ConfigInitAndTrainingStep) {
  // MMPretrain's model config: TruncNormal convs, GroupNorm weight 1 bias 0.
  auto m = build(std::string("dict(type='PoolFormer', ") + kSmall +
                 ", drop_path_rate=0.1, init_cfg=[dict(type='TruncNormal', layer=['Conv2d', "
                 "'Linear'], std=.02, bias=0.), dict(type='Constant', layer=['GroupNorm'], "
                 "val=1., bias=0.)])");
  m->init_weights();
  auto p = m->named_parameters();
  // MMEngine's TruncNormal cuts at the absolute bounds a=-2, b=2: std 0.02.
  EXPECT_NEAR(p["network.0.0.mlp.fc1.weight"].std().item<float>(), 0.02f, 0.004f);
  EXPECT_EQ(p["network.0.0.mlp.fc1.bias"].abs().max().item<float>(), 0.f);
  EXPECT_EQ(p["network.0.0.norm1.weight"].min().item<float>(), 1.f);
  m->train();
  auto out = m->forward(torch::randn({2, 3, 32, 32}));
  out[0].sum().backward();
  EXPECT_TRUE(p["network.6.0.mlp.fc2.weight"].grad().defined());
  EXPECT_FALSE(p["patch_embed.proj.weight"].grad().defined());  // frozen stem
}

}  // namespace
}  // namespace mmcpp::pretrain
