// The multi-tensor (foreach) path of SGD/Adam/AdamW against LibTorch's
// per-tensor step: same trajectories, interchangeable state, fallbacks.
#include <gtest/gtest.h>
#include <torch/types.h>

#include <string>
#include <vector>

#include "mmcpp/engine/optim/foreach.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;

Value with(Value cfg, const char* key, Value v) {
  cfg = cfg.deep_copy();
  cfg.as_dict().set(Value(key), v);
  return cfg;
}

Value parse_dict(std::initializer_list<std::pair<const char*, Value>> items) {
  Value d = Value::dict(false);
  for (const auto& [k, v] : items) d.as_dict().set(Value(k), v);
  return d;
}

// Parameters of several shapes (a chunk boundary falls inside the big one).
std::vector<torch::Tensor> make_params(torch::Dtype dtype) {
  torch::manual_seed(7);
  std::vector<torch::Tensor> ps;
  for (auto shape : std::vector<std::vector<std::int64_t>>{{64, 3, 3, 3}, {64}, {300, 257}, {5}})
    ps.push_back(torch::randn(shape, torch::TensorOptions().dtype(dtype)).requires_grad_());
  return ps;
}

// `steps` steps with deterministic gradients; the flattened parameters after each.
std::vector<torch::Tensor> trajectory(const Value& cfg, torch::Dtype dtype, int steps,
                                      bool expect_fused) {
  auto ps = make_params(dtype);
  auto opt = registry::OPTIMIZERS().build(cfg, Value(), {{"params", std::any(ps)}});
  std::vector<torch::Tensor> out;
  for (int t = 1; t <= steps; ++t) {
    for (auto& p : ps)
      p.mutable_grad() =
          p.detach() * 0.5 +
          0.1 * torch::sin(torch::arange(p.numel(), p.options()).reshape(p.sizes()) + t);
    EXPECT_EQ(fused_update_applies(ps), expect_fused);
    opt->step();
    std::vector<torch::Tensor> flat;
    for (auto& p : ps) flat.push_back(p.detach().flatten().to(torch::kFloat64));
    out.push_back(torch::cat(flat));
  }
  return out;
}

double max_rel_diff(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst =
        std::max(worst, ((a[i] - b[i]).abs() / b[i].abs().clamp_min(1e-2)).max().item<double>());
  return worst;
}

TEST(ForeachOptimizers, SameTrajectoryAsPerTensor) {
  std::vector<Value> cfgs = {
      parse_dict({{"type", "SGD"}, {"lr", 0.05}, {"momentum", 0.9}, {"weight_decay", 1e-4}}),
      parse_dict({{"type", "SGD"}, {"lr", 0.05}, {"momentum", 0.9}, {"nesterov", true}}),
      parse_dict({{"type", "SGD"}, {"lr", 0.05}, {"momentum", 0.8}, {"dampening", 0.3}}),
      parse_dict({{"type", "SGD"}, {"lr", 0.05}}),
      parse_dict({{"type", "Adam"}, {"lr", 0.01}, {"weight_decay", 0.01}}),
      parse_dict({{"type", "Adam"}, {"lr", 0.01}, {"amsgrad", true}}),
      parse_dict({{"type", "AdamW"}, {"lr", 0.01}, {"weight_decay", 0.05}}),
      parse_dict({{"type", "AdamW"}, {"lr", 0.01}, {"amsgrad", true}}),
  };
  for (const auto& cfg : cfgs) {
    for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
      auto fused = trajectory(with(cfg, "foreach", Value(true)), dtype, 25, true);
      auto by_default = trajectory(cfg, dtype, 25, true);
      auto per_tensor = trajectory(with(cfg, "foreach", Value(false)), dtype, 25, true);
      // Same expressions, same roundings (FMA where LibTorch's kernels fuse).
      EXPECT_EQ(max_rel_diff(fused, per_tensor), 0.0) << cfg.repr() << " " << dtype;
      EXPECT_EQ(max_rel_diff(fused, by_default), 0.0) << cfg.repr();
    }
  }
}

TEST(ForeachOptimizers, StateIsInterchangeable) {
  for (const char* type : {"SGD", "Adam", "AdamW"}) {
    Value cfg = parse_dict({{"type", type}, {"lr", 0.01}, {"momentum", 0.9}});
    if (std::string(type) != "SGD") cfg.as_dict().erase("momentum");
    auto run = [&](bool switch_paths) {
      auto ps = make_params(torch::kFloat64);
      auto a = std::make_shared<OptimWrapper>(
          registry::OPTIMIZERS().build(with(cfg, "foreach", Value(true)), Value(),
                                       {{"params", std::any(ps)}}),
          1, Value());
      for (int t = 1; t <= 6; ++t) {
        if (switch_paths && t == 4) {
          auto b = std::make_shared<OptimWrapper>(
              registry::OPTIMIZERS().build(with(cfg, "foreach", Value(false)), Value(),
                                           {{"params", std::any(ps)}}),
              1, Value());
          b->load_state_dict(a->state_dict());
          a = b;
        }
        for (auto& p : ps) p.mutable_grad() = torch::cos(p.detach() * t);
        a->step();
      }
      return ps[2].detach().clone();
    };
    auto straight = run(false), switched = run(true);
    EXPECT_LT((straight - switched).abs().max().item<double>(), 1e-13) << type;
  }
}

TEST(ForeachOptimizers, NonContiguousFallsBack) {
  torch::Tensor base = torch::randn({6, 4}, torch::kFloat64);
  torch::Tensor p = base.t().detach().requires_grad_();  // non-contiguous parameter
  EXPECT_FALSE(p.is_contiguous());
  torch::Tensor q = p.detach().clone().requires_grad_();
  auto fused =
      registry::OPTIMIZERS().build(parse_dict({{"type", "Adam"}, {"lr", 0.1}, {"foreach", true}}),
                                   Value(), {{"params", std::any(std::vector<torch::Tensor>{p})}});
  auto plain =
      registry::OPTIMIZERS().build(parse_dict({{"type", "Adam"}, {"lr", 0.1}, {"foreach", false}}),
                                   Value(), {{"params", std::any(std::vector<torch::Tensor>{q})}});
  p.mutable_grad() = torch::ones_like(p);
  q.mutable_grad() = torch::ones_like(q);
  EXPECT_FALSE(fused_update_applies({p}));
  fused->step();
  plain->step();
  EXPECT_TRUE(torch::equal(p, q));
}

}  // namespace
}  // namespace mmcpp::engine
