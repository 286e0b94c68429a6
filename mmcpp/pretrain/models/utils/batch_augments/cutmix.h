// CutMix (mmpretrain/models/utils/batch_augments/cutmix.py).
//
// CutMix(alpha, cutmix_minmax=None, correct_lam=True): lam ~ Beta(alpha, alpha)
// and a permutation `index`; a box of side ratio sqrt(1 - lam) centred at a
// uniform pixel (clipped to the image), or with cutmix_minmax=(lo, hi) a box with
// sides uniform in [lo, hi) of the image's; the box of x[index] is pasted into x.
// The score weight is lam, corrected to 1 - box_area / (H * W) when correct_lam
// or cutmix_minmax is set.
#pragma once

#include <optional>
#include <utility>

#include "mmcpp/pretrain/models/utils/batch_augments/mixup.h"

namespace mmcpp::pretrain {

class CutMix : public Mixup {
 public:
  // Rows [y1, y2), columns [x1, x2).
  struct Box {
    std::int64_t y1, y2, x1, x2;
    std::int64_t area() const { return (y2 - y1) * (x2 - x1); }
  };

  CutMix(double alpha, std::optional<std::vector<double>> cutmix_minmax, bool correct_lam);
  // Example: dict(type='CutMix', alpha=1.0).
  static std::shared_ptr<CutMix> from_config(registry::BuildArgs& args);

  // Draws lam, the permutation and the box; pastes in place.
  std::pair<torch::Tensor, torch::Tensor> mix(torch::Tensor inputs, const torch::Tensor& scores,
                                              Rng& rng) const override;

  // The box and the (possibly corrected) lam for an (H, W) image.
  std::pair<Box, double> cutmix_bbox_and_lam(std::int64_t img_h, std::int64_t img_w, double lam,
                                             Rng& rng) const;
  // A square-ratio box of side ratio sqrt(1 - lam), margin as a fraction of it.
  Box rand_bbox(std::int64_t img_h, std::int64_t img_w, double lam, Rng& rng,
                double margin = 0.0) const;
  // A box with sides uniform in [minmax[0], minmax[1]) of the image's.
  Box rand_bbox_minmax(std::int64_t img_h, std::int64_t img_w, Rng& rng) const;
  // Pastes box `box` of inputs[index] into `inputs` (in place); scores mixed by lam.
  std::pair<torch::Tensor, torch::Tensor> paste_with(torch::Tensor inputs,
                                                     const torch::Tensor& scores, const Box& box,
                                                     double lam,
                                                     const std::vector<std::int64_t>& index) const;

  const std::optional<std::vector<double>>& cutmix_minmax() const { return cutmix_minmax_; }
  bool correct_lam() const { return correct_lam_; }

 protected:
  // Reads cutmix_minmax (None or a pair of numbers) and correct_lam.
  static std::optional<std::vector<double>> read_minmax(registry::BuildArgs& args);
  // lam * scores + (1 - lam) * scores[index].
  torch::Tensor mix_scores(const torch::Tensor& scores, double lam,
                           const std::vector<std::int64_t>& index) const;

  std::optional<std::vector<double>> cutmix_minmax_;
  bool correct_lam_;
};

}  // namespace mmcpp::pretrain
