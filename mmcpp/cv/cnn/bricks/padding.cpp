#include "mmcpp/cv/cnn/bricks/padding.h"

#include <torch/nn/modules/padding.h>

#include "mmcpp/core/error.h"
#include "mmcpp/registry/config_check.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::mmcv {

using config::Value;
using registry::BuildArgs;

namespace {

torch::ExpandingArray<4> padding_of(BuildArgs& a) {
  auto p = to_ints(positional_or_key(a, 0, "padding"), 4, a, "padding");
  check_positional_count(a, 1);
  return torch::ExpandingArray<4>({p[0], p[1], p[2], p[3]});
}

const bool kRegistered = [] {
  namespace nn = torch::nn;
  auto add = [](const std::string& name,
                std::function<std::shared_ptr<torch::nn::Module>(BuildArgs&)> make) {
    registry::MODELS().add_factory(name, std::move(make), "dict(type='" + name + "', padding=1)",
                                   __FILE__);
  };
  add("zero", [](BuildArgs& a) { return std::make_shared<nn::ZeroPad2dImpl>(padding_of(a)); });
  add("reflect",
      [](BuildArgs& a) { return std::make_shared<nn::ReflectionPad2dImpl>(padding_of(a)); });
  add("replicate",
      [](BuildArgs& a) { return std::make_shared<nn::ReplicationPad2dImpl>(padding_of(a)); });
  return true;
}();

}  // namespace

const std::vector<std::string>& padding_layer_types() {
  static const std::vector<std::string> names = {"zero", "reflect", "replicate"};
  return names;
}

engine::Layer build_padding_layer(const Value& cfg, const Args& args, const Kwargs& kwargs) {
  if (!cfg.is_dict()) throw Error("TypeError", "cfg must be a dict");
  if (!cfg.as_dict().contains("type"))
    throw Error("KeyError", "the cfg dict must contain the key \"type\"");
  return engine::Layer(
      build_layer(cfg, args, kwargs, "build_padding_layer", padding_layer_types()));
}

}  // namespace mmcpp::mmcv

// `mmcpp check` / zoo-report: the types this builder accepts.
MMCPP_REGISTER_LAYER_NAMES(mmcpp::registry::kPaddingLayers,
                           [] { return mmcpp::mmcv::padding_layer_types(); });
