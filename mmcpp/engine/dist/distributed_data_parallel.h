// torch.nn.parallel.DistributedDataParallel's machinery over one module, on
// c10d's own Reducer (torch/csrc/distributed/c10d/reducer.hpp), the C++ engine
// behind PyTorch's DDP:
//   - construction checks that every rank has the same parameter shapes and
//     broadcasts rank 0's parameters and buffers;
//   - a c10d::Reducer hooks every parameter's gradient accumulator, packs the
//     gradients into buckets (bucket_cap_mb, 1 MB first bucket; rebuilt in
//     gradient order after the first iteration) and all-reduces (averages) each
//     bucket asynchronously as soon as it is full, overlapping communication with
//     the rest of backward;
//   - find_unused_parameters searches the graph of the forward's outputs and
//     marks the parameters it does not reach as ready;
//   - no_sync() skips the reduction (gradients accumulate locally), as
//     OptimWrapper does on gradient-accumulation iterations;
//   - broadcast_buffers broadcasts rank 0's buffers before each synced forward.
// Forward itself belongs to the owner (MMDistributedDataParallel), which calls
// pre_forward() and post_forward() around its module's forward, as DDP.forward
// does. Owners that cannot see their module's forward (MMSeparateDistributed-
// DataParallel wraps submodules a model calls itself) use lazy_prepare(): the
// reducer is then prepared by the first gradient of each backward.
#pragma once

#include <torch/nn/module.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace c10d {
class Reducer;
}
namespace mmcpp::engine {
class OptimContext;
}

namespace mmcpp::dist {

class DistContext;

// DistributedDataParallel's arguments (device_ids, output_device, dim and
// check_reduction have no effect on a single-device CPU or GPU replica).
struct DDPOptions {
  bool broadcast_buffers = true;
  double bucket_cap_mb = 25;
  bool find_unused_parameters = false;
  bool gradient_as_bucket_view = false;
};

class DistributedDataParallel {
 public:
  // `module` must outlive this object. RuntimeError if no parameter of the
  // module requires grad, or the ranks' parameter shapes differ.
  DistributedDataParallel(torch::nn::Module& module, std::shared_ptr<DistContext> ctx,
                          DDPOptions options);
  ~DistributedDataParallel();
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;

  // Before the module's forward: reducer bookkeeping, bucket rebuild after the
  // first iteration, buffer broadcast.
  void pre_forward();
  // After it: prepares the reducer for backward (with the outputs' graph when
  // find_unused_parameters).
  void post_forward(const std::vector<torch::Tensor>& outputs);

  // The reducer is prepared (and its buckets rebuilt after the first backward)
  // by the first gradient of each backward that reaches the module: no forward
  // bookkeeping needed. before_iteration() broadcasts buffers when asked to.
  void lazy_prepare();
  void before_iteration();

  // DDP.no_sync(): while the guard lives, backward does not all-reduce.
  std::unique_ptr<engine::OptimContext> no_sync();
  bool require_backward_grad_sync() const { return require_backward_grad_sync_; }

  const DDPOptions& options() const { return options_; }
  const DistContext& context() const { return *ctx_; }
  std::size_t num_parameters() const { return params_.size(); }
  // Broadcast rank 0's buffers now (DDP's _sync_buffers).
  void sync_buffers();

 private:
  friend class NoSyncGuard;
  friend struct LazyPrepareHook;
  void on_first_gradient();

  torch::nn::Module& module_;
  std::shared_ptr<DistContext> ctx_;
  DDPOptions options_;
  std::vector<torch::Tensor> params_;
  std::vector<std::string> param_names_;
  std::vector<torch::Tensor> buffers_;
  std::unique_ptr<c10d::Reducer> reducer_;
  bool require_backward_grad_sync_ = true;
  bool require_forward_param_sync_ = true;
  bool lazy_ = false;
  bool lazy_armed_ = false;
  std::shared_ptr<std::atomic<DistributedDataParallel*>> lazy_target_;
};

}  // namespace mmcpp::dist
