// NoSyncModel: a model wrapper with DDP's no_sync() context. OptimWrapper's
// optim_context(model) enters it on iterations that only accumulate gradients
// (MMEngine: `if not self.should_sync() and hasattr(model, 'no_sync')`).
#pragma once

#include <memory>

namespace mmcpp::engine {
class OptimContext;
}

namespace mmcpp::dist {

class NoSyncModel {
 public:
  virtual ~NoSyncModel() = default;
  // While the returned guard lives, backward passes accumulate gradients locally
  // without all-reducing them.
  virtual std::unique_ptr<engine::OptimContext> no_sync() = 0;
};

}  // namespace mmcpp::dist
