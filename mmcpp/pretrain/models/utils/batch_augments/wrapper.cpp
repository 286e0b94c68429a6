#include "mmcpp/pretrain/models/utils/batch_augments/wrapper.h"

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

RandomBatchAugment::RandomBatchAugment(std::vector<std::shared_ptr<BatchAugment>> augments,
                                       std::optional<std::vector<double>> probs)
    : augments_(std::move(augments)) {
  if (augments_.empty()) throw Error("ValueError", "RandomBatchAugment: `augments` is empty");
  for (const auto& a : augments_)
    if (!a) throw Error("TypeError", "RandomBatchAugment: an augment is null");
  if (!probs) return;
  if (probs->size() != augments_.size())
    throw Error("AssertionError", "``augments`` and ``probs`` must have same lengths. Got " +
                                      std::to_string(augments_.size()) + " vs " +
                                      std::to_string(probs->size()) + ".");
  double sum = 0;
  for (double p : *probs) {
    // np.random.choice refuses these on the first batch; say so at build time.
    if (!(p >= 0))
      throw Error("ValueError", "RandomBatchAugment: probabilities are not non-negative, got " +
                                    std::to_string(p));
    sum += p;
  }
  if (!(sum <= 1))
    throw Error("AssertionError", "The total probability of batch augments exceeds 1.");
  probs_ = *probs;
  probs_.push_back(1 - sum);
}

std::shared_ptr<RandomBatchAugment> RandomBatchAugment::from_config(registry::BuildArgs& args) {
  config::Value augs = args.require("augments");
  std::vector<config::Value> cfgs;
  if (augs.is_sequence())
    cfgs.assign(augs.items().begin(), augs.items().end());
  else
    cfgs.push_back(augs);
  std::vector<std::shared_ptr<BatchAugment>> built;
  for (const config::Value& c : cfgs) {
    if (!c.is_dict())
      throw Error("TypeError",
                  "RandomBatchAugment: each of `augments` must be a dict, got " + c.repr());
    built.push_back(BATCH_AUGMENTS().build(c));
  }
  std::optional<std::vector<double>> probs;
  config::Value p = args.value("probs");
  if (p.is_number() && !p.is_bool()) {
    probs = std::vector<double>{p.as_number()};
  } else if (!p.is_none()) {
    probs = args.get_float_list("probs", {});
  }
  return std::make_shared<RandomBatchAugment>(std::move(built), std::move(probs));
}

std::shared_ptr<RandomBatchAugment> RandomBatchAugment::from_dict(const config::Value& cfg) {
  if (!cfg.is_dict())
    throw Error("TypeError",
                "batch_augments must be a dict with `augments` (and `probs`), got " + cfg.repr());
  registry::BuildArgs args("RandomBatchAugment", cfg);
  auto out = from_config(args);
  args.check_all_used();
  return out;
}

std::size_t RandomBatchAugment::choose(Rng& rng) const {
  const std::size_t n = augments_.size() + (probs_.empty() ? 0 : 1);
  if (probs_.empty()) return static_cast<std::size_t>(rng.randint(0, static_cast<std::int64_t>(n)));
  // np.random.choice: the first i whose normalised cumulative probability exceeds u.
  std::vector<double> cdf(n);
  double acc = 0;
  for (std::size_t i = 0; i < n; ++i) cdf[i] = acc += probs_[i];
  const double u = rng.uniform();
  for (std::size_t i = 0; i < n; ++i)
    if (u < cdf[i] / cdf[n - 1]) return i;
  return n - 1;
}

std::pair<torch::Tensor, torch::Tensor> RandomBatchAugment::operator()(torch::Tensor inputs,
                                                                       const torch::Tensor& scores,
                                                                       Rng& rng) const {
  const std::size_t i = choose(rng);
  if (i < augments_.size()) return (*augments_[i])(std::move(inputs), scores, rng);
  return {inputs, scores.to(torch::kFloat)};
}

}  // namespace mmcpp::pretrain
