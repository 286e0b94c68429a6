#include "mmcpp/engine/model/layer.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/instancenorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/padding.h>
#include <torch/nn/modules/pixelshuffle.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/modules/upsampling.h>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::engine {

namespace {

using Forward = std::function<torch::Tensor(const torch::Tensor&)>;

template <class T>
bool try_bind(torch::nn::Module* m, Forward& out) {
  if (auto* p = dynamic_cast<T*>(m)) {
    out = [p](const torch::Tensor& x) { return p->forward(x); };
    return true;
  }
  return false;
}

// LibTorch's single-tensor modules. Listed most-derived first is not needed:
// none of these derive from one another.
Forward bind_torch_module(torch::nn::Module* m) {
  namespace nn = torch::nn;
  Forward f;
  (void)(try_bind<nn::Conv1dImpl>(m, f) || try_bind<nn::Conv2dImpl>(m, f) ||
         try_bind<nn::Conv3dImpl>(m, f) || try_bind<nn::BatchNorm1dImpl>(m, f) ||
         try_bind<nn::BatchNorm2dImpl>(m, f) || try_bind<nn::BatchNorm3dImpl>(m, f) ||
         try_bind<nn::InstanceNorm1dImpl>(m, f) || try_bind<nn::InstanceNorm2dImpl>(m, f) ||
         try_bind<nn::InstanceNorm3dImpl>(m, f) || try_bind<nn::GroupNormImpl>(m, f) ||
         try_bind<nn::LayerNormImpl>(m, f) || try_bind<nn::LinearImpl>(m, f) ||
         try_bind<nn::IdentityImpl>(m, f) || try_bind<nn::ReLUImpl>(m, f) ||
         try_bind<nn::ReLU6Impl>(m, f) || try_bind<nn::LeakyReLUImpl>(m, f) ||
         try_bind<nn::PReLUImpl>(m, f) || try_bind<nn::RReLUImpl>(m, f) ||
         try_bind<nn::ELUImpl>(m, f) || try_bind<nn::SELUImpl>(m, f) ||
         try_bind<nn::CELUImpl>(m, f) || try_bind<nn::GELUImpl>(m, f) ||
         try_bind<nn::SiLUImpl>(m, f) || try_bind<nn::MishImpl>(m, f) ||
         try_bind<nn::SigmoidImpl>(m, f) || try_bind<nn::TanhImpl>(m, f) ||
         try_bind<nn::HardtanhImpl>(m, f) || try_bind<nn::SoftmaxImpl>(m, f) ||
         try_bind<nn::LogSoftmaxImpl>(m, f) || try_bind<nn::DropoutImpl>(m, f) ||
         try_bind<nn::Dropout2dImpl>(m, f) || try_bind<nn::Dropout3dImpl>(m, f) ||
         try_bind<nn::AvgPool1dImpl>(m, f) || try_bind<nn::AvgPool2dImpl>(m, f) ||
         try_bind<nn::AvgPool3dImpl>(m, f) || try_bind<nn::MaxPool1dImpl>(m, f) ||
         try_bind<nn::MaxPool2dImpl>(m, f) || try_bind<nn::MaxPool3dImpl>(m, f) ||
         try_bind<nn::AdaptiveAvgPool1dImpl>(m, f) || try_bind<nn::AdaptiveAvgPool2dImpl>(m, f) ||
         try_bind<nn::AdaptiveAvgPool3dImpl>(m, f) || try_bind<nn::AdaptiveMaxPool1dImpl>(m, f) ||
         try_bind<nn::AdaptiveMaxPool2dImpl>(m, f) || try_bind<nn::AdaptiveMaxPool3dImpl>(m, f) ||
         try_bind<nn::ZeroPad2dImpl>(m, f) || try_bind<nn::ReflectionPad1dImpl>(m, f) ||
         try_bind<nn::ReflectionPad2dImpl>(m, f) || try_bind<nn::ReflectionPad3dImpl>(m, f) ||
         try_bind<nn::ReplicationPad1dImpl>(m, f) || try_bind<nn::ReplicationPad2dImpl>(m, f) ||
         try_bind<nn::ReplicationPad3dImpl>(m, f) || try_bind<nn::ConstantPad1dImpl>(m, f) ||
         try_bind<nn::ConstantPad2dImpl>(m, f) || try_bind<nn::ConstantPad3dImpl>(m, f) ||
         try_bind<nn::UpsampleImpl>(m, f) || try_bind<nn::PixelShuffleImpl>(m, f) ||
         try_bind<nn::FlattenImpl>(m, f));
  if (f) return f;
  if (auto* p = dynamic_cast<nn::ConvTranspose1dImpl*>(m))
    return [p](const torch::Tensor& x) { return p->forward(x); };
  if (auto* p = dynamic_cast<nn::ConvTranspose2dImpl*>(m))
    return [p](const torch::Tensor& x) { return p->forward(x); };
  if (auto* p = dynamic_cast<nn::ConvTranspose3dImpl*>(m))
    return [p](const torch::Tensor& x) { return p->forward(x); };
  if (auto* p = dynamic_cast<nn::SequentialImpl*>(m))
    return [p](const torch::Tensor& x) { return p->forward<torch::Tensor>(x); };
  return nullptr;
}

Forward bind(torch::nn::Module* m) {
  // Our modules first: a class of ours may derive from a LibTorch module and
  // change its forward (mmpretrain's LayerNorm2d over channels).
  if (auto* t = dynamic_cast<TensorForward*>(m))
    return [t](const torch::Tensor& x) { return t->forward(x); };
  return bind_torch_module(m);
}

}  // namespace

Layer::Layer(std::shared_ptr<torch::nn::Module> module) : module_(std::move(module)) {
  if (!module_) throw Error("TypeError", "Layer: the module is None");
  forward_ = bind(module_.get());
  if (!forward_)
    throw Error("TypeError", python_class_of(*module_).name + " (" + module_->name() +
                                 ") cannot be used as a layer: it has no forward(x) taking "
                                 "one tensor (derive it from engine::TensorForward)");
}

bool is_tensor_layer(const torch::nn::Module& module) {
  return static_cast<bool>(bind(const_cast<torch::nn::Module*>(&module)));
}

void LayerSequentialImpl::push_back(Layer layer) {
  push_back(std::to_string(layers_.size()), std::move(layer));
}

void LayerSequentialImpl::push_back(const std::string& name, Layer layer) {
  register_layer(*this, name, layer);
  layers_.push_back(std::move(layer));
}

torch::Tensor LayerSequentialImpl::forward(const torch::Tensor& x) {
  torch::Tensor out = x;
  for (const auto& l : layers_) out = l(out);
  return out;
}

Layer register_layer(torch::nn::Module& owner, const std::string& name, Layer layer) {
  if (!layer) throw Error("TypeError", "register_layer('" + name + "'): empty layer");
  owner.register_module(name, layer.ptr());
  return layer;
}

}  // namespace mmcpp::engine
