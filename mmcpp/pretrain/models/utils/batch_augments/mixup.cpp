#include "mmcpp/pretrain/models/utils/batch_augments/mixup.h"

#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

MMCPP_REGISTER(BATCH_AUGMENTS, Mixup, "dict(type='Mixup', alpha=0.8)");

double read_alpha(registry::BuildArgs& args) {
  config::Value a = args.require("alpha");
  // Python: assert isinstance(alpha, float) and alpha > 0 (so alpha=1 fails).
  if (!a.is_float() || !(a.as_float() > 0))
    throw Error("AssertionError", args.component() + ": alpha must be a positive float, got " +
                                      a.repr() + (a.is_int() ? " (write it as a float)" : ""));
  return a.as_float();
}

torch::Tensor index_tensor(const std::vector<std::int64_t>& index, const torch::Device& device) {
  return torch::tensor(index, torch::kLong).to(device);
}

Mixup::Mixup(double alpha) : alpha_(alpha) {
  if (!(alpha > 0))
    throw Error("AssertionError",
                "Mixup: alpha must be a positive float, got " + std::to_string(alpha));
}

std::shared_ptr<Mixup> Mixup::from_config(registry::BuildArgs& args) {
  return std::make_shared<Mixup>(read_alpha(args));
}

std::pair<torch::Tensor, torch::Tensor> Mixup::operator()(torch::Tensor inputs,
                                                          const torch::Tensor& scores,
                                                          Rng& rng) const {
  if (scores.dim() != 2)
    throw Error("AssertionError",
                "The input `batch_score` should be a one-hot format tensor, which shape should "
                "be ``(N, num_classes)``, got " +
                    std::to_string(scores.dim()) + " dimensions");
  if (inputs.dim() < 1 || inputs.size(0) != scores.size(0))
    throw Error("ValueError", "batch augment: inputs and scores have different batch sizes (" +
                                  std::to_string(inputs.dim() ? inputs.size(0) : 0) + " vs " +
                                  std::to_string(scores.size(0)) + ")");
  return mix(std::move(inputs), scores.to(torch::kFloat), rng);
}

std::pair<torch::Tensor, torch::Tensor> Mixup::mix(torch::Tensor inputs,
                                                   const torch::Tensor& scores, Rng& rng) const {
  const double lam = draw_lam(rng);
  std::vector<std::int64_t> index = rng.permutation(inputs.size(0));
  return mix_with(inputs, scores, lam, index);
}

std::pair<torch::Tensor, torch::Tensor> Mixup::mix_with(
    const torch::Tensor& inputs, const torch::Tensor& scores, double lam,
    const std::vector<std::int64_t>& index) const {
  // As Python: lam * x + (1 - lam) * x[index], scalars applied to float tensors.
  torch::Tensor in_idx = index_tensor(index, inputs.device());
  torch::Tensor mixed_inputs = inputs * lam + inputs.index_select(0, in_idx) * (1 - lam);
  torch::Tensor sc_idx = index_tensor(index, scores.device());
  torch::Tensor mixed_scores = scores * lam + scores.index_select(0, sc_idx) * (1 - lam);
  return {mixed_inputs, mixed_scores};
}

}  // namespace mmcpp::pretrain
