#include "mmcpp/engine/optim/optim_wrapper_dict.h"

#include <torch/optim/sgd.h>

#include "mmcpp/core/error.h"

namespace mmcpp::engine {

namespace {

std::shared_ptr<torch::optim::Optimizer> no_params_optimizer() {
  return std::make_shared<torch::optim::SGD>(std::vector<torch::optim::OptimizerParamGroup>{},
                                             torch::optim::SGDOptions(0.0));
}

}  // namespace

OptimWrapperDict::OptimWrapperDict(Items optim_wrappers)
    : OptimWrapper(no_params_optimizer(), 1, config::Value()), items_(std::move(optim_wrappers)) {
  for (std::size_t i = 0; i < items_.size(); ++i) {
    if (!items_[i].second)
      throw Error("AssertionError",
                  "`OptimWrapperDict` only accept OptimWrapper instance, but got " +
                      items_[i].first + ": None");
    for (std::size_t j = 0; j < i; ++j)
      if (items_[j].first == items_[i].first)
        throw Error("KeyError", "OptimWrapperDict: duplicate name '" + items_[i].first + "'");
  }
}

void OptimWrapperDict::update_params(const torch::Tensor&, bool, bool) {
  throw Error("NotImplementedError",
              "`update_params` should be called by each optimizer separately`");
}

void OptimWrapperDict::backward(const torch::Tensor&) {
  throw Error("NotImplementedError", "`backward` should be called by each optimizer separately`");
}

void OptimWrapperDict::step() {
  throw Error("NotImplementedError", "`step` should be called by each optimizer separately`");
}

void OptimWrapperDict::zero_grad() {
  for (auto& [name, w] : items_) w->zero_grad();
}

std::map<std::string, std::vector<double>> OptimWrapperDict::get_lr() {
  std::map<std::string, std::vector<double>> out;
  for (auto& [name, w] : items_) {
    auto inner = w->get_lr();
    if (auto it = inner.find("base_lr"); it != inner.end()) out[name + ".base_lr"] = it->second;
    out[name + ".lr"] = inner["lr"];
  }
  return out;
}

std::map<std::string, std::vector<double>> OptimWrapperDict::get_momentum() {
  std::map<std::string, std::vector<double>> out;
  for (auto& [name, w] : items_) out[name + ".momentum"] = w->get_momentum()["momentum"];
  return out;
}

OptimizerStateDict OptimWrapperDict::state_dict() {
  throw Error("TypeError",
              "OptimWrapperDict holds one optimizer state per name: use state_dicts()");
}

void OptimWrapperDict::load_state_dict(const OptimizerStateDict&) {
  throw Error("TypeError",
              "OptimWrapperDict holds one optimizer state per name: use load_state_dicts()");
}

std::vector<std::pair<std::string, OptimizerStateDict>> OptimWrapperDict::state_dicts() {
  std::vector<std::pair<std::string, OptimizerStateDict>> out;
  for (auto& [name, w] : items_) out.emplace_back(name, w->state_dict());
  return out;
}

void OptimWrapperDict::load_state_dicts(
    const std::vector<std::pair<std::string, OptimizerStateDict>>& states) {
  for (const auto& [name, state] : states) {
    if (!contains(name))
      throw Error("AssertionError",
                  "Mismatched `state_dict`! cannot found " + name + " in OptimWrapperDict");
    at(name)->load_state_dict(state);
  }
}

std::shared_ptr<OptimWrapper> OptimWrapperDict::at(const std::string& name) {
  for (auto& [n, w] : items_)
    if (n == name) return w;
  throw Error("AssertionError", "Cannot find " + name +
                                    " in OptimWrapperDict, please check your optimizer "
                                    "constructor.");
}

OptimWrapper& OptimWrapperDict::operator[](const std::string& name) { return *at(name); }

bool OptimWrapperDict::contains(const std::string& name) const {
  for (const auto& [n, w] : items_)
    if (n == name) return true;
  return false;
}

std::vector<std::string> OptimWrapperDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [n, w] : items_) out.push_back(n);
  return out;
}

}  // namespace mmcpp::engine
