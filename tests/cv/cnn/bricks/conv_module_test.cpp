// ConvModule (mmcv/cnn/bricks/conv_module.py): submodule names, bias='auto',
// order, explicit padding, inplace activation, default init and errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/conv_module.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::mmcv {
namespace {

using config::Value;

Value parse(const std::string& text) {
  return config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

std::shared_ptr<ConvModuleImpl> build(const std::string& cfg) {
  return std::dynamic_pointer_cast<ConvModuleImpl>(registry::MODELS().build(parse(cfg)));
}

std::vector<std::string> keys(torch::nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& p : m.named_parameters()) out.push_back(p.key());
  for (const auto& b : m.named_buffers()) out.push_back(b.key());
  return out;
}

TEST(ConvModule, NamesBiasAndInit) {
  auto m = build(
      "dict(type='ConvModule', in_channels=3, out_channels=8, kernel_size=3, "
      "padding=1, norm_cfg=dict(type='BN'))");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(keys(*m),
            (std::vector<std::string>{"conv.weight", "bn.weight", "bn.bias", "bn.running_mean",
                                      "bn.running_var", "bn.num_batches_tracked"}));
  EXPECT_EQ(m->norm_name(), "bn");
  EXPECT_FALSE(m->with_bias());  // bias='auto' with a norm
  EXPECT_TRUE((m->norm().module().named_parameters()["weight"] == 1).all().item<bool>());
  // Kaiming normal, fan_out: std sqrt(2 / (8 * 9)).
  auto big = build("dict(type='ConvModule', in_channels=64, out_channels=256, kernel_size=3)");
  EXPECT_TRUE(big->with_bias());
  EXPECT_NEAR(big->conv().module().named_parameters()["weight"].std().item<double>(),
              std::sqrt(2.0 / (256 * 9)), 0.005);
  EXPECT_TRUE((big->conv().module().named_parameters()["bias"] == 0).all().item<bool>());
  torch::Tensor x = torch::randn({2, 3, 8, 8});
  EXPECT_EQ(m->forward(x).sizes(), (std::vector<std::int64_t>{2, 8, 8, 8}));
  EXPECT_GE(m->forward(x).min().item<double>(), 0);  // ReLU
  EXPECT_LT(m->forward(x, /*activate=*/false, true).min().item<double>(), 0);
}

TEST(ConvModule, OrderPaddingAndActivations) {
  auto pre = build(
      "dict(type='ConvModule', in_channels=4, out_channels=8, kernel_size=1, "
      "norm_cfg=dict(type='GN', num_groups=2), order=('norm', 'act', 'conv'))");
  EXPECT_EQ(pre->norm_name(), "gn");
  EXPECT_EQ(pre->norm().module().named_parameters()["weight"].size(0), 4);  // norm before conv
  auto reflect = build(
      "dict(type='ConvModule', in_channels=1, out_channels=1, kernel_size=3, "
      "padding=1, padding_mode='reflect', act_cfg=None)");
  EXPECT_TRUE(reflect->named_children().contains("padding_layer"));
  EXPECT_FALSE(reflect->with_activation());
  EXPECT_EQ(reflect->forward(torch::randn({1, 1, 5, 5})).sizes(),
            (std::vector<std::int64_t>{1, 1, 5, 5}));
  auto leaky = build(
      "dict(type='ConvModule', in_channels=2, out_channels=2, kernel_size=1, "
      "act_cfg=dict(type='LeakyReLU', negative_slope=0.2))");
  torch::Tensor y = leaky->activate()(torch::tensor({-1.0}));
  EXPECT_NEAR(y.item<double>(), -0.2, 1e-6);
  auto tanh = build(
      "dict(type='ConvModule', in_channels=2, out_channels=2, kernel_size=1, "
      "act_cfg=dict(type='Tanh'))");  // no `inplace` added for Tanh
  EXPECT_TRUE(tanh->with_activation());
  // Efficient conv-bn in eval mode computes the same as conv then bn.
  auto fused = build(
      "dict(type='ConvModule', in_channels=3, out_channels=4, kernel_size=3, "
      "padding=1, norm_cfg=dict(type='BN'), efficient_conv_bn_eval=True)");
  auto plain = build(
      "dict(type='ConvModule', in_channels=3, out_channels=4, kernel_size=3, "
      "padding=1, norm_cfg=dict(type='BN'))");
  {
    torch::NoGradGuard g;
    auto src = fused->named_parameters();
    for (auto& p : plain->named_parameters()) p.value().copy_(src[p.key()]);
    fused->norm().module().named_buffers()["running_var"].fill_(2);
    plain->norm().module().named_buffers()["running_var"].fill_(2);
  }
  fused->eval();
  plain->eval();
  torch::Tensor in = torch::randn({2, 3, 6, 6});
  EXPECT_TRUE(torch::allclose(fused->forward(in), plain->forward(in), 1e-5, 1e-5));
}

TEST(ConvModule, Errors) {
  auto kind = [](const std::string& cfg) -> std::string {
    try {
      build(cfg);
    } catch (const Error& e) {
      return e.kind();
    }
    return "";
  };
  EXPECT_EQ(kind("dict(type='ConvModule', in_channels=1, out_channels=1, kernel_size=1, "
                 "with_spectral_norm=True)"),
            "NotImplementedError");
  EXPECT_EQ(kind("dict(type='ConvModule', in_channels=1, out_channels=1, kernel_size=1, "
                 "order=('conv', 'act'))"),
            "AssertionError");
  EXPECT_EQ(kind("dict(type='ConvModule', in_channels=1, out_channels=1, kernel_size=1, "
                 "bias='yes')"),
            "ValueError");
  EXPECT_EQ(kind("dict(type='ConvModule', in_channels=1, out_channels=1)"), "TypeError");
}

}  // namespace
}  // namespace mmcpp::mmcv
