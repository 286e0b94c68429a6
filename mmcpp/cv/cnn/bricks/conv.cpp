#include "mmcpp/cv/cnn/bricks/conv.h"

#include <torch/nn/modules/conv.h>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/cnn/bricks/wrappers.h"
#include "mmcpp/registry/config_check.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::mmcv {

using config::Value;
using registry::BuildArgs;

namespace {

template <std::size_t D>
torch::ExpandingArray<D> expanding(const std::vector<std::int64_t>& v) {
  torch::ExpandingArray<D> out(0);
  for (std::size_t i = 0; i < D; ++i) (*out)[i] = v[i];
  return out;
}

torch::nn::detail::conv_padding_mode_t padding_mode_of(const std::string& mode, BuildArgs& a) {
  if (mode == "zeros") return torch::kZeros;
  if (mode == "reflect") return torch::kReflect;
  if (mode == "replicate") return torch::kReplicate;
  if (mode == "circular") return torch::kCircular;
  a.fail("padding_mode",
         "must be one of 'zeros', 'reflect', 'replicate' or 'circular', got '" + mode + "'");
}

std::string str_arg(const Value& v, BuildArgs& a, const std::string& key) {
  if (!v.is_str()) a.fail(key, "must be a str, got " + v.repr());
  return v.as_str();
}

// torch.nn.ConvNd(in_channels, out_channels, kernel_size, stride=1, padding=0,
// dilation=1, groups=1, bias=True, padding_mode='zeros', device=None, dtype=None)
template <std::size_t D, class Options>
Options conv_options(BuildArgs& a) {
  std::int64_t in = to_int(positional_or_key(a, 0, "in_channels"), a, "in_channels");
  std::int64_t out = to_int(positional_or_key(a, 1, "out_channels"), a, "out_channels");
  auto k = to_ints(positional_or_key(a, 2, "kernel_size"), D, a, "kernel_size");
  Options o(in, out, expanding<D>(k));
  o.stride(expanding<D>(to_ints(positional_or_key(a, 3, "stride", Value(1)), D, a, "stride")));
  Value padding = positional_or_key(a, 4, "padding", Value(0));
  if (padding.is_str()) {
    if (padding.as_str() == "same")
      o.padding(torch::kSame);
    else if (padding.as_str() == "valid")
      o.padding(torch::kValid);
    else
      a.fail("padding", "must be 'same', 'valid' or ints, got '" + padding.as_str() + "'");
  } else {
    o.padding(expanding<D>(to_ints(padding, D, a, "padding")));
  }
  o.dilation(
      expanding<D>(to_ints(positional_or_key(a, 5, "dilation", Value(1)), D, a, "dilation")));
  o.groups(to_int(positional_or_key(a, 6, "groups", Value(1)), a, "groups"));
  o.bias(to_bool(positional_or_key(a, 7, "bias", Value(true)), a, "bias"));
  o.padding_mode(padding_mode_of(
      str_arg(positional_or_key(a, 8, "padding_mode", Value("zeros")), a, "padding_mode"), a));
  for (const char* k : {"device", "dtype"})
    if (!a.value(k).is_none()) a.fail(k, "is not supported (modules follow the model's device)");
  check_positional_count(a, 9);
  return o;
}

// torch.nn.ConvTransposeNd(in_channels, out_channels, kernel_size, stride=1,
// padding=0, output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros')
template <std::size_t D, class Options>
Options conv_transpose_options(BuildArgs& a) {
  std::int64_t in = to_int(positional_or_key(a, 0, "in_channels"), a, "in_channels");
  std::int64_t out = to_int(positional_or_key(a, 1, "out_channels"), a, "out_channels");
  auto k = to_ints(positional_or_key(a, 2, "kernel_size"), D, a, "kernel_size");
  Options o(in, out, expanding<D>(k));
  o.stride(expanding<D>(to_ints(positional_or_key(a, 3, "stride", Value(1)), D, a, "stride")));
  o.padding(expanding<D>(to_ints(positional_or_key(a, 4, "padding", Value(0)), D, a, "padding")));
  o.output_padding(expanding<D>(
      to_ints(positional_or_key(a, 5, "output_padding", Value(0)), D, a, "output_padding")));
  o.groups(to_int(positional_or_key(a, 6, "groups", Value(1)), a, "groups"));
  o.bias(to_bool(positional_or_key(a, 7, "bias", Value(true)), a, "bias"));
  o.dilation(
      expanding<D>(to_ints(positional_or_key(a, 8, "dilation", Value(1)), D, a, "dilation")));
  std::string mode =
      str_arg(positional_or_key(a, 9, "padding_mode", Value("zeros")), a, "padding_mode");
  if (mode != "zeros")
    a.fail("padding_mode", "only 'zeros' padding mode is supported for ConvTranspose");
  for (const char* k : {"device", "dtype"})
    if (!a.value(k).is_none()) a.fail(k, "is not supported (modules follow the model's device)");
  check_positional_count(a, 10);
  return o;
}

template <class T>
void add(const std::string& name, std::function<std::shared_ptr<T>(BuildArgs&)> make,
         const std::string& example) {
  registry::MODELS().add_factory(
      name, [make](BuildArgs& a) -> std::shared_ptr<torch::nn::Module> { return make(a); }, example,
      __FILE__);
}

const bool kRegistered = [] {
  add<torch::nn::Conv1dImpl>(
      "Conv1d",
      [](BuildArgs& a) {
        return std::make_shared<torch::nn::Conv1dImpl>(
            conv_options<1, torch::nn::Conv1dOptions>(a));
      },
      "dict(type='Conv1d', in_channels=3, out_channels=8, kernel_size=3)");
  add<torch::nn::Conv2dImpl>(
      "Conv2d",
      [](BuildArgs& a) {
        return std::make_shared<torch::nn::Conv2dImpl>(
            conv_options<2, torch::nn::Conv2dOptions>(a));
      },
      "dict(type='Conv2d', in_channels=3, out_channels=8, kernel_size=3, padding=1)");
  add<Conv2dImpl>(
      "Conv",
      [](BuildArgs& a) {
        return std::make_shared<Conv2dImpl>(conv_options<2, torch::nn::Conv2dOptions>(a));
      },
      "dict(type='Conv', in_channels=3, out_channels=8, kernel_size=3)");
  add<Conv3dImpl>(
      "Conv3d",
      [](BuildArgs& a) {
        return std::make_shared<Conv3dImpl>(conv_options<3, torch::nn::Conv3dOptions>(a));
      },
      "dict(type='Conv3d', in_channels=3, out_channels=8, kernel_size=3)");
  for (const char* name : {"deconv", "ConvTranspose2d"})
    add<ConvTranspose2dImpl>(
        name,
        [](BuildArgs& a) {
          return std::make_shared<ConvTranspose2dImpl>(
              conv_transpose_options<2, torch::nn::ConvTranspose2dOptions>(a));
        },
        "dict(type='" + std::string(name) +
            "', in_channels=8, out_channels=4, kernel_size=4, stride=2, padding=1)");
  for (const char* name : {"deconv3d", "ConvTranspose3d"})
    add<ConvTranspose3dImpl>(
        name,
        [](BuildArgs& a) {
          return std::make_shared<ConvTranspose3dImpl>(
              conv_transpose_options<3, torch::nn::ConvTranspose3dOptions>(a));
        },
        "dict(type='" + std::string(name) + "', in_channels=8, out_channels=4, kernel_size=2)");
  return true;
}();

}  // namespace

