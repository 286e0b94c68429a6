#include "mmcpp/pretrain/transforms/gaussian_blur.h"

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/pillow_filters.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/results_image.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

GaussianBlur::GaussianBlur(registry::BuildArgs& args)
    : BaseAugTransform("GaussianBlur", BaseAugOptions::read(args, 0.5, 0.0)) {
  radius_ = args.value("radius");
  if (!radius_.is_none() && !radius_.is_number()) {
    throw Error("TypeError",
                "GaussianBlur: `radius` must be a number or None, got " + radius_.repr());
  }
  check_exclusive(radius_, "radius");
}

std::shared_ptr<GaussianBlur> GaussianBlur::from_config(registry::BuildArgs& args) {
  return std::make_shared<GaussianBlur>(args);
}

bool GaussianBlur::transform(data::Results& results, Rng& rng) const {
  if (random_disable(rng)) return true;
  const double radius = radius_.is_none() ? random_magnitude(rng) : radius_.as_number();
  ResultsImage img(results, "GaussianBlur");
  img.require_uint8();  // Image.fromarray of MMPretrain's uint8 images
  img.put(results, mmcv::pillow_gaussian_blur(img.mat(), radius));
  return true;
}

std::string GaussianBlur::repr() const {
  return "GaussianBlur(radius=" + radius_.str() + ", prob=" + options().prob.str() + extra_repr() +
         ")";
}

MMCPP_REGISTER(TRANSFORMS, GaussianBlur, "dict(type='GaussianBlur', radius=1.5)");

}  // namespace mmcpp::pretrain
