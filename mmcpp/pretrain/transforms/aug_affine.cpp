#include "mmcpp/pretrain/transforms/aug_affine.h"

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/warp.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/results_image.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

std::string read_interpolation(registry::BuildArgs& args, const char* dflt) {
  std::string interpolation = args.get_str("interpolation", dflt);
  mmcv::cv2_interp_code(interpolation);  // KeyError for unknown names, now rather than per sample
  return interpolation;
}

}  // namespace

DirectionalAugTransform::DirectionalAugTransform(std::string type, registry::BuildArgs& args,
                                                 const char* default_interpolation)
    : BaseAugTransform(type, BaseAugOptions::read(args)) {
  magnitude_ = args.value("magnitude");
  if (!magnitude_.is_none() && !magnitude_.is_number()) {
    throw Error("TypeError", type + ": `magnitude` must be a number, got " + magnitude_.repr());
  }
  check_exclusive(magnitude_, "magnitude");
  const Value pad = args.value_or("pad_val", Value(128));
  pad_val_ = fill_value_from(pad, type, "pad_val");
  pad_val_repr_ = as_tuple_if_sequence(pad);
  direction_ = args.get_str("direction", "horizontal");
  if (direction_ != "horizontal" && direction_ != "vertical") {
    throw Error("AssertionError",
                "direction must be either \"horizontal\" or \"vertical\", got \"" + direction_ +
                    "\" instead.");
  }
  interpolation_ = read_interpolation(args, default_interpolation);
}

bool DirectionalAugTransform::transform(data::Results& results, Rng& rng) const {
  if (random_disable(rng)) return true;
  const double magnitude = magnitude_.is_none() ? random_negative(rng, random_magnitude(rng))
                                                : random_negative(rng, magnitude_.as_number());
  ResultsImage img(results, type());
  img.put(results, apply(img.mat(), magnitude));
  return true;
}

std::string DirectionalAugTransform::repr() const {
  return type() + "(magnitude=" + magnitude_.str() + ", pad_val=" + pad_val_repr_.str() +
         ", prob=" + options().prob.str() + ", direction=" + direction_ +
         ", random_negative_prob=" + options().random_negative_prob.str() +
         ", interpolation=" + interpolation_ + extra_repr() + ")";
}

std::shared_ptr<Shear> Shear::from_config(registry::BuildArgs& args) {
  return std::make_shared<Shear>(args);
}

cv::Mat Shear::apply(const cv::Mat& img, double magnitude) const {
  return mmcv::imshear(img, magnitude, direction_, pad_val_, interpolation_);
}

std::shared_ptr<Translate> Translate::from_config(registry::BuildArgs& args) {
  return std::make_shared<Translate>(args);
}

cv::Mat Translate::apply(const cv::Mat& img, double magnitude) const {
  const double offset = magnitude * (direction_ == "horizontal" ? img.cols : img.rows);
  return mmcv::imtranslate(img, offset, direction_, pad_val_, interpolation_);
}

Rotate::Rotate(registry::BuildArgs& args) : BaseAugTransform("Rotate", BaseAugOptions::read(args)) {
  angle_ = args.value("angle");
  if (!angle_.is_none() && !angle_.is_number()) {
    throw Error("TypeError", "Rotate: `angle` must be a number, got " + angle_.repr());
  }
  check_exclusive(angle_, "angle");
  center_repr_ = args.value("center");
  if (!center_repr_.is_none()) {
    const auto center = args.get_float_list("center", {});
    if (center.size() != 2) {
      throw Error("TypeError", "Rotate: `center` must be (w, h), got " + center_repr_.repr());
    }
    center_ = cv::Point2d(center[0], center[1]);
  }
  scale_repr_ = args.value_or("scale", Value(1.0));
  scale_ = args.get_float("scale", 1.0);
  const Value pad = args.value_or("pad_val", Value(128));
  pad_val_ = fill_value_from(pad, "Rotate", "pad_val");
  pad_val_repr_ = as_tuple_if_sequence(pad);
  interpolation_ = read_interpolation(args, "nearest");
}

std::shared_ptr<Rotate> Rotate::from_config(registry::BuildArgs& args) {
  return std::make_shared<Rotate>(args);
}

bool Rotate::transform(data::Results& results, Rng& rng) const {
  if (random_disable(rng)) return true;
  const double angle = angle_.is_none() ? random_negative(rng, random_magnitude(rng))
                                        : random_negative(rng, angle_.as_number());
  ResultsImage img(results, "Rotate");
  img.put(results, mmcv::imrotate(img.mat(), angle, center_, scale_, pad_val_, interpolation_));
  return true;
}

std::string Rotate::repr() const {
  return "Rotate(angle=" + angle_.str() + ", center=" + center_repr_.str() +
         ", scale=" + scale_repr_.str() + ", pad_val=" + pad_val_repr_.str() +
         ", prob=" + options().prob.str() +
         ", random_negative_prob=" + options().random_negative_prob.str() +
         ", interpolation=" + interpolation_ + extra_repr() + ")";
}

MMCPP_REGISTER(TRANSFORMS, Shear, "dict(type='Shear', magnitude=0.3)");
MMCPP_REGISTER(TRANSFORMS, Translate, "dict(type='Translate', magnitude=0.2)");
MMCPP_REGISTER(TRANSFORMS, Rotate, "dict(type='Rotate', angle=30.)");

}  // namespace mmcpp::pretrain
