#include "mmcpp/pretrain/models/losses/label_smooth_loss.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/losses/utils.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

LabelSmoothLossImpl::LabelSmoothLossImpl(LabelSmoothLossOptions o)
    : options_(std::move(o)), num_classes_(options_.num_classes) {
  const double v = options_.label_smooth_val;
  if (!(v >= 0 && v < 1))
    throw Error("AssertionError",
                "LabelSmoothLoss accepts a float label_smooth_val over [0, 1), "
                "but gets " +
                    std::to_string(v));
  if (options_.reduction != "none" && options_.reduction != "mean" && options_.reduction != "sum")
    throw Error("AssertionError",
                "LabelSmoothLoss supports reduction {'none', 'mean', 'sum'}, "
                "but gets " +
                    options_.mode + ".");
  const std::string& mode = options_.mode;
  if (mode != "original" && mode != "classy_vision" && mode != "multi_label")
    throw Error("AssertionError",
                "LabelSmoothLoss supports mode {'original', 'classy_vision', "
                "'multi_label'}, but gets " +
                    mode + ".");
  eps_ = v;
  if (mode == "classy_vision") eps_ = v / (1 + v);
  bool use_sigmoid = mode == "multi_label" ? options_.use_sigmoid.value_or(true)
                                           : options_.use_sigmoid.value_or(false);
  CrossEntropyLossOptions ce;
  ce.use_sigmoid = use_sigmoid;
  ce.use_soft = !use_sigmoid;
  ce.reduction = options_.reduction;
  ce.class_weight = options_.class_weight;
  ce.pos_weight = options_.pos_weight;
  ce_ = register_module("ce", CrossEntropyLoss(ce));
}

torch::Tensor LabelSmoothLossImpl::generate_one_hot_like_label(const torch::Tensor& label) const {
  torch::Tensor l = label;
  if (l.dim() == 1 || (l.dim() == 2 && l.size(1) == 1))
    l = convert_to_one_hot(l.view({-1, 1}), num_classes_.value_or(0));
  return l.to(torch::kFloat);
}

torch::Tensor LabelSmoothLossImpl::smooth_label(const torch::Tensor& y) const {
  if (!num_classes_ || *num_classes_ <= 0)
    throw Error("AssertionError", "LabelSmoothLoss: num_classes must be positive");
  if (options_.mode == "multi_label") {
    torch::Tensor smooth = torch::full_like(y, eps_);
    smooth.masked_fill_(y > 0, 1 - eps_);
    return smooth;
  }
  torch::Tensor smooth = y * (1 - eps_);
  smooth += eps_ / static_cast<double>(*num_classes_);
  return smooth;
}

torch::Tensor LabelSmoothLossImpl::forward(const torch::Tensor& cls_score,
                                           const torch::Tensor& label, const torch::Tensor& weight,
                                           std::optional<double> avg_factor,
                                           const std::optional<std::string>& reduction_override) {
  if (num_classes_) {
    if (*num_classes_ != cls_score.size(1))
      throw Error("AssertionError",
                  "num_classes should equal to cls_score.shape[1], but got num_classes: " +
                      std::to_string(*num_classes_) +
                      " and cls_score.shape[1]: " + std::to_string(cls_score.size(1)));
  } else {
    num_classes_ = cls_score.size(1);
  }
  torch::Tensor one_hot = generate_one_hot_like_label(label);
  if (one_hot.sizes() != cls_score.sizes())
    throw Error("AssertionError",
                "LabelSmoothLoss requires output and target to be same shape, but got "
                "output.shape: " +
                    c10::str(cls_score.sizes()) +
                    " and target.shape: " + c10::str(one_hot.sizes()));
  return options_.loss_weight *
         ce_->forward(cls_score, smooth_label(one_hot), weight, avg_factor, reduction_override);
}

std::shared_ptr<LabelSmoothLossImpl> LabelSmoothLossImpl::from_config(registry::BuildArgs& args) {
  LabelSmoothLossOptions o;
  config::Value v = args.require("label_smooth_val");
  if (!v.is_float())
    throw Error("AssertionError",
                "LabelSmoothLoss accepts a float label_smooth_val over [0, 1), "
                "but gets " +
                    v.repr());
  o.label_smooth_val = v.as_float();
  o.num_classes = args.get_opt_int("num_classes");
  config::Value use_sigmoid = args.value("use_sigmoid");
  if (!use_sigmoid.is_none()) o.use_sigmoid = use_sigmoid.truthy();
  o.mode = args.get_str("mode", "original");
  o.reduction = args.get_str("reduction", "mean");
  o.loss_weight = args.get_float("loss_weight", 1.0);
  o.class_weight = optional_float_list(args, "class_weight");
  o.pos_weight = optional_float_list(args, "pos_weight");
  return std::make_shared<LabelSmoothLossImpl>(o);
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::LabelSmoothLossImpl, "LabelSmoothLoss",
                  "dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')");