const std::vector<std::string>& conv_layer_types() {
  // Conv2dAdaptivePadding: conv2d_adaptive_padding.cpp.
  static const std::vector<std::string> names = {"Conv1d",
                                                 "Conv2d",
                                                 "Conv3d",
                                                 "Conv",
                                                 "deconv",
                                                 "deconv3d",
                                                 "ConvTranspose2d",
                                                 "ConvTranspose3d",
                                                 "Conv2dAdaptivePadding"};
  return names;
}

engine::Layer build_conv_layer(const Value& cfg, const Args& args, const Kwargs& kwargs) {
  Value c = cfg;
  if (cfg.is_none()) {
    c = Value::dict(false);
    c.as_dict().set("type", Value("Conv2d"));
  } else if (!cfg.is_dict()) {
    throw Error("TypeError", "cfg must be a dict");
  } else if (!cfg.as_dict().contains("type")) {
    throw Error("KeyError", "the cfg dict must contain the key \"type\"");
  }
  return engine::Layer(build_layer(c, args, kwargs, "build_conv_layer", conv_layer_types()));
}

}  // namespace mmcpp::mmcv

// `mmcpp check` / zoo-report: the types this builder accepts.
MMCPP_REGISTER_LAYER_NAMES(mmcpp::registry::kConvLayers,
                           [] { return mmcpp::mmcv::conv_layer_types(); });
