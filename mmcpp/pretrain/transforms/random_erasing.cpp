#include "mmcpp/pretrain/transforms/random_erasing.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/results_image.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

double unit_float(const Value& v, const char* name) {
  if (!v.is_float() || v.as_float() < 0. || v.as_float() > 1.) {
    throw Error("AssertionError", std::string("RandomErasing: `") + name +
                                      "` must be a float in [0, 1], got " + v.repr());
  }
  return v.as_float();
}

// A number repeated three times (as a list), or a sequence of three numbers.
std::array<double, 3> three_numbers(Value& v, const char* name) {
  if (v.is_number()) v = Value::list({v, v, v});
  if (!v.is_sequence() || v.items().size() != 3 ||
      !std::all_of(v.items().begin(), v.items().end(),
                   [](const Value& x) { return x.is_number(); })) {
    throw Error("AssertionError",
                std::string(name) + " should be a float or Sequence with three int.");
  }
  return {v.items()[0].as_number(), v.items()[1].as_number(), v.items()[2].as_number()};
}

// numpy's (unsafe) float -> uint8 cast: truncation, then the low byte.
std::uint8_t to_u8(double v) {
  return static_cast<std::uint8_t>(static_cast<std::int64_t>(std::trunc(v)) & 0xFF);
}

}  // namespace

RandomErasing::RandomErasing(registry::BuildArgs& args) {
  erase_prob_repr_ = args.value_or("erase_prob", Value(0.5));
  min_area_repr_ = args.value_or("min_area_ratio", Value(0.02));
  max_area_repr_ = args.value_or("max_area_ratio", Value(0.4));
  erase_prob_ = unit_float(erase_prob_repr_, "erase_prob");
  min_area_ratio_ = unit_float(min_area_repr_, "min_area_ratio");
  max_area_ratio_ = unit_float(max_area_repr_, "max_area_ratio");
  if (min_area_ratio_ > max_area_ratio_) {
    throw Error("AssertionError", "min_area_ratio should be smaller than max_area_ratio");
  }
  aspect_repr_ = args.value_or("aspect_range", Value::tuple({Value(3 / 10.), Value(10 / 3.)}));
  if (aspect_repr_.is_float()) {
    const double a = std::min(aspect_repr_.as_float(), 1 / aspect_repr_.as_float());
    aspect_repr_ = Value::tuple({Value(a), Value(1 / a)});
  }
  if (!aspect_repr_.is_sequence() || aspect_repr_.items().size() != 2 ||
      !aspect_repr_.items()[0].is_float() || !aspect_repr_.items()[1].is_float()) {
    throw Error("AssertionError", "aspect_range should be a float or Sequence with two float.");
  }
  aspect_lo_ = aspect_repr_.items()[0].as_float();
  aspect_hi_ = aspect_repr_.items()[1].as_float();
  if (!(aspect_lo_ > 0 && aspect_hi_ > 0)) {
    throw Error("AssertionError", "aspect_range should be positive.");
  }
  if (aspect_lo_ > aspect_hi_) {
    throw Error("AssertionError", "In aspect_range (min, max), min should be smaller than max.");
  }
  mode_ = args.get_str("mode", "const");
  if (mode_ != "const" && mode_ != "rand") {
    throw Error("AssertionError", "Please select `mode` from [\"const\", \"rand\"].");
  }
  fill_color_repr_ =
      args.value_or("fill_color", Value::tuple({Value(128), Value(128), Value(128)}));
  fill_color_ = three_numbers(fill_color_repr_, "fill_color");
  fill_std_repr_ = args.value_or("fill_std", Value());
  if (!fill_std_repr_.is_none()) fill_std_ = three_numbers(fill_std_repr_, "fill_std");
}

std::shared_ptr<RandomErasing> RandomErasing::from_config(registry::BuildArgs& args) {
  return std::make_shared<RandomErasing>(args);
}

bool RandomErasing::random_disable(Rng& rng) const {
  return rng
      .cached("RandomErasing.random_disable", [&] { return Value(rng.uniform() > erase_prob_); })
      .truthy();
}

