// Mixup (mmpretrain/models/utils/batch_augments/mixup.py).
//
// Mixup(alpha): lam ~ Beta(alpha, alpha), a random permutation `index` of the
// batch; inputs = lam * x + (1 - lam) * x[index], scores likewise.
#pragma once

#include <memory>
#include <vector>

#include "mmcpp/pretrain/models/utils/batch_augments/batch_augment.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class Mixup : public BatchAugment {
 public:
  // `alpha` must be a positive float (MMPretrain asserts isinstance(alpha, float)).
  explicit Mixup(double alpha);
  // Example: dict(type='Mixup', alpha=0.8).
  static std::shared_ptr<Mixup> from_config(registry::BuildArgs& args);

  // Checks scores are (N, num_classes), then mix(inputs, scores.float(), rng).
  std::pair<torch::Tensor, torch::Tensor> operator()(torch::Tensor inputs,
                                                     const torch::Tensor& scores,
                                                     Rng& rng) const override;
  // Draws lam, then the permutation, and mixes.
  virtual std::pair<torch::Tensor, torch::Tensor> mix(torch::Tensor inputs,
                                                      const torch::Tensor& scores, Rng& rng) const;
  // The mix for a given lam and partner order (what mix() does after drawing).
  std::pair<torch::Tensor, torch::Tensor> mix_with(const torch::Tensor& inputs,
                                                   const torch::Tensor& scores, double lam,
                                                   const std::vector<std::int64_t>& index) const;

  double alpha() const { return alpha_; }

 protected:
  // lam ~ Beta(alpha, alpha) (np.random.beta).
  double draw_lam(Rng& rng) const { return rng.beta(alpha_, alpha_); }

  double alpha_;
};

// index as an int64 tensor on `device` (torch.randperm's result, for indexing).
torch::Tensor index_tensor(const std::vector<std::int64_t>& index, const torch::Device& device);
// Reads `alpha` as MMPretrain's Mixup does: a float > 0, else AssertionError.
double read_alpha(registry::BuildArgs& args);

}  // namespace mmcpp::pretrain
