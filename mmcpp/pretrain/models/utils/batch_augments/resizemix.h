// ResizeMix (mmpretrain/models/utils/batch_augments/resizemix.py).
//
// ResizeMix(alpha, lam_min=0.1, lam_max=0.8, interpolation='bilinear',
// cutmix_minmax=None, correct_lam=True): lam = Beta(alpha, alpha) mapped to
// [lam_min, lam_max]; a CutMix box for that lam; the whole partner image
// x[index] is resized (F.interpolate, align_corners=False) into the box. (The
// docstring's `prob` is not an argument of MMPretrain 1.2.0's constructor, so it
// is rejected as an unknown key, as Python rejects it.)
#pragma once

#include <string>

#include "mmcpp/pretrain/models/utils/batch_augments/cutmix.h"

namespace mmcpp::pretrain {

class ResizeMix : public CutMix {
 public:
  ResizeMix(double alpha, double lam_min, double lam_max, std::string interpolation,
            std::optional<std::vector<double>> cutmix_minmax, bool correct_lam);
  // Example: dict(type='ResizeMix', alpha=1.0).
  static std::shared_ptr<ResizeMix> from_config(registry::BuildArgs& args);

  std::pair<torch::Tensor, torch::Tensor> mix(torch::Tensor inputs, const torch::Tensor& scores,
                                              Rng& rng) const override;
  // Resizes inputs[index] into `box` of `inputs` (in place); scores mixed by lam.
  std::pair<torch::Tensor, torch::Tensor> resize_paste_with(
      torch::Tensor inputs, const torch::Tensor& scores, const Box& box, double lam,
      const std::vector<std::int64_t>& index) const;

  double lam_min() const { return lam_min_; }
  double lam_max() const { return lam_max_; }
  const std::string& interpolation() const { return interpolation_; }

 private:
  double lam_min_, lam_max_;
  std::string interpolation_;
};

}  // namespace mmcpp::pretrain