std::array<int, 4> RandomErasing::random_patch(Rng& rng, int img_h, int img_w) const {
  const Value patch = rng.cached("RandomErasing.random_patch", [&] {
    // The aspect range's logs in float32, as np.log(np.array(..., float32)).
    const double log_lo = std::log(static_cast<float>(aspect_lo_));
    const double log_hi = std::log(static_cast<float>(aspect_hi_));
    const double aspect =
        std::exp(rng.uniform(static_cast<float>(log_lo), static_cast<float>(log_hi)));
    const double area =
        static_cast<double>(img_h) * img_w * rng.uniform(min_area_ratio_, max_area_ratio_);
    const int h = std::min(static_cast<int>(std::nearbyint(std::sqrt(area * aspect))), img_h);
    const int w = std::min(static_cast<int>(std::nearbyint(std::sqrt(area / aspect))), img_w);
    const std::int64_t top = img_h > h ? rng.randint(0, img_h - h) : 0;
    const std::int64_t left = img_w > w ? rng.randint(0, img_w - w) : 0;
    return Value::tuple({Value(top), Value(left), Value(h), Value(w)});
  });
  if (!patch.is_sequence() || patch.items().size() != 4) {
    throw Error("ValueError",
                "RandomErasing.random_patch must give (top, left, h, w), got " + patch.repr());
  }
  std::array<int, 4> out{};
  for (int i = 0; i < 4; ++i)
    out[static_cast<std::size_t>(i)] =
        static_cast<int>(patch.items()[static_cast<std::size_t>(i)].as_int());
  return out;
}

bool RandomErasing::transform(data::Results& results, Rng& rng) const {
  if (random_disable(rng)) return true;
  ResultsImage img(results, "RandomErasing");
  img.require_uint8();
  img.require_three_channels();
  const cv::Mat& in = img.mat();
  const auto [top, left, h, w] = random_patch(rng, in.rows, in.cols);
  // MMPretrain fills in place; the input may be shared (a cached data set), so copy.
  cv::Mat out = in.clone();
  const int y0 = std::clamp(top, 0, in.rows), x0 = std::clamp(left, 0, in.cols);
  const int y1 = std::clamp(top + h, y0, in.rows), x1 = std::clamp(left + w, x0, in.cols);
  for (int y = y0; y < y1; ++y) {
    cv::Vec3b* row = out.ptr<cv::Vec3b>(y);
    for (int x = x0; x < x1; ++x) {
      for (int c = 0; c < 3; ++c) {
        std::uint8_t v;
        if (mode_ == "const") {
          v = to_u8(fill_color_[static_cast<std::size_t>(c)]);
        } else if (!fill_std_) {
          v = static_cast<std::uint8_t>(rng.uniform(0, 256));
        } else {
          // astype(int32) truncates, then the clip to [0, 255].
          const double n = std::trunc(rng.normal(fill_color_[static_cast<std::size_t>(c)],
                                                 (*fill_std_)[static_cast<std::size_t>(c)]));
          v = static_cast<std::uint8_t>(std::clamp(n, 0.0, 255.0));
        }
        row[x][c] = v;
      }
    }
  }
  img.put(results, out);
  return true;
}

std::string RandomErasing::repr() const {
  return "RandomErasing(erase_prob=" + erase_prob_repr_.str() +
         ", min_area_ratio=" + min_area_repr_.str() + ", max_area_ratio=" + max_area_repr_.str() +
         ", aspect_range=" + aspect_repr_.str() + ", mode=" + mode_ +
         ", fill_color=" + fill_color_repr_.str() + ", fill_std=" + fill_std_repr_.str() + ")";
}

MMCPP_REGISTER(TRANSFORMS, RandomErasing,
               "dict(type='RandomErasing', erase_prob=0.25, mode='rand', min_area_ratio=0.02, "
               "max_area_ratio=1 / 3, fill_color=[103.53, 116.28, 123.675], "
               "fill_std=[57.375, 57.12, 58.395])");

}  // namespace mmcpp::pretrain
