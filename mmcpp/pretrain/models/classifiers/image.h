// ImageClassifier (mmpretrain/models/classifiers/image.py).
//
// ImageClassifier(backbone, neck=None, head=None, pretrained=None,
// train_cfg=None, data_preprocessor=None, init_cfg=None):
//   - pretrained: init_cfg = dict(type='Pretrained', checkpoint=pretrained);
//   - data_preprocessor: a dict whose type defaults to ClsDataPreprocessor and
//     whose batch_augments default to train_cfg (dict(augments=..., probs=...));
//   - backbone/neck/head: dicts built through MODELS (children `backbone`,
//     `neck`, `head`, in that order, after `data_preprocessor`).
// forward(batch, mode): 'tensor' -> the head's scores (the features without a
// head); 'loss' -> head.loss (loss, accuracy_top-k with cal_acc); 'predict' ->
// samples with pred_score (softmax) and pred_label.
// extract_feat(inputs, stage): 'backbone' (one tensor per out index), 'neck'
// (the neck's outputs, or the backbone's without a neck), 'pre_logits' (one
// tensor: head.pre_logits).
// A backbone implementing engine::LoadStateDictPreHook rewrites checkpoints
// loaded into the classifier (MMPretrain's _checkpoint_filter).
#pragma once

#include <memory>
#include <string>

#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/pretrain/models/classifiers/base.h"
#include "mmcpp/pretrain/models/heads/base_head.h"
#include "mmcpp/pretrain/models/utils/layer_depth.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class ImageClassifier : public BaseClassifier,
                        public engine::LoadStateDictPreHook,
                        public LayerDepthInterface {
 public:
  MMCPP_PYTHON_CLASS("ImageClassifier", "BaseClassifier")
  ImageClassifier(std::shared_ptr<BaseBackboneImpl> backbone,
                  std::shared_ptr<torch::nn::Module> neck, std::shared_ptr<torch::nn::Module> head,
                  std::shared_ptr<engine::BaseDataPreprocessor> data_preprocessor,
                  config::Value init_cfg = config::Value());
  // Example: dict(type='ImageClassifier', backbone=dict(type='LeNet5', num_classes=10),
  // head=dict(type='ClsHead')).
  static std::shared_ptr<ImageClassifier> from_config(registry::BuildArgs& args);

  engine::ModelOutput forward(const data::DataBatch& batch, engine::ForwardMode mode) override;
  using BaseClassifier::extract_feat;  // extract_feat(inputs): stage 'neck'
  Feats extract_feat(const torch::Tensor& inputs, const std::string& stage) override;
  engine::NamedTensors loss(const torch::Tensor& inputs, const data::DataSamples& data_samples);
  data::DataSamples predict(const torch::Tensor& inputs, const data::DataSamples& data_samples);
  // mode='tensor': the scores (head) or the features.
  Feats forward_tensor(const torch::Tensor& inputs);

  bool with_neck() const override { return neck_ != nullptr; }
  bool with_head() const override { return head_ != nullptr; }
  BaseBackboneImpl& backbone() { return *backbone_; }
  NeckInterface* neck() { return neck_; }
  HeadInterface* head() { return head_; }
  torch::nn::Module* neck_module() { return neck_module_.get(); }
  torch::nn::Module* head_module() { return head_module_.get(); }

  void load_state_dict_pre_hook(engine::StateDict& state_dict, const std::string& prefix) override;
  std::pair<std::int64_t, std::int64_t> get_layer_depth(const std::string& param_name,
                                                        const std::string& prefix) const override;

 private:
  std::shared_ptr<BaseBackboneImpl> backbone_;
  std::shared_ptr<torch::nn::Module> neck_module_, head_module_;
  NeckInterface* neck_ = nullptr;
  HeadInterface* head_ = nullptr;
};

}  // namespace mmcpp::pretrain
