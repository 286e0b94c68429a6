#include "mmcpp/pretrain/transforms/aug_photometric.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/photometric.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/results_image.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

Value optional_number(registry::BuildArgs& args, const std::string& component,
                      const std::string& key) {
  Value v = args.value(key);
  if (!v.is_none() && !v.is_number()) {
    throw Error("TypeError",
                component + ": `" + key + "` must be a number or None, got " + v.repr());
  }
  return v;
}

// np.where(img < thr, np.minimum(img + magnitude, 255), img).astype(uint8) with
// numpy 1.24's rules: an int magnitude in 0..255 adds in uint8 (wrapping), any
// other number in a wider type; the result is cast back truncating / wrapping.
cv::Mat solarize_add(const cv::Mat& img, double magnitude, bool int_magnitude, double thr) {
  if (img.depth() != CV_8U) throw Error("TypeError", "SolarizeAdd: expected a uint8 image");
  std::array<std::uint8_t, 256> lut{};
  const bool uint8_add = int_magnitude && magnitude >= 0 && magnitude <= 255;
  for (int v = 0; v < 256; ++v) {
    if (!(v < thr)) {
      lut[static_cast<std::size_t>(v)] = static_cast<std::uint8_t>(v);
    } else if (uint8_add) {
      lut[static_cast<std::size_t>(v)] =
          static_cast<std::uint8_t>((v + static_cast<int>(magnitude)) & 0xFF);
    } else {
      const double r = std::trunc(std::min(v + magnitude, 255.0));
      lut[static_cast<std::size_t>(v)] =
          static_cast<std::uint8_t>(static_cast<std::int64_t>(r) & 0xFF);
    }
  }
  cv::Mat out;
  cv::LUT(img, cv::Mat(1, 256, CV_8U, lut.data()), out);
  return out;
}

}  // namespace

// ---- AutoContrast / Invert / Equalize ----------------------------------------

bool PlainAugTransform::transform(data::Results& results, Rng& rng) const {
  if (random_disable(rng)) return true;
  ResultsImage img(results, type());
  img.put(results, apply(img.mat()));
  return true;
}

std::string PlainAugTransform::repr() const {
  return type() + "(prob=" + options().prob.str() + ")";
}

std::shared_ptr<AutoContrast> AutoContrast::from_config(registry::BuildArgs& args) {
  return std::make_shared<AutoContrast>(args);
}
cv::Mat AutoContrast::apply(const cv::Mat& img) const { return mmcv::auto_contrast(img); }

std::shared_ptr<Invert> Invert::from_config(registry::BuildArgs& args) {
  return std::make_shared<Invert>(args);
}
cv::Mat Invert::apply(const cv::Mat& img) const { return mmcv::iminvert(img); }

std::shared_ptr<Equalize> Equalize::from_config(registry::BuildArgs& args) {
  return std::make_shared<Equalize>(args);
}
cv::Mat Equalize::apply(const cv::Mat& img) const { return mmcv::imequalize(img); }

// ---- Solarize ------------------------------------------------------------------

Solarize::Solarize(registry::BuildArgs& args)
    : BaseAugTransform("Solarize", BaseAugOptions::read(args, 0.5, 0.0)) {
  thr_ = optional_number(args, "Solarize", "thr");
  check_exclusive(thr_, "thr");
}

std::shared_ptr<Solarize> Solarize::from_config(registry::BuildArgs& args) {
  return std::make_shared<Solarize>(args);
}

bool Solarize::transform(data::Results& results, Rng& rng) const {
  if (random_disable(rng)) return true;
  const double thr = thr_.is_none() ? random_magnitude(rng) : thr_.as_number();
  ResultsImage img(results, "Solarize");
  img.put(results, mmcv::solarize(img.mat(), thr));
  return true;
}

std::string Solarize::repr() const {
  // MMPretrain's repr closes twice.
  return "Solarize(thr=" + thr_.str() + ", prob=" + options().prob.str() + extra_repr() + "))";
}

// ---- SolarizeAdd ---------------------------------------------------------------

SolarizeAdd::SolarizeAdd(registry::BuildArgs& args)
    : BaseAugTransform("SolarizeAdd", BaseAugOptions::read(args, 0.5, 0.0)) {
  magnitude_ = optional_number(args, "SolarizeAdd", "magnitude");
  check_exclusive(magnitude_, "magnitude");
  thr_ = args.value_or("thr", Value(128));
  if (!thr_.is_number()) {
    throw Error("AssertionError",
                "The thr type must be int or float, but got " + thr_.type_name() + " instead.");
  }
}

std::shared_ptr<SolarizeAdd> SolarizeAdd::from_config(registry::BuildArgs& args) {
  return std::make_shared<SolarizeAdd>(args);
}

bool SolarizeAdd::transform(data::Results& results, Rng& rng) const {
  if (random_disable(rng)) return true;
  const bool fixed = !magnitude_.is_none();
  const double magnitude = fixed ? magnitude_.as_number() : random_magnitude(rng);
  ResultsImage img(results, "SolarizeAdd");
  img.put(results,
          solarize_add(img.mat(), magnitude, fixed && magnitude_.is_int(), thr_.as_number()));
  return true;
}

