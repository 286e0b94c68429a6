// BaseAugTransform of mmpretrain/datasets/transforms/auto_augment.py: the
// magnitude and randomness logic shared by the RandAugment / AutoAugment
// operations (Shear, Rotate, Contrast, ...).
//
// Its arguments reach every subclass through **kwargs:
//   magnitude_level=10, magnitude_range=None, magnitude_std=0. (a number or
//   'inf'), total_level=10, prob=0.5, random_negative_prob=0.5
// Subclasses that pin random_negative_prob=0 (Solarize, SolarizeAdd,
// Posterize, Cutout, GaussianBlur) do not accept it.
//
// The random methods are MMCV @cache_randomness methods, drawn through
// Rng::cached("<Class>.<method>") so the oracle's values can be replayed:
//   random_disable()   -> rand() > prob
//   random_magnitude() -> magnitude_level (moved by N(level, std) clipped to
//                         [0, total_level], or U(0, level) for 'inf'), mapped
//                         linearly: level / total_level * (val2 - val1) + val1
//   random_negative(v) -> -v with probability random_negative_prob
#pragma once

#include <optional>
#include <string>

#include "mmcpp/config/value.h"
#include "mmcpp/cv/image/warp.h"
#include "mmcpp/data/transform.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

struct BaseAugOptions {
  // Kept as given for repr(); the numbers are read from them.
  config::Value magnitude_level = config::Value(10);
  config::Value magnitude_range;  // None or (val1, val2)
  config::Value magnitude_std = config::Value(0.0);
  config::Value total_level = config::Value(10);
  config::Value prob = config::Value(0.5);
  config::Value random_negative_prob = config::Value(0.5);

  // Reads the kwargs. `prob_default` is the subclass's default; when
  // `pinned_negative_prob` is set the subclass fixes random_negative_prob.
  static BaseAugOptions read(registry::BuildArgs& args, double prob_default = 0.5,
                             std::optional<double> pinned_negative_prob = std::nullopt);
};

class BaseAugTransform : public data::Transform {
 public:
  // `type` is the class name (the prefix of the cached method names).
  BaseAugTransform(std::string type, BaseAugOptions options);

  const std::string& type() const { return type_; }
  const BaseAugOptions& options() const { return opts_; }
  bool has_magnitude_range() const { return !opts_.magnitude_range.is_none(); }

  bool random_disable(Rng& rng) const;
  double random_magnitude(Rng& rng) const;
  double random_negative(Rng& rng, double value) const;
  // ", magnitude_level=..., magnitude_range=..., magnitude_std=..., total_level=..., "
  // when a magnitude_range is set, else "" (MMPretrain's extra_repr).
  std::string extra_repr() const;

  // AssertionError "Please specify only one of `<name>` and `magnitude_range`."
  // unless exactly one of them is given.
  void check_exclusive(const config::Value& value, const std::string& name) const;

 private:
  std::string type_;
  BaseAugOptions opts_;
  double level_, total_, prob_, negative_prob_, std_;
  bool std_inf_;
  double val1_ = 0, val2_ = 0;
};

// A pad_val/fill value from a config: an int or float, or a sequence (kept as
// a tuple, as MMPretrain does).
mmcv::FillValue fill_value_from(const config::Value& v, const std::string& component,
                                const std::string& key);
// The value as MMPretrain stores it (sequences as tuples), for repr().
config::Value as_tuple_if_sequence(const config::Value& v);

}  // namespace mmcpp::pretrain
