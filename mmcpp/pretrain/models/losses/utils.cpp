#include "mmcpp/pretrain/models/losses/utils.h"

#include "mmcpp/core/error.h"

namespace mmcpp::pretrain {

torch::Tensor reduce_loss(const torch::Tensor& loss, const std::string& reduction) {
  if (reduction == "none") return loss;
  if (reduction == "mean" || reduction == "elementwise_mean") return loss.mean();
  if (reduction == "sum") return loss.sum();
  throw Error("ValueError", reduction + " is not a valid value for reduction");
}

torch::Tensor weight_reduce_loss(torch::Tensor loss, const torch::Tensor& weight,
                                 const std::string& reduction, std::optional<double> avg_factor) {
  if (weight.defined()) loss = loss * weight;
  if (!avg_factor) return reduce_loss(loss, reduction);
  if (reduction == "mean") return loss.sum() / *avg_factor;
  if (reduction != "none")
    throw Error("ValueError", "avg_factor can not be used with reduction=\"sum\"");
  return loss;
}

torch::Tensor convert_to_one_hot(const torch::Tensor& targets, std::int64_t classes) {
  if (targets.numel() > 0 && torch::max(targets).item<std::int64_t>() >= classes)
    throw Error("AssertionError", "Class Index must be less than number of classes");
  return torch::one_hot(targets.to(torch::kLong).squeeze(-1), classes);
}

std::string resolve_reduction(const std::optional<std::string>& reduction_override,
                              const std::string& reduction) {
  if (reduction_override && *reduction_override != "none" && *reduction_override != "mean" &&
      *reduction_override != "sum")
    throw Error("AssertionError",
                "reduction_override must be None, 'none', 'mean' or 'sum', got '" +
                    *reduction_override + "'");
  return reduction_override && !reduction_override->empty() ? *reduction_override : reduction;
}

}  // namespace mmcpp::pretrain
