// SyncBatchNorm: batch normalisation whose training statistics are those of the
// whole distributed batch (torch.nn.SyncBatchNorm, MMCV's 'SyncBN'; MMCV's own
// 'MMSyncBN' computes the same statistics). Its state_dict equals BatchNorm's
// (weight, bias, running_mean, running_var, num_batches_tracked), so checkpoints
// cross between the two.
//
// Training with a process group of more than one rank: the per-channel mean is
// all-reduced (sum and count), then the centred sum of squares (two passes, as
// MMCV's SyncBatchNorm), so every rank normalises with the statistics of all
// ranks' samples and updates identical running statistics; backward all-reduces
// the per-channel sums of dy and dy * x_hat, giving the exact gradient of the
// global batch (weight and bias gradients stay local sums, which DDP averages).
// Otherwise (evaluation, no process group, world size 1) it is plain BatchNorm,
// computed by the same LibTorch kernel as torch::nn::BatchNorm2d.
//
// Modes: kSync layers synchronise as soon as the Runner attaches its process
// group (attach_sync_batchnorm); kLocal layers are plain BatchNorm until
// convert_sync_batchnorm switches them, which is how `sync_bn='torch'` (or
// 'mmcv') in a config converts a model's BatchNorm layers in a distributed run.
// LibTorch's own torch::nn::BatchNorm*d modules cannot be switched in place (a
// C++ parent calls them directly); convert_sync_batchnorm names them instead.
#pragma once

#include <torch/nn/cloneable.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/layer.h"
#include "mmcpp/engine/model/python_class.h"
#include "mmcpp/engine/optim/default_constructor.h"

namespace mmcpp::dist {

class DistContext;

struct SyncBatchNormOptions {
  enum class Mode { kSync, kLocal };
  explicit SyncBatchNormOptions(std::int64_t num_features) : num_features_(num_features) {}
  TORCH_ARG(std::int64_t, num_features);
  TORCH_ARG(double, eps) = 1e-5;
  // nullopt: cumulative moving average (momentum=None).
  TORCH_ARG(std::optional<double>, momentum) = 0.1;
  TORCH_ARG(bool, affine) = true;
  TORCH_ARG(bool, track_running_stats) = true;
  TORCH_ARG(Mode, mode) = Mode::kSync;
};

// A layer of build_norm_layer ('SyncBN', 'MMSyncBN'): a single-tensor layer
// (TensorForward), Python class SyncBatchNorm (a _BatchNorm: abbreviation 'bn',
// init_cfg layer matching) and a norm layer for paramwise_cfg's norm_decay_mult.
class SyncBatchNormImpl : public torch::nn::Cloneable<SyncBatchNormImpl>,
                          public engine::TensorForward,
                          public engine::DeclaresPythonClass,
                          public engine::NormLayer {
 public:
  MMCPP_PYTHON_CLASS("SyncBatchNorm", "_BatchNorm")
  explicit SyncBatchNormImpl(std::int64_t num_features)
      : SyncBatchNormImpl(SyncBatchNormOptions(num_features)) {}
  explicit SyncBatchNormImpl(const SyncBatchNormOptions& options);

  void reset() override;
  void reset_running_stats();
  void reset_parameters();
  void pretty_print(std::ostream& stream) const override;

  // (N, C, *) -> same shape.
  torch::Tensor forward(const torch::Tensor& input) override;

  // The group to synchronise over (held weakly: without it, plain BatchNorm).
  void set_process_group(const std::shared_ptr<DistContext>& ctx) { ctx_ = ctx; }
  // Whether training would synchronise now (kSync, a group of > 1 rank).
  bool synchronizing() const;
  SyncBatchNormOptions::Mode mode() const { return options.mode(); }
  void set_mode(SyncBatchNormOptions::Mode mode) { options.mode(mode); }

  SyncBatchNormOptions options;
  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  std::weak_ptr<DistContext> ctx_;
};

TORCH_MODULE(SyncBatchNorm);

// Gives every SyncBatchNorm in `model` the process group (the Runner calls it in
// distributed runs). Returns how many there are.
std::size_t attach_sync_batchnorm(torch::nn::Module& model,
                                  const std::shared_ptr<DistContext>& ctx);

struct ConvertReport {
  std::size_t converted = 0;  // kLocal SyncBatchNorm layers switched to kSync
  // LibTorch BatchNorm modules (qualified names) left as they are.
  std::vector<std::string> not_convertible;
};

// The layer MMCV's build_norm_layer makes for norm_cfg type 'SyncBN'
// (torch.nn.SyncBatchNorm: eps=1e-5, momentum=0.1 or None, affine=True,
// track_running_stats=True, process_group=None) or 'MMSyncBN' (mmcv.ops.SyncBatchNorm:
// the same and group=None, stats_mode='default' or 'N'), from the norm_cfg keys other
// than `requires_grad` (build_norm_layer's own; `type` may be present). Built in kSync mode: the
// Runner attaches the process group. Only the whole world synchronises (a group or
// process_group other than None is a NotImplementedError). Both stats modes weight
// each rank by its batch size, which is MMCV's 'default' too whenever every rank holds
// the same number of samples (what the samplers give). Other keys: TypeError naming them.
SyncBatchNorm build_sync_norm_layer(const std::string& type, std::int64_t num_features,
                                    const config::Value& args);

// mmengine.model.convert_sync_batchnorm(module, implementation): 'torch' or
// 'mmcv' (ValueError otherwise; both give the same statistics here).
ConvertReport convert_sync_batchnorm(torch::nn::Module& model,
                                     const std::string& implementation = "torch");
// mmengine.model.revert_sync_batchnorm: every SyncBatchNorm back to plain
// BatchNorm behaviour (kLocal). Returns how many.
std::size_t revert_sync_batchnorm(torch::nn::Module& model);

}  // namespace mmcpp::dist
