#include "mmcpp/pretrain/transforms/normalize.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/transform_utils.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

std::string numpy_float32_str(const std::vector<float>& values) {
  // Each value's shortest round-trip digits (numpy's float32 repr), then
  // aligned on the decimal point as numpy pads them.
  std::vector<std::string> ints, fracs;
  for (float f : values) {
    std::string s;
    for (int prec = 1; prec <= 9; ++prec) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.*g", prec, static_cast<double>(f));
      if (std::strtof(buf, nullptr) == f) {
        s = buf;
        break;
      }
    }
    if (s.find_first_of("eE") == std::string::npos) {
      // Positional: at most 8 fractional digits, as numpy's default precision.
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.8f", static_cast<double>(f));
      std::string fixed = buf;
      const auto dot = fixed.find('.');
      std::string frac = fixed.substr(dot + 1);
      const auto sdot = s.find('.');
      const std::string sfrac = sdot == std::string::npos ? "" : s.substr(sdot + 1);
      frac = sfrac.size() <= 8 ? sfrac : frac;
      while (!frac.empty() && frac.back() == '0') frac.pop_back();
      ints.push_back(fixed.substr(0, dot));
      fracs.push_back(frac);
    } else {
      ints.push_back(s);
      fracs.push_back("");
    }
  }
  std::size_t iw = 0, fw = 0;
  for (const auto& s : ints) iw = std::max(iw, s.size());
  for (const auto& s : fracs) fw = std::max(fw, s.size());
  std::string out = "[";
  for (std::size_t i = 0; i < ints.size(); ++i) {
    if (i) out += ' ';
    out += std::string(iw - ints[i].size(), ' ') + ints[i] + "." + fracs[i] +
           std::string(fw - fracs[i].size(), ' ');
  }
  return out + "]";
}

Normalize::Normalize(Options options) : to_rgb_(options.to_rgb) {
  for (double m : options.mean) mean_.push_back(static_cast<float>(m));
  for (double s : options.std) std_.push_back(static_cast<float>(s));
  check(!mean_.empty() && mean_.size() == std_.size() && mean_.size() <= 4,
        "Normalize: mean and std must have the same length (1 to 4 channels)");
}

std::shared_ptr<Normalize> Normalize::from_config(registry::BuildArgs& args) {
  Options o;
  o.mean = numbers_of(args.require("mean"), "Normalize: mean");
  o.std = numbers_of(args.require("std"), "Normalize: std");
  o.to_rgb = args.get_bool("to_rgb", o.to_rgb);
  return std::make_shared<Normalize>(std::move(o));
}

bool Normalize::transform(data::Results& results, Rng&) const {
  cv::Mat img = image_mat(results);
  const int cn = img.channels();
  if (cn != static_cast<int>(mean_.size())) {
    throw Error("ValueError", "Normalize: " + std::to_string(mean_.size()) +
                                  " mean/std values for an image with " + std::to_string(cn) +
                                  " channels");
  }
  cv::Mat out;
  img.convertTo(out, CV_MAKETYPE(CV_32F, cn));
  if (to_rgb_) cv::cvtColor(out, out, cv::COLOR_BGR2RGB);
  cv::Scalar mean, stdinv;
  for (int c = 0; c < cn; ++c) {
    mean[c] = mean_[c];
    stdinv[c] = 1.0 / static_cast<double>(std_[c]);
  }
  // cv2 converts the scalars to the image's float32 first, as here.
  cv::subtract(out, mean, out);
  cv::multiply(out, stdinv, out);
  store_image(results, out);
  Value cfg = Value::dict(false);
  Value::Items m, s;
  for (float v : mean_) m.emplace_back(static_cast<double>(v));
  for (float v : std_) s.emplace_back(static_cast<double>(v));
  cfg.as_dict().set(Value("mean"), Value::list(std::move(m)));
  cfg.as_dict().set(Value("std"), Value::list(std::move(s)));
  cfg.as_dict().set(Value("to_rgb"), Value(to_rgb_));
  results.info.as_dict().set(Value("img_norm_cfg"), cfg);
  return true;
}

std::string Normalize::repr() const {
  return "Normalize(mean=" + numpy_float32_str(mean_) + ", std=" + numpy_float32_str(std_) +
         ", to_rgb=" + py_bool(to_rgb_) + ")";
}

MMCPP_REGISTER(TRANSFORMS, Normalize,
               "dict(type='Normalize', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, "
               "57.375])");

}  // namespace mmcpp::pretrain
