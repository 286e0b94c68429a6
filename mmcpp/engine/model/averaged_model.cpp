// Averaged models (mmengine/model/averaged_model.py).
#include "mmcpp/engine/model/averaged_model.h"

#include <torch/nn/module.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "mmcpp/core/error.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

void collect_state(const torch::nn::Module& m, const std::string& prefix, TensorList& out) {
  for (const auto& p : m.named_parameters(/*recurse=*/false)) {
    out.emplace_back(prefix + p.key(), p.value());
  }
  for (const auto& b : m.named_buffers(/*recurse=*/false)) {
    out.emplace_back(prefix + b.key(), b.value());
  }
  for (const auto& c : m.named_children()) {
    collect_state(*c.value(), prefix + c.key() + ".", out);
  }
}

std::string join_keys(const std::vector<std::string>& keys) {
  std::string s;
  for (const auto& k : keys) s += (s.empty() ? "" : ", ") + k;
  return s;
}

}  // namespace

TensorList module_state_dict(const torch::nn::Module& module) {
  TensorList out;
  collect_state(module, "", out);
  return out;
}

BaseAveragedModel::BaseAveragedModel(std::int64_t interval, std::optional<torch::Device> device,
                                     bool update_buffers)
    : interval_(interval),
      device_(device),
      update_buffers_(update_buffers),
      steps_(torch::zeros({}, torch::kLong)) {
  if (interval_ < 1) {
    throw Error("ValueError",
                "averaged model: interval must be >= 1, got " + std::to_string(interval_));
  }
}

void BaseAveragedModel::bind(const torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  std::map<std::string, bool> params;
  for (const auto& p : model.named_parameters(true)) params[p.key()] = true;
  module_state_.clear();
  is_param_.clear();
  for (auto& [name, t] : module_state_dict(model)) {
    torch::Tensor copy = t.detach().clone();
    if (device_) copy = copy.to(*device_);
    module_state_.emplace_back(name, copy);
    is_param_.push_back(params.count(name) > 0);
  }
  bound_ = true;
}

void BaseAveragedModel::update_parameters(const torch::nn::Module& model) {
  if (!bound_) bind(model);
  torch::NoGradGuard no_grad;
  TensorList src = module_state_dict(model);
  std::map<std::string, const torch::Tensor*> by_name;
  for (const auto& [k, t] : src) by_name[k] = &t;
  const std::int64_t steps = this->steps();
  for (std::size_t i = 0; i < module_state_.size(); ++i) {
    auto& [name, avg] = module_state_[i];
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      throw Error("KeyError", "averaged model: the source model has no '" + name + "'");
    }
    const torch::Tensor& s = *it->second;
    bool averaged = update_buffers_ || is_param_[i];
    if (!averaged) {
      avg.copy_(s);  // buffers follow the source when they are not averaged
    } else if (steps == 0) {
      avg.copy_(s);
    } else if (steps % interval_ == 0 && avg.is_floating_point()) {
      avg_func(avg, s.to(avg.device()), steps);
    }
  }
  steps_ += 1;
}

void BaseAveragedModel::copy_from(const torch::nn::Module& model) {
  if (!bound_) bind(model);
  torch::NoGradGuard no_grad;
  TensorList src = module_state_dict(model);
  std::map<std::string, const torch::Tensor*> by_name;
  for (const auto& [k, t] : src) by_name[k] = &t;
  for (auto& [name, avg] : module_state_) {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      throw Error("KeyError", "averaged model: the source model has no '" + name + "'");
    }
    avg.copy_(*it->second);
  }
}

void BaseAveragedModel::swap_parameters(const torch::nn::Module& model) {
  if (!bound_) return;
  torch::NoGradGuard no_grad;
  TensorList src = module_state_dict(model);
  std::map<std::string, const torch::Tensor*> by_name;
  for (const auto& [k, t] : src) by_name[k] = &t;
  for (std::size_t i = 0; i < module_state_.size(); ++i) {
    if (!update_buffers_ && !is_param_[i]) continue;
    auto it = by_name.find(module_state_[i].first);
    if (it == by_name.end()) continue;
    torch::Tensor& avg = module_state_[i].second;
    torch::Tensor s = *it->second;  // aliases the model's tensor
    torch::Tensor tmp = avg.clone();
    avg.copy_(s);
    s.copy_(tmp);
  }
}

