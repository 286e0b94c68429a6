#include "mmcpp/cv/cnn/bricks/sync_batch_norm.h"

#include "mmcpp/engine/dist/sync_batchnorm.h"

namespace mmcpp::mmcv {

std::shared_ptr<torch::nn::Module> make_sync_batch_norm(torch::nn::BatchNormOptions options) {
  dist::SyncBatchNormOptions o(options.num_features());
  o.eps(options.eps());
  // momentum=None: a cumulative moving average (c10::optional -> std::optional).
  o.momentum(options.momentum() ? std::optional<double>(*options.momentum()) : std::nullopt);
  o.affine(options.affine());
  o.track_running_stats(options.track_running_stats());
  o.mode(dist::SyncBatchNormOptions::Mode::kSync);  // the Runner attaches the group
  return std::make_shared<dist::SyncBatchNormImpl>(o);
}

}  // namespace mmcpp::mmcv
