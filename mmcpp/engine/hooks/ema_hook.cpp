// EMAHook (mmengine/hooks/ema_hook.py).
#include "mmcpp/engine/hooks/ema_hook.h"

#include <any>
#include <map>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/model/averaged_model.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/io/py_object.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

io::PyDict& dict_entry(io::PyObject& checkpoint, const std::string& key) {
  io::PyObject* v = checkpoint.as_dict().find(key);
  if (v == nullptr) {
    throw Error(
        "KeyError", "checkpoint has no '" + key + "' (keys: " + [&] {
          std::string s;
          for (const auto& k : checkpoint.as_dict().keys()) {
            s += (s.empty() ? "" : ", ") + k;
          }
          return s;
        }() + ")");
  }
  return v->as_dict();
}

TensorList to_tensor_list(const io::PyDict& d) {
  TensorList out;
  for (const auto& [k, v] : d.entries()) {
    if (!k.is_str()) continue;
    if (v.is_tensor()) {
      out.emplace_back(k.as_str(), v.as_tensor());
    } else if (v.is_numpy_array()) {
      out.emplace_back(k.as_str(), v.as_numpy_array().to_tensor());
    }
  }
  return out;
}

// mmengine.runner.checkpoint.load_state_dict's report of mismatched keys.
std::vector<std::string> mismatch_messages(const LoadResult& r) {
  if (r.missing_keys.empty() && r.unexpected_keys.empty()) return {};
  std::string msg = "The model and loaded state dict do not match exactly\n";
  auto join = [](const std::vector<std::string>& keys) {
    std::string s;
    for (const auto& k : keys) s += (s.empty() ? "" : ", ") + k;
    return s;
  };
  if (!r.unexpected_keys.empty()) {
    msg += "\nunexpected key in source state_dict: " + join(r.unexpected_keys) + "\n";
  }
  if (!r.missing_keys.empty()) {
    msg += "\nmissing keys in source state_dict: " + join(r.missing_keys) + "\n";
  }
  return {msg};
}

torch::Tensor cpu_copy(const torch::Tensor& t) {
  return t.device().is_cpu() ? t.detach().clone() : t.detach().cpu();
}

}  // namespace

EMAHook::EMAHook(config::Value ema_cfg, bool strict_load, std::int64_t begin_iter,
                 std::int64_t begin_epoch)
    : ema_cfg_(std::move(ema_cfg)),
      strict_load_(strict_load),
      begin_iter_(begin_iter),
      begin_epoch_(begin_epoch),
      enabled_by_epoch_(begin_epoch > 0) {
  priority_ = NORMAL;
  if (begin_iter_ != 0 && begin_epoch_ != 0) {
    throw Error("AssertionError",
                "EMAHook: `begin_iter` and `begin_epoch` should not be both set.");
  }
  if (begin_iter_ < 0) {
    throw Error("AssertionError",
                "EMAHook: `begin_iter` must larger than or equal to 0, but got "
                "begin_iter: " +
                    std::to_string(begin_iter_));
  }
  if (begin_epoch_ < 0) {
    throw Error("AssertionError",
                "EMAHook: `begin_epoch` must larger than or equal to 0, but "
                "got begin_epoch: " +
                    std::to_string(begin_epoch_));
  }
}

std::shared_ptr<EMAHook> EMAHook::from_config(registry::BuildArgs& args) {
  std::string ema_type = args.get_str("ema_type", "ExponentialMovingAverage");
  bool strict_load = args.get_bool("strict_load", false);
  std::int64_t begin_iter = args.get_int("begin_iter", 0);
  std::int64_t begin_epoch = args.get_int("begin_epoch", 0);
  // `priority` belongs to the runner (it sets it after the build), never to the EMA model.
  if (args.has("priority")) args.value("priority");
  config::Value rest = args.take_rest();
  config::Value cfg = config::Value::dict(false);
  cfg.as_dict().set("type", ema_type);
  if (rest.is_dict()) {
    for (const auto& [k, v] : rest.as_dict().entries()) cfg.as_dict().set(k, v);
  }
  return std::make_shared<EMAHook>(cfg, strict_load, begin_iter, begin_epoch);
}

std::vector<std::string> EMAHook::stages() const {
  return {
      "before_run",       "after_load_checkpoint", "before_train",           "after_train_iter",
      "before_val_epoch", "after_val_epoch",       "before_save_checkpoint", "before_test_epoch",
      "after_test_epoch"};
}

BaseAveragedModel& EMAHook::ema_model() {
  if (!ema_model_) throw Error("RuntimeError", "EMAHook: the EMA model is built in before_run");
  return *ema_model_;
}

void EMAHook::build_ema(torch::nn::Module& model) {
  src_model_ = &model;
  std::map<std::string, std::any> objects;
  objects["model"] = static_cast<torch::nn::Module*>(&model);
  std::shared_ptr<torch::nn::Module> built =
      registry::MODELS().build(ema_cfg_, config::Value(), std::move(objects));
  ema_model_ = std::dynamic_pointer_cast<BaseAveragedModel>(built);
  if (!ema_model_) {
    throw Error("TypeError", "EMAHook: ema_type " + ema_cfg_.as_dict().find("type")->repr() +
                                 " did not build an averaged model (BaseAveragedModel)");
  }
  if (!ema_model_->bound()) ema_model_->bind(model);
}

bool EMAHook::ema_started(std::int64_t epoch, std::int64_t iter) const {
  return enabled_by_epoch_ ? epoch + 1 >= begin_epoch_ : iter + 1 >= begin_iter_;
}

void EMAHook::step(std::int64_t epoch, std::int64_t iter) {
  if (ema_started(epoch, iter)) {
    ema_model().update_parameters(*src_model_);
  } else {
    ema_model().copy_from(*src_model_);
  }
}