TensorList BaseAveragedModel::state_dict() const {
  TensorList out;
  out.emplace_back("steps", steps_);
  for (const auto& [k, t] : module_state_) out.emplace_back("module." + k, t);
  return out;
}

LoadResult BaseAveragedModel::load_state_dict(const TensorList& state, bool strict) {
  TensorList module_entries;
  LoadResult extra;
  bool has_steps = false;
  for (const auto& [k, t] : state) {
    if (k == "steps") {
      torch::NoGradGuard no_grad;
      steps_.copy_(t.to(steps_.device()).to(torch::kLong).reshape({}));
      has_steps = true;
    } else if (k.compare(0, 7, "module.") == 0) {
      module_entries.emplace_back(k.substr(7), t);
    } else {
      extra.unexpected_keys.push_back(k);
    }
  }
  LoadResult r = load_module_state_dict(module_entries, /*strict=*/false);
  for (auto& k : r.missing_keys) k = "module." + k;
  for (auto& k : r.unexpected_keys) k = "module." + k;
  if (!has_steps) r.missing_keys.insert(r.missing_keys.begin(), "steps");
  r.unexpected_keys.insert(r.unexpected_keys.begin(), extra.unexpected_keys.begin(),
                           extra.unexpected_keys.end());
  if (strict && (!r.missing_keys.empty() || !r.unexpected_keys.empty())) {
    throw Error("RuntimeError",
                "Error(s) in loading state_dict for averaged model: missing keys: [" +
                    join_keys(r.missing_keys) + "], unexpected keys: [" +
                    join_keys(r.unexpected_keys) + "]");
  }
  return r;
}

LoadResult BaseAveragedModel::load_module_state_dict(const TensorList& state, bool strict) {
  if (!bound_) {
    throw Error("RuntimeError", "averaged model: load_state_dict before the model was bound");
  }
  torch::NoGradGuard no_grad;
  LoadResult r;
  std::map<std::string, const torch::Tensor*> given;
  for (const auto& [k, t] : state) given[k] = &t;
  std::map<std::string, bool> known;
  for (auto& [name, avg] : module_state_) {
    known[name] = true;
    auto it = given.find(name);
    if (it == given.end()) {
      r.missing_keys.push_back(name);
      continue;
    }
    const torch::Tensor& t = *it->second;
    if (t.sizes() != avg.sizes()) {
      std::ostringstream msg;
      msg << "size mismatch for " << name << ": copying a param with shape " << t.sizes()
          << " from checkpoint, the shape in current model is " << avg.sizes() << ".";
      throw Error("RuntimeError", msg.str());
    }
    avg.copy_(t);
  }
  for (const auto& [k, t] : state) {
    if (!known.count(k)) r.unexpected_keys.push_back(k);
  }
  if (strict && (!r.missing_keys.empty() || !r.unexpected_keys.empty())) {
    throw Error("RuntimeError", "Error(s) in loading state_dict: missing keys: [" +
                                    join_keys(r.missing_keys) + "], unexpected keys: [" +
                                    join_keys(r.unexpected_keys) + "]");
  }
  return r;
}

void BaseAveragedModel::configure(registry::BuildArgs& args, std::int64_t& interval,
                                  std::optional<torch::Device>& device, bool& update_buffers) {
  interval = args.get_int("interval", 1);
  std::optional<std::string> dev = args.get_opt_str("device");
  if (dev) device = torch::Device(*dev);
  update_buffers = args.get_bool("update_buffers", false);
}

