// Layer: any built layer (a conv, norm, activation, padding, dropout, ...) and
// how to call it with one tensor.
//
// MMCV's builders (build_conv_layer, build_norm_layer, build_activation_layer,
// ...) build through the MODELS registry, which returns a type-erased module.
// A Layer holds that module and calls its forward(x):
//   - modules of ours implement TensorForward (one virtual forward(x));
//   - LibTorch's own single-tensor modules (Conv*, BatchNorm*, InstanceNorm*,
//     GroupNorm, LayerNorm, Linear, Identity, activations, pooling, padding,
//     Dropout*, Upsample, Flatten, Sequential) are recognised by type.
// The owner registers the module under its Python attribute name:
//   conv1_ = register_layer(*this, "conv1", mmcv::build_conv_layer(...));
//   x = conv1_(x);
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mmcpp/engine/model/python_class.h"

namespace mmcpp::engine {

// A module whose forward takes and returns one tensor.
class TensorForward {
 public:
  virtual ~TensorForward() = default;
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

class Layer {
 public:
  Layer() = default;
  // TypeError when the module cannot be called with one tensor.
  explicit Layer(std::shared_ptr<torch::nn::Module> module);

  torch::Tensor operator()(const torch::Tensor& x) const { return forward_(x); }
  torch::Tensor forward(const torch::Tensor& x) const { return forward_(x); }

  explicit operator bool() const { return module_ != nullptr; }
  const std::shared_ptr<torch::nn::Module>& ptr() const { return module_; }
  torch::nn::Module& module() const { return *module_; }
  // The module as T (nullptr when it is not one).
  template <class T>
  T* as() const {
    return dynamic_cast<T*>(module_.get());
  }

 private:
  std::shared_ptr<torch::nn::Module> module_;
  std::function<torch::Tensor(const torch::Tensor&)> forward_;
};

// torch.nn.Sequential over Layers: children "0", "1", ... (or given names),
// applied in order. A plain module (Python class Sequential, base Module; no
// init_weights, unlike mmengine's Sequential in base_module.h).
class LayerSequentialImpl : public torch::nn::Module,
                            public TensorForward,
                            public DeclaresPythonClass {
 public:
  MMCPP_PYTHON_CLASS("Sequential", "Module")
  LayerSequentialImpl() = default;
  void push_back(Layer layer);
  void push_back(const std::string& name, Layer layer);
  torch::Tensor forward(const torch::Tensor& x) override;
  std::size_t size() const { return layers_.size(); }
  const Layer& operator[](std::size_t i) const { return layers_.at(i); }
  const std::vector<Layer>& layers() const { return layers_; }

 private:
  std::vector<Layer> layers_;
};
TORCH_MODULE(LayerSequential);

// Whether Layer can call this module.
bool is_tensor_layer(const torch::nn::Module& module);

// owner.register_module(name, layer.ptr()); returns the layer.
Layer register_layer(torch::nn::Module& owner, const std::string& name, Layer layer);

}  // namespace mmcpp::engine
