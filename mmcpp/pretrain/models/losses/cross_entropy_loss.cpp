#include "mmcpp/pretrain/models/losses/cross_entropy_loss.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/losses/utils.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

torch::Tensor cross_entropy(const torch::Tensor& pred, const torch::Tensor& label,
                            const torch::Tensor& weight, const std::string& reduction,
                            std::optional<double> avg_factor, const torch::Tensor& class_weight) {
  torch::Tensor loss = at::cross_entropy_loss(pred, label, class_weight, at::Reduction::None);
  return weight_reduce_loss(loss, weight.defined() ? weight.to(torch::kFloat) : weight, reduction,
                            avg_factor);
}

torch::Tensor soft_cross_entropy(const torch::Tensor& pred, const torch::Tensor& label,
                                 const torch::Tensor& weight, const std::string& reduction,
                                 const torch::Tensor& class_weight,
                                 std::optional<double> avg_factor) {
  torch::Tensor loss = -label * torch::log_softmax(pred, -1);
  if (class_weight.defined()) loss = loss * class_weight;
  loss = loss.sum(-1);
  return weight_reduce_loss(loss, weight.defined() ? weight.to(torch::kFloat) : weight, reduction,
                            avg_factor);
}

torch::Tensor binary_cross_entropy(const torch::Tensor& pred, const torch::Tensor& label,
                                   const torch::Tensor& weight, const std::string& reduction,
                                   std::optional<double> avg_factor,
                                   const torch::Tensor& class_weight,
                                   const torch::Tensor& pos_weight) {
  if (pred.dim() != label.dim())
    throw Error("AssertionError",
                "binary_cross_entropy: pred and label must have the same "
                "number of dimensions");
  torch::Tensor cw = class_weight;
  if (cw.defined()) cw = cw.repeat({pred.size(0), 1});
  torch::Tensor loss = torch::binary_cross_entropy_with_logits(pred, label.to(torch::kFloat), cw,
                                                               pos_weight, at::Reduction::None);
  torch::Tensor w = weight;
  if (w.defined()) {
    if (w.dim() != 1) throw Error("AssertionError", "binary_cross_entropy: weight must be 1-D");
    w = w.to(torch::kFloat);
    if (pred.dim() > 1) w = w.reshape({-1, 1});
  }
  return weight_reduce_loss(loss, w, reduction, avg_factor);
}

CrossEntropyLossImpl::CrossEntropyLossImpl(CrossEntropyLossOptions options)
    : options_(std::move(options)) {
  if (options_.use_soft && options_.use_sigmoid)
    throw Error("AssertionError", "use_sigmoid and use_soft could not be set simultaneously");
}

torch::Tensor CrossEntropyLossImpl::forward(const torch::Tensor& cls_score,
                                            const torch::Tensor& label, const torch::Tensor& weight,
                                            std::optional<double> avg_factor,
                                            const std::optional<std::string>& reduction_override) {
  const std::string reduction = resolve_reduction(reduction_override, options_.reduction);
  auto tensor_of = [&](const std::vector<double>& v) {
    return torch::tensor(v, cls_score.options().dtype(cls_score.scalar_type()));
  };
  torch::Tensor class_weight;
  if (options_.class_weight) class_weight = tensor_of(*options_.class_weight);
  torch::Tensor loss;
  if (options_.use_sigmoid) {
    torch::Tensor pos_weight;
    if (options_.pos_weight) pos_weight = tensor_of(*options_.pos_weight);
    loss = binary_cross_entropy(cls_score, label, weight, reduction, avg_factor, class_weight,
                                pos_weight);
  } else if (options_.use_soft) {
    loss = soft_cross_entropy(cls_score, label, weight, reduction, class_weight, avg_factor);
  } else {
    loss = cross_entropy(cls_score, label, weight, reduction, avg_factor, class_weight);
  }
  return options_.loss_weight * loss;
}

std::optional<std::vector<double>> optional_float_list(registry::BuildArgs& args,
                                                       const std::string& key) {
  config::Value v = args.value(key);
  if (v.is_none()) return std::nullopt;
  return args.get_float_list(key, {});
}

std::shared_ptr<CrossEntropyLossImpl> CrossEntropyLossImpl::from_config(registry::BuildArgs& args) {
  CrossEntropyLossOptions o;
  o.use_sigmoid = args.get_bool("use_sigmoid", false);
  o.use_soft = args.get_bool("use_soft", false);
  o.reduction = args.get_str("reduction", "mean");
  o.loss_weight = args.get_float("loss_weight", 1.0);
  o.class_weight = optional_float_list(args, "class_weight");
  o.pos_weight = optional_float_list(args, "pos_weight");
  return std::make_shared<CrossEntropyLossImpl>(o);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::CrossEntropyLossImpl,
                  "CrossEntropyLoss", "dict(type='CrossEntropyLoss', loss_weight=1.0)");
