// OptimWrapper, optimizer factories and build_optim_wrapper.
#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>

#include <cmath>
#include <string>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;

Value dict(std::initializer_list<std::pair<const char*, Value>> items) {
  Value d = Value::dict(false);
  for (const auto& [k, v] : items) d.as_dict().set(Value(k), v);
  return d;
}

struct Net : torch::nn::Module {
  Net() {
    w = register_parameter("w", torch::tensor({1.0, -2.0, 3.0}));
    b = register_parameter("b", torch::tensor({0.5}));
  }
  torch::Tensor w, b;
};

std::shared_ptr<torch::optim::Optimizer> build_opt(const Value& cfg, std::vector<torch::Tensor> p) {
  return registry::OPTIMIZERS().build(cfg, Value(), {{"params", std::any(p)}});
}

// Expects `fn` to throw mmcpp::Error of `kind` whose message contains `part`.
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

TEST(Optimizers, DefaultsFollowPyTorch) {
  std::vector<torch::Tensor> p = {torch::zeros({2}, torch::requires_grad())};
  auto sgd = build_opt(dict({{"type", "SGD"}, {"lr", 0.1}}), p);
  auto& so = sgd->param_groups()[0];
  EXPECT_DOUBLE_EQ(get_group_option(so, "lr"), 0.1);
  EXPECT_EQ(get_group_option(so, "momentum"), 0);
  EXPECT_EQ(get_group_option(so, "nesterov"), 0);
  auto adam = build_opt(dict({{"type", "Adam"}}), p);
  auto& ao = adam->param_groups()[0];
  EXPECT_DOUBLE_EQ(get_group_option(ao, "lr"), 1e-3);
  EXPECT_DOUBLE_EQ(get_group_option(ao, "betas0"), 0.9);
  EXPECT_DOUBLE_EQ(get_group_option(ao, "betas1"), 0.999);
  EXPECT_DOUBLE_EQ(get_group_option(ao, "eps"), 1e-8);
  EXPECT_EQ(get_group_option(ao, "weight_decay"), 0);
  auto adamw = build_opt(dict({{"type", "AdamW"}, {"betas", Value::tuple({0.8, 0.99})}}), p);
  EXPECT_DOUBLE_EQ(get_group_option(adamw->param_groups()[0], "weight_decay"), 1e-2);
  EXPECT_DOUBLE_EQ(get_group_option(adamw->param_groups()[0], "betas0"), 0.8);
  auto rms = build_opt(dict({{"type", "RMSprop"}}), p);
  EXPECT_DOUBLE_EQ(get_group_option(rms->param_groups()[0], "lr"), 1e-2);
  EXPECT_DOUBLE_EQ(get_group_option(rms->param_groups()[0], "alpha"), 0.99);
  auto ada = build_opt(dict({{"type", "Adagrad"}, {"lr_decay", 0.5}}), p);
  EXPECT_DOUBLE_EQ(get_group_option(ada->param_groups()[0], "eps"), 1e-10);
  EXPECT_DOUBLE_EQ(get_group_option(ada->param_groups()[0], "lr_decay"), 0.5);
  EXPECT_FALSE(has_group_option(ada->param_groups()[0], "momentum"));
  // Python-only flags at their defaults are accepted.
  build_opt(dict({{"type", "Adam"}, {"foreach", Value()}, {"maximize", false}}), p);
}

