// BaseModule (mmengine/model/base_module.py): a module with `init_cfg` and
// MMEngine's init_weights().
//
// init_weights() runs, exactly in MMEngine's order:
//   1. this module's init_cfg entries other than Pretrained (initialize());
//   2. init_weights() of every direct child that has one (InitWeights) and is
//      not already initialised (is_init) — children without init_weights
//      (torch::nn::Sequential, plain LibTorch layers) are not descended into,
//      as in PyTorch, where nn.Sequential has no init_weights;
//   3. this module's Pretrained entries (they overwrite what came before);
// then sets is_init. A second call logs "init_weights of X has been called
// more than once." The outermost call tracks, per parameter, which
// initialiser last changed it and writes MMEngine's "Name of parameter -
// Initialization information" report to the log file (or as INFO lines).
//
// Subclasses override init_weights() to add their own steps after
// BaseModule::init_weights() (ResNet's zero_init_residual), as MMPretrain's
// models do with super().init_weights().
//
// Sequential and ModuleList are MMEngine's BaseModule containers (own
// init_cfg, named children).
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"

namespace mmcpp {
class Logger;
}

namespace mmcpp::engine {

// Modules with their own init_weights(): every BaseModule, and plain modules
// such as mmcv's ConvModule (which PyTorch's init recursion calls too).
class InitWeights {
 public:
  virtual ~InitWeights() = default;
  virtual void init_weights() = 0;
  // BaseModule.is_init; modules without one count as not initialised.
  virtual bool is_init() const { return false; }
};

// State shared by every module during the outermost init_weights() call
// (MMEngine's `_params_init_info` plus the 'current' logger).
struct InitContext {
  struct ParamInfo {
    std::string init_info;
    float mean = 0;
  };
  Logger* logger = nullptr;                           // may be null: messages are dropped
  std::unordered_map<const void*, ParamInfo> params;  // by TensorImpl
};

// update_init_info: parameters of `module` whose mean changed since they were
// last recorded get `init_info`.
void update_init_info(const torch::nn::Module& module, const std::string& init_info,
                      InitContext& context);

class BaseModule : public torch::nn::Module, public DeclaresPythonClass, public InitWeights {
 public:
  explicit BaseModule(config::Value init_cfg = config::Value());

  const config::Value& init_cfg() const { return init_cfg_; }
  // A dict, a list of dicts, or None (deep-copied, as MMEngine does).
  void set_init_cfg(const config::Value& init_cfg);

  bool is_init() const override { return is_init_; }
  void set_is_init(bool value) { is_init_ = value; }

  void init_weights() override;

  // Where init_weights() logs when it is the outermost call (the Runner passes
  // its logger; null drops the messages).
  void set_init_logger(Logger* logger) { init_logger_ = logger; }
  // The context of the init_weights() call in progress (null outside one).
  InitContext* init_context() const { return init_context_.get(); }

  // Default: named after the C++ class ("ResNetImpl" -> "ResNet"), base "BaseModule".
  PythonClass python_class() const override;

 private:
  void dump_init_info(InitContext& context);

  config::Value init_cfg_;
  bool is_init_ = false;
  Logger* init_logger_ = nullptr;
  std::shared_ptr<InitContext> init_context_;
};

// mmengine.model.Sequential: a BaseModule whose children run in order. Children
// are named "0", "1", ... by push_back, or given names (OrderedDict form).
class SequentialImpl : public BaseModule, public TensorForward {
 public:
  MMCPP_PYTHON_CLASS("Sequential", "BaseModule", "Sequential")
  explicit SequentialImpl(config::Value init_cfg = config::Value()) : BaseModule(init_cfg) {}
  void push_back(Layer layer);
  void push_back(const std::string& name, Layer layer);
  torch::Tensor forward(const torch::Tensor& x) override;
  std::size_t size() const { return layers_.size(); }
  const Layer& operator[](std::size_t i) const { return layers_.at(i); }
  // The child registered as `name` (KeyError when absent).
  const Layer& get(const std::string& name) const;

 private:
  std::vector<std::pair<std::string, Layer>> named_;
  std::vector<Layer> layers_;
};
TORCH_MODULE(Sequential);

// mmengine.model.ModuleList: children named "0", "1", ...
class ModuleListImpl : public BaseModule {
 public:
  MMCPP_PYTHON_CLASS("ModuleList", "BaseModule", "ModuleList")
  explicit ModuleListImpl(config::Value init_cfg = config::Value()) : BaseModule(init_cfg) {}
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    register_module(std::to_string(items_.size()), module);
    items_.push_back(module);
    return module;
  }
  std::size_t size() const { return items_.size(); }
  const std::shared_ptr<torch::nn::Module>& operator[](std::size_t i) const { return items_.at(i); }
  template <class M>
  M& at(std::size_t i) const {
    auto* m = dynamic_cast<M*>(items_.at(i).get());
    TORCH_CHECK(m, "ModuleList: element ", i, " has another type");
    return *m;
  }

 private:
  std::vector<std::shared_ptr<torch::nn::Module>> items_;
};
TORCH_MODULE(ModuleList);

// Post-order visit, as torch.nn.Module.apply: children first, then the module.
void apply_post_order(torch::nn::Module& module, const std::function<void(torch::nn::Module&)>& fn);

}  // namespace mmcpp::engine
