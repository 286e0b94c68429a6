#include "mmcpp/pretrain/transforms/cutout.h"

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/warp.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/results_image.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

// numpy's uniform(low=n, high=1.0), as MMCV's cutout calls it: (1, n].
double uniform_from(Rng& rng, double n) {
  return rng.cached("numpy.random.uniform", [&] { return Value(rng.uniform(n, 1.0)); }).as_number();
}

}  // namespace

Cutout::Cutout(registry::BuildArgs& args)
    : BaseAugTransform("Cutout", BaseAugOptions::read(args, 0.5, 0.0)) {
  shape_ = args.value("shape");
  const bool shape_ok = shape_.is_none() || shape_.is_int() ||
                        (shape_.is_sequence() && shape_.items().size() == 2 &&
                         shape_.items()[0].is_int() && shape_.items()[1].is_int());
  if (!shape_ok) {
    throw Error("TypeError",
                "Cutout: `shape` must be an int or a tuple (h, w) of ints, got " + shape_.repr());
  }
  check_exclusive(shape_, "shape");
  const Value pad = args.value_or("pad_val", Value(128));
  pad_val_ = fill_value_from(pad, "Cutout", "pad_val");
  pad_val_repr_ = as_tuple_if_sequence(pad);
}

std::shared_ptr<Cutout> Cutout::from_config(registry::BuildArgs& args) {
  return std::make_shared<Cutout>(args);
}

bool Cutout::transform(data::Results& results, Rng& rng) const {
  if (random_disable(rng)) return true;
  int cut_h, cut_w;
  if (shape_.is_none()) {
    cut_h = cut_w = static_cast<int>(random_magnitude(rng));
  } else if (shape_.is_int()) {
    cut_h = cut_w = static_cast<int>(shape_.as_int());
  } else {
    cut_h = static_cast<int>(shape_.items()[0].as_int());
    cut_w = static_cast<int>(shape_.items()[1].as_int());
  }
  ResultsImage img(results, "Cutout");
  const double y0 = uniform_from(rng, img.mat().rows);
  const double x0 = uniform_from(rng, img.mat().cols);
  img.put(results, mmcv::cutout(img.mat(), cut_h, cut_w, pad_val_, y0, x0));
  return true;
}

std::string Cutout::repr() const {
  return "Cutout(shape=" + shape_.str() + ", pad_val=" + pad_val_repr_.str() +
         ", prob=" + options().prob.str() + extra_repr() + ")";
}

MMCPP_REGISTER(TRANSFORMS, Cutout, "dict(type='Cutout', shape=16)");

}  // namespace mmcpp::pretrain
