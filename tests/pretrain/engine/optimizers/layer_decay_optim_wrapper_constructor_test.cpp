// LearningRateDecayOptimWrapperConstructor beyond the oracle case: where the
// layer depth comes from, its errors, and the rules without weight_decay.
#include <gtest/gtest.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/types.h>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/pretrain/engine/optimizers/layer_decay_optim_wrapper_constructor.h"
#include "mmcpp/pretrain/models/utils/layer_depth.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {
namespace {

using config::Value;
namespace nn = torch::nn;

Value parse(const std::string& text) {
  return config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

template <class Fn>
void expect_error(Fn fn, const std::string& kind, const std::string& part) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected " << kind;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

// Depth = the number after "blocks." (+1); stem 0; everything else last.
struct Blocks : nn::Module, LayerDepthInterface {
  Blocks() {
    register_parameter("stem", torch::zeros({2, 2}));
    for (int i = 0; i < 2; ++i) register_module("blocks_" + std::to_string(i), nn::Linear(2, 2));
    register_module("norm", nn::LayerNorm(nn::LayerNormOptions({2})));
  }
  std::pair<std::int64_t, std::int64_t> get_layer_depth(const std::string& name,
                                                        const std::string& prefix) const override {
    seen_prefix = prefix;
    std::string n = name.substr(prefix.size());
    if (name.rfind(prefix, 0) != 0) return {3, 4};
    if (n == "stem") return {0, 4};
    if (n.rfind("blocks_", 0) == 0) return {std::stoll(n.substr(7, 1)) + 1, 4};
    return {3, 4};
  }
  mutable std::string seen_prefix;
};

struct Classifier : nn::Module {
  Classifier() {
    backbone = register_module("backbone", std::make_shared<Blocks>());
    register_module("head", nn::Linear(2, 3));
  }
  std::shared_ptr<Blocks> backbone;
};

const char* kCfg =
    "dict(optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.1), "
    "constructor='LearningRateDecayOptimWrapperConstructor', "
    "paramwise_cfg=dict(layer_decay_rate=0.5, norm_decay_mult=0.0, bias_decay_mult=0.5, "
    "custom_keys={'.stem': dict(decay_mult=0.0, lr_mult=10.0)}))";

TEST(LearningRateDecayOptimWrapperConstructor, DepthFromTheBackbone) {
  OPTIM_WRAPPER_CONSTRUCTORS();  // the package is loaded
  registry::ScopeGuard scope("mmpretrain");
  Classifier model;
  model.backbone->named_parameters(false)["stem"].set_requires_grad(false);
  auto ow = engine::build_optim_wrapper(model, parse(kCfg));
  EXPECT_EQ(model.backbone->seen_prefix, "backbone.");
  // stem frozen: blocks_0 (w, b), blocks_1 (w, b), norm (w, b), head (w, b).
  ASSERT_EQ(ow->optimizer().param_groups().size(), 8u);
  EXPECT_EQ(ow->get_value(0, "lr"), 0.25);  // depth 1 of 4: 0.5 ** 2
  EXPECT_EQ(ow->get_value(0, "layer_id"), 1);
  EXPECT_EQ(ow->get_value(0, "weight_decay"), 0.1);
  EXPECT_EQ(ow->get_value(1, "weight_decay"), 0.05);  // bias
  EXPECT_EQ(ow->get_value(2, "lr"), 0.5);
  EXPECT_EQ(ow->get_value(4, "weight_decay"), 0.0);  // norm before bias
  EXPECT_EQ(ow->get_value(5, "weight_decay"), 0.0);
  EXPECT_EQ(ow->get_value(6, "lr"), 1.0);
  EXPECT_EQ(ow->get_value(6, "lr_scale"), 1.0);

  // The custom key sets weight decay only; lr_mult is copied but does nothing.
  model.backbone->named_parameters(false)["stem"].set_requires_grad(true);
  LearningRateDecayOptimWrapperConstructor c(
      parse("dict(optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.1))"),
      parse(kCfg).as_dict().find("paramwise_cfg")->deep_copy());
  engine::ParamGroups groups;
  c.add_params(groups, model, nullptr);
  const auto& stem = groups.front().options.as_dict();
  EXPECT_EQ(stem.find("weight_decay")->as_float(), 0.0);
  EXPECT_EQ(stem.find("lr_mult")->as_float(), 10.0);
  EXPECT_EQ(stem.find("lr")->as_float(), 0.125);
  EXPECT_EQ(stem.find("param_name")->as_str(), "backbone.stem");
}

TEST(LearningRateDecayOptimWrapperConstructor, ModelItselfAndErrors) {
  // A backbone used as the model answers with an empty prefix; no weight_decay
  // in the optimizer: no weight_decay key at all (and custom keys unused).
  Blocks blocks;
  LearningRateDecayOptimWrapperConstructor c(parse("dict(optimizer=dict(type='AdamW', lr=2))"),
                                             parse("dict(layer_decay_rate=2)"));
  engine::ParamGroups groups;
  c.add_params(groups, blocks, nullptr);
  EXPECT_EQ(blocks.seen_prefix, "");
  const auto& g0 = groups.front().options.as_dict();
  EXPECT_FALSE(g0.contains("weight_decay"));
  EXPECT_TRUE(g0.find("lr_scale")->is_int());  // 2 ** 3 stays an int, as in Python
  EXPECT_EQ(g0.find("lr")->as_int(), 16);

  nn::Module plain;
  plain.register_module("fc", nn::Linear(2, 2));
  expect_error([&] { c.add_params(groups, plain, nullptr); }, "NotImplementedError",
               "has `get_layer_depth` method");
  nn::Module with_backbone;
  with_backbone.register_module("backbone", nn::Linear(2, 2));
  expect_error([&] { c.add_params(groups, with_backbone, nullptr); }, "NotImplementedError",
               "doesn't support `get_layer_depth` by now");
}

}  // namespace
}  // namespace mmcpp::pretrain
