// SyncBuffersHook (mmengine/hooks/sync_buffer_hook.py).
#include "mmcpp/engine/hooks/sync_buffers_hook.h"

#include "mmcpp/engine/dist/dist.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

std::shared_ptr<SyncBuffersHook> SyncBuffersHook::from_config(registry::BuildArgs&) {
  return std::make_shared<SyncBuffersHook>();
}

void SyncBuffersHook::all_reduce_buffers(Runner& runner) {
  // all_reduce_params(runner.model.buffers(), op='mean').
  std::vector<torch::Tensor> buffers;
  for (const auto& b : runner.model().buffers())
    if (b.defined()) buffers.push_back(b);
  dist::all_reduce_params(runner.dist(), buffers, dist::ReduceOp::Mean);
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
