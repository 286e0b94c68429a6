#include "mmcpp/pretrain/models/classifiers/image.h"

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/models/necks/neck_sequential.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;

ImageClassifier::ImageClassifier(std::shared_ptr<BaseBackboneImpl> backbone,
                                 std::shared_ptr<torch::nn::Module> neck,
                                 std::shared_ptr<torch::nn::Module> head,
                                 std::shared_ptr<engine::BaseDataPreprocessor> data_preprocessor,
                                 Value init_cfg)
    : backbone_(std::move(backbone)), neck_module_(std::move(neck)), head_module_(std::move(head)) {
  if (data_preprocessor) set_data_preprocessor(data_preprocessor);
  set_init_cfg(init_cfg);
  if (!backbone_) throw Error("TypeError", "ImageClassifier: backbone is None");
  register_module("backbone", backbone_);
  if (neck_module_) {
    neck_ = dynamic_cast<NeckInterface*>(neck_module_.get());
    if (!neck_)
      throw Error("TypeError", "ImageClassifier: the neck " +
                                   engine::python_class_of(*neck_module_).name +
                                   " is not a neck (NeckInterface)");
    register_module("neck", neck_module_);
  }
  if (head_module_) {
    head_ = dynamic_cast<HeadInterface*>(head_module_.get());
    if (!head_)
      throw Error("TypeError", "ImageClassifier: the head " +
                                   engine::python_class_of(*head_module_).name +
                                   " is not a head (HeadInterface)");
    register_module("head", head_module_);
  }
}

std::shared_ptr<ImageClassifier> ImageClassifier::from_config(registry::BuildArgs& args) {
  Value backbone_cfg = args.require("backbone");
  Value neck_cfg = args.value("neck");
  Value head_cfg = args.value("head");
  Value pretrained = args.value("pretrained");
  Value train_cfg = args.value("train_cfg");
  Value dp = args.value("data_preprocessor");
  Value init_cfg = args.value("init_cfg");
  if (!pretrained.is_none()) {
    init_cfg = Value::dict(false);
    init_cfg.as_dict().set("type", Value("Pretrained"));
    init_cfg.as_dict().set("checkpoint", pretrained);
  }
  // data_preprocessor = data_preprocessor or {}
  Value dp_cfg = dp.truthy() ? dp : Value::dict(false);
  if (!dp_cfg.is_dict())
    throw Error("TypeError",
                "data_preprocessor should be a `dict` or `nn.Module` instance, but "
                "got " +
                    dp_cfg.type_name());
  dp_cfg = dp_cfg.deep_copy();
  if (!dp_cfg.as_dict().contains("type"))
    dp_cfg.as_dict().set("type", Value("ClsDataPreprocessor"));
  if (!dp_cfg.as_dict().contains("batch_augments"))
    dp_cfg.as_dict().set("batch_augments", train_cfg);
  auto dp_module = MODELS().build(dp_cfg);
  auto preprocessor = std::dynamic_pointer_cast<engine::BaseDataPreprocessor>(dp_module);
  if (!preprocessor)
    throw Error("TypeError",
                "data_preprocessor should be a BaseDataPreprocessor, got " + dp_cfg.repr());

  auto module = MODELS().build(backbone_cfg);
  auto backbone = std::dynamic_pointer_cast<BaseBackboneImpl>(module);
  if (!backbone)
    throw Error("TypeError",
                "ImageClassifier: backbone " + backbone_cfg.repr() + " is not a backbone");
  std::shared_ptr<torch::nn::Module> neck, head;
  // A list of necks builds an mmengine Sequential of them, as MMEngine does.
  if (neck_cfg.is_list() || neck_cfg.is_tuple())
    neck = NeckSequential(neck_cfg).ptr();
  else if (!neck_cfg.is_none())
    neck = MODELS().build(neck_cfg);
  if (!head_cfg.is_none()) head = MODELS().build(head_cfg);
  return std::make_shared<ImageClassifier>(backbone, neck, head, preprocessor, init_cfg);
}

Feats ImageClassifier::extract_feat(const torch::Tensor& inputs, const std::string& stage) {
  if (stage != "backbone" && stage != "neck" && stage != "pre_logits")
    throw Error("AssertionError", "Invalid output stage \"" + stage +
                                      "\", please choose from \"backbone\", \"neck\" and "
                                      "\"pre_logits\"");
  Feats x = backbone_->forward(inputs);
  if (stage == "backbone") return x;
  if (neck_) x = neck_->forward(x);
  if (stage == "neck") return x;
  if (!head_)
    throw Error("AssertionError", "No head or the head doesn't implement `pre_logits` method.");
  return {head_->pre_logits(x)};
}

Feats ImageClassifier::forward_tensor(const torch::Tensor& inputs) {
  Feats feats = extract_feat(inputs);
  if (head_) return {head_->forward(feats)};
  return feats;
}

engine::NamedTensors ImageClassifier::loss(const torch::Tensor& inputs,
                                           const data::DataSamples& data_samples) {
  if (!head_) throw Error("AttributeError", "ImageClassifier.loss needs a head");
  return head_->loss(extract_feat(inputs), data_samples);
}

data::DataSamples ImageClassifier::predict(const torch::Tensor& inputs,
                                           const data::DataSamples& data_samples) {
  if (!head_) throw Error("AttributeError", "ImageClassifier.predict needs a head");
  return head_->predict(extract_feat(inputs), data_samples);
}

engine::ModelOutput ImageClassifier::forward(const data::DataBatch& batch,
                                             engine::ForwardMode mode) {
  if (!batch.inputs.defined())
    throw Error("TypeError", "ImageClassifier: inputs must be a stacked (N, C, H, W) tensor");
  engine::ModelOutput out;
  switch (mode) {
    case engine::ForwardMode::Tensor:
      out.tensors = forward_tensor(batch.inputs);
      break;
    case engine::ForwardMode::Loss:
      out.losses = loss(batch.inputs, batch.data_samples);
      break;
    case engine::ForwardMode::Predict:
      out.predictions = predict(batch.inputs, batch.data_samples);
      break;
  }
  return out;
}

void ImageClassifier::load_state_dict_pre_hook(engine::StateDict& state_dict,
                                               const std::string& prefix) {
  if (auto* filter = dynamic_cast<engine::LoadStateDictPreHook*>(backbone_.get()))
    filter->load_state_dict_pre_hook(state_dict, prefix);
}

std::pair<std::int64_t, std::int64_t> ImageClassifier::get_layer_depth(
    const std::string& param_name, const std::string&) const {
  if (auto* b = dynamic_cast<const LayerDepthInterface*>(backbone_.get()))
    return b->get_layer_depth(param_name, "backbone.");
  throw Error("NotImplementedError", "The backbone " + engine::python_class_of(*backbone_).name +
                                         " doesn't support `get_layer_depth` by now.");
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER(mmcpp::pretrain::MODELS, mmcpp::pretrain::ImageClassifier,
               "dict(type='ImageClassifier', backbone=dict(type='LeNet5', num_classes=10), "
               "head=dict(type='ClsHead'))");
