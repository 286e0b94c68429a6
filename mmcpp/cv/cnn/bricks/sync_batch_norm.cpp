#include "mmcpp/cv/cnn/bricks/sync_batch_norm.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"

namespace mmcpp::mmcv {

SyncBatchNormImpl::SyncBatchNormImpl(torch::nn::BatchNormOptions o) : options(o) {
  const std::int64_t c = options.num_features();
  if (options.affine()) {
    weight = register_parameter("weight", torch::ones({c}));
    bias = register_parameter("bias", torch::zeros({c}));
  }
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", torch::zeros({c}));
    running_var = register_buffer("running_var", torch::ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", torch::tensor(0, torch::kLong));
  }
}

torch::Tensor SyncBatchNormImpl::forward(const torch::Tensor& input) {
  if (input.dim() < 2)
    throw Error("ValueError",
                "expected at least 2D input (got " + std::to_string(input.dim()) + "D input)");
  // torch.nn.modules.batchnorm._BatchNorm.forward
  double factor = options.momentum().value_or(0.0);
  if (is_training() && options.track_running_stats()) {
    num_batches_tracked.add_(1);
    if (!options.momentum()) factor = 1.0 / num_batches_tracked.item<double>();
  }
  const bool batch_stats = is_training() || !options.track_running_stats();
  return torch::batch_norm(input, weight, bias, running_mean, running_var, batch_stats, factor,
                           options.eps(), /*cudnn_enabled=*/true);
}

std::shared_ptr<torch::nn::Module> make_sync_batch_norm(torch::nn::BatchNormOptions options) {
  // Plain batch norm until the distributed SyncBatchNorm lands (see the header).
  return std::make_shared<SyncBatchNormImpl>(options);
}

}  // namespace mmcpp::mmcv
