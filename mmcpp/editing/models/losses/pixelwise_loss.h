// Pixel-wise losses of mmagic/models/losses/pixelwise_loss.py.
//
// L1Loss, MSELoss, CharbonnierLoss(eps=1e-12) with loss_weight=1.0,
// reduction='mean'|'sum'|'none' (anything else: ValueError) and
// sample_wise=False. forward(pred, target, weight=None) =
// loss_weight * reduce(elementwise loss) where, as MMagic's masked_loss:
//  - no weight, or 'sum': loss * weight (if any) then mean / sum / none;
//  - weight with 'mean': sum(loss * w) / (sum(w) + 1e-12), or sample_wise:
//    sum over samples of sum(loss * w) / (sum(w per sample) + 1e-12), divided
//    by N. A (N, 1, H, W) weight is expanded over the channels.
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>

#include "mmcpp/registry/build_args.h"

namespace mmcpp::editing {

class PixelLoss : public torch::nn::Module {
 public:
  PixelLoss(double loss_weight, std::string reduction, bool sample_wise);
  torch::Tensor forward(const torch::Tensor& pred, const torch::Tensor& target,
                        const torch::Tensor& weight = {});
  double loss_weight() const { return loss_weight_; }
  const std::string& reduction() const { return reduction_; }
  bool sample_wise() const { return sample_wise_; }

 protected:
  virtual torch::Tensor elementwise(const torch::Tensor& pred, const torch::Tensor& target) = 0;

 private:
  double loss_weight_;
  std::string reduction_;
  bool sample_wise_;
};

class L1Loss : public PixelLoss {
 public:
  using PixelLoss::PixelLoss;
  // Example: dict(type='L1Loss', loss_weight=1.0, reduction='mean')
  static std::shared_ptr<L1Loss> from_config(registry::BuildArgs& args);

 protected:
  torch::Tensor elementwise(const torch::Tensor& pred, const torch::Tensor& target) override;
};

class MSELoss : public PixelLoss {
 public:
  using PixelLoss::PixelLoss;
  // Example: dict(type='MSELoss')
  static std::shared_ptr<MSELoss> from_config(registry::BuildArgs& args);

 protected:
  torch::Tensor elementwise(const torch::Tensor& pred, const torch::Tensor& target) override;
};

class CharbonnierLoss : public PixelLoss {
 public:
  CharbonnierLoss(double loss_weight, std::string reduction, bool sample_wise, double eps);
  // Example: dict(type='CharbonnierLoss', eps=1e-12)
  static std::shared_ptr<CharbonnierLoss> from_config(registry::BuildArgs& args);

 protected:
  torch::Tensor elementwise(const torch::Tensor& pred, const torch::Tensor& target) override;

 private:
  double eps_;
};

}  // namespace mmcpp::editing
