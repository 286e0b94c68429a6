#include "mmcpp/cv/cnn/bricks/upsample.h"

#include <torch/nn/functional/pixelshuffle.h>
#include <torch/nn/functional/upsampling.h>

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/model/weight_init.h"
#include "mmcpp/registry/config_check.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::mmcv {

using config::Value;
using registry::BuildArgs;

UpsampleImpl::UpsampleImpl(std::vector<std::int64_t> size, std::vector<double> scale_factor,
                           std::string mode, std::optional<bool> align_corners)
    : size_(std::move(size)),
      scale_factor_(std::move(scale_factor)),
      mode_(std::move(mode)),
      align_corners_(align_corners) {
  static const std::vector<std::string> modes = {"nearest", "linear", "bilinear", "bicubic",
                                                 "trilinear"};
  if (std::find(modes.begin(), modes.end(), mode_) == modes.end())
    throw Error("ValueError", "Upsample: unsupported mode '" + mode_ + "'");
  if (size_.empty() == scale_factor_.empty())
    throw Error("ValueError", "either size or scale_factor should be defined");
}

torch::Tensor UpsampleImpl::forward(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  const std::size_t dims = static_cast<std::size_t>(x.dim() - 2);
  F::InterpolateFuncOptions o;
  if (!size_.empty())
    o.size(size_.size() == 1 ? std::vector<std::int64_t>(dims, size_[0]) : size_);
  else
    o.scale_factor(scale_factor_.size() == 1 ? std::vector<double>(dims, scale_factor_[0])
                                             : scale_factor_);
  if (mode_ == "nearest") o.mode(torch::kNearest);
  if (mode_ == "linear") o.mode(torch::kLinear);
  if (mode_ == "bilinear") o.mode(torch::kBilinear);
  if (mode_ == "bicubic") o.mode(torch::kBicubic);
  if (mode_ == "trilinear") o.mode(torch::kTrilinear);
  if (align_corners_) o.align_corners(*align_corners_);
  return F::interpolate(x, o);
}

PixelShufflePackImpl::PixelShufflePackImpl(std::int64_t in_channels, std::int64_t out_channels,
                                           std::int64_t scale_factor, std::int64_t upsample_kernel)
    : scale_factor_(scale_factor) {
  upsample_conv =
      register_module("upsample_conv",
                      torch::nn::Conv2d(torch::nn::Conv2dOptions(
                                            in_channels, out_channels * scale_factor * scale_factor,
                                            upsample_kernel)
                                            .padding((upsample_kernel - 1) / 2)));
  init_weights();
}

void PixelShufflePackImpl::init_weights() { engine::xavier_init(*upsample_conv, 1, 0, "uniform"); }

torch::Tensor PixelShufflePackImpl::forward(const torch::Tensor& x) {
  return torch::nn::functional::pixel_shuffle(upsample_conv(x), scale_factor_);
}

namespace {

std::shared_ptr<torch::nn::Module> make_upsample(BuildArgs& a) {
  Value size = positional_or_key(a, 0, "size", Value());
  Value scale = positional_or_key(a, 1, "scale_factor", Value());
  Value mode = positional_or_key(a, 2, "mode", Value("nearest"));
  Value align = positional_or_key(a, 3, "align_corners", Value());
  Value recompute = positional_or_key(a, 4, "recompute_scale_factor", Value());
  check_positional_count(a, 5);
  if (!recompute.is_none()) a.fail("recompute_scale_factor", "is not supported");
  std::vector<std::int64_t> sizes;
  if (size.is_sequence()) {
    for (const auto& s : size.items()) sizes.push_back(to_int(s, a, "size"));
  } else if (!size.is_none()) {
    sizes.push_back(to_int(size, a, "size"));
  }
  std::vector<double> scales;
  if (scale.is_sequence()) {
    for (const auto& s : scale.items()) scales.push_back(to_float(s, a, "scale_factor"));
  } else if (scale.truthy()) {  // `float(scale_factor) if scale_factor else None`
    scales.push_back(to_float(scale, a, "scale_factor"));
  }
  if (!mode.is_str()) a.fail("mode", "must be a str, got " + mode.repr());
  std::optional<bool> align_corners;
  if (!align.is_none()) align_corners = to_bool(align, a, "align_corners");
  return std::make_shared<UpsampleImpl>(sizes, scales, mode.as_str(), align_corners);
}

const bool kRegistered = [] {
  for (const char* name : {"nearest", "bilinear"})
    registry::MODELS().add_factory(
        name, make_upsample, "dict(type='" + std::string(name) + "', scale_factor=2)", __FILE__);
  registry::MODELS().add_factory(
      "pixel_shuffle",
      [](BuildArgs& a) -> std::shared_ptr<torch::nn::Module> {
        std::int64_t in = to_int(positional_or_key(a, 0, "in_channels"), a, "in_channels");
        std::int64_t out = to_int(positional_or_key(a, 1, "out_channels"), a, "out_channels");
        std::int64_t s = to_int(positional_or_key(a, 2, "scale_factor"), a, "scale_factor");
        std::int64_t k = to_int(positional_or_key(a, 3, "upsample_kernel"), a, "upsample_kernel");
        check_positional_count(a, 4);
        return std::make_shared<PixelShufflePackImpl>(in, out, s, k);
      },
      "dict(type='pixel_shuffle', in_channels=8, out_channels=8, scale_factor=2, "
      "upsample_kernel=3)",
      __FILE__);
  return true;
}();

}  // namespace

const std::vector<std::string>& upsample_layer_types() {
  static const std::vector<std::string> names = {"nearest", "bilinear", "pixel_shuffle", "deconv",
                                                 "deconv3d"};
  return names;
}

engine::Layer build_upsample_layer(const Value& cfg, const Args& args, const Kwargs& kwargs) {
  if (!cfg.is_dict()) throw Error("TypeError", "cfg must be a dict, but got " + cfg.type_name());
  const Value* type = cfg.as_dict().find("type");
  if (!type)
    throw Error("KeyError", "the cfg dict must contain the key \"type\", but got " + cfg.repr());
  Value c = cfg.deep_copy();
  const auto* entry = registry::MODELS().get(type->str());
  if (entry && (entry->name == "nearest" || entry->name == "bilinear"))
    c.as_dict().set("mode", Value(type->str()));
  return engine::Layer(
      build_layer(c, args, kwargs, "build_upsample_layer", upsample_layer_types()));
}

}  // namespace mmcpp::mmcv

// `mmcpp check` / zoo-report: the types this builder accepts.
MMCPP_REGISTER_LAYER_NAMES(mmcpp::registry::kUpsampleLayers,
                           [] { return mmcpp::mmcv::upsample_layer_types(); });
