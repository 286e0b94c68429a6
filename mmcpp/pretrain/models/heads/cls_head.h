// ClsHead (mmpretrain/models/heads/cls_head.py).
//
// ClsHead(loss=dict(type='CrossEntropyLoss', loss_weight=1.0), topk=(1, ),
// cal_acc=False, init_cfg=None): no parameters of its own; the scores are the
// last feature. loss(): targets are the stacked gt_score of the samples when
// they have one (batch augments), else their concatenated gt_label; the loss
// module (child `loss_module`) gets avg_factor = batch size; with cal_acc,
// "accuracy_top-k" (percent, Accuracy.calculate with thrs=(0.,)) for each k of
// topk. predict(): pred_score = softmax, pred_label = argmax (shape (1,)).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/model/base_module.h"
#include "mmcpp/pretrain/models/heads/base_head.h"
#include "mmcpp/pretrain/models/losses/base_loss.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

// ClsHead's own arguments, shared by its subclasses (their **kwargs).
struct ClsHeadOptions {
  config::Value loss;  // default dict(type='CrossEntropyLoss', loss_weight=1.0)
  std::vector<std::int64_t> topk = {1};
  bool cal_acc = false;
  config::Value init_cfg;
  // Reads loss, topk, cal_acc and init_cfg (init_cfg default `default_init_cfg`).
  static ClsHeadOptions read(registry::BuildArgs& args,
                             const config::Value& default_init_cfg = config::Value());
};

// Accuracy.calculate(pred scores (N, C), target (N,), topk, thrs=(0.,)):
// top-k accuracy in percent, one (1,) tensor per k.
std::vector<torch::Tensor> topk_accuracy(const torch::Tensor& pred, const torch::Tensor& target,
                                         const std::vector<std::int64_t>& topk);

// Builds a loss dict through MODELS (a BaseLoss).
std::shared_ptr<BaseLoss> build_loss(const config::Value& cfg);

class ClsHeadImpl : public engine::BaseModule, public HeadInterface {
 public:
  MMCPP_PYTHON_CLASS("ClsHead", "BaseModule")
  explicit ClsHeadImpl(ClsHeadOptions options);
  // Example: dict(type='ClsHead', loss=dict(type='CrossEntropyLoss', loss_weight=1.0)).
  static std::shared_ptr<ClsHeadImpl> from_config(registry::BuildArgs& args);

  torch::Tensor pre_logits(const Feats& feats) override;
  torch::Tensor forward(const Feats& feats) override;
  engine::NamedTensors loss(const Feats& feats, const data::DataSamples& data_samples) override;
  data::DataSamples predict(const Feats& feats, const data::DataSamples& data_samples) override;

  BaseLoss& loss_module() { return *loss_module_; }
  const std::vector<std::int64_t>& topk() const { return topk_; }

 protected:
  engine::NamedTensors get_loss(const torch::Tensor& cls_score,
                                const data::DataSamples& data_samples);
  data::DataSamples get_predictions(const torch::Tensor& cls_score,
                                    const data::DataSamples& data_samples);

 private:
  std::vector<std::int64_t> topk_;
  bool cal_acc_;
  std::shared_ptr<BaseLoss> loss_module_;
};
TORCH_MODULE(ClsHead);

}  // namespace mmcpp::pretrain
