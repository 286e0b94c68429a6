#include "mmcpp/pretrain/models/backbones/lenet.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

LeNet5Impl::LeNet5Impl(std::int64_t num_classes) : num_classes_(num_classes) {
  namespace nn = torch::nn;
  features_ = register_module(
      "features", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 6, 5).stride(1)), nn::Tanh(),
                                 nn::AvgPool2d(nn::AvgPool2dOptions(2)),
                                 nn::Conv2d(nn::Conv2dOptions(6, 16, 5).stride(1)), nn::Tanh(),
                                 nn::AvgPool2d(nn::AvgPool2dOptions(2)),
                                 nn::Conv2d(nn::Conv2dOptions(16, 120, 5).stride(1)), nn::Tanh()));
  if (num_classes_ > 0)
    classifier_ = register_module("classifier", nn::Sequential(nn::Linear(120, 84), nn::Tanh(),
                                                               nn::Linear(84, num_classes_)));
}

std::shared_ptr<LeNet5Impl> LeNet5Impl::from_config(registry::BuildArgs& args) {
  auto m = std::make_shared<LeNet5Impl>(args.get_int("num_classes", -1));
  return m;
}

Feats LeNet5Impl::forward(const torch::Tensor& input) {
  torch::Tensor x = features_->forward(input);
  // MMPretrain's x.squeeze(), except that a batch of one keeps its batch axis
  // (squeeze() drops it too, and ClsHead's softmax over dim 1 then fails: one
  // image at a time could not be classified).
  if (num_classes_ > 0) {
    x = x.dim() == 4 && x.size(0) == 1 ? x.flatten(1) : x.squeeze();
    x = classifier_->forward(x);
  }
  return {x};
}

}  // namespace mmcpp::pretrain

MMCPP_REGISTER_AS(mmcpp::pretrain::MODELS, mmcpp::pretrain::LeNet5Impl, "LeNet5",
                  "dict(type='LeNet5', num_classes=10)");
