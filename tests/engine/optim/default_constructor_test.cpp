// DefaultOptimWrapperConstructor rules the oracle cases do not reach: DCN
// modules, our own norm modules (NormLayer), the log lines, extra group keys on
// the wrapper, and Python's errors.
#include <gtest/gtest.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/engine/optim/default_constructor.h"
#include "mmcpp/engine/optim/optim_wrapper.h"

namespace mmcpp::engine {
namespace {

using config::Value;
namespace nn = torch::nn;

Value dict(std::initializer_list<std::pair<const char*, Value>> items) {
  Value d = Value::dict(false);
  for (const auto& [k, v] : items) d.as_dict().set(Value(k), v);
  return d;
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

// mmcv's DeformConv2dPack shape: own weight/bias plus a `conv_offset` Conv2d child.
struct ToyDeformConv : nn::Module, DeformConvLayer {
  ToyDeformConv() {
    register_parameter("weight", torch::zeros({4, 4, 3, 3}));
    register_parameter("bias", torch::zeros({4}));
    register_module("conv_offset", nn::Conv2d(nn::Conv2dOptions(4, 18, 3)));
  }
};

// A norm module of our own (e.g. mmpretrain's LayerNorm2d).
struct ToyNorm : nn::Module, NormLayer {
  ToyNorm() {
    register_parameter("weight", torch::ones({4}));
    register_parameter("bias", torch::zeros({4}));
  }
};

struct Net : nn::Module {
  Net() {
    register_module("dcn", std::make_shared<ToyDeformConv>());
    register_module("norm", std::make_shared<ToyNorm>());
    register_module("fc", nn::Linear(4, 2));
  }
};

// lr and weight_decay of each parameter (by name) in the built wrapper.
std::map<std::string, std::pair<double, double>> lr_wd(nn::Module& net, OptimWrapper& ow) {
  std::map<const void*, std::string> names;
  for (const auto& p : net.named_parameters()) names[p.value().unsafeGetTensorImpl()] = p.key();
  std::map<std::string, std::pair<double, double>> out;
  auto& groups = ow.optimizer().param_groups();
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (const auto& p : groups[g].params())
      out[names.at(p.unsafeGetTensorImpl())] = {ow.get_value(g, "lr"),
                                                ow.get_value(g, "weight_decay")};
  return out;
}

TEST(DefaultOptimWrapperConstructor, DcnAndCustomNormRules) {
  Net net;
  Value cfg = dict({{"optimizer", dict({{"type", "SGD"}, {"lr", 1.0}, {"weight_decay", 1.0}})},
                    {"paramwise_cfg", dict({{"bias_lr_mult", 2.0},
                                            {"dcn_offset_lr_mult", 0.1},
                                            {"norm_decay_mult", 0.0},
                                            {"flat_decay_mult", 0.5}})}});
  auto ow = build_optim_wrapper(net, cfg);
  auto v = lr_wd(net, *ow);
  // The DCN module's own parameters are not "in" a DCN module: ordinary rules.
  EXPECT_EQ(v["dcn.weight"], std::make_pair(1.0, 1.0));
  EXPECT_EQ(v["dcn.bias"], std::make_pair(2.0, 0.5));
  // Its conv_offset child: dcn_offset_lr_mult on weight and bias (bias_lr_mult
  // not applied), no flat decay.
  EXPECT_EQ(v["dcn.conv_offset.weight"], std::make_pair(0.1, 1.0));
  EXPECT_EQ(v["dcn.conv_offset.bias"], std::make_pair(0.1, 1.0));
  // A NormLayer: norm_decay_mult before the bias/flat rules; no bias_lr_mult.
  EXPECT_EQ(v["norm.weight"], std::make_pair(1.0, 0.0));
  EXPECT_EQ(v["norm.bias"], std::make_pair(1.0, 0.0));
  EXPECT_EQ(v["fc.bias"], std::make_pair(2.0, 0.5));
  EXPECT_EQ(v["fc.weight"], std::make_pair(1.0, 1.0));
}

TEST(DefaultOptimWrapperConstructor, ExtraKeysReachTheWrapperAndLogs) {
  namespace fs = std::filesystem;
  std::string log =
      (fs::temp_directory_path() / ("mmcpp_paramwise_log_" + std::to_string(::getpid()) + ".log"))
          .string();
  fs::remove(log);
  Logger logger("mmengine", LogLevel::Info);
  logger.set_console(false);
  logger.add_file(log);

  nn::Module net;
  net.register_module("fc", nn::Linear(4, 2));
  net.register_parameter("cls_token", torch::zeros({1, 4}));
  net.register_parameter("frozen", torch::zeros({2}), /*requires_grad=*/false);
  Value custom = dict({{"fc", dict({{"lr_mult", 0}, {"dampening", 0.1}, {"tag", 3}})},
                       {".cls_token", dict({{"decay_mult", 0.0}})}});
  Value cfg = dict({{"optimizer", dict({{"type", "SGD"}, {"lr", 0.5}, {"weight_decay", 0.1}})},
                    {"paramwise_cfg", dict({{"custom_keys", custom}})}});
  auto ow = build_optim_wrapper(net, cfg, &logger);
  logger.flush();
  // Groups follow the module walk: own parameters (cls_token; frozen skipped) first.
  ASSERT_EQ(ow->optimizer().param_groups().size(), 3u);
  EXPECT_EQ(ow->num_groups(), 4u);  // + base_param_settings
  EXPECT_EQ(ow->get_value(0, "weight_decay"), 0.0);
  EXPECT_EQ(ow->get_value(0, "decay_mult"), 0.0);
  EXPECT_EQ(ow->get_value(1, "lr"), 0.0);
  EXPECT_EQ(ow->get_value(1, "lr_mult"), 0.0);
  EXPECT_EQ(ow->get_value(1, "dampening"), 0.1);  // an SGD option, set on the group
  EXPECT_EQ(ow->get_value(1, "tag"), 3.0);        // an extra key, kept by the wrapper
  EXPECT_EQ(ow->get_lr()["base_lr"][0], 0.5);

  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  for (const char* line : {"WARNING - .frozen is skipped since its requires_grad=False",
                           "INFO - paramwise_options -- cls_token:lr=0.5\n",
                           "INFO - paramwise_options -- cls_token:weight_decay=0.0\n",
                           "INFO - paramwise_options -- cls_token:decay_mult=0.0\n",
                           // base_lr * lr_mult is a float; lr_mult is logged as given (an int).
                           "INFO - paramwise_options -- fc.weight:lr=0.0\n",
                           "INFO - paramwise_options -- fc.weight:lr_mult=0\n",
                           "INFO - paramwise_options -- fc.bias:tag=3\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  fs::remove(log);
}

TEST(DefaultOptimWrapperConstructor, TiedWeightsAndErrors) {
  nn::Module net;
  auto a = net.register_module("a", nn::Linear(3, 3));
  auto b = net.register_module("b", std::make_shared<nn::Module>());
  b->register_parameter("weight", a->named_parameters(false)["weight"]);
  Value sgd = dict({{"type", "SGD"}, {"lr", 0.1}, {"weight_decay", 0.1}});
  // Without paramwise_cfg: model.parameters() holds the tied tensor once.
  auto plain = build_optim_wrapper(net, dict({{"optimizer", sgd}}));
  EXPECT_EQ(plain->optimizer().param_groups()[0].params().size(), 2u);
  // One group per parameter: the tied tensor twice is torch's ValueError ...
  expect_error(
      [&] {
        build_optim_wrapper(
            net, dict({{"optimizer", sgd}, {"paramwise_cfg", dict({{"bias_decay_mult", 0.0}})}}));
      },
      "ValueError", "some parameters appear in more than one parameter group");
  // ... unless bypass_duplicate skips it.
  auto ow = build_optim_wrapper(
      net, dict({{"optimizer", sgd}, {"paramwise_cfg", dict({{"bypass_duplicate", true}})}}));
  EXPECT_EQ(ow->optimizer().param_groups().size(), 2u);

  // lr_mult needs the optimizer's lr (Python: None * float).
  expect_error(
      [&] {
        build_optim_wrapper(
            net, dict({{"optimizer", dict({{"type", "Adam"}})},
                       {"paramwise_cfg",
                        dict({{"custom_keys", dict({{"a", dict({{"lr_mult", 0.1}})}})}})}}));
      },
      "TypeError", "unsupported operand type(s) for *: 'NoneType' and 'float'");
  expect_error(
      [&] {
        build_optim_wrapper(
            net, dict({{"optimizer", dict({{"type", "SGD"}, {"lr", 0.1}})},
                       {"paramwise_cfg",
                        dict({{"custom_keys", dict({{"a", dict({{"decay_mult", 0.1}})}})}})}}));
      },
      "ValueError", "base_wd should not be None");
  expect_error(
      [&] {
        build_optim_wrapper(
            net, dict({{"optimizer", sgd}, {"paramwise_cfg", dict({{"custom_keys", 1}})}}));
      },
      "TypeError", "custom_keys must be a dict");
  expect_error(
      [&] {
        build_optim_wrapper(net, dict({{"optimizer", sgd}, {"paramwise_cfg", 2}}));
      },
      "TypeError", "paramwise_cfg should be None or a dict");
  expect_error(
      [&] {
        build_optim_wrapper(net, dict({{"type", "OptimWrapper"}}));
      },
      "AssertionError", "must contain \"optimizer\"");
}

TEST(DefaultOptimWrapperConstructor, CustomKeyOrder) {
  // Longest first, ties alphabetical: 'fc.w' (4) beats 'neck' (4) on 'neck.fc.weight'.
  nn::Module net;
  auto neck = net.register_module("neck", std::make_shared<nn::Module>());
  neck->register_module("fc", nn::Linear(2, 2));
  Value custom = dict({{"neck", dict({{"lr_mult", 2.0}})},
                       {"fc.w", dict({{"lr_mult", 3.0}})},
                       {"", dict({{"lr_mult", 5.0}})}});
  DefaultOptimWrapperConstructor c(dict({{"optimizer", dict({{"type", "SGD"}, {"lr", 1.0}})}}),
                                   dict({{"custom_keys", custom}}));
  ParamGroups groups;
  c.add_params(groups, net, nullptr);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].options.as_dict().find("lr")->as_float(), 3.0);
  EXPECT_EQ(groups[1].options.as_dict().find("lr")->as_float(), 2.0);
}

}  // namespace
}  // namespace mmcpp::engine