TEST(Optimizers, Errors) {
  std::vector<torch::Tensor> p = {torch::zeros({2}, torch::requires_grad())};
  expect_error(
      [&] {
        build_opt(dict({{"type", "SGD"}, {"lr", 0.1}, {"amsgrad", true}}), p);
      },
      "TypeError", "amsgrad");
  expect_error([&] { build_opt(dict({{"type", "SGD"}}), p); }, "ValueError", "lr");
  expect_error(
      [&] {
        build_opt(dict({{"type", "SGD"}, {"lr", -1.0}}), p);
      },
      "ValueError", "Invalid learning rate");
  expect_error(
      [&] {
        build_opt(dict({{"type", "SGD"}, {"lr", 0.1}, {"nesterov", true}}), p);
      },
      "ValueError", "Nesterov");
  expect_error(
      [&] {
        build_opt(dict({{"type", "Adam"}, {"betas", Value::tuple({1.5, 0.9})}}), p);
      },
      "ValueError", "beta parameter at index 0");
  expect_error(
      [&] {
        build_opt(dict({{"type", "Adam"}, {"maximize", true}}), p);
      },
      "NotImplementedError", "maximize");
  expect_error(
      [&] {
        build_opt(dict({{"type", "SGD"}, {"lr", 0.1}}), {});
      },
      "ValueError", "empty parameter list");
  expect_error(
      [&] {
        registry::OPTIMIZERS().build(dict({{"type", "SGD"}, {"lr", 0.1}}), Value(), {});
      },
      "TypeError", "params");
  auto sgd = build_opt(dict({{"type", "SGD"}, {"lr", 0.1}}), p);
  expect_error([&] { get_group_option(sgd->param_groups()[0], "betas0"); }, "KeyError", "betas0");
}

TEST(Optimizers, ParamGroupSpecs) {
  torch::Tensor a = torch::zeros({2}, torch::requires_grad());
  torch::Tensor b = torch::zeros({3}, torch::requires_grad());
  std::vector<ParamGroupSpec> specs = {{{a}, Value()},
                                       {{b}, dict({{"lr", 0.5}, {"momentum", 0.0}})}};
  auto opt = registry::OPTIMIZERS().build(dict({{"type", "SGD"}, {"lr", 0.1}, {"momentum", 0.9}}),
                                          Value(), {{"params", std::any(specs)}});
  ASSERT_EQ(opt->param_groups().size(), 2u);
  EXPECT_DOUBLE_EQ(get_group_option(opt->param_groups()[0], "lr"), 0.1);
  EXPECT_DOUBLE_EQ(get_group_option(opt->param_groups()[0], "momentum"), 0.9);
  EXPECT_DOUBLE_EQ(get_group_option(opt->param_groups()[1], "lr"), 0.5);
  EXPECT_EQ(get_group_option(opt->param_groups()[1], "momentum"), 0.0);
  std::vector<ParamGroupSpec> bad = {{{a}, dict({{"lr_mult", 0.5}})}};
  expect_error(
      [&] {
        registry::OPTIMIZERS().build(dict({{"type", "SGD"}, {"lr", 0.1}}), Value(),
                                     {{"params", std::any(bad)}});
      },
      "TypeError", "lr_mult");
}

TEST(BuildOptimWrapper, DefaultsAndUnsupported) {
  Net net;
  auto ow = build_optim_wrapper(
      net, dict({{"optimizer", dict({{"type", "SGD"}, {"lr", 0.01}, {"momentum", 0.9}})}}));
  EXPECT_EQ(ow->num_groups(), 1u);
  EXPECT_FALSE(ow->has_base_param_settings());
  EXPECT_EQ(ow->optimizer().param_groups()[0].params().size(), 2u);
  auto lr = ow->get_lr();
  EXPECT_EQ(lr.count("base_lr"), 0u);
  EXPECT_DOUBLE_EQ(lr["lr"][0], 0.01);
  EXPECT_DOUBLE_EQ(ow->get_momentum()["momentum"][0], 0.9);
  // Explicit default constructor and empty paramwise_cfg are the plain path.
  build_optim_wrapper(net, dict({{"type", "OptimWrapper"},
                                 {"constructor", "DefaultOptimWrapperConstructor"},
                                 {"paramwise_cfg", Value::dict(false)},
                                 {"optimizer", dict({{"type", "Adam"}})}}));
  expect_error(
      [&] {
        build_optim_wrapper(net, dict({{"optimizer", dict({{"type", "SGD"}, {"lr", 0.01}})},
                                       {"paramwise_cfg", dict({{"norm_decay_mult", 0.0}})}}));
      },
      "ValueError", "base_wd should not be None");
  expect_error(
      [&] {
        build_optim_wrapper(net, dict({{"optimizer", dict({{"type", "SGD"}, {"lr", 0.01}})},
                                       {"constructor", "LayerDecayOptimWrapperConstructor"}}));
      },
      "KeyError", "LayerDecayOptimWrapperConstructor is not in the");
  expect_error(
      [&] {
        build_optim_wrapper(net, dict({{"type", "OptimWrapper"}}));
      },
      "AssertionError", "optimizer");
  expect_error(
      [&] {
        build_optim_wrapper(net, dict({{"optimizer", dict({{"type", "SGD"}, {"lr", 0.01}})},
                                       {"accumulative_count", 2}}));
      },
      "TypeError", "accumulative_count");
}

