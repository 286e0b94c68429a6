// MMDistributedDataParallel (mmengine/model/wrappers/distributed.py).
#include "mmcpp/engine/dist/distributed.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/accumulate_grad.h>

#include <sstream>
#include <unordered_set>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/dist/dist_context.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::dist {

MMCPP_REGISTER(registry::MODEL_WRAPPERS, MMDistributedDataParallel,
               "dict(type='MMDistributedDataParallel', find_unused_parameters=False)");

namespace {

// Every tensor a forward returned: what DDP's _find_tensors collects.
std::vector<torch::Tensor> output_tensors(const engine::ModelOutput& out) {
  std::vector<torch::Tensor> tensors;
  for (const auto& [name, t] : out.losses) tensors.push_back(t);
  for (const auto& t : out.tensors) tensors.push_back(t);
  for (const auto& s : out.predictions)
    for (const auto& [k, t] : s->fields()) tensors.push_back(t);
  return tensors;
}

}  // namespace

DDPOptions read_ddp_options(registry::BuildArgs& a, bool broadcast_buffers_default) {
  DDPOptions o;
  o.broadcast_buffers = a.get_bool("broadcast_buffers", broadcast_buffers_default);
  o.find_unused_parameters = a.get_bool("find_unused_parameters", false);
  o.bucket_cap_mb = a.get_float("bucket_cap_mb", 25.0);
  o.gradient_as_bucket_view = a.get_bool("gradient_as_bucket_view", false);
  if (a.get_bool("static_graph", false))
    a.fail("static_graph",
           "static_graph=True is not supported by mmcpp's DDP (c10d::Reducer without the "
           "Python-side _DDPSink); remove it");
  if (!a.value("process_group").is_none())
    a.fail("process_group", "a process group cannot come from a config; the Runner's is used");
  if (a.get_int("dim", 0) != 0) a.fail("dim", "only dim=0 is supported");
  // One device per process: device_ids/output_device name it, check_reduction is
  // deprecated in PyTorch; all three are accepted and have no further effect.
  (void)a.value("device_ids");
  (void)a.value("output_device");
  (void)a.get_bool("check_reduction", false);
  return o;
}

MMDistributedDataParallel::MMDistributedDataParallel(std::shared_ptr<engine::BaseModel> module,
                                                     std::shared_ptr<DistContext> ctx,
                                                     DDPOptions options,
                                                     bool detect_anomalous_params, Logger* logger)
    : module_(std::move(module)),
      detect_anomalous_params_(detect_anomalous_params),
      logger_(logger) {
  if (!module_) throw Error("ValueError", "MMDistributedDataParallel needs a module");
  register_module("module", module_);
  if (ctx) ddp_ = std::make_unique<DistributedDataParallel>(*module_, std::move(ctx), options);
}

std::shared_ptr<MMDistributedDataParallel> MMDistributedDataParallel::from_config(
    registry::BuildArgs& a) {
  auto* module = a.object<std::shared_ptr<engine::BaseModel>>("module");
  if (!module || !*module)
    throw Error("TypeError", a.component() + " needs the model to wrap (object 'module')");
  std::shared_ptr<DistContext> ctx;
  if (auto* c = a.object<std::shared_ptr<DistContext>>("dist")) ctx = *c;
  Logger* logger = nullptr;
  if (auto* l = a.object<Logger*>("logger")) logger = *l;
  bool detect = a.get_bool("detect_anomalous_params", false);
  DDPOptions options = read_ddp_options(a, true);
  return std::make_shared<MMDistributedDataParallel>(*module, ctx, options, detect, logger);
}

engine::ModelOutput MMDistributedDataParallel::forward(const data::DataBatch& batch,
                                                       engine::ForwardMode mode) {
  if (!ddp_) return module_->forward(batch, mode);
  ddp_->pre_forward();
  engine::ModelOutput out = module_->forward(batch, mode);
  ddp_->post_forward(ddp_->options().find_unused_parameters ? output_tensors(out)
                                                            : std::vector<torch::Tensor>{});
  return out;
}

engine::NamedTensors MMDistributedDataParallel::train_step(const data::DataBatch& batch,
                                                           engine::OptimWrapper& optim_wrapper) {
  engine::ModelOutput out;
  {
    auto context = optim_wrapper.optim_context(*this);
    data::DataBatch data = module_->data_preprocessor().forward(batch, true);
    out = forward(data, engine::ForwardMode::Loss);
  }
  auto [loss, log_vars] = module_->parse_losses(out.losses);
  optim_wrapper.update_params(loss);
  if (detect_anomalous_params_) detect_anomalous_params(loss);
  for (auto& [k, v] : log_vars) v = v.detach();
  return log_vars;
}

data::DataSamples MMDistributedDataParallel::val_step(const data::DataBatch& batch) {
  return module_->val_step(batch);
}

data::DataSamples MMDistributedDataParallel::test_step(const data::DataBatch& batch) {
  return module_->test_step(batch);
}

std::unique_ptr<engine::OptimContext> MMDistributedDataParallel::no_sync() {
  if (!ddp_) return std::make_unique<engine::OptimContext>();
  return ddp_->no_sync();
}

void MMDistributedDataParallel::detect_anomalous_params(const torch::Tensor& loss) {
  // mmengine.model.wrappers.utils: the parameters the loss's graph reaches.
  std::unordered_set<const void*> in_graph;
  std::unordered_set<const torch::autograd::Node*> visited;
  std::vector<torch::autograd::Node*> stack;
  if (auto fn = loss.grad_fn()) stack.push_back(fn.get());
  while (!stack.empty()) {
    torch::autograd::Node* node = stack.back();
    stack.pop_back();
    if (!node || !visited.insert(node).second) continue;
    if (auto* acc = dynamic_cast<torch::autograd::AccumulateGrad*>(node))
      in_graph.insert(acc->variable.unsafeGetTensorImpl());
    for (const auto& edge : node->next_edges())
      if (edge.function) stack.push_back(edge.function.get());
  }
  for (const auto& item : module_->named_parameters()) {
    const torch::Tensor& p = item.value();
    if (!p.requires_grad() || in_graph.count(p.unsafeGetTensorImpl())) continue;
    std::ostringstream msg;
    msg << "module." << item.key() << " with shape " << p.sizes()
        << " is not in the computational graph \n";
    if (logger_) logger_->error(msg.str());
  }
}

}  // namespace mmcpp::dist
