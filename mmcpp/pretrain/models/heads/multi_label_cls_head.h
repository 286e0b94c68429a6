// MultiLabelClsHead (mmpretrain/models/heads/multi_label_cls_head.py).
//
// MultiLabelClsHead(loss=dict(type='CrossEntropyLoss', use_sigmoid=True),
// thr=None, topk=None, init_cfg=None); thr defaults to 0.5 when both are None.
// loss(): targets are the stacked float gt_score, else the multi-hot of each
// sample's gt_label over the score's classes. predict(): pred_score =
// sigmoid; pred_label = the classes with score >= thr, else the top-k classes.
#pragma once

#include <optional>

#include "mmcpp/pretrain/models/heads/cls_head.h"
#include "mmcpp/pretrain/structures/utils.h"

namespace mmcpp::pretrain {

struct MultiLabelClsHeadOptions {
  config::Value loss;  // default dict(type='CrossEntropyLoss', use_sigmoid=True)
  std::optional<double> thr;
  std::optional<std::int64_t> topk;
  config::Value init_cfg;
  static MultiLabelClsHeadOptions read(registry::BuildArgs& args,
                                       const config::Value& default_init_cfg = config::Value());
};

class MultiLabelClsHeadImpl : public engine::BaseModule, public HeadInterface {
 public:
  MMCPP_PYTHON_CLASS("MultiLabelClsHead", "BaseModule")
  explicit MultiLabelClsHeadImpl(MultiLabelClsHeadOptions options);
  // Example: dict(type='MultiLabelClsHead').
  static std::shared_ptr<MultiLabelClsHeadImpl> from_config(registry::BuildArgs& args);

  torch::Tensor pre_logits(const Feats& feats) override;
  torch::Tensor forward(const Feats& feats) override;
  engine::NamedTensors loss(const Feats& feats, const data::DataSamples& data_samples) override;
  data::DataSamples predict(const Feats& feats, const data::DataSamples& data_samples) override;

  std::optional<double> thr() const { return thr_; }
  std::optional<std::int64_t> topk() const { return topk_; }

 private:
  std::optional<double> thr_;
  std::optional<std::int64_t> topk_;
  std::shared_ptr<BaseLoss> loss_module_;
};
TORCH_MODULE(MultiLabelClsHead);

}  // namespace mmcpp::pretrain
