// DistSamplerSeedHook (mmengine/hooks/sampler_seed_hook.py).
#include "mmcpp/engine/hooks/dist_sampler_seed_hook.h"

#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

std::shared_ptr<DistSamplerSeedHook> DistSamplerSeedHook::from_config(registry::BuildArgs&) {
  return std::make_shared<DistSamplerSeedHook>();
}

// Sampler orders are already a function of the epoch the loop passes to the
// dataloader, so there is no sampler state to set here.
void DistSamplerSeedHook::before_train_epoch(Runner&) {}

MMCPP_REGISTER(registry::HOOKS, DistSamplerSeedHook, "dict(type='DistSamplerSeedHook')");

}  // namespace mmcpp::engine
