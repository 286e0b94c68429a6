// RandomGrayscale(prob=0.1, keep_channels=False, channel_weights=(1., 1., 1.),
// color_format='bgr') of mmcv/transforms/processing.py (re-registered by
// MMPretrain).
//
// _random_prob() (Python's random.random(), Rng::cached
// "RandomGrayscale._random_prob") < prob converts a multi-channel image to the
// weighted channel sum (weights normalised to sum 1, float64, truncated to
// uint8): (H, W), or (H, W, C) copies with keep_channels. 'hsv' images are
// first converted to BGR. Otherwise the image is only cast to uint8 and a 2-D
// image gains a channel axis (H, W, 1), exactly as MMCV does.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/data/transform.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class RandomGrayscale : public data::Transform {
 public:
  struct Options {
    double prob = 0.1;
    bool keep_channels = false;
    std::vector<double> channel_weights = {1., 1., 1.};
    std::string color_format = "bgr";
    config::Value prob_repr = config::Value(0.1);
    config::Value channel_weights_repr;  // default: (1.0, 1.0, 1.0)
  };

  explicit RandomGrayscale(Options options);
  static std::shared_ptr<RandomGrayscale> from_config(registry::BuildArgs& args);

  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  Options o_;
};

}  // namespace mmcpp::pretrain
