#include "mmcpp/pretrain/transforms/random_grayscale.h"

#include <opencv2/imgproc.hpp>

#include <numeric>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/colorspace.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

RandomGrayscale::RandomGrayscale(Options options) : o_(std::move(options)) {
  if (!(0. <= o_.prob && o_.prob <= 1.)) {
    throw Error("AssertionError", "The range of ``prob`` value is [0., 1.], but got " +
                                      o_.prob_repr.repr() + " instead");
  }
  if (o_.color_format != "bgr" && o_.color_format != "rgb" && o_.color_format != "hsv") {
    throw Error("AssertionError",
                "RandomGrayscale: color_format must be 'bgr', 'rgb' or 'hsv', got '" +
                    o_.color_format + "'");
  }
  if (o_.channel_weights_repr.is_none()) {
    o_.channel_weights_repr = Value::tuple({Value(1.0), Value(1.0), Value(1.0)});
  }
}

std::shared_ptr<RandomGrayscale> RandomGrayscale::from_config(registry::BuildArgs& args) {
  Options o;
  o.prob_repr = args.value_or("prob", Value(0.1));
  o.prob = args.get_float("prob", 0.1);
  o.keep_channels = args.get_bool("keep_channels", false);
  o.channel_weights_repr = args.value("channel_weights");
  if (!o.channel_weights_repr.is_none())
    o.channel_weights = args.get_float_list("channel_weights", {});
  o.color_format = args.get_str("color_format", "bgr");
  return std::make_shared<RandomGrayscale>(std::move(o));
}

bool RandomGrayscale::transform(data::Results& results, Rng& rng) const {
  torch::Tensor img = results.img();
  if (o_.color_format == "hsv") {
    torch::Tensor t = img.contiguous();
    img = mmcv::as_tensor(mmcv::hsv2bgr(mmcv::as_mat(t)));
  }
  if (img.dim() == 2) img = img.unsqueeze(2);
  const std::int64_t channels = img.size(2);
  const double draw =
      rng.cached("RandomGrayscale._random_prob", [&] { return Value(rng.uniform()); }).as_number();
  if (draw < o_.prob && channels > 1) {
    if (static_cast<std::int64_t>(o_.channel_weights.size()) != channels) {
      throw Error("AssertionError",
                  "The length of ``channel_weights`` are supposed to be "
                  "num_output_channels, but got " +
                      std::to_string(o_.channel_weights.size()) + " instead.");
    }
    const double total = std::accumulate(o_.channel_weights.begin(), o_.channel_weights.end(), 0.0);
    // (normalized_weights * img).sum(axis=2) in float64, summed channel by channel.
    torch::Tensor f = img.to(torch::kFloat64);
    torch::Tensor gray = f.select(2, 0) * (o_.channel_weights[0] / total);
    for (std::int64_t c = 1; c < channels; ++c) {
      gray = gray + f.select(2, c) * (o_.channel_weights[static_cast<std::size_t>(c)] / total);
    }
    // astype('uint8'): truncation (weights are non-negative in practice).
    gray = gray.trunc().to(torch::kInt64).bitwise_and(0xFF).to(torch::kUInt8);
    if (o_.keep_channels) {
      results.arrays["img"] = gray.unsqueeze(2).expand({-1, -1, channels}).contiguous();
    } else {
      results.arrays["img"] = gray.contiguous();
    }
    return true;
  }
  results.arrays["img"] = img.to(torch::kUInt8);
  return true;
}

std::string RandomGrayscale::repr() const {
  return "RandomGrayscale(prob = " + o_.prob_repr.str() +
         ", keep_channels = " + (o_.keep_channels ? "True" : "False") +
         ", channel_weights = " + o_.channel_weights_repr.str() +
         ", color_format = " + o_.color_format + ")";
}

MMCPP_REGISTER(TRANSFORMS, RandomGrayscale, "dict(type='RandomGrayscale', prob=0.2)");

}  // namespace mmcpp::pretrain
