// RandomBatchAugment (mmpretrain/models/utils/batch_augments/wrapper.py).
//
// RandomBatchAugment(augments, probs=None): one of `augments` (dicts built
// through BATCH_AUGMENTS; one dict counts as a list of one) is chosen per batch,
// as np.random.choice(len, p=probs): probs None -> uniform; else len(probs) must
// equal len(augments) and sum(probs) <= 1, the remainder 1 - sum meaning "no
// augment" (then the scores are only converted to float). A float `probs`
// counts as [probs]. As in MMPretrain it is not in BATCH_AUGMENTS itself: the
// data preprocessor builds it from its `batch_augments` dict (the model's
// train_cfg), so `type` is not a key of that dict.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/pretrain/models/utils/batch_augments/batch_augment.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class RandomBatchAugment : public BatchAugment {
 public:
  // `probs` (if given) has one entry per augment; checked as MMPretrain asserts.
  RandomBatchAugment(std::vector<std::shared_ptr<BatchAugment>> augments,
                     std::optional<std::vector<double>> probs);
  // Arguments `augments` and `probs`, e.g. from dict(augments=[dict(type='Mixup',
  // alpha=0.8), dict(type='CutMix', alpha=1.0)], probs=None).
  static std::shared_ptr<RandomBatchAugment> from_config(registry::BuildArgs& args);
  // From the data preprocessor's `batch_augments` dict.
  static std::shared_ptr<RandomBatchAugment> from_dict(const config::Value& cfg);

  std::pair<torch::Tensor, torch::Tensor> operator()(torch::Tensor inputs,
                                                     const torch::Tensor& scores,
                                                     Rng& rng) const override;
  // Index into augments() of the one to apply; augments().size() means none.
  std::size_t choose(Rng& rng) const;

  const std::vector<std::shared_ptr<BatchAugment>>& augments() const { return augments_; }
  // The probabilities of each augment then "none" (empty when uniform).
  const std::vector<double>& probs() const { return probs_; }

 private:
  std::vector<std::shared_ptr<BatchAugment>> augments_;
  std::vector<double> probs_;
};

}  // namespace mmcpp::pretrain
