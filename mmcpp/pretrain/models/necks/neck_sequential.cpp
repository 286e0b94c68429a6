#include "mmcpp/pretrain/models/necks/neck_sequential.h"

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

NeckSequentialImpl::NeckSequentialImpl(const config::Value& cfgs) {
  if (!cfgs.is_sequence())
    throw Error("TypeError", "a list of neck configs expected, got " + cfgs.repr());
  std::size_t i = 0;
  for (const auto& cfg : cfgs.items()) {
    auto module = MODELS().build(cfg);
    auto* neck = dynamic_cast<NeckInterface*>(module.get());
    if (!neck)
      throw Error("TypeError", "ImageClassifier: the neck " +
                                   engine::python_class_of(*module).name +
                                   " is not a neck (NeckInterface)");
    register_module(std::to_string(i++), module);
    necks_.push_back(neck);
  }
}

Feats NeckSequentialImpl::forward(const Feats& inputs) {
  Feats x = inputs;
  for (auto* neck : necks_) x = neck->forward(x);
  return x;
}

}  // namespace mmcpp::pretrain