void BaseAveragedModel::bind_from_args(registry::BuildArgs& args) {
  if (auto** model = args.object<torch::nn::Module*>("model"); model != nullptr && *model) {
    bind(**model);
  }
}

ExponentialMovingAverage::ExponentialMovingAverage(double momentum, std::int64_t interval,
                                                   std::optional<torch::Device> device,
                                                   bool update_buffers)
    : BaseAveragedModel(interval, device, update_buffers), momentum_(momentum) {
  if (!(momentum > 0.0 && momentum < 1.0)) {
    throw Error("AssertionError",
                "momentum must be in range (0.0, 1.0), but got " + std::to_string(momentum));
  }
}

std::shared_ptr<ExponentialMovingAverage> ExponentialMovingAverage::from_config(
    registry::BuildArgs& args) {
  double momentum = args.get_float("momentum", 0.0002);
  std::int64_t interval;
  std::optional<torch::Device> device;
  bool update_buffers;
  configure(args, interval, device, update_buffers);
  auto m = std::make_shared<ExponentialMovingAverage>(momentum, interval, device, update_buffers);
  m->bind_from_args(args);
  return m;
}

void ExponentialMovingAverage::avg_func(torch::Tensor& averaged, const torch::Tensor& source,
                                        std::int64_t /*steps*/) {
  averaged.lerp_(source, momentum_);
}

MomentumAnnealingEMA::MomentumAnnealingEMA(double momentum, double gamma, std::int64_t interval,
                                           std::optional<torch::Device> device, bool update_buffers)
    : ExponentialMovingAverage(momentum, interval, device, update_buffers), gamma_(gamma) {
  if (!(gamma > 0)) {
    throw Error("AssertionError", "gamma must be greater than 0, but got " + std::to_string(gamma));
  }
}

std::shared_ptr<MomentumAnnealingEMA> MomentumAnnealingEMA::from_config(registry::BuildArgs& args) {
  double momentum = args.get_float("momentum", 0.0002);
  double gamma = args.get_float("gamma", 100);
  std::int64_t interval;
  std::optional<torch::Device> device;
  bool update_buffers;
  configure(args, interval, device, update_buffers);
  auto m =
      std::make_shared<MomentumAnnealingEMA>(momentum, gamma, interval, device, update_buffers);
  m->bind_from_args(args);
  return m;
}

void MomentumAnnealingEMA::avg_func(torch::Tensor& averaged, const torch::Tensor& source,
                                    std::int64_t /*steps*/) {
  // MMEngine reads self.steps here (equal to the steps argument).
  double m = std::max(momentum_, gamma_ / (gamma_ + static_cast<double>(steps())));
  averaged.lerp_(source, m);
}

StochasticWeightAverage::StochasticWeightAverage(std::int64_t interval,
                                                 std::optional<torch::Device> device,
                                                 bool update_buffers)
    : BaseAveragedModel(interval, device, update_buffers) {}

std::shared_ptr<StochasticWeightAverage> StochasticWeightAverage::from_config(
    registry::BuildArgs& args) {
  std::int64_t interval;
  std::optional<torch::Device> device;
  bool update_buffers;
  configure(args, interval, device, update_buffers);
  auto m = std::make_shared<StochasticWeightAverage>(interval, device, update_buffers);
  m->bind_from_args(args);
  return m;
}

void StochasticWeightAverage::avg_func(torch::Tensor& averaged, const torch::Tensor& source,
                                       std::int64_t steps) {
  averaged.add_(source - averaged, 1.0 / static_cast<double>(steps / interval_ + 1));
}

MMCPP_REGISTER(registry::MODELS, ExponentialMovingAverage,
               "dict(type='ExponentialMovingAverage', momentum=0.0002)");
MMCPP_REGISTER(registry::MODELS, MomentumAnnealingEMA,
               "dict(type='MomentumAnnealingEMA', momentum=0.0002, gamma=100)");
MMCPP_REGISTER(registry::MODELS, StochasticWeightAverage, "dict(type='StochasticWeightAverage')");

}  // namespace mmcpp::engine
