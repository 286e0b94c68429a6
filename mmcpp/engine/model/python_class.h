// The Python class a module stands for.
//
// MMEngine matches init_cfg's `layer` against a module's class name and the
// names of its direct bases (mmengine/model/weight_init.py: `m.__class__.__name__`
// and `[b.__name__ for b in m.__class__.__bases__]`), so `layer='_BatchNorm'`
// reaches every BatchNorm2d and `layer='Conv2d'` every torch.nn.Conv2d. Every
// module here can say which class it is:
//   - LibTorch's modules (torch::nn::Conv2dImpl, BatchNorm2dImpl, ...) are
//     described by a table of PyTorch's names and bases (python_class.cpp);
//   - our modules declare it with one line in the class body:
//       class BottleneckImpl : public engine::BaseModule {
//        public:
//         MMCPP_PYTHON_CLASS("Bottleneck", "BaseModule")
//     (a BaseModule that declares nothing is named after its C++ class, without
//     the namespace and a trailing "Impl", with the base "BaseModule").
//   - any other module: its C++ class name, base "Module".
#pragma once

#include <torch/nn/module.h>

#include <string>
#include <vector>

namespace mmcpp::engine {

struct PythonClass {
  std::string name;                // type(m).__name__
  std::vector<std::string> bases;  // [b.__name__ for b in type(m).__bases__]
};

// Implemented by module classes of ours (see MMCPP_PYTHON_CLASS).
class DeclaresPythonClass {
 public:
  virtual ~DeclaresPythonClass() = default;
  virtual PythonClass python_class() const = 0;
};

// In the body of a class deriving from DeclaresPythonClass (BaseModule does):
// MMCPP_PYTHON_CLASS("LayerNorm2d", "LayerNorm").
#define MMCPP_PYTHON_CLASS(NAME, ...)                          \
  ::mmcpp::engine::PythonClass python_class() const override { \
    return ::mmcpp::engine::PythonClass{NAME, {__VA_ARGS__}};  \
  }

PythonClass python_class_of(const torch::nn::Module& module);

// isinstance(module, <class named class_name>): the class itself, its declared
// bases, and PyTorch's own hierarchy above those (_BatchNorm -> _NormBase ->
// Module, _ConvTransposeNd -> _ConvNd, ...). For our own C++ classes prefer
// dynamic_cast; this is for PyTorch's abstract bases.
bool python_isinstance(const torch::nn::Module& module, const std::string& class_name);

// The C++ class name of a module without namespaces and a trailing "Impl"
// ("mmcpp::pretrain::ResNetImpl" -> "ResNet").
std::string cpp_class_name(const torch::nn::Module& module);

}  // namespace mmcpp::engine
