#include "mmcpp/pretrain/transforms/color_jitter.h"

#include <algorithm>
#include <limits>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/cv/image/photometric.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/results_image.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

ColorJitter::Parsed ColorJitter::set_range(const Value& value, const std::string& name,
                                           double center, double low, double high) {
  Value lo, hi;
  if (value.is_number() || value.is_bool()) {
    const double v = value.as_number();
    if (v < 0) {
      throw Error("ValueError", "If " + name + " is a single number, it must be non negative.");
    }
    lo = Value(center - v);
    hi = Value(center + v);
  } else if (value.is_sequence() && value.items().size() == 2 && value.items()[0].is_number() &&
             value.items()[1].is_number()) {
    lo = value.items()[0];
    hi = value.items()[1];
  } else {
    throw Error("TypeError", name + " should be a single number or a list/tuple with length 2.");
  }
  double a = lo.as_number(), b = hi.as_number();
  if (!(low <= a && a <= b && b <= high)) {
    a = std::clamp(a, low, high);
    b = std::clamp(b, low, high);
    lo = Value(a);
    hi = Value(b);
    Logger("mmengine")
        .warning("ColorJitter " + name + " values exceed the bound (" + Value(low).repr() + ", " +
                 Value(high).repr() + "), clipped to the bound.");
  }
  if (a == center && b == center) return {std::nullopt, Value()};
  return {std::make_pair(a, b), Value::tuple({lo, hi})};
}

ColorJitter::ColorJitter(const Options& o) : backend_(o.backend) {
  if (backend_ != "cv2" && backend_ != "pillow") {
    throw Error("ValueError", "backend: " + backend_ +
                                  " is not supported.Supported backends are 'cv2', 'pillow'");
  }
  const double inf = std::numeric_limits<double>::infinity();
  Parsed p = set_range(o.brightness, "brightness", 1, 0, inf);
  brightness_ = p.range;
  brightness_repr_ = p.repr;
  p = set_range(o.contrast, "contrast", 1, 0, inf);
  contrast_ = p.range;
  contrast_repr_ = p.repr;
  p = set_range(o.saturation, "saturation", 1, 0, inf);
  saturation_ = p.range;
  saturation_repr_ = p.repr;
  p = set_range(o.hue, "hue", 0, -0.5, 0.5);
  hue_ = p.range;
  hue_repr_ = p.repr;
}

std::shared_ptr<ColorJitter> ColorJitter::from_config(registry::BuildArgs& args) {
  Options o;
  o.brightness = args.value_or("brightness", o.brightness);
  o.contrast = args.value_or("contrast", o.contrast);
  o.saturation = args.value_or("saturation", o.saturation);
  o.hue = args.value_or("hue", o.hue);
  o.backend = args.get_str("backend", o.backend);
  return std::make_shared<ColorJitter>(o);
}

bool ColorJitter::transform(data::Results& results, Rng& rng) const {
  const Value params = rng.cached("ColorJitter._rand_params", [&] {
    Value order = Value::list();
    for (std::int64_t i : rng.permutation(4)) order.items().emplace_back(i);
    auto draw = [&](const Range& r) {
      return r ? Value(rng.uniform(r->first, r->second)) : Value();
    };
    Value b = draw(brightness_);
    Value c = draw(contrast_);
    Value s = draw(saturation_);
    Value h = draw(hue_);
    return Value::list({order, b, c, s, h});
  });
  const auto& p = params.items();
  if (p.size() != 5) {
    throw Error("ValueError",
                "ColorJitter._rand_params must give [order, b, c, s, h], got " + params.repr());
  }
  ResultsImage img(results, "ColorJitter");
  cv::Mat out = img.mat();
  for (const Value& index : p[0].items()) {
    switch (index.as_int()) {
      case 0:
        if (!p[1].is_none()) out = mmcv::adjust_brightness(out, p[1].as_number(), backend_);
        break;
      case 1:
        if (!p[2].is_none()) out = mmcv::adjust_contrast(out, p[2].as_number(), backend_);
        break;
      case 2:
        if (!p[3].is_none())
          out = mmcv::adjust_color(out, p[3].as_number(), std::nullopt, 0, backend_);
        break;
      case 3:
        if (!p[4].is_none()) out = mmcv::adjust_hue(out, p[4].as_number(), backend_);
        break;
      default:
        break;
    }
  }
  img.put(results, out);
  return true;
}

std::string ColorJitter::repr() const {
  return "ColorJitter(brightness=" + brightness_repr_.str() + ", contrast=" + contrast_repr_.str() +
         ", saturation=" + saturation_repr_.str() + ", hue=" + hue_repr_.str() + ")";
}

MMCPP_REGISTER(TRANSFORMS, ColorJitter,
               "dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4)");

}  // namespace mmcpp::pretrain