TEST(OptimWrapper, AccumulationTailRule) {
  torch::Tensor w = torch::tensor({1.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto opt = build_opt(dict({{"type", "SGD"}, {"lr", 1.0}}), {w});
  OptimWrapper ow(opt, 3, Value());
  ow.initialize_count_status(0, 10);
  std::vector<double> factors;
  std::vector<std::int64_t> updates;
  for (int i = 0; i < 10; ++i) {
    torch::Tensor loss = torch::tensor(1.0, torch::kFloat64);
    factors.push_back(1.0 / ow.scale_loss(loss).item<double>());
    EXPECT_EQ(ow.should_sync(), (i + 1) % 3 == 0 || i + 1 == 10) << i;
    ow.update_params((w * 1.0).sum());
    if (ow.inner_count() % 3 == 0 || ow.inner_count() == 10) updates.push_back(ow.inner_count());
  }
  std::vector<double> want = {3, 3, 3, 3, 3, 3, 3, 3, 3, 1};
  EXPECT_EQ(factors, want);
  EXPECT_EQ(updates, (std::vector<std::int64_t>{3, 6, 9, 10}));
  // Steps on calls 3, 6, 9 (grad 1 accumulated as 3 * 1/3) and 10 (grad 1): w = 1 - 4.
  EXPECT_NEAR(w.item<double>(), -3.0, 1e-12);
  // Without initialize_count_status every call divides by accumulative_counts.
  OptimWrapper plain(opt, 4, Value());
  EXPECT_DOUBLE_EQ(plain.scale_loss(torch::tensor(8.0, torch::kFloat64)).item<double>(), 2.0);
  // A bad init (remainder 0 at the tail) is an AssertionError as in MMEngine.
  OptimWrapper bad(opt, 2, Value());
  bad.initialize_count_status(10, 10);
  expect_error([&] { bad.scale_loss(torch::tensor(1.0)); }, "AssertionError", "loss_factor");
  expect_error([&] { OptimWrapper(opt, 0, Value()); }, "AssertionError", "accumulative");
}

TEST(OptimWrapper, ClipGrad) {
  torch::Tensor w = torch::zeros({2}, torch::dtype(torch::kFloat64).requires_grad(true));
  auto opt = build_opt(dict({{"type", "SGD"}, {"lr", 1.0}}), {w});
  OptimWrapper ow(opt, 1, dict({{"max_norm", 1.0}}));
  ow.update_params((w * torch::tensor({3.0, 4.0}, torch::kFloat64)).sum());
  ASSERT_TRUE(ow.last_grad_norm().has_value());
  EXPECT_NEAR(*ow.last_grad_norm(), 5.0, 1e-12);
  EXPECT_NEAR(w[0].item<double>(), -3.0 / (5.0 + 1e-6), 1e-12);
  EXPECT_NEAR(w[1].item<double>(), -4.0 / (5.0 + 1e-6), 1e-12);

  torch::Tensor v = torch::zeros({2}, torch::dtype(torch::kFloat64).requires_grad(true));
  OptimWrapper vw(build_opt(dict({{"type", "SGD"}, {"lr", 1.0}}), {v}), 1,
                  dict({{"type", "value"}, {"clip_value", 0.5}}));
  vw.update_params((v * torch::tensor({3.0, -0.25}, torch::kFloat64)).sum());
  EXPECT_DOUBLE_EQ(v[0].item<double>(), -0.5);
  EXPECT_DOUBLE_EQ(v[1].item<double>(), 0.25);
  EXPECT_FALSE(vw.last_grad_norm().has_value());

  torch::Tensor i = torch::zeros({2}, torch::dtype(torch::kFloat64).requires_grad(true));
  OptimWrapper iw(build_opt(dict({{"type", "SGD"}, {"lr", 1.0}}), {i}), 1,
                  dict({{"max_norm", 10.0}, {"norm_type", "inf"}}));
  iw.update_params((i * torch::tensor({3.0, -4.0}, torch::kFloat64)).sum());
  EXPECT_NEAR(*iw.last_grad_norm(), 4.0, 1e-12);

  expect_error([&] { OptimWrapper(opt, 1, Value::dict(false)); }, "AssertionError", "clip_grad");
  expect_error(
      [&] {
        OptimWrapper(opt, 1, dict({{"type", "norm"}}));
      },
      "AssertionError", "besides `type`");
  expect_error(
      [&] {
        OptimWrapper(opt, 1, dict({{"type", "l2"}, {"max_norm", 1}}));
      },
      "ValueError", "\"norm\" or \"value\"");
  expect_error(
      [&] {
        OptimWrapper(opt, 1, dict({{"max_norm", 1}, {"norm", 2}}));
      },
      "TypeError", "'norm'");
  expect_error(
      [&] {
        OptimWrapper(opt, 1, dict({{"type", "value"}, {"max_norm", 1}}));
      },
      "TypeError", "clip_value");
}

TEST(OptimWrapper, PseudoGroupAndValues) {
  torch::Tensor a = torch::zeros({2}, torch::requires_grad());
  torch::Tensor b = torch::zeros({2}, torch::requires_grad());
  std::vector<ParamGroupSpec> specs = {{{a}, Value()}, {{b}, dict({{"lr", 0.01}})}};
  auto opt = registry::OPTIMIZERS().build(dict({{"type", "Adam"}, {"lr", 0.1}}), Value(),
                                          {{"params", std::any(specs)}});
  auto ow = registry::OPTIM_WRAPPERS().build(dict({{"type", "OptimWrapper"}}), Value(),
                                             {{"optimizer", std::any(opt)}});
  ASSERT_EQ(ow->num_groups(), 3u);
  EXPECT_TRUE(ow->has_base_param_settings());
  auto lr = ow->get_lr();
  EXPECT_EQ(lr["base_lr"], std::vector<double>{0.1});
  EXPECT_EQ(lr["lr"], (std::vector<double>{0.1, 0.01}));
  EXPECT_EQ(ow->get_momentum()["momentum"], (std::vector<double>{0.9, 0.9}));
  EXPECT_EQ(ow->get_values("betas1"), (std::vector<double>{0.999, 0.999, 0.999}));
  ow->set_values("lr", {1.0, 2.0, 3.0});
  EXPECT_DOUBLE_EQ(get_group_option(ow->optimizer().param_groups()[1], "lr"), 2.0);
  EXPECT_DOUBLE_EQ(ow->base_param_settings().at("lr"), 3.0);
  // Keys LibTorch has no slot for live beside the group, as Python dict keys.
  EXPECT_FALSE(ow->has_value(0, "initial_lr"));
  ow->set_value(0, "initial_lr", 0.5);
  EXPECT_TRUE(ow->has_value(0, "initial_lr"));
  EXPECT_DOUBLE_EQ(ow->get_value(0, "initial_lr"), 0.5);
  EXPECT_TRUE(ow->defaults_have("betas"));
  EXPECT_FALSE(ow->defaults_have("momentum"));
  expect_error([&] { ow->get_value(1, "momentum"); }, "KeyError", "momentum");
  expect_error([&] { ow->get_value(3, "lr"); }, "IndexError", "3");
}

// Two identical runs, one saved and restored into a fresh optimizer half-way,
// must end equal (state buffers, step counts, options and extra keys).
template <class Make>
void check_round_trip(Make make_cfg) {
  auto run = [&](bool restore) {
    torch::Tensor w = torch::tensor({1.0, -2.0}, torch::requires_grad());
    torch::Tensor b = torch::tensor({0.5}, torch::requires_grad());
    std::vector<ParamGroupSpec> specs = {{{w}, Value()}, {{b}, dict({{"lr", 0.05}})}};
    auto build = [&]() {
      auto opt = registry::OPTIMIZERS().build(make_cfg(), Value(), {{"params", std::any(specs)}});
      return std::make_shared<OptimWrapper>(opt, 1, Value());
    };
    auto ow = build();
    ow->set_value(0, "initial_lr", 0.123);
    for (int t = 0; t < 6; ++t) {
      if (restore && t == 3) {
        OptimizerStateDict sd = ow->state_dict();
        ow->set_value(2, "lr", 99.0);  // restored from the saved pseudo group
        auto fresh = build();
        fresh->load_state_dict(sd);
        EXPECT_DOUBLE_EQ(fresh->get_value(0, "initial_lr"), 0.123);
        EXPECT_DOUBLE_EQ(fresh->get_value(1, "lr"), 0.05);
        EXPECT_DOUBLE_EQ(fresh->base_param_settings().at("lr"), 0.1);
        ow = fresh;
      }
      ow->update_params(((w * w).sum() + (b * torch::sin(b)).sum()) * (t + 1));
    }
    return torch::cat({w.detach(), b.detach()});
  };
  torch::Tensor straight = run(false), restored = run(true);
  EXPECT_TRUE(torch::equal(straight, restored)) << straight << restored;
}

TEST(OptimWrapper, StateDictRoundTrip) {
  check_round_trip([] { return dict({{"type", "SGD"}, {"lr", 0.1}, {"momentum", 0.9}}); });
  check_round_trip([] { return dict({{"type", "Adam"}, {"lr", 0.1}, {"amsgrad", true}}); });
  check_round_trip([] { return dict({{"type", "AdamW"}, {"lr", 0.1}}); });
  check_round_trip([] {
    return dict({{"type", "RMSprop"}, {"lr", 0.1}, {"momentum", 0.5}, {"centered", true}});
  });
  check_round_trip([] { return dict({{"type", "Adagrad"}, {"lr", 0.1}}); });
}

TEST(OptimWrapper, StateDictLayout) {
  torch::Tensor w = torch::tensor({1.0, -2.0}, torch::requires_grad());
  auto opt = build_opt(dict({{"type", "Adam"}, {"lr", 0.1}}), {w});
  OptimWrapper ow(opt, 1, Value());
  ow.update_params((w * w).sum());
  OptimizerStateDict sd = ow.state_dict();
  ASSERT_EQ(sd.state.size(), 1u);
  const auto& entries = sd.state.at(0);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].first, "step");
  EXPECT_EQ(entries[0].second.scalar_type(), torch::kFloat32);
  EXPECT_EQ(entries[0].second.item<float>(), 1.0f);
  EXPECT_EQ(entries[1].first, "exp_avg");
  EXPECT_EQ(entries[2].first, "exp_avg_sq");
  ASSERT_EQ(sd.param_groups.size(), 1u);
  EXPECT_EQ(sd.param_groups[0].repr(),
            "{'lr': 0.1, 'betas': (0.9, 0.999), 'eps': 1e-08, 'weight_decay': 0.0, "
            "'amsgrad': False, 'maximize': False, 'foreach': None, 'params': [0]}");
  EXPECT_TRUE(sd.base_param_settings.is_none());
  OptimizerStateDict bad = sd;
  bad.param_groups.push_back(sd.param_groups[0]);
  expect_error([&] { ow.load_state_dict(bad); }, "ValueError", "number of parameter groups");
}

}  // namespace
}  // namespace mmcpp::engine
