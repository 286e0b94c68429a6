// MMPretrain's LARS, Lamb and Adan (and torch's Adamax): registry builds with
// Python's defaults and argument errors, PyTorch's state_dict layout, and exact
// resumption from a state_dict that went through the checkpoint conversion.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <string>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/pretrain/engine/optimizers/adan_t.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

using config::Value;
using engine::OptimizerStateDict;
using engine::OptimWrapper;
using engine::ParamGroupSpec;

Value dict(std::initializer_list<std::pair<const char*, Value>> items) {
  Value d = Value::dict(false);
  for (const auto& [k, v] : items) d.as_dict().set(Value(k), v);
  return d;
}

std::shared_ptr<torch::optim::Optimizer> build(const Value& cfg, std::vector<torch::Tensor> p) {
  registry::ScopeGuard scope("mmpretrain");
  return registry::OPTIMIZERS().build(cfg, Value(), {{"params", std::any(p)}});
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

TEST(PretrainOptimizers, DefaultsAndGroupDicts) {
  std::vector<torch::Tensor> p = {torch::zeros({2}, torch::requires_grad())};
  auto lamb = build(dict({{"type", "Lamb"}}), p);
  EXPECT_EQ(engine::options_to_value(lamb->param_groups()[0].options()).repr(),
            "{'lr': 0.001, 'bias_correction': True, 'betas': (0.9, 0.999), 'eps': 1e-06, "
            "'weight_decay': 0.01, 'grad_averaging': True, 'max_grad_norm': 1.0, "
            "'trust_clip': False, 'always_adapt': False}");
  auto adan = build(dict({{"type", "Adan"}}), p);
  EXPECT_EQ(engine::options_to_value(adan->param_groups()[0].options()).repr(),
            "{'lr': 0.001, 'betas': (0.98, 0.92, 0.99), 'eps': 1e-08, 'weight_decay': 0.0, "
            "'max_grad_norm': 0.0, 'no_prox': False, 'foreach': True}");
  EXPECT_DOUBLE_EQ(engine::get_group_option(adan->param_groups()[0], "betas2"), 0.99);
  auto lars = build(dict({{"type", "LARS"}, {"lr", 0.1}}), p);
  EXPECT_EQ(engine::options_to_value(lars->param_groups()[0].options()).repr(),
            "{'lr': 0.1, 'momentum': 0.0, 'dampening': 0.0, 'weight_decay': 0.0, "
            "'nesterov': False, 'eta': 0.001}");
  auto adamax = build(dict({{"type", "Adamax"}}), p);
  EXPECT_EQ(engine::options_to_value(adamax->param_groups()[0].options()).repr(),
            "{'lr': 0.002, 'betas': (0.9, 0.999), 'eps': 1e-08, 'weight_decay': 0.0, "
            "'foreach': None, 'maximize': False, 'differentiable': False}");
  // Optional group keys: lars_exclude appears once set; schedulers reach it by name.
  OptimWrapper ow(lars, 1, Value());
  EXPECT_FALSE(ow.has_value(0, "lars_exclude"));
  ow.set_value(0, "lars_exclude", 1);
  EXPECT_TRUE(engine::has_group_option(lars->param_groups()[0], "lars_exclude"));
  // Momentum schedulers drive betas[0] of Lamb/Adan.
  OptimWrapper aw(adan, 1, Value());
  aw.set_value(0, "betas0", 0.5);
  EXPECT_EQ(aw.get_momentum().at("momentum"), std::vector<double>{0.5});
}

TEST(PretrainOptimizers, BadArguments) {
  std::vector<torch::Tensor> p = {torch::zeros({2}, torch::requires_grad())};
  expect_error(
      [&] {
        build(dict({{"type", "Adan"}, {"lr", -0.1}}), p);
      },
      "ValueError", "Invalid learning rate: -0.1");
  expect_error(
      [&] {
        build(dict({{"type", "Adan"}, {"max_grad_norm", -1.0}}), p);
      },
      "ValueError", "Invalid Max grad norm");
  expect_error(
      [&] {
        build(dict({{"type", "Adan"}, {"betas", Value::tuple({0.9, 1.0, 0.9})}}), p);
      },
      "ValueError", "beta parameter at index 1");
  expect_error(
      [&] {
        build(dict({{"type", "Adan"}, {"betas", Value::tuple({0.9, 0.9})}}), p);
      },
      "TypeError", "betas");
  expect_error(
      [&] {
        build(dict({{"type", "Adamax"}, {"lr", -1.0}}), p);
      },
      "ValueError", "Invalid learning rate");
  expect_error(
      [&] {
        build(dict({{"type", "Adamax"}, {"weight_decay", -1.0}}), p);
      },
      "ValueError", "Invalid weight_decay value");
  expect_error([&] { build(dict({{"type", "LARS"}}), p); }, "TypeError", "'lr'");
  // Python's LARS only rejects a negative lr that is not a float.
  expect_error(
      [&] {
        build(dict({{"type", "LARS"}, {"lr", -1}}), p);
      },
      "ValueError", "Invalid learning rate: -1");
  EXPECT_NO_THROW(build(dict({{"type", "LARS"}, {"lr", -0.5}}), p));
  expect_error(
      [&] {
        build(dict({{"type", "LARS"}, {"lr", 0.1}, {"eta", -1.0}}), p);
      },
      "ValueError", "Invalid LARS coefficient value");
  expect_error(
      [&] {
        build(dict({{"type", "LARS"}, {"lr", 0.1}, {"nesterov", true}}), p);
      },
      "ValueError", "Nesterov momentum requires a momentum");
  expect_error(
      [&] {
        build(dict({{"type", "Lamb"}, {"momentum", 0.9}}), p);
      },
      "TypeError", "momentum");
  expect_error([&] { build(dict({{"type", "Lamb"}}), {}); }, "ValueError", "empty parameter list");
}

// A fresh optimizer loaded half-way from a state_dict (through the checkpoint's
// pickle-side conversion) continues exactly as the uninterrupted one.
void check_round_trip(const Value& cfg, const std::vector<std::string>& buffer_names) {
  auto run = [&](bool restore) {
    torch::Tensor w = torch::tensor({{1.0, -2.0, 0.3}, {0.7, 0.1, -1.1}}, torch::requires_grad());
    torch::Tensor b = torch::tensor({0.5, -0.25}, torch::requires_grad());
    std::vector<ParamGroupSpec> specs = {{{w}, Value()}, {{b}, dict({{"lr", 0.005}})}};
    auto make = [&] {
      registry::ScopeGuard scope("mmpretrain");
      auto opt = registry::OPTIMIZERS().build(cfg, Value(), {{"params", std::any(specs)}});
      return std::make_shared<OptimWrapper>(opt, 1, Value());
    };
    auto ow = make();
    for (int t = 0; t < 8; ++t) {
      if (restore && t == 4) {
        OptimizerStateDict sd =
            engine::optim_state_from_py(engine::optim_state_to_py(ow->state_dict()));
        EXPECT_EQ(sd.state.size(), 2u);
        std::vector<std::string> names;
        for (const auto& [name, t] : sd.state.at(0)) names.push_back(name);
        EXPECT_EQ(names, buffer_names) << cfg.repr();
        auto fresh = make();
        fresh->load_state_dict(sd);
        EXPECT_EQ(fresh->state_dict().param_groups[1].repr(), sd.param_groups[1].repr());
        ow = fresh;
      }
      ow->update_params(((w * w * torch::cos(w)).sum() + (b * torch::sin(3 * b)).sum()) * (t + 1));
    }
    return torch::cat({w.detach().flatten(), b.detach()});
  };
  torch::Tensor straight = run(false), restored = run(true);
  EXPECT_TRUE(torch::equal(straight, restored)) << cfg.repr() << straight << restored;
}

TEST(PretrainOptimizers, StateDictRoundTrip) {
  check_round_trip(dict({{"type", "LARS"}, {"lr", 0.1}, {"momentum", 0.9}, {"weight_decay", 1e-3}}),
                   {"momentum_buffer"});
  check_round_trip(dict({{"type", "Lamb"}, {"lr", 0.01}}), {"exp_avg", "exp_avg_sq"});
  check_round_trip(dict({{"type", "Adan"}, {"lr", 0.01}, {"max_grad_norm", 1.0}}),
                   {"exp_avg", "exp_avg_sq", "exp_avg_diff", "pre_grad"});
  check_round_trip(dict({{"type", "Adan"}, {"lr", 0.01}, {"foreach", false}}),
                   {"exp_avg", "exp_avg_sq", "exp_avg_diff", "pre_grad"});
  check_round_trip(dict({{"type", "Adamax"}, {"lr", 0.01}, {"weight_decay", 0.1}}),
                   {"step", "exp_avg", "exp_inf"});
}

TEST(PretrainOptimizers, GroupStepIsAnIntKey) {
  torch::Tensor w = torch::tensor({1.0, -2.0}, torch::requires_grad());
  auto lamb = build(dict({{"type", "Lamb"}}), {w});
  OptimWrapper ow(lamb, 1, Value());
  EXPECT_EQ(ow.state_dict().param_groups[0].as_dict().find("step"), nullptr);
  ow.update_params((w * w).sum());
  ow.update_params((w * w).sum());
  const Value* step = ow.state_dict().param_groups[0].as_dict().find("step");
  ASSERT_NE(step, nullptr);
  EXPECT_TRUE(step->is_int());
  EXPECT_EQ(step->as_int(), 2);
}

TEST(PretrainOptimizers, AdanRestart) {
  torch::Tensor w = torch::tensor({1.0, -2.0}, torch::requires_grad());
  auto opt = build(dict({{"type", "Adan"}}), {w});
  w.mutable_grad() = torch::ones_like(w);
  opt->step();
  auto& adan = dynamic_cast<Adan&>(*opt);
  adan.restart_opt();
  EXPECT_EQ(engine::get_group_option(opt->param_groups()[0], "step"), 0);
  auto buffers = engine::export_param_state(*opt, *opt->state().begin()->second);
  EXPECT_EQ(buffers[0].second.abs().sum().item<double>(), 0.0);
}

}  // namespace
}  // namespace mmcpp::pretrain
