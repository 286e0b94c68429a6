// MultiOptimWrapperConstructor (mmagic/engine/optimizers/multi_optimizer_constructor.py):
// one optimizer wrapper per submodule, for models trained with several
// optimizers (GANs). Registered at engine level until the mmagic package exists.
//
//   optim_wrapper = dict(
//       constructor='MultiOptimWrapperConstructor',
//       generator=dict(optimizer=dict(type='Adam', lr=2e-4), paramwise_cfg=...),
//       discriminator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4)))
// builds an OptimWrapperDict {generator, discriminator}: each key is a child
// module of the model (built with its own DefaultOptimWrapperConstructor and
// paramwise_cfg), or, when no child has that name (or the entry has
// `modules=[...]`), names matched as a child name or by a full regex match of
// the dotted names of named_modules() (one optimizer over all their parameters;
// paramwise_cfg is not supported there). A top-level `modules=[...]` instead
// builds a single OptimWrapper over those modules.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/engine/optim/default_constructor.h"
#include "mmcpp/engine/optim/optim_wrapper_constructor.h"

namespace mmcpp::engine {

class MultiOptimWrapperConstructor : public OptimWrapperConstructor {
 public:
  // paramwise_cfg must be None ('paramwise_cfg should be set in each optimizer
  // separately').
  explicit MultiOptimWrapperConstructor(const config::Value& optim_wrapper_cfg,
                                        const config::Value& paramwise_cfg = config::Value());
  // dict(type='MultiOptimWrapperConstructor', optim_wrapper_cfg=dict(generator=..., ...))
  static std::shared_ptr<MultiOptimWrapperConstructor> from_config(registry::BuildArgs& args);

  // An OptimWrapperDict, or an OptimWrapper for the top-level `modules` form.
  std::shared_ptr<OptimWrapper> build(torch::nn::Module& model, Logger* logger = nullptr) override;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<DefaultOptimWrapperConstructor> constructor;
    bool has_modules = false;
    config::Value modules;  // str or list of str
  };
  std::shared_ptr<OptimWrapper> build_over_names(const DefaultOptimWrapperConstructor& c,
                                                 torch::nn::Module& model,
                                                 const config::Value& names, const std::string& key,
                                                 Logger* logger) const;

  std::vector<Entry> entries_;
  bool single_ = false;  // top-level `modules`
};

// get_params_by_names: for each name, the parameters of the child of that name,
// else of every module whose dotted name fully matches it as a regex. Returns the
// parameters and the names found.
std::pair<std::vector<torch::Tensor>, std::vector<std::string>> get_params_by_names(
    torch::nn::Module& module, const std::vector<std::string>& names);

}  // namespace mmcpp::engine