std::string SolarizeAdd::repr() const {
  return "SolarizeAdd(magnitude=" + magnitude_.str() + ", thr=" + thr_.str() +
         ", prob=" + options().prob.str() + extra_repr() + ")";
}

// ---- Posterize -----------------------------------------------------------------

Posterize::Posterize(registry::BuildArgs& args)
    : BaseAugTransform("Posterize", BaseAugOptions::read(args, 0.5, 0.0)) {
  bits_ = optional_number(args, "Posterize", "bits");
  check_exclusive(bits_, "bits");
  if (!bits_.is_none() && bits_.as_number() > 8) {
    throw Error("AssertionError", "The bits must be less than 8, got " + bits_.str() + " instead.");
  }
}

std::shared_ptr<Posterize> Posterize::from_config(registry::BuildArgs& args) {
  return std::make_shared<Posterize>(args);
}

bool Posterize::transform(data::Results& results, Rng& rng) const {
  if (random_disable(rng)) return true;
  const double bits = bits_.is_none() ? random_magnitude(rng) : bits_.as_number();
  ResultsImage img(results, "Posterize");
  // Rounded up to align with timm.
  img.put(results, mmcv::posterize(img.mat(), static_cast<int>(std::ceil(bits))));
  return true;
}

std::string Posterize::repr() const {
  return "Posterize(bits=" + bits_.str() + ", prob=" + options().prob.str() + extra_repr() + ")";
}

// ---- Contrast / ColorTransform / Brightness / Sharpness --------------------------

EnhanceAugTransform::EnhanceAugTransform(std::string type, registry::BuildArgs& args)
    : BaseAugTransform(type, BaseAugOptions::read(args)) {
  magnitude_ = optional_number(args, type, "magnitude");
  check_exclusive(magnitude_, "magnitude");
}

bool EnhanceAugTransform::transform(data::Results& results, Rng& rng) const {
  if (random_disable(rng)) return true;
  const double magnitude = magnitude_.is_none() ? random_negative(rng, random_magnitude(rng))
                                                : random_negative(rng, magnitude_.as_number());
  ResultsImage img(results, type());
  img.put(results, apply(img.mat(), 1 + magnitude));
  return true;
}

std::string EnhanceAugTransform::repr() const {
  return type() + "(magnitude=" + magnitude_.str() + ", prob=" + options().prob.str() +
         ", random_negative_prob=" + options().random_negative_prob.str() + extra_repr() + ")";
}

std::shared_ptr<Contrast> Contrast::from_config(registry::BuildArgs& args) {
  return std::make_shared<Contrast>(args);
}
cv::Mat Contrast::apply(const cv::Mat& img, double factor) const {
  return mmcv::adjust_contrast(img, factor);
}

std::shared_ptr<ColorTransform> ColorTransform::from_config(registry::BuildArgs& args) {
  return std::make_shared<ColorTransform>(args);
}
cv::Mat ColorTransform::apply(const cv::Mat& img, double factor) const {
  return mmcv::adjust_color(img, factor);
}

std::shared_ptr<Brightness> Brightness::from_config(registry::BuildArgs& args) {
  return std::make_shared<Brightness>(args);
}
cv::Mat Brightness::apply(const cv::Mat& img, double factor) const {
  return mmcv::adjust_brightness(img, factor);
}

std::shared_ptr<Sharpness> Sharpness::from_config(registry::BuildArgs& args) {
  return std::make_shared<Sharpness>(args);
}
cv::Mat Sharpness::apply(const cv::Mat& img, double factor) const {
  return mmcv::adjust_sharpness(img, factor);
}

MMCPP_REGISTER(TRANSFORMS, AutoContrast, "dict(type='AutoContrast')");
MMCPP_REGISTER(TRANSFORMS, Invert, "dict(type='Invert')");
MMCPP_REGISTER(TRANSFORMS, Equalize, "dict(type='Equalize')");
MMCPP_REGISTER(TRANSFORMS, Solarize, "dict(type='Solarize', thr=128)");
MMCPP_REGISTER(TRANSFORMS, SolarizeAdd, "dict(type='SolarizeAdd', magnitude=110)");
MMCPP_REGISTER(TRANSFORMS, Posterize, "dict(type='Posterize', bits=4)");
MMCPP_REGISTER(TRANSFORMS, Contrast, "dict(type='Contrast', magnitude=0.5)");
MMCPP_REGISTER(TRANSFORMS, ColorTransform, "dict(type='ColorTransform', magnitude=0.5)");
MMCPP_REGISTER(TRANSFORMS, Brightness, "dict(type='Brightness', magnitude=0.5)");
MMCPP_REGISTER(TRANSFORMS, Sharpness, "dict(type='Sharpness', magnitude=0.5)");

}  // namespace mmcpp::pretrain
