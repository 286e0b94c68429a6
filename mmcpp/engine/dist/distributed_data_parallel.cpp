#include "mmcpp/engine/dist/distributed_data_parallel.h"

#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/functions/accumulate_grad.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <atomic>
#include <limits>
#include <set>
#include <unordered_map>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/dist/dist.h"
#include "mmcpp/engine/dist/dist_context.h"
#include "mmcpp/engine/optim/optim_wrapper.h"

namespace mmcpp::dist {

// no_sync(): restores the previous setting when it ends.
class NoSyncGuard : public engine::OptimContext {
 public:
  explicit NoSyncGuard(DistributedDataParallel& ddp)
      : ddp_(ddp), previous_(ddp.require_backward_grad_sync_) {
    ddp_.require_backward_grad_sync_ = false;
  }
  ~NoSyncGuard() override { ddp_.require_backward_grad_sync_ = previous_; }

 private:
  DistributedDataParallel& ddp_;
  bool previous_;
};

// Runs before a parameter's gradient accumulator: prepares the reducer on the
// first gradient of a backward (lazy mode). The target is cleared when the DDP
// object goes away (pre-hooks cannot be removed from a node).
struct LazyPrepareHook : torch::autograd::FunctionPreHook {
  explicit LazyPrepareHook(std::shared_ptr<std::atomic<DistributedDataParallel*>> target)
      : target_(std::move(target)) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& grads) override {
    if (DistributedDataParallel* ddp = target_->load()) ddp->on_first_gradient();
    return grads;
  }
  std::shared_ptr<std::atomic<DistributedDataParallel*>> target_;
};

DistributedDataParallel::DistributedDataParallel(torch::nn::Module& module,
                                                 std::shared_ptr<DistContext> ctx,
                                                 DDPOptions options)
    : module_(module), ctx_(std::move(ctx)), options_(options) {
  if (!ctx_) throw Error("ValueError", "DistributedDataParallel needs a process group");
  if (!(options_.bucket_cap_mb > 0))
    throw Error("ValueError",
                "bucket_cap_mb must be positive, got " + std::to_string(options_.bucket_cap_mb));
  // Parameters that require grad, each once (shared parameters appear once).
  std::set<const void*> seen;
  for (const auto& item : module_.named_parameters()) {
    const torch::Tensor& p = item.value();
    if (!p.requires_grad() || !seen.insert(p.unsafeGetTensorImpl()).second) continue;
    params_.push_back(p);
    param_names_.push_back(item.key());
  }
  if (params_.empty())
    throw Error("RuntimeError",
                "DistributedDataParallel is not needed when a module doesn't have any parameter "
                "that requires a gradient.");
  for (const auto& b : module_.buffers()) buffers_.push_back(b);

  // _verify_param_shape_across_processes, then _sync_module_states from rank 0.
  c10d::verify_params_across_processes(ctx_->group(), params_, c10::nullopt);
  std::vector<torch::Tensor> states;
  for (const auto& p : module_.parameters()) states.push_back(p);
  for (const auto& b : buffers_) states.push_back(b);
  broadcast_tensors(ctx_.get(), states, 0);

  // _ddp_init_helper: one bucket until the real gradient order is known (then
  // rebuilt), unless find_unused_parameters keeps the size-based buckets.
  const auto cap = static_cast<std::int64_t>(options_.bucket_cap_mb * 1024 * 1024);
  std::vector<std::size_t> limits;
  if (!options_.find_unused_parameters)
    limits = {std::numeric_limits<std::size_t>::max()};
  else
    limits = {static_cast<std::size_t>(c10d::kDefaultFirstBucketBytes),
              static_cast<std::size_t>(cap)};
  std::vector<bool> sparse(params_.size(), false);
  auto assignment = c10d::compute_bucket_assignment_by_size(params_, limits, sparse);
  auto buckets = std::get<0>(assignment);
  auto bucket_limits = std::get<1>(assignment);
  std::reverse(buckets.begin(), buckets.end());
  std::reverse(bucket_limits.begin(), bucket_limits.end());
  std::unordered_map<std::size_t, std::string> names;
  for (std::size_t i = 0; i < param_names_.size(); ++i) names[i] = param_names_[i];
  reducer_ = std::make_unique<c10d::Reducer>(
      params_, buckets, bucket_limits, ctx_->group(), sparse, cap, options_.find_unused_parameters,
      options_.gradient_as_bucket_view, names,
      static_cast<std::int64_t>(c10d::kDefaultFirstBucketBytes));
}

DistributedDataParallel::~DistributedDataParallel() {
  // Lazy-prepare hooks outlive us on the gradient accumulators: make them inert.
  if (lazy_target_) lazy_target_->store(nullptr);
  try {
    reducer_.reset();
  } catch (...) {
    // ~Reducer may throw (noexcept(false)) after a failed collective.
  }
}

void DistributedDataParallel::sync_buffers() {
  if (!buffers_.empty()) broadcast_tensors(ctx_.get(), buffers_, 0);
}

void DistributedDataParallel::pre_forward() {
  if (!at::GradMode::is_enabled()) return;
  if (require_backward_grad_sync_) reducer_->prepare_for_forward();
  // Also checks that the previous iteration's reduction finished.
  reducer_->rebuild_buckets();
  if (require_forward_param_sync_ && options_.broadcast_buffers) sync_buffers();
}

void DistributedDataParallel::post_forward(const std::vector<torch::Tensor>& outputs) {
  if (at::GradMode::is_enabled() && require_backward_grad_sync_) {
    require_forward_param_sync_ = true;
    if (options_.find_unused_parameters)
      reducer_->prepare_for_backward(outputs);
    else
      reducer_->prepare_for_backward({});
  } else {
    require_forward_param_sync_ = false;
  }
}

void DistributedDataParallel::lazy_prepare() {
  if (lazy_) return;
  if (options_.find_unused_parameters)
    throw Error("NotImplementedError",
                "find_unused_parameters=True needs the outputs of the wrapped module's forward, "
                "which mmcpp cannot see for submodules wrapped by "
                "MMSeparateDistributedDataParallel; use find_unused_parameters=False");
  lazy_ = true;
  auto target = std::make_shared<std::atomic<DistributedDataParallel*>>(this);
  lazy_target_ = target;
  for (auto& p : params_) {
    auto acc = torch::autograd::impl::grad_accumulator(p);
    if (acc) acc->add_pre_hook(std::make_unique<LazyPrepareHook>(target));
  }
}

void DistributedDataParallel::before_iteration() {
  if (options_.broadcast_buffers) sync_buffers();
}

void DistributedDataParallel::on_first_gradient() {
  if (lazy_armed_ || !require_backward_grad_sync_) return;
  lazy_armed_ = true;
  // What DDP.forward does before each synced backward: rebuild the buckets in
  // gradient order once the first backward has shown it (every rank reaches
  // this point of the same backward), then prepare.
  reducer_->rebuild_buckets();
  reducer_->prepare_for_backward({});
  // Disarm when this backward ends (callbacks run after the graph task).
  torch::autograd::Engine::get_default_engine().queue_callback([this] { lazy_armed_ = false; });
}

std::unique_ptr<engine::OptimContext> DistributedDataParallel::no_sync() {
  return std::make_unique<NoSyncGuard>(*this);
}

}  // namespace mmcpp::dist
