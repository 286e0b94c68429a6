// MMCV's layer builders (mmcv/cnn/bricks: conv, norm, activation, padding,
// upsample, drop, scale) with MMCV's names, arguments and error kinds.
#include <gtest/gtest.h>

#include <algorithm>

#include <torch/torch.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/activation.h"
#include "mmcpp/cv/cnn/bricks/conv.h"
#include "mmcpp/cv/cnn/bricks/drop.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/cv/cnn/bricks/padding.h"
#include "mmcpp/cv/cnn/bricks/scale.h"
#include "mmcpp/cv/cnn/bricks/upsample.h"
#include "mmcpp/engine/model/python_class.h"
#include "mmcpp/registry/config_check.h"

namespace mmcpp::mmcv {
namespace {

using config::Value;

Value parse(const std::string& text) {
  return config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

std::string error_kind(const std::function<void()>& fn, std::string* what = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (what) *what = e.what();
    return e.kind();
  }
  return "";
}

TEST(BuildConvLayer, NamesAndArguments) {
  engine::Layer conv =
      build_conv_layer(Value(), {Value(3), Value(8), Value(3)},
                       {{"stride", Value(2)}, {"padding", Value(1)}, {"bias", Value(false)}});
  auto* c = conv.as<torch::nn::Conv2dImpl>();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->weight.sizes(), (std::vector<std::int64_t>{8, 3, 3, 3}));
  EXPECT_FALSE(c->bias.defined());
  EXPECT_EQ(conv(torch::zeros({1, 3, 8, 8})).sizes(), (std::vector<std::int64_t>{1, 8, 4, 4}));
  EXPECT_EQ(engine::python_class_of(*c).bases, std::vector<std::string>{"_ConvNd"});
  // 'Conv' is MMCV's wrapper: Python class Conv2d with base Conv2d.
  engine::Layer w = build_conv_layer(parse("dict(type='Conv')"), {Value(3), Value(8), Value(1)});
  EXPECT_EQ(engine::python_class_of(w.module()).name, "Conv2d");
  EXPECT_EQ(engine::python_class_of(w.module()).bases, std::vector<std::string>{"Conv2d"});
  engine::Layer d = build_conv_layer(parse("dict(type='deconv')"), {Value(8), Value(4), Value(2)},
                                     {{"stride", Value(2)}});
  EXPECT_EQ(d(torch::zeros({1, 8, 4, 4})).sizes(), (std::vector<std::int64_t>{1, 4, 8, 8}));
  // Keyword given twice (cfg and kwargs), positional and keyword, unknown key, unknown type.
  EXPECT_EQ(error_kind([] {
              build_conv_layer(parse("dict(type='Conv2d', bias=False)"),
                               {Value(3), Value(8), Value(1)}, {{"bias", Value(true)}});
            }),
            "TypeError");
  EXPECT_EQ(
      error_kind([] {
        build_conv_layer(Value(), {Value(3), Value(8), Value(1)}, {{"in_channels", Value(3)}});
      }),
      "TypeError");
  EXPECT_EQ(
      error_kind([] {
        build_conv_layer(parse("dict(type='Conv2d', colour=1)"), {Value(3), Value(8), Value(1)});
      }),
      "TypeError");
  std::string what;
  EXPECT_EQ(error_kind(
                [] {
                  build_conv_layer(parse("dict(type='Conv4d')"), {Value(3), Value(8), Value(1)});
                },
                &what),
            "KeyError");
  EXPECT_NE(what.find("Conv3d"), std::string::npos) << what;
  EXPECT_EQ(error_kind([] { build_conv_layer(parse("dict(kernel=1)")); }), "KeyError");
  EXPECT_EQ(error_kind([] { build_conv_layer(Value(3)); }), "TypeError");
}

TEST(BuildNormLayer, InferredNamesAndRequiresGrad) {
  auto [bn, bn_layer] = build_norm_layer(parse("dict(type='BN')"), 8, 1);
  EXPECT_EQ(bn, "bn1");
  EXPECT_NE(bn_layer.as<torch::nn::BatchNorm2dImpl>(), nullptr);
  EXPECT_DOUBLE_EQ(bn_layer.as<torch::nn::BatchNorm2dImpl>()->options.eps(), 1e-5);
  EXPECT_EQ(build_norm_layer(parse("dict(type='SyncBN')"), 8).first, "bn");
  EXPECT_EQ(build_norm_layer(parse("dict(type='GN', num_groups=2)"), 8, "x").first, "gnx");
  EXPECT_EQ(build_norm_layer(parse("dict(type='LN')"), 8).first, "ln");
  EXPECT_EQ(build_norm_layer(parse("dict(type='IN')"), 8).first, "in");
  EXPECT_EQ(build_norm_layer(parse("dict(type='BN1d')"), 8).first, "bn");
  auto [name, frozen] = build_norm_layer(parse("dict(type='BN', requires_grad=False, eps=0.1)"), 4);
  for (const auto& p : frozen.module().parameters()) EXPECT_FALSE(p.requires_grad());
  EXPECT_DOUBLE_EQ(frozen.as<torch::nn::BatchNorm2dImpl>()->options.eps(), 0.1);
  // SyncBN (plain BN until distributed lands) accepts any rank >= 2.
  auto sync = build_norm_layer(parse("dict(type='SyncBN')"), 4).second;
  EXPECT_EQ(engine::python_class_of(sync.module()).name, "SyncBatchNorm");
  EXPECT_EQ(sync(torch::randn({3, 4})).sizes(), (std::vector<std::int64_t>{3, 4}));
  EXPECT_TRUE(is_batch_norm(sync.module()));
  EXPECT_EQ(error_kind([] { build_norm_layer(parse("dict(type='GN')"), 8); }), "AssertionError");
  std::string what;
  EXPECT_EQ(error_kind([] { build_norm_layer(parse("dict(type='BatchNorm')"), 8); }, &what),
            "KeyError");
  EXPECT_NE(what.find("SyncBN"), std::string::npos) << what;
  EXPECT_TRUE(is_norm(*torch::nn::GroupNorm(2, 4)));
  EXPECT_FALSE(is_norm(*torch::nn::Linear(2, 4)));
}

TEST(BuildActivationLayer, TypesAndDefaults) {
  torch::Tensor x = torch::linspace(-5, 5, 11);
  EXPECT_TRUE(
      torch::allclose(build_activation_layer(parse("dict(type='ReLU')"))(x), torch::relu(x)));
  EXPECT_TRUE(torch::allclose(build_activation_layer(parse("dict(type='HSigmoid')"))(x),
                              ((x + 3) / 6).clamp(0, 1)));
  EXPECT_TRUE(torch::allclose(
      build_activation_layer(parse("dict(type='HSigmoid', bias=1.0, divisor=2.0)"))(x),
      ((x + 1) / 2).clamp(0, 1)));
  EXPECT_TRUE(torch::allclose(build_activation_layer(parse("dict(type='HSwish')"))(x),
                              x * torch::clamp(x + 3, 0, 6) / 6));
  EXPECT_EQ(
      engine::python_class_of(build_activation_layer(parse("dict(type='HSwish')")).module()).name,
      "Hardswish");
  EXPECT_TRUE(torch::allclose(build_activation_layer(parse("dict(type='Swish')"))(x),
                              x * torch::sigmoid(x)));
  EXPECT_TRUE(torch::allclose(build_activation_layer(parse("dict(type='Clip', min=-1, max=2)"))(x),
                              x.clamp(-1, 2)));
  EXPECT_TRUE(torch::allclose(
      build_activation_layer(parse("dict(type='LeakyReLU', negative_slope=0.2)"))(x),
      torch::leaky_relu(x, 0.2)));
  for (const char* t : {"PReLU", "RReLU", "ReLU6", "ELU", "Sigmoid", "Tanh", "GELU", "SiLU"})
    EXPECT_EQ(build_activation_layer(parse(std::string("dict(type='") + t + "')"))(x).sizes(),
              x.sizes())
        << t;
  EXPECT_EQ(error_kind([] { build_activation_layer(parse("dict(type='Tanh', inplace=True)")); }),
            "TypeError");
  EXPECT_EQ(error_kind([] { build_activation_layer(parse("dict(type='Relu')")); }), "KeyError");
}

TEST(BuildPaddingAndUpsample, Layers) {
  torch::Tensor x = torch::arange(16, torch::kFloat).reshape({1, 1, 4, 4});
  EXPECT_EQ(build_padding_layer(parse("dict(type='reflect')"), {Value(1)})(x).sizes(),
            (std::vector<std::int64_t>{1, 1, 6, 6}));
  EXPECT_EQ(build_padding_layer(parse("dict(type='zero')"), {Value(2)})(x).sum().item<double>(),
            x.sum().item<double>());
  EXPECT_EQ(error_kind([] { build_padding_layer(parse("dict(type='mirror')"), {Value(1)}); }),
            "KeyError");
  engine::Layer up = build_upsample_layer(parse("dict(type='bilinear', scale_factor=2)"));
  EXPECT_EQ(up(x).sizes(), (std::vector<std::int64_t>{1, 1, 8, 8}));
  engine::Layer nearest = build_upsample_layer(parse("dict(type='nearest', scale_factor=2)"));
  EXPECT_TRUE(torch::equal(nearest(x), x.repeat_interleave(2, 2).repeat_interleave(2, 3)));
  engine::Layer ps =
      build_upsample_layer(parse("dict(type='pixel_shuffle', scale_factor=2, upsample_kernel=3)"),
                           {}, {{"in_channels", Value(1)}, {"out_channels", Value(2)}});
  EXPECT_EQ(ps(x).sizes(), (std::vector<std::int64_t>{1, 2, 8, 8}));
  EXPECT_TRUE(ps.module().named_parameters().contains("upsample_conv.weight"));
}

TEST(DropAndScale, Behaviour) {
  torch::Tensor x = torch::ones({1000, 4});
  DropPath dp(0.5);
  dp->eval();
  EXPECT_TRUE(torch::equal(dp(x), x));
  dp->train();
  torch::manual_seed(0);
  torch::Tensor y = dp(x);
  // Each sample is kept (scaled by 2) or dropped as a whole.
  EXPECT_TRUE(((y.select(1, 0) == 0) | (y.select(1, 0) == 2)).all().item<bool>());
  EXPECT_TRUE(torch::equal(y.select(1, 0), y.select(1, 3)));
  EXPECT_NEAR(y.mean().item<double>(), 1.0, 0.15);
  EXPECT_TRUE(torch::equal(drop_path(x, 0.0, true), x));
  engine::Layer d = build_dropout(parse("dict(type='Dropout', drop_prob=0.3)"));
  EXPECT_EQ(engine::python_class_of(d.module()).name, "Dropout");
  Scale s(2.0);
  EXPECT_TRUE(torch::allclose(s(x), x * 2));
  EXPECT_EQ(s->named_parameters()["scale"].dim(), 0);
  LayerScale ls(4, false, "channels_first", 0.5);
  EXPECT_TRUE(torch::allclose(ls(torch::ones({2, 4, 3, 3})), torch::full({2, 4, 3, 3}, 0.5)));
}

// `mmcpp check` knows the builders' type names (config_check.h's tables).
TEST(LayerBuilders, NamesKnownToTheConfigChecker) {
  auto has = [](const char* kind, const std::string& name) {
    auto names = registry::registered_layer_names(kind);
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  for (const char* n : {"BN", "BN1d", "SyncBN", "GN", "LN", "IN"})
    EXPECT_TRUE(has(registry::kNormLayers, n)) << n;
  for (const char* n : {"ReLU", "GELU", "HSwish", "Clamp"})
    EXPECT_TRUE(has(registry::kActivationLayers, n)) << n;
  for (const char* n : {"Conv2d", "deconv"}) EXPECT_TRUE(has(registry::kConvLayers, n)) << n;
  for (const char* n : {"zero", "reflect", "replicate"})
    EXPECT_TRUE(has(registry::kPaddingLayers, n)) << n;
  for (const char* n : {"nearest", "pixel_shuffle"})
    EXPECT_TRUE(has(registry::kUpsampleLayers, n)) << n;
}

}  // namespace
}  // namespace mmcpp::mmcv
