// EmptyCacheHook (mmengine/hooks/empty_cache_hook.py): releases cached CUDA
// memory before/after epochs or after iterations (torch.cuda.empty_cache).
// A no-op without CUDA.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class EmptyCacheHook : public Hook {
 public:
  EmptyCacheHook(bool before_epoch = false, bool after_epoch = true, bool after_iter = false);
  // Example: dict(type='EmptyCacheHook', after_epoch=True).
  static std::shared_ptr<EmptyCacheHook> from_config(registry::BuildArgs& args);
  std::string name() const override { return "EmptyCacheHook"; }
  std::vector<std::string> stages() const override;

  void before_train_epoch(Runner&) override { before_epoch(); }
  void before_val_epoch(Runner&) override { before_epoch(); }
  void before_test_epoch(Runner&) override { before_epoch(); }
  void after_train_epoch(Runner&) override { after_epoch(); }
  void after_val_epoch(Runner&, const evaluation::Metrics&) override { after_epoch(); }
  void after_test_epoch(Runner&, const evaluation::Metrics&) override { after_epoch(); }
  void after_train_iter(Runner&, std::int64_t, const data::DataBatch*,
                        const NamedTensors&) override {
    after_iter();
  }
  void after_val_iter(Runner&, std::int64_t, const data::DataBatch*,
                      const data::DataSamples&) override {
    after_iter();
  }
  void after_test_iter(Runner&, std::int64_t, const data::DataBatch*,
                       const data::DataSamples&) override {
    after_iter();
  }

 private:
  void before_epoch();
  void after_epoch();
  void after_iter();

  bool do_before_epoch_, do_after_epoch_, do_after_iter_;
};

}  // namespace mmcpp::engine
