// 'SyncBN' (torch.nn.SyncBatchNorm, registered by mmcv/cnn/bricks/norm.py) and
// 'MMSyncBN' (mmcv.ops.SyncBatchNorm) for build_norm_layer: the distributed
// SyncBatchNorm of engine/dist (statistics over every rank once the Runner
// attaches its process group; a plain BatchNorm in a one-process run). State
// dict (weight, bias, running_mean, running_var, num_batches_tracked) and Python
// class (SyncBatchNorm, base _BatchNorm) are SyncBatchNorm's.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/options/batchnorm.h>

#include <memory>

namespace mmcpp::mmcv {

// SyncBatchNorm(num_features, eps=1e-5, momentum=0.1, affine=True,
// track_running_stats=True, process_group=None) for build_norm_layer.
std::shared_ptr<torch::nn::Module> make_sync_batch_norm(torch::nn::BatchNormOptions options);

}  // namespace mmcpp::mmcv
