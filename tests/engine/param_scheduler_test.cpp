// Parameter schedulers: formulas, chaining, begin/end, conversion to iterations,
// the Runner's default end, momentum on Adam betas, state dicts and errors.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <cmath>
#include <string>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;

Value dict(std::initializer_list<std::pair<const char*, Value>> items) {
  Value d = Value::dict(false);
  for (const auto& [k, v] : items) d.as_dict().set(Value(k), v);
  return d;
}

Value ints(std::initializer_list<int> xs) {
  Value l = Value::list();
  for (int x : xs) l.items().push_back(Value(x));
  return l;
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

struct Fixture {
  explicit Fixture(Value opt_cfg, int groups = 1) {
    for (int i = 0; i < groups; ++i) params.push_back(torch::zeros({2}, torch::requires_grad()));
    std::shared_ptr<torch::optim::Optimizer> opt;
    if (groups == 1) {
      opt = registry::OPTIMIZERS().build(opt_cfg, Value(), {{"params", std::any(params)}});
    } else {
      std::vector<ParamGroupSpec> specs;
      for (int i = 0; i < groups; ++i)
        specs.push_back({{params[i]}, i ? dict({{"lr", 0.01 * i}}) : Value()});
      opt = registry::OPTIMIZERS().build(opt_cfg, Value(), {{"params", std::any(specs)}});
    }
    ow = std::make_shared<OptimWrapper>(opt, 1, Value());
  }
  std::shared_ptr<ParamScheduler> build(const Value& cfg, std::int64_t epoch_length = 0,
                                        std::int64_t max_epochs = -1, std::int64_t max_iters = -1) {
    return build_param_scheduler(cfg, *ow, epoch_length, max_epochs, max_iters);
  }
  // Values of group 0 at steps 0..n-1 (value before each step, as the Runner uses them).
  std::vector<double> trace(std::vector<std::shared_ptr<ParamScheduler>> s, int n,
                            const std::string& name = "lr", std::size_t group = 0) {
    std::vector<double> out;
    for (int i = 0; i < n; ++i) {
      out.push_back(ow->get_value(group, name));
      for (auto& x : s) x->step();
    }
    return out;
  }
  std::vector<torch::Tensor> params;
  std::shared_ptr<OptimWrapper> ow;
};

Value sgd() { return dict({{"type", "SGD"}, {"lr", 0.05}, {"momentum", 0.9}}); }

void expect_near_all(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << i;
}

TEST(ParamScheduler, MultiStepAndStep) {
  Fixture f(sgd());
  auto s = f.build(dict({{"type", "MultiStepLR"}, {"milestones", ints({2, 4})}, {"gamma", 0.1}}));
  expect_near_all(f.trace({s}, 6), {0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005});
  Fixture g(sgd());
  auto st = g.build(dict({{"type", "StepLR"}, {"step_size", 2}, {"gamma", 0.5}}));
  expect_near_all(g.trace({st}, 5), {0.05, 0.05, 0.025, 0.025, 0.0125});
  Fixture r(sgd());  // repeated milestones multiply
  auto rm = r.build(dict({{"type", "MultiStepLR"}, {"milestones", ints({1, 1})}, {"gamma", 0.5}}));
  expect_near_all(r.trace({rm}, 2), {0.05, 0.0125});
}

TEST(ParamScheduler, ClosedForms) {
  Fixture f(sgd());
  auto cos = f.build(dict({{"type", "CosineAnnealingLR"}, {"T_max", 10}, {"eta_min", 0.001}}));
  std::vector<double> want;
  for (int t = 0; t < 10; ++t)
    want.push_back(0.001 + (0.05 - 0.001) * (1 + std::cos(M_PI * t / 10)) / 2);
  expect_near_all(f.trace({cos}, 10), want);

  Fixture l(sgd());
  auto lin = l.build(dict({{"type", "LinearLR"}, {"start_factor", 0.1}, {"end", 5}}));
  expect_near_all(l.trace({lin}, 7), {0.005, 0.01625, 0.0275, 0.03875, 0.05, 0.05, 0.05});

  Fixture c(sgd());
  auto con = c.build(dict({{"type", "ConstantLR"}, {"factor", 0.5}, {"end", 3}}));
  expect_near_all(c.trace({con}, 4), {0.025, 0.025, 0.05, 0.05});

  Fixture e(sgd());
  auto ex = e.build(dict({{"type", "ExponentialLR"}, {"gamma", 0.5}, {"begin", 1}, {"end", 3}}));
  expect_near_all(e.trace({ex}, 5), {0.05, 0.05, 0.025, 0.025, 0.025});

  Fixture p(sgd());
  auto poly = p.build(dict({{"type", "PolyLR"}, {"power", 1.0}, {"eta_min", 0.0}, {"end", 5}}));
  expect_near_all(p.trace({poly}, 6), {0.05, 0.0375, 0.025, 0.0125, 0.0, 0.0});

  Fixture r(sgd());  // eta_min_ratio scales each group's initial value
  auto ratio = r.build(dict({{"type", "CosineAnnealingLR"}, {"T_max", 2}, {"eta_min_ratio", 0.1}}));
  expect_near_all(r.trace({ratio}, 3), {0.05, 0.0275, 0.005});
}

TEST(ParamScheduler, ChainsShareInitialValue) {
  Fixture f(sgd());
  std::vector<std::shared_ptr<ParamScheduler>> s = {
      f.build(dict({{"type", "LinearLR"}, {"start_factor", 0.5}, {"end", 3}})),
      f.build(dict({{"type", "MultiStepLR"}, {"milestones", ints({2})}, {"gamma", 0.1}}))};
  EXPECT_EQ(s[0]->base_values(), std::vector<double>{0.05});
  EXPECT_EQ(s[1]->base_values(), std::vector<double>{0.05});  // setdefault: not the warmed value
  expect_near_all(f.trace(s, 4), {0.025, 0.0375, 0.005, 0.005});
}

TEST(ParamScheduler, ConvertToIterBasedAndDefaultEnd) {
  Fixture f(sgd());
  auto s = f.build(dict({{"type", "LinearLR"},
                         {"start_factor", 0.5},
                         {"by_epoch", true},
                         {"end", 2},
                         {"convert_to_iter_based", true}}),
                   5);
  EXPECT_FALSE(s->by_epoch());
  EXPECT_EQ(s->begin(), 0);
  EXPECT_EQ(s->end(), 10);
  Fixture g(sgd());
  auto m = g.build(
      dict(
          {{"type", "MultiStepLR"}, {"milestones", ints({1, 2})}, {"convert_to_iter_based", true}}),
      3, 4, 12);
  EXPECT_EQ(m->end(), 12);  // default end = max_epochs, then converted
  expect_near_all(g.trace({m}, 7), {0.05, 0.05, 0.05, 0.005, 0.005, 0.005, 0.0005});
  auto d = g.build(dict({{"type", "StepLR"}, {"step_size", 1}, {"by_epoch", false}}), 3, 4, 12);
  EXPECT_EQ(d->end(), 12);
  auto e = g.build(dict({{"type", "StepLR"}, {"step_size", 1}}), 3, 4, 12);
  EXPECT_EQ(e->end(), 4);
  auto n = g.build(dict({{"type", "StepLR"}, {"step_size", 1}}));
  EXPECT_EQ(n->end(), ParamScheduler::kInfinity);
  EXPECT_EQ(ParamScheduler::kInfinity, 1000000000);
  expect_error(
      [&] {
        g.build(dict({{"type", "LinearLR"}, {"by_epoch", false}, {"convert_to_iter_based", true}}),
                5);
      },
      "AssertionError", "epoch-based");
  expect_error(
      [&] {
        g.build(dict({{"type", "LinearLR"}, {"convert_to_iter_based", true}}), 0);
      },
      "AssertionError", "epoch_length");
  // Cosine T_max converts too; absent T_max is end - begin after conversion.
  auto c = g.build(dict({{"type", "CosineAnnealingLR"},
                         {"begin", 1},
                         {"end", 3},
                         {"convert_to_iter_based", true}}),
                   4);
  EXPECT_EQ(c->state_dict().as_dict().find("T_max")->as_int(), 8);
}

TEST(ParamScheduler, MomentumOnAdamBetas) {
  Fixture f(dict({{"type", "Adam"}, {"lr", 0.01}, {"betas", Value::tuple({0.9, 0.999})}}), 2);
  ASSERT_EQ(f.ow->num_groups(), 3u);
  auto s =
      f.build(dict({{"type", "MultiStepMomentum"}, {"milestones", ints({1})}, {"gamma", 0.5}}));
  s->step();
  EXPECT_EQ(f.ow->get_values("betas0"), (std::vector<double>{0.45, 0.45, 0.45}));
  EXPECT_EQ(f.ow->get_values("momentum"), (std::vector<double>{0.45, 0.45, 0.45}));
  EXPECT_EQ(f.ow->get_values("betas1"), (std::vector<double>{0.999, 0.999, 0.999}));
  EXPECT_EQ(f.ow->get_momentum()["momentum"], (std::vector<double>{0.45, 0.45}));
  EXPECT_TRUE(s->state_dict().as_dict().find("use_betas")->as_bool());
  Fixture a(dict({{"type", "Adagrad"}}));
  expect_error(
      [&] {
        a.build(dict({{"type", "StepMomentum"}, {"step_size", 1}}));
      },
      "ValueError", "momentum");
  Fixture m(sgd());
  auto sm = m.build(dict({{"type", "StepMomentum"}, {"step_size", 1}, {"gamma", 0.5}}));
  expect_near_all(m.trace({sm}, 3, "momentum"), {0.9, 0.45, 0.225});
  EXPECT_FALSE(sm->state_dict().as_dict().find("use_betas")->as_bool());
}

TEST(ParamScheduler, GenericParamAndPseudoGroup) {
  Fixture f(dict({{"type", "SGD"}, {"lr", 0.1}, {"weight_decay", 0.01}}), 2);
  auto s = f.build(dict(
      {{"type", "ExponentialParamScheduler"}, {"param_name", "weight_decay"}, {"gamma", 0.5}}));
  s->step();
  EXPECT_EQ(f.ow->get_values("weight_decay"), (std::vector<double>{0.005, 0.005, 0.005}));
  auto l = f.build(dict({{"type", "ConstantLR"}, {"factor", 0.5}, {"end", 2}}));
  EXPECT_EQ(f.ow->get_lr()["base_lr"], std::vector<double>{0.05});
  EXPECT_EQ(f.ow->get_lr()["lr"], (std::vector<double>{0.05, 0.005}));
  EXPECT_EQ(l->last_value(), (std::vector<double>{0.05, 0.005, 0.05}));
  expect_error(
      [&] {
        f.build(dict({{"type", "StepParamScheduler"}, {"step_size", 1}}));
      },
      "TypeError", "param_name");
}

TEST(ParamScheduler, StateDictRoundTrip) {
  auto make = [](Fixture& f) {
    return f.build(
        dict({{"type", "MultiStepLR"}, {"milestones", ints({2, 2, 5})}, {"gamma", 0.5}}));
  };
  Fixture a(sgd());
  auto s = make(a);
  for (int i = 0; i < 3; ++i) s->step();
  Value sd = s->state_dict();
  EXPECT_EQ(sd.repr(),
            "{'milestones': {2: 2, 5: 1}, 'gamma': 0.5, 'param_name': 'lr', 'begin': 0, "
            "'end': 1000000000, 'by_epoch': True, 'base_values': [0.05], 'last_step': 3, "
            "'_global_step': 3, 'verbose': False, '_last_value': [0.0125]}");
  // Resume: fresh optimizer state (with initial_lr) + scheduler state.
  Fixture b(sgd());
  b.ow->set_value(0, "lr", 0.0125);
  b.ow->set_value(0, "initial_lr", 0.05);
  Value cfg = dict(
      {{"type", "MultiStepLR"}, {"milestones", ints({2, 2, 5})}, {"gamma", 0.5}, {"last_step", 3}});
  auto r = b.build(cfg);
  r->load_state_dict(sd);
  b.ow->set_value(0, "lr", 0.0125);  // construction stepped once; restore the saved value
  EXPECT_EQ(a.trace({s}, 4), b.trace({r}, 4));
  EXPECT_EQ(r->state_dict().repr(), s->state_dict().repr());
  Fixture c(sgd());
  expect_error([&] { c.build(cfg); }, "KeyError", "initial_lr");
}

TEST(ParamScheduler, ArgumentErrors) {
  Fixture f(sgd());
  expect_error(
      [&] {
        f.build(dict({{"type", "StepLR"}, {"step_size", 1}, {"begin", 3}, {"end", 3}}));
      },
      "ValueError", "end should be larger than begin");
  expect_error(
      [&] {
        f.build(dict({{"type", "StepLR"}, {"step_size", 1}, {"gama", 0.5}}));
      },
      "TypeError", "gama");
  expect_error([&] { f.build(dict({{"type", "StepLR"}})); }, "TypeError", "step_size");
  expect_error(
      [&] {
        f.build(dict({{"type", "LinearLR"}, {"start_factor", 2.0}}));
      },
      "ValueError", "Starting multiplicative factor");
  expect_error(
      [&] {
        f.build(dict({{"type", "ConstantLR"}, {"factor", -1.0}}));
      },
      "ValueError", "between 0 and 1");
  expect_error(
      [&] {
        f.build(dict({{"type", "CosineAnnealingLR"}, {"eta_min", 0.0}, {"eta_min_ratio", 0.1}}));
      },
      "AssertionError", "eta_min");
  expect_error([&] { f.build(dict({{"type", "ExponentialLR"}})); }, "TypeError", "gamma");
  expect_error(
      [&] {
        registry::PARAM_SCHEDULERS().build(dict({{"type", "StepLR"}, {"step_size", 1}}));
      },
      "TypeError", "optimizer");
  expect_error([&] { f.build(Value::list()); }, "TypeError", "dict");
  auto list = build_param_schedulers(
      Value::list({dict({{"type", "ConstantLR"}}), dict({{"type", "PolyLR"}})}), *f.ow, 1, 2, 2);
  EXPECT_EQ(list.size(), 2u);
}

TEST(ParamScheduler, CosineRestart) {
  Fixture f(sgd());
  Value weights = Value::list({Value(1), Value(0.5)});
  auto s = f.build(dict({{"type", "CosineRestartLR"},
                         {"periods", ints({2, 2})},
                         {"restart_weights", weights},
                         {"eta_min", 0.0}}));
  expect_near_all(f.trace({s}, 5), {0.05, 0.025, 0.025, 0.0125, 0.0125});
  expect_error(
      [&] {
        f.build(dict({{"type", "CosineRestartLR"}, {"periods", ints({2})}}));
      },
      "AssertionError", "eta_min");
  expect_error(
      [&] {
        f.build(dict({{"type", "CosineRestartLR"}, {"periods", ints({2, 2})}, {"eta_min", 0.0}}));
      },
      "AssertionError", "same length");
}

TEST(ParamScheduler, OneCycle) {
  Fixture f(sgd());
  auto s = f.build(dict({{"type", "OneCycleLR"},
                         {"eta_max", 1.0},
                         {"total_steps", 10},
                         {"pct_start", 0.3},
                         {"anneal_strategy", "linear"},
                         {"div_factor", 10.0},
                         {"final_div_factor", 100.0}}));
  EXPECT_EQ(s->base_values(), std::vector<double>{0.1});  // initial_lr overwritten
  std::vector<double> t = f.trace({s}, 10);
  expect_near_all({t[0], t[1], t[2], t[3], t[9]}, {0.1, 0.55, 1.0, 1.0 - 0.999 / 7, 0.001});
  expect_error([&] { s->step(); }, "ValueError", "total steps is 10");  // the 12th step
  expect_error(
      [&] {
        f.build(dict({{"type", "OneCycleLR"}, {"total_steps", 10}, {"pct_start", 1}}));
      },
      "ValueError", "pct_start");
  expect_error(
      [&] {
        f.build(dict({{"type", "OneCycleLR"},
                      {"total_steps", 10},
                      {"eta_max", Value::list({Value(1.0), Value(2.0)})}}));
      },
      "ValueError", "expected 1 values");
  expect_error(
      [&] {
        f.build(dict(
            {{"type", "OneCycleParamScheduler"}, {"param_name", "momentum"}, {"total_steps", 10}}));
      },
      "AssertionError", "learning rate");
}

TEST(ParamScheduler, ReduceOnPlateau) {
  Fixture f(sgd());
  auto s = f.build(
      dict({{"type", "ReduceOnPlateauLR"}, {"factor", 0.5}, {"patience", 1}, {"min_value", 0.02}}));
  EXPECT_TRUE(s->need_val_args());
  EXPECT_EQ(s->global_step(), 0);
  s->step();  // after a training epoch: counts only
  EXPECT_EQ(s->global_step(), 1);
  EXPECT_DOUBLE_EQ(f.ow->get_value(0, "lr"), 0.05);
  std::vector<double> lrs;
  for (double loss : {1.0, 1.0, 1.0, 1.0, 1.0, 1.0}) {
    s->step_with_metrics({{"loss", loss}});
    lrs.push_back(f.ow->get_value(0, "lr"));
  }
  expect_near_all(lrs, {0.05, 0.05, 0.025, 0.025, 0.02, 0.02});  // floored at min_value
  EXPECT_EQ(s->state_dict().as_dict().find("best")->repr(), "1.0");
  expect_error([&] { s->step_with_metrics({{"acc", 1.0}}); }, "KeyError", "loss");
  expect_error(
      [&] {
        f.build(dict({{"type", "ReduceOnPlateauLR"}, {"by_epoch", false}}));
      },
      "AssertionError", "by_epoch=True");
  expect_error(
      [&] {
        f.build(dict({{"type", "ReduceOnPlateauLR"}, {"factor", 1.0}}));
      },
      "ValueError", "Factor");
  auto fresh = f.build(dict({{"type", "ReduceOnPlateauLR"}}));
  EXPECT_EQ(fresh->state_dict().as_dict().find("best")->repr(), "1000000000");
}

}  // namespace
}  // namespace mmcpp::engine
