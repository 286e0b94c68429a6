// MMCV's transformer bricks: AdaptivePadding, PatchEmbed, PatchMerging, FFN and
// the nn.MultiheadAttention wrapper.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/transformer.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::mmcv {
namespace {

using config::Value;

std::vector<std::string> keys(torch::nn::Module& m) {
  std::vector<std::string> out;
  io::PyObject sd = engine::model_state_dict(m);
  for (const auto& [k, v] : sd.as_dict().entries()) out.push_back(k.as_str());
  return out;
}

TEST(TransformerBricks, AdaptivePadding) {
  AdaptivePadding corner(Size2{16, 16}, Size2{16, 16}, Size2{1, 1}, "corner");
  EXPECT_EQ(corner->get_pad_shape(35, 32), (Size2{13, 0}));
  torch::Tensor x = torch::ones({1, 1, 35, 32});
  torch::Tensor y = corner->forward(x);
  EXPECT_EQ(y.sizes(), (std::vector<std::int64_t>{1, 1, 48, 32}));
  EXPECT_EQ(y[0][0][47][0].item<float>(), 0);  // padded at the bottom
  AdaptivePadding same(Size2{2, 2}, Size2{2, 2}, Size2{1, 1}, "same");
  torch::Tensor z = same->forward(torch::ones({1, 1, 3, 3}));
  EXPECT_EQ(z[0][0][0][0].item<float>(), 1);  // pad (0, 1): nothing before
  EXPECT_THROW(AdaptivePadding(Size2{1, 1}, Size2{1, 1}, Size2{1, 1}, "valid"), Error);
}

TEST(TransformerBricks, PatchEmbed) {
  PatchEmbedOptions o;
  o.in_channels = 3;
  o.embed_dims = 8;
  o.kernel_size = Value(4);
  o.stride = Value(4);
  o.input_size = Value(30);
  o.norm_cfg = make_dict({{"type", Value("LN")}});
  PatchEmbed pe(o);
  EXPECT_EQ(*pe->init_out_size(), (Size2{8, 8}));  // 30 padded to 32
  EXPECT_EQ(keys(*pe), (std::vector<std::string>{"projection.weight", "projection.bias",
                                                 "norm.weight", "norm.bias"}));
  auto [x, hw] = pe->forward(torch::randn({2, 3, 30, 30}));
  EXPECT_EQ(x.sizes(), (std::vector<std::int64_t>{2, 64, 8}));
  EXPECT_EQ(hw, (Size2{8, 8}));
  o.padding = Value(0);
  o.input_size = Value(30);
  PatchEmbed nopad(o);
  EXPECT_EQ(*nopad->init_out_size(), (Size2{7, 7}));
  EXPECT_THROW(PatchEmbedOptions::from_dict(make_dict({{"embed_dim", Value(3)}})), Error);
}

TEST(TransformerBricks, PatchMerging) {
  PatchMergingOptions o;
  o.in_channels = 4;
  o.out_channels = 8;
  PatchMerging pm(o);
  EXPECT_EQ(keys(*pm), (std::vector<std::string>{"norm.weight", "norm.bias", "reduction.weight"}));
  auto [y, hw] = pm->forward(torch::randn({2, 5 * 6, 4}), {5, 6});
  EXPECT_EQ(hw, (Size2{3, 3}));
  EXPECT_EQ(y.sizes(), (std::vector<std::int64_t>{2, 9, 8}));
  // The unfolded order is channel-major, as nn.Unfold gives it.
  PatchMergingOptions lin;
  lin.in_channels = 1;
  lin.out_channels = 4;
  lin.norm_cfg = Value();
  PatchMerging plain(lin);
  {
    torch::NoGradGuard ng;
    plain->named_parameters()["reduction.weight"].copy_(torch::eye(4));
  }
  torch::Tensor img = torch::arange(16, torch::kFloat).view({1, 16, 1});
  auto [z, s] = plain->forward(img, {4, 4});
  EXPECT_TRUE(torch::equal(z[0][0], torch::tensor({0.f, 1.f, 4.f, 5.f})));
  EXPECT_THROW(plain->forward(img, {3, 4}), Error);
}

TEST(TransformerBricks, FFN) {
  registry::ScopeGuard scope("mmengine");
  auto m = registry::MODELS().build(
      config::Config::fromstring("x = dict(type='FFN', embed_dims=8, feedforward_channels=16, "
                                 "num_fcs=3, layer_scale_init_value=0.5)",
                                 ".py")
          .get("x")
          ->deep_copy());
  auto& ffn = dynamic_cast<FFNImpl&>(*m);
  EXPECT_EQ(keys(ffn),
            (std::vector<std::string>{"layers.0.0.weight", "layers.0.0.bias", "layers.1.0.weight",
                                      "layers.1.0.bias", "layers.2.weight", "layers.2.bias",
                                      "gamma2.weight"}));
  ffn.eval();
  torch::Tensor x = torch::randn({2, 3, 8});
  torch::Tensor id = torch::randn({2, 3, 8});
  torch::Tensor y = ffn.forward(x, id);
  torch::Tensor no_id = ffn.forward(x);
  EXPECT_TRUE(torch::allclose(y - id, no_id - x, 1e-5, 1e-6));
  FFNOptions bad;
  bad.num_fcs = 1;
  EXPECT_THROW(FFN{bad}, Error);
}

TEST(TransformerBricks, MultiheadAttention) {
  MultiheadAttentionOptions o;
  o.embed_dims = 8;
  o.num_heads = 2;
  o.batch_first = true;
  MultiheadAttention attn(o);
  auto k = keys(*attn);
  EXPECT_EQ(k, (std::vector<std::string>{"attn.in_proj_weight", "attn.in_proj_bias",
                                         "attn.out_proj.weight", "attn.out_proj.bias"}));
  attn->eval();
  torch::Tensor q = torch::randn({2, 5, 8});
  torch::Tensor out = attn->forward(q);
  EXPECT_EQ(out.sizes(), q.sizes());
  // identity + attention(query): the residual is the query by default.
  torch::Tensor zero_id = attn->forward(q, {}, {}, torch::zeros_like(q));
  EXPECT_TRUE(torch::allclose(out - q, zero_id, 1e-5, 1e-6));
}

}  // namespace
}  // namespace mmcpp::mmcv
