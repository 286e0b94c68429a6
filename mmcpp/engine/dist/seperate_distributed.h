// MMSeparateDistributedDataParallel (mmengine/model/wrappers/
// seperate_distributed.py, MMEngine's spelling): one DistributedDataParallel per
// direct submodule that has trainable parameters (a GAN's generator and
// discriminator each get their own), so that updating one of them never waits
// for gradients of the other. train_step/val_step/test_step are the module's own.
//
// MMSeparateDistributedDataParallel(broadcast_buffers=False,
//   find_unused_parameters=False, **DistributedDataParallel kwargs).
// The model calls its submodules itself, so mmcpp cannot run DDP's forward
// bookkeeping around them: each submodule's c10d::Reducer is prepared by the
// first gradient of each backward that reaches it (which also rebuilds its
// buckets in gradient order after the first backward), and buffers are
// broadcast once per train_step when broadcast_buffers. Hence find_unused_parameters=True
// is a NotImplementedError here, and no_sync() (gradient accumulation) applies
// to every submodule at once.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/engine/dist/distributed_data_parallel.h"
#include "mmcpp/engine/dist/no_sync.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::dist {

class MMSeparateDistributedDataParallel : public engine::BaseModel, public NoSyncModel {
 public:
  MMSeparateDistributedDataParallel(std::shared_ptr<engine::BaseModel> module,
                                    std::shared_ptr<DistContext> ctx, DDPOptions options);
  // Example: dict(type='MMSeparateDistributedDataParallel', broadcast_buffers=False).
  static std::shared_ptr<MMSeparateDistributedDataParallel> from_config(registry::BuildArgs& args);

  engine::BaseModel& module() { return *module_; }
  // The submodules given a DDP of their own, by attribute name.
  std::vector<std::string> wrapped_names() const;

  engine::ModelOutput forward(const data::DataBatch& batch, engine::ForwardMode mode) override;
  engine::NamedTensors train_step(const data::DataBatch& batch,
                                  engine::OptimWrapper& optim_wrapper) override;
  data::DataSamples val_step(const data::DataBatch& batch) override;
  data::DataSamples test_step(const data::DataBatch& batch) override;
  void init_weights() override { module_->init_weights(); }
  std::unique_ptr<engine::OptimContext> no_sync() override;

 private:
  std::shared_ptr<engine::BaseModel> module_;
  std::vector<std::pair<std::string, std::unique_ptr<DistributedDataParallel>>> ddps_;
};

}  // namespace mmcpp::dist
