#include "mmcpp/pretrain/models/heads/multi_label_cls_head.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;

MultiLabelClsHeadOptions MultiLabelClsHeadOptions::read(registry::BuildArgs& args,
                                                        const Value& default_init_cfg) {
  MultiLabelClsHeadOptions o;
  if (args.has("loss")) {
    o.loss = args.value("loss");
  } else {
    o.loss = Value::dict(false);
    o.loss.as_dict().set("type", Value("CrossEntropyLoss"));
    o.loss.as_dict().set("use_sigmoid", Value(true));
  }
  o.thr = args.get_opt_float("thr");
  o.topk = args.get_opt_int("topk");
  o.init_cfg = args.has("init_cfg") ? args.value("init_cfg") : default_init_cfg;
  return o;
}

MultiLabelClsHeadImpl::MultiLabelClsHeadImpl(MultiLabelClsHeadOptions o)
    : engine::BaseModule(o.init_cfg), thr_(o.thr), topk_(o.topk) {
  loss_module_ = build_loss(o.loss);
  register_module("loss_module", loss_module_);
  if (!thr_ && !topk_) thr_ = 0.5;
}

std::shared_ptr<MultiLabelClsHeadImpl> MultiLabelClsHeadImpl::from_config(
    registry::BuildArgs& args) {
  return std::make_shared<MultiLabelClsHeadImpl>(MultiLabelClsHeadOptions::read(args));
}

torch::Tensor MultiLabelClsHeadImpl::pre_logits(const Feats& feats) {
  if (feats.empty()) throw Error("IndexError", "MultiLabelClsHead: no features");
  return feats.back();
}

torch::Tensor MultiLabelClsHeadImpl::forward(const Feats& feats) { return pre_logits(feats); }

engine::NamedTensors MultiLabelClsHeadImpl::loss(const Feats& feats,
                                                 const data::DataSamples& data_samples) {
  torch::Tensor cls_score = forward(feats);
  if (data_samples.empty()) throw Error("ValueError", "MultiLabelClsHead.loss: no data samples");
  const std::int64_t num_classes = cls_score.size(-1);
  std::vector<torch::Tensor> targets;
  bool scores = data_samples[0]->has("gt_score");
  for (const auto& s : data_samples)
    targets.push_back(scores ? s->get("gt_score").to(torch::kFloat)
                             : label_to_onehot(s->gt_label(), num_classes));
  torch::Tensor target = torch::stack(targets).to(torch::kFloat);
  engine::NamedTensors losses;
  losses.emplace_back("loss", loss_module_->forward(cls_score, target, torch::Tensor(),
                                                    static_cast<double>(cls_score.size(0))));
  return losses;
}

data::DataSamples MultiLabelClsHeadImpl::predict(const Feats& feats,
                                                 const data::DataSamples& data_samples) {
  torch::Tensor pred_scores = torch::sigmoid(forward(feats));
  data::DataSamples out;
  for (std::int64_t i = 0; i < pred_scores.size(0); ++i) {
    auto s = static_cast<std::size_t>(i) < data_samples.size() && data_samples[i]
                 ? data_samples[i]
                 : std::make_shared<data::DataSample>();
    torch::Tensor score = pred_scores[i];
    torch::Tensor label;
    if (thr_)
      label = torch::nonzero(score >= *thr_).reshape({-1});
    else
      label = std::get<1>(score.topk(*topk_));
    s->set("pred_score", score);
    s->set("pred_label", label);
    out.push_back(s);
  }
  return out;
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::MultiLabelClsHeadImpl,
                  "MultiLabelClsHead", "dict(type='MultiLabelClsHead')");
