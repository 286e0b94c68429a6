// MMSeparateDistributedDataParallel (mmengine/model/wrappers/seperate_distributed.py).
#include "mmcpp/engine/dist/seperate_distributed.h"

#include "mmcpp/core/error.h"
#include "mmcpp/engine/dist/distributed.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::dist {

MMCPP_REGISTER(registry::MODEL_WRAPPERS, MMSeparateDistributedDataParallel,
               "dict(type='MMSeparateDistributedDataParallel', broadcast_buffers=False, "
               "find_unused_parameters=False)");

namespace {

// Guards of several no_sync contexts, released together.
class MultiContext : public engine::OptimContext {
 public:
  std::vector<std::unique_ptr<engine::OptimContext>> parts;
};

}  // namespace

MMSeparateDistributedDataParallel::MMSeparateDistributedDataParallel(
    std::shared_ptr<engine::BaseModel> module, std::shared_ptr<DistContext> ctx, DDPOptions options)
    : module_(std::move(module)) {
  if (!module_) throw Error("ValueError", "MMSeparateDistributedDataParallel needs a module");
  register_module("module", module_);
  if (!ctx) return;
  for (const auto& child : module_->named_children()) {
    bool trainable = false;
    for (const auto& p : child.value()->parameters()) trainable = trainable || p.requires_grad();
    if (!trainable) continue;  // MMEngine leaves these unwrapped
    auto ddp = std::make_unique<DistributedDataParallel>(*child.value(), ctx, options);
    ddp->lazy_prepare();
    ddps_.emplace_back(child.key(), std::move(ddp));
  }
}

std::shared_ptr<MMSeparateDistributedDataParallel> MMSeparateDistributedDataParallel::from_config(
    registry::BuildArgs& a) {
  auto* module = a.object<std::shared_ptr<engine::BaseModel>>("module");
  if (!module || !*module)
    throw Error("TypeError", a.component() + " needs the model to wrap (object 'module')");
  std::shared_ptr<DistContext> ctx;
  if (auto* c = a.object<std::shared_ptr<DistContext>>("dist")) ctx = *c;
  (void)a.object<Logger*>("logger");
  DDPOptions options = read_ddp_options(a, false);
  return std::make_shared<MMSeparateDistributedDataParallel>(*module, ctx, options);
}

std::vector<std::string> MMSeparateDistributedDataParallel::wrapped_names() const {
  std::vector<std::string> out;
  for (const auto& [name, ddp] : ddps_) out.push_back(name);
  return out;
}

engine::ModelOutput MMSeparateDistributedDataParallel::forward(const data::DataBatch& batch,
                                                               engine::ForwardMode mode) {
  return module_->forward(batch, mode);
}

engine::NamedTensors MMSeparateDistributedDataParallel::train_step(
    const data::DataBatch& batch, engine::OptimWrapper& optim_wrapper) {
  for (auto& [name, ddp] : ddps_) ddp->before_iteration();
  return module_->train_step(batch, optim_wrapper);
}

data::DataSamples MMSeparateDistributedDataParallel::val_step(const data::DataBatch& batch) {
  return module_->val_step(batch);
}

data::DataSamples MMSeparateDistributedDataParallel::test_step(const data::DataBatch& batch) {
  return module_->test_step(batch);
}

std::unique_ptr<engine::OptimContext> MMSeparateDistributedDataParallel::no_sync() {
  auto all = std::make_unique<MultiContext>();
  for (auto& [name, ddp] : ddps_) all->parts.push_back(ddp->no_sync());
  return all;
}

}  // namespace mmcpp::dist
