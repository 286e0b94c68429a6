#include "mmcpp/pretrain/models/heads/cls_head.h"

#include <torch/torch.h>

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;

ClsHeadOptions ClsHeadOptions::read(registry::BuildArgs& args, const Value& default_init_cfg) {
  ClsHeadOptions o;
  if (args.has("loss")) {
    o.loss = args.value("loss");
  } else {
    o.loss = Value::dict(false);
    o.loss.as_dict().set("type", Value("CrossEntropyLoss"));
    o.loss.as_dict().set("loss_weight", Value(1.0));
  }
  Value topk = args.value("topk");
  if (topk.is_int()) {
    o.topk = {topk.as_int()};
  } else if (!topk.is_none()) {
    o.topk = args.get_int_list("topk", {1});
  }
  o.cal_acc = args.get_bool("cal_acc", false);
  o.init_cfg = args.has("init_cfg") ? args.value("init_cfg") : default_init_cfg;
  return o;
}

std::shared_ptr<BaseLoss> build_loss(const Value& cfg) {
  auto module = MODELS().build(cfg);
  auto loss = std::dynamic_pointer_cast<BaseLoss>(module);
  if (!loss)
    throw Error("TypeError", "loss " + cfg.repr() + " is not a classification loss (BaseLoss)");
  return loss;
}

std::vector<torch::Tensor> topk_accuracy(const torch::Tensor& pred_in,
                                         const torch::Tensor& target_in,
                                         const std::vector<std::int64_t>& topk) {
  torch::NoGradGuard no_grad;
  torch::Tensor pred = pred_in.detach().to(torch::kFloat);
  torch::Tensor target = target_in.to(torch::kLong);
  const std::int64_t num = pred.size(0);
  if (target.size(0) != num)
    throw Error("AssertionError", "The size of pred (" + std::to_string(num) +
                                      ") doesn't match the target (" +
                                      std::to_string(target.size(0)) + ").");
  std::int64_t maxk = *std::max_element(topk.begin(), topk.end());
  if (maxk > pred.size(1))
    throw Error("ValueError", "Top-" + std::to_string(maxk) +
                                  " accuracy is unavailable since the number of categories is " +
                                  std::to_string(pred.size(1)) + ".");
  auto [pred_score, pred_label] = pred.topk(maxk, 1);
  pred_label = pred_label.t();
  torch::Tensor correct = pred_label.eq(target.view({1, -1}).expand_as(pred_label));
  correct = correct & (pred_score.t() > 0.);  // thrs=(0.,)
  std::vector<torch::Tensor> out;
  for (std::int64_t k : topk) {
    torch::Tensor correct_k = correct.slice(0, 0, k).reshape(-1).to(torch::kFloat).sum(0, true);
    out.push_back(correct_k.mul_(100. / static_cast<double>(num)));
  }
  return out;
}

ClsHeadImpl::ClsHeadImpl(ClsHeadOptions options)
    : engine::BaseModule(options.init_cfg), topk_(options.topk), cal_acc_(options.cal_acc) {
  if (topk_.empty()) throw Error("ValueError", "ClsHead: topk must not be empty");
  loss_module_ = build_loss(options.loss);
  register_module("loss_module", loss_module_);
}

std::shared_ptr<ClsHeadImpl> ClsHeadImpl::from_config(registry::BuildArgs& args) {
  return std::make_shared<ClsHeadImpl>(ClsHeadOptions::read(args));
}

torch::Tensor ClsHeadImpl::pre_logits(const Feats& feats) {
  if (feats.empty()) throw Error("IndexError", "ClsHead: no features");
  return feats.back();
}

torch::Tensor ClsHeadImpl::forward(const Feats& feats) { return pre_logits(feats); }

engine::NamedTensors ClsHeadImpl::loss(const Feats& feats, const data::DataSamples& data_samples) {
  return get_loss(forward(feats), data_samples);
}

engine::NamedTensors ClsHeadImpl::get_loss(const torch::Tensor& cls_score,
                                           const data::DataSamples& data_samples) {
  if (data_samples.empty()) throw Error("ValueError", "ClsHead.loss: no data samples");
  torch::Tensor target;
  if (data_samples[0]->has("gt_score")) {
    std::vector<torch::Tensor> scores;
    for (const auto& s : data_samples) scores.push_back(s->get("gt_score"));
    target = torch::stack(scores);
  } else {
    std::vector<torch::Tensor> labels;
    for (const auto& s : data_samples) labels.push_back(s->gt_label());
    target = torch::cat(labels);
  }
  engine::NamedTensors losses;
  losses.emplace_back("loss", loss_module_->forward(cls_score, target, torch::Tensor(),
                                                    static_cast<double>(cls_score.size(0))));
  if (cal_acc_) {
    if (target.dim() != 1)
      throw Error("AssertionError",
                  "If you enable batch augmentation like mixup during "
                  "training, `cal_acc` is pointless.");
    auto acc = topk_accuracy(cls_score, target, topk_);
    for (std::size_t i = 0; i < topk_.size(); ++i)
      losses.emplace_back("accuracy_top-" + std::to_string(topk_[i]), acc[i]);
  }
  return losses;
}

data::DataSamples ClsHeadImpl::predict(const Feats& feats, const data::DataSamples& data_samples) {
  return get_predictions(forward(feats), data_samples);
}

data::DataSamples ClsHeadImpl::get_predictions(const torch::Tensor& cls_score,
                                               const data::DataSamples& data_samples) {
  torch::Tensor pred_scores = torch::softmax(cls_score, 1);
  torch::Tensor pred_labels = pred_scores.argmax(1, /*keepdim=*/true).detach();
  data::DataSamples out;
  for (std::int64_t i = 0; i < pred_scores.size(0); ++i) {
    auto s = static_cast<std::size_t>(i) < data_samples.size() && data_samples[i]
                 ? data_samples[i]
                 : std::make_shared<data::DataSample>();
    s->set("pred_score", pred_scores[i]);
    s->set("pred_label", pred_labels[i]);
    out.push_back(s);
  }
  return out;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::ClsHeadImpl, "ClsHead",
                  "dict(type='ClsHead', loss=dict(type='CrossEntropyLoss', loss_weight=1.0))");
