// MMDistributedDataParallel (mmengine/model/wrappers/distributed.py): the model
// wrapper of a distributed run. train_step preprocesses the batch with the
// module's data_preprocessor and runs the module's forward(mode=loss) through
// DDP (gradients all-reduced in buckets during backward), inside
// optim_wrapper.optim_context(this), so gradient-accumulation iterations run
// under no_sync; val_step/test_step are the module's.
//
// MMDistributedDataParallel(detect_anomalous_params=False, broadcast_buffers=True,
//   find_unused_parameters=False, bucket_cap_mb=25, gradient_as_bucket_view=False,
//   static_graph=False, device_ids=None, output_device=None, dim=0,
//   check_reduction=False) — DistributedDataParallel's keyword arguments.
// The Runner builds it through MODEL_WRAPPERS with the objects `module` (the
// BaseModel), `dist` (the DistContext) and `logger`; without `dist` (a single
// process) it passes everything straight to the module.
#pragma once

#include <memory>

#include "mmcpp/core/logging.h"
#include "mmcpp/engine/dist/distributed_data_parallel.h"
#include "mmcpp/engine/dist/no_sync.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::dist {

class MMDistributedDataParallel : public engine::BaseModel, public NoSyncModel {
 public:
  MMDistributedDataParallel(std::shared_ptr<engine::BaseModel> module,
                            std::shared_ptr<DistContext> ctx, DDPOptions options,
                            bool detect_anomalous_params = false, Logger* logger = nullptr);
  // Example: dict(type='MMDistributedDataParallel', find_unused_parameters=False).
  static std::shared_ptr<MMDistributedDataParallel> from_config(registry::BuildArgs& args);

  engine::BaseModel& module() { return *module_; }
  const std::shared_ptr<engine::BaseModel>& module_ptr() const { return module_; }
  // nullptr outside a distributed run.
  DistributedDataParallel* ddp() { return ddp_.get(); }

  // DistributedDataParallel.forward: the module's forward with DDP's bookkeeping.
  engine::ModelOutput forward(const data::DataBatch& batch, engine::ForwardMode mode) override;
  engine::NamedTensors train_step(const data::DataBatch& batch,
                                  engine::OptimWrapper& optim_wrapper) override;
  data::DataSamples val_step(const data::DataBatch& batch) override;
  data::DataSamples test_step(const data::DataBatch& batch) override;
  void init_weights() override { module_->init_weights(); }
  std::unique_ptr<engine::OptimContext> no_sync() override;

 private:
  void detect_anomalous_params(const torch::Tensor& loss);

  std::shared_ptr<engine::BaseModel> module_;
  std::unique_ptr<DistributedDataParallel> ddp_;
  bool detect_anomalous_params_;
  Logger* logger_;
};

// Reads DistributedDataParallel's keyword arguments (the defaults above, with
// `broadcast_buffers` defaulting to `broadcast_buffers_default`); NotImplemented-
// Error for static_graph=True, a process_group, dim != 0.
DDPOptions read_ddp_options(registry::BuildArgs& args, bool broadcast_buffers_default);

}  // namespace mmcpp::dist
