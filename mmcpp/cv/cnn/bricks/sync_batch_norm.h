// 'SyncBN' (torch.nn.SyncBatchNorm, registered by mmcv/cnn/bricks/norm.py).
//
// FOR NOW A PLAIN BATCH NORM: statistics of the local batch only, inputs of
// any rank >= 2 (N, C, ...), as torch.nn.SyncBatchNorm computes without a
// process group. The distributed version (engine/dist) replaces
// make_sync_batch_norm below, the one place 'SyncBN' is built.
// State dict (weight, bias, running_mean, running_var, num_batches_tracked)
// and Python class (SyncBatchNorm, base _BatchNorm) are already SyncBatchNorm's.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/options/batchnorm.h>

#include <memory>

#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"
#include "mmcpp/engine/optim/default_constructor.h"

namespace mmcpp::mmcv {

class SyncBatchNormImpl : public torch::nn::Module,
                          public engine::TensorForward,
                          public engine::DeclaresPythonClass,
                          public engine::NormLayer {
 public:
  MMCPP_PYTHON_CLASS("SyncBatchNorm", "_BatchNorm")
  explicit SyncBatchNormImpl(torch::nn::BatchNormOptions options);
  torch::Tensor forward(const torch::Tensor& x) override;

  torch::nn::BatchNormOptions options;
  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;
};
TORCH_MODULE(SyncBatchNorm);

// SyncBatchNorm(num_features, eps=1e-5, momentum=0.1, affine=True,
// track_running_stats=True, process_group=None) for build_norm_layer.
std::shared_ptr<torch::nn::Module> make_sync_batch_norm(torch::nn::BatchNormOptions options);

}  // namespace mmcpp::mmcv
