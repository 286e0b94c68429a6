#include "mmcpp/pretrain/models/utils/norm.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/layer_args.h"
#include "mmcpp/cv/cnn/bricks/norm.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

using config::Value;

LayerNorm2dImpl::LayerNorm2dImpl(std::int64_t num_channels, double eps, bool elementwise_affine)
    : torch::nn::LayerNormImpl(torch::nn::LayerNormOptions({num_channels})
                                   .eps(eps)
                                   .elementwise_affine(elementwise_affine)),
      num_channels_(num_channels) {}

torch::Tensor LayerNorm2dImpl::forward(const torch::Tensor& x, const std::string& data_format) {
  if (x.dim() != 4)
    throw Error("AssertionError",
                "LayerNorm2d only supports inputs with shape (N, C, H, W), but got tensor with "
                "shape " +
                    c10::str(x.sizes()));
  namespace F = torch::nn::functional;
  auto o = F::LayerNormFuncOptions(options.normalized_shape()).eps(options.eps());
  if (weight.defined()) o.weight(weight);
  if (bias.defined()) o.bias(bias);
  if (data_format == "channel_last") return F::layer_norm(x, o);
  if (data_format != "channel_first")
    throw Error("ValueError", "LayerNorm2d: data_format must be 'channel_first' or 'channel_last'");
  return F::layer_norm(x.permute({0, 2, 3, 1}), o).permute({0, 3, 1, 2}).contiguous();
}

GRNImpl::GRNImpl(std::int64_t in_channels, double eps) : in_channels_(in_channels), eps_(eps) {
  gamma = register_parameter("gamma", torch::zeros({in_channels}));
  beta = register_parameter("beta", torch::zeros({in_channels}));
}

torch::Tensor GRNImpl::forward(const torch::Tensor& x, const std::string& data_format) {
  if (data_format == "channel_last") {
    torch::Tensor gx = torch::norm(x, 2, {1, 2}, /*keepdim=*/true);
    torch::Tensor nx = gx / (gx.mean(-1, true) + eps_);
    return gamma * (x * nx) + beta + x;
  }
  if (data_format != "channel_first")
    throw Error("ValueError", "GRN: data_format must be 'channel_first' or 'channel_last'");
  torch::Tensor gx = torch::norm(x, 2, {2, 3}, /*keepdim=*/true);
  torch::Tensor nx = gx / (gx.mean(1, true) + eps_);
  return gamma.view({1, -1, 1, 1}) * (x * nx) + beta.view({1, -1, 1, 1}) + x;
}

engine::Layer build_norm_layer(const Value& cfg, std::int64_t num_features) {
  if (!cfg.is_dict()) throw Error("TypeError", "cfg must be a dict");
  if (!cfg.as_dict().contains("type"))
    throw Error("KeyError", "the cfg dict must contain the key \"type\"");
  Value c = cfg.deep_copy();
  const std::string type = c.as_dict().find("type")->str();
  if (!MODELS().get(type))
    throw Error("KeyError", "Cannot find " + type + " in registry under scope name mmpretrain " +
                                "(norm layers: BN, BN1d, BN2d, BN3d, SyncBN, GN, LN, LN2d, IN, "
                                "IN1d, IN2d, IN3d)");
  bool requires_grad = true;
  if (const Value* r = c.as_dict().find("requires_grad")) {
    requires_grad = r->truthy();
    c.as_dict().erase("requires_grad");
  }
  if (!c.as_dict().contains("eps")) c.as_dict().set("eps", Value(1e-5));
  std::map<std::string, std::any> objects;
  if (type != "GN") {
    objects["*args"] = mmcv::Args{Value(num_features)};
  } else {
    c.as_dict().set("num_channels", Value(num_features));
  }
  auto layer = MODELS().build(c, Value(), std::move(objects));
  for (auto& p : layer->parameters()) p.set_requires_grad(requires_grad);
  return engine::Layer(layer);
}

}  // namespace mmcpp::pretrain

namespace {

using mmcpp::config::Value;
using mmcpp::registry::BuildArgs;

const bool kRegistered = [] {
  mmcpp::pretrain::MODELS().add_factory(
      "LN2d",
      [](BuildArgs& a) -> std::shared_ptr<torch::nn::Module> {
        using namespace mmcpp::mmcv;
        std::int64_t c = to_int(positional_or_key(a, 0, "num_channels"), a, "num_channels");
        double eps = to_float(positional_or_key(a, 1, "eps", Value(1e-5)), a, "eps");
        bool affine = to_bool(positional_or_key(a, 2, "elementwise_affine", Value(true)), a,
                              "elementwise_affine");
        check_positional_count(a, 3);
        return std::make_shared<mmcpp::pretrain::LayerNorm2dImpl>(c, eps, affine);
      },
      "dict(type='LN2d', num_channels=8)", __FILE__);
  mmcpp::pretrain::MODELS().add_factory(
      "GRN",
      [](BuildArgs& a) -> std::shared_ptr<torch::nn::Module> {
        using namespace mmcpp::mmcv;
        std::int64_t c = to_int(positional_or_key(a, 0, "in_channels"), a, "in_channels");
        double eps = to_float(positional_or_key(a, 1, "eps", Value(1e-6)), a, "eps");
        check_positional_count(a, 2);
        return std::make_shared<mmcpp::pretrain::GRNImpl>(c, eps);
      },
      "dict(type='GRN', in_channels=8)", __FILE__);
  return true;
}();

}  // namespace