void EMAHook::swap_parameters() {
  if (ema_model_ && src_model_ != nullptr) {
    ema_model_->swap_parameters(*src_model_);
    swapped_ = !swapped_;
  }
}

void EMAHook::swap_ema_state_dict(io::PyObject& checkpoint) {
  io::PyDict& model_state = dict_entry(checkpoint, "state_dict");
  io::PyDict& ema_state = dict_entry(checkpoint, "ema_state_dict");
  for (auto& entry : ema_state.mutable_entries()) {
    if (!entry.first.is_str()) continue;
    const std::string& k = entry.first.as_str();
    if (k.compare(0, 7, "module.") != 0) continue;
    io::PyObject* m = model_state.find(k.substr(7));
    if (m == nullptr) {
      throw Error("KeyError", "EMAHook: ema_state_dict has '" + k + "' but state_dict has no '" +
                                  k.substr(7) + "'");
    }
    std::swap(entry.second, *m);
  }
}

void EMAHook::add_to_checkpoint(io::PyObject& checkpoint) {
  BaseAveragedModel& ema = ema_model();
  // Python's ema_model.state_dict(): "steps", then "module." + each key of the
  // model's state dict (the same keys as checkpoint['state_dict']).
  std::map<std::string, const torch::Tensor*> averaged;
  for (const auto& [k, t] : ema.module_state()) averaged[k] = &t;
  io::PyObject out = io::PyObject::dict(io::DictType::OrderedDict);
  out.as_dict().set("steps", io::PyObject::tensor(cpu_copy(ema.state_dict().front().second)));
  const io::PyObject* sd = checkpoint.find("state_dict");
  if (sd != nullptr && sd->is_dict()) {
    for (const std::string& k : sd->as_dict().keys()) {
      auto it = averaged.find(k);
      if (it != averaged.end()) {
        out.as_dict().set("module." + k, io::PyObject::tensor(cpu_copy(*it->second)));
      }
    }
  } else {
    for (const auto& [k, t] : ema.module_state()) {
      out.as_dict().set("module." + k, io::PyObject::tensor(cpu_copy(t)));
    }
  }
  checkpoint.as_dict().set("ema_state_dict", out);
  // Swapped (inside an evaluation), state_dict already holds the averaged
  // weights and the averaged model the raw ones: the entries are in place.
  if (!swapped_) swap_ema_state_dict(checkpoint);
}

std::vector<std::string> EMAHook::load_from_checkpoint(io::PyObject& checkpoint, bool resume) {
  std::vector<std::string> messages;
  if (checkpoint.contains("ema_state_dict") && resume) {
    swap_ema_state_dict(checkpoint);
    LoadResult r = ema_model().load_state_dict(
        to_tensor_list(dict_entry(checkpoint, "ema_state_dict")), strict_load_);
    for (auto& m : mismatch_messages(r)) messages.push_back(m);
    return messages;
  }
  if (resume) {
    messages.push_back(
        "There is no `ema_state_dict` in checkpoint. `EMAHook` will make a copy "
        "of `state_dict` as the initial `ema_state_dict`");
  }
  LoadResult r = ema_model().load_module_state_dict(
      to_tensor_list(dict_entry(checkpoint, "state_dict")), strict_load_);
  for (auto& m : mismatch_messages(r)) messages.push_back(m);
  return messages;
}

void EMAHook::before_run(Runner& runner) {
  build_ema(runner.model());
  if (auto* ema = dynamic_cast<ExponentialMovingAverage*>(ema_model_.get());
      ema != nullptr && ema->momentum() > 0.5) {
    runner.logger().warning(
        "The value of momentum in EMA is usually a small number,which is different from the "
        "conventional notion of momentum but got " +
        config::float_repr(ema->momentum()) + ". Please make sure the value is correct.");
  }
}

void EMAHook::before_train(Runner& runner) {
  if (enabled_by_epoch_ && begin_epoch_ > runner.max_epochs()) {
    throw Error("AssertionError",
                "self.begin_epoch should be smaller than or equal to runner.max_epochs: " +
                    std::to_string(runner.max_epochs()) +
                    ", but got begin_epoch: " + std::to_string(begin_epoch_));
  }
  if (!enabled_by_epoch_ && begin_iter_ > runner.max_iters()) {
    throw Error("AssertionError",
                "self.begin_iter should be smaller than or equal to runner.max_iters: " +
                    std::to_string(runner.max_iters()) +
                    ", but got begin_iter: " + std::to_string(begin_iter_));
  }
}

void EMAHook::after_train_iter(Runner& runner, std::int64_t, const data::DataBatch*,
                               const NamedTensors&) {
  step(runner.epoch(), runner.iter());
}

void EMAHook::before_val_epoch(Runner&) { swap_parameters(); }
void EMAHook::after_val_epoch(Runner&, const evaluation::Metrics&) { swap_parameters(); }
void EMAHook::before_test_epoch(Runner&) { swap_parameters(); }
void EMAHook::after_test_epoch(Runner&, const evaluation::Metrics&) { swap_parameters(); }

void EMAHook::before_save_checkpoint(Runner&, io::PyObject& checkpoint) {
  add_to_checkpoint(checkpoint);
}

void EMAHook::after_load_checkpoint(Runner& runner, io::PyObject& checkpoint) {
  // MMEngine reads Runner._resume (the config's `resume`); what counts is
  // whether this load is a resume, however it was started.
  for (const std::string& m : load_from_checkpoint(checkpoint, runner.resuming())) {
    runner.logger().warning(m);
  }
}

MMCPP_REGISTER(registry::HOOKS, EMAHook, "dict(type='EMAHook', momentum=0.0002)");

}  // namespace mmcpp::engine
