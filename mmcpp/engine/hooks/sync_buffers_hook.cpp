// SyncBuffersHook (mmengine/hooks/sync_buffer_hook.py).
#include "mmcpp/engine/hooks/sync_buffers_hook.h"

#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

std::shared_ptr<SyncBuffersHook> SyncBuffersHook::from_config(registry::BuildArgs&) {
  return std::make_shared<SyncBuffersHook>();
}

void SyncBuffersHook::all_reduce_buffers(Runner& runner) {
  // all_reduce_params(model.buffers(), op='mean') needs the c10d process group
  // (mmcpp/engine/dist), which this hook cannot reach yet: fail loudly rather
  // than let ranks silently diverge.
  throw Error("NotImplementedError",
              "SyncBuffersHook: averaging buffers over " + std::to_string(runner.world_size()) +
                  " ranks needs the distributed all-reduce, which is not available yet");
}

void SyncBuffersHook::before_val_epoch(Runner& runner) {
  if (runner.world_size() <= 1) return;
  if (!called_in_train_) all_reduce_buffers(runner);
  called_in_train_ = false;
}

void SyncBuffersHook::after_train_epoch(Runner& runner) {
  if (runner.world_size() <= 1) return;
  all_reduce_buffers(runner);
  called_in_train_ = true;
}

MMCPP_REGISTER(registry::HOOKS, SyncBuffersHook, "dict(type='SyncBuffersHook')");

}  // namespace mmcpp::engine
