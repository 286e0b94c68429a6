// SyncBuffersHook (mmengine/hooks/sync_buffer_hook.py): averages the model's
// buffers (BatchNorm running stats) over all ranks after each train epoch and
// before validation (one coalesced all-reduce per dtype through the Runner's
// process group). Nothing to do when not distributed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class SyncBuffersHook : public Hook {
 public:
  SyncBuffersHook() { priority_ = NORMAL; }
  // Example: dict(type='SyncBuffersHook').
  static std::shared_ptr<SyncBuffersHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "SyncBuffersHook"; }
  std::vector<std::string> stages() const override {
    return {"after_train_epoch", "before_val_epoch"};
  }
  void before_val_epoch(Runner& runner) override;
  void after_train_epoch(Runner& runner) override;

 private:
  void all_reduce_buffers(Runner& runner);
  bool called_in_train_ = false;
};

}  // namespace mmcpp::engine
