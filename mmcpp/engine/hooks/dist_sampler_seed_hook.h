// DistSamplerSeedHook (mmengine/hooks/sampler_seed_hook.py): in MMEngine it
// calls sampler.set_epoch(runner.epoch) before each train epoch so that the
// shuffle differs per epoch. mmcpp samplers are pure functions of (seed, epoch)
// and the train loop passes the epoch to the dataloader (DataLoader::start_epoch),
// so the hook has nothing left to do; it exists so configs that list it build.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class DistSamplerSeedHook : public Hook {
 public:
  DistSamplerSeedHook() { priority_ = NORMAL; }
  // Example: dict(type='DistSamplerSeedHook').
  static std::shared_ptr<DistSamplerSeedHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "DistSamplerSeedHook"; }
  std::vector<std::string> stages() const override { return {"before_train_epoch"}; }
  void before_train_epoch(Runner& runner) override;
};

}  // namespace mmcpp::engine
