#include "mmcpp/engine/model/base_model.h"

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

ForwardMode parse_forward_mode(const std::string& mode) {
  if (mode == "loss") return ForwardMode::Loss;
  if (mode == "predict") return ForwardMode::Predict;
  if (mode == "tensor") return ForwardMode::Tensor;
  throw Error("RuntimeError",
              "Invalid mode \"" + mode + "\". Only supports loss, predict and tensor mode");
}

BaseModel::BaseModel() { set_data_preprocessor(std::make_shared<BaseDataPreprocessor>()); }

void BaseModel::set_data_preprocessor(std::shared_ptr<BaseDataPreprocessor> p) {
  if (!p) throw Error("TypeError", "data_preprocessor must not be null");
  p->set_device(device());
  // A model's from_config replaces the default one built by the constructor.
  data_preprocessor_ = data_preprocessor_ ? replace_module("data_preprocessor", std::move(p))
                                          : register_module("data_preprocessor", std::move(p));
}

void BaseModel::configure_base(registry::BuildArgs& args) {
  config::Value dp = args.value("data_preprocessor");
  if (dp.is_dict()) {
    config::Value cfg = dp;
    if (!cfg.as_dict().contains("type")) {
      cfg = dp.deep_copy();
      cfg.as_dict().set(config::Value("type"), config::Value("BaseDataPreprocessor"));
    }
    auto module = registry::MODELS().build(cfg);
    auto pre = std::dynamic_pointer_cast<BaseDataPreprocessor>(module);
    if (!pre)
      throw Error("TypeError",
                  "data_preprocessor should be a BaseDataPreprocessor, got " + cfg.repr());
    set_data_preprocessor(pre);
  } else if (!dp.is_none()) {
    throw Error("TypeError", "data_preprocessor should be a dict or None, but got " + dp.repr());
  }
  set_init_cfg(args.value("init_cfg"));
}

torch::Device BaseModel::device() const {
  for (const auto& p : parameters()) return p.device();
  for (const auto& b : buffers()) return b.device();
  return torch::kCPU;
}

void BaseModel::to_device(const torch::Device& device) {
  to(device);
  data_preprocessor_->set_device(device);
}

std::pair<torch::Tensor, NamedTensors> BaseModel::parse_losses(const NamedTensors& losses) const {
  NamedTensors log_vars;
  torch::Tensor total;
  for (const auto& [name, value] : losses) {
    torch::Tensor v = value.dim() == 0 ? value : value.mean();
    log_vars.emplace_back(name, v);
    if (name.find("loss") != std::string::npos) total = total.defined() ? total + v : v;
  }
  if (!total.defined())
    throw Error("ValueError", "the model returned no loss term (no key containing 'loss')");
  log_vars.insert(log_vars.begin(), {"loss", total});
  // OrderedDict(log_vars): a repeated name keeps its first position and its
  // last value (a model's own "loss" term replaces the inserted total).
  NamedTensors unique;
  for (auto& [name, value] : log_vars) {
    auto it = std::find_if(unique.begin(), unique.end(),
                           [&](const auto& kv) { return kv.first == name; });
    if (it != unique.end())
      it->second = value;
    else
      unique.emplace_back(name, value);
  }
  return {total, unique};
}

NamedTensors BaseModel::train_step(const data::DataBatch& batch, OptimWrapper& optim_wrapper) {
  ModelOutput out;
  {
    // Mixed precision (AmpOptimWrapper) covers preprocessing and forward only.
    auto context = optim_wrapper.optim_context(*this);
    data::DataBatch data = data_preprocessor_->forward(batch, true);
    out = forward(data, ForwardMode::Loss);
  }
  auto [loss, log_vars] = parse_losses(out.losses);
  optim_wrapper.update_params(loss);
  // Logged values are detached scalars.
  for (auto& [k, v] : log_vars) v = v.detach();
  return log_vars;
}

data::DataSamples BaseModel::val_step(const data::DataBatch& batch) {
  data::DataBatch data = data_preprocessor_->forward(batch, false);
  return forward(data, ForwardMode::Predict).predictions;
}

data::DataSamples BaseModel::test_step(const data::DataBatch& batch) {
  data::DataBatch data = data_preprocessor_->forward(batch, false);
  return forward(data, ForwardMode::Predict).predictions;
}

std::shared_ptr<BaseModel> build_model(const config::Value& cfg) {
  if (!cfg.is_dict()) throw Error("TypeError", "model should be a dict, but got " + cfg.repr());
  auto module = registry::MODELS().build(cfg);
  auto model = std::dynamic_pointer_cast<BaseModel>(module);
  if (!model) {
    const config::Value* t = cfg.as_dict().find("type");
    throw Error("TypeError", "model " + (t ? t->str() : std::string("?")) +
                                 " is not a BaseModel (it must implement forward(batch, mode))");
  }
  return model;
}

}  // namespace mmcpp::engine
