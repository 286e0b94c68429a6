#include "mmcpp/pretrain/transforms/base_aug_transform.h"

#include <algorithm>

#include "mmcpp/core/error.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

double number(const Value& v, const std::string& owner, const std::string& key) {
  if (!v.is_number() && !v.is_bool()) {
    throw Error("TypeError", owner + ": `" + key + "` must be a number, got " + v.repr());
  }
  return v.as_number();
}

}  // namespace

BaseAugOptions BaseAugOptions::read(registry::BuildArgs& args, double prob_default,
                                    std::optional<double> pinned_negative_prob) {
  BaseAugOptions o;
  o.magnitude_level = args.value_or("magnitude_level", Value(10));
  o.magnitude_range = args.value_or("magnitude_range", Value());
  o.magnitude_std = args.value_or("magnitude_std", Value(0.0));
  o.total_level = args.value_or("total_level", Value(10));
  o.prob = args.value_or("prob", Value(prob_default));
  if (pinned_negative_prob) {
    o.random_negative_prob = Value(*pinned_negative_prob);
  } else {
    o.random_negative_prob = args.value_or("random_negative_prob", Value(0.5));
  }
  return o;
}

BaseAugTransform::BaseAugTransform(std::string type, BaseAugOptions options)
    : type_(std::move(type)), opts_(std::move(options)) {
  level_ = number(opts_.magnitude_level, type_, "magnitude_level");
  total_ = number(opts_.total_level, type_, "total_level");
  prob_ = number(opts_.prob, type_, "prob");
  negative_prob_ = number(opts_.random_negative_prob, type_, "random_negative_prob");
  std_inf_ = opts_.magnitude_std.is_str();
  if (std_inf_) {
    if (opts_.magnitude_std.as_str() != "inf") {
      throw Error("ValueError", type_ + ": `magnitude_std` must be a number or \"inf\", got " +
                                    opts_.magnitude_std.repr());
    }
    std_ = 0;
  } else {
    std_ = number(opts_.magnitude_std, type_, "magnitude_std");
  }
  if (has_magnitude_range()) {
    const Value& r = opts_.magnitude_range;
    if (!r.is_sequence() || r.items().size() != 2) {
      throw Error("TypeError",
                  type_ + ": `magnitude_range` must be a sequence of two numbers, got " + r.repr());
    }
    val1_ = number(r.items()[0], type_, "magnitude_range");
    val2_ = number(r.items()[1], type_, "magnitude_range");
  }
}

bool BaseAugTransform::random_disable(Rng& rng) const {
  return rng.cached(type_ + ".random_disable", [&] { return Value(rng.uniform() > prob_); })
      .truthy();
}

double BaseAugTransform::random_magnitude(Rng& rng) const {
  if (!has_magnitude_range()) {
    throw Error("TypeError", type_ +
                                 ": cannot unpack non-iterable NoneType object "
                                 "(random_magnitude needs a magnitude_range)");
  }
  return rng
      .cached(type_ + ".random_magnitude",
              [&] {
                double magnitude = level_;
                if (std_inf_) {
                  magnitude = rng.uniform(0, magnitude);
                } else if (std_ > 0) {
                  magnitude = std::clamp(rng.normal(magnitude, std_), 0.0, total_);
                }
                return Value(magnitude / total_ * (val2_ - val1_) + val1_);
              })
      .as_number();
}

double BaseAugTransform::random_negative(Rng& rng, double value) const {
  return rng
      .cached(type_ + ".random_negative",
              [&] { return Value(rng.uniform() < negative_prob_ ? -value : value); })
      .as_number();
}

std::string BaseAugTransform::extra_repr() const {
  if (!has_magnitude_range()) return "";
  return ", magnitude_level=" + opts_.magnitude_level.str() +
         ", magnitude_range=" + opts_.magnitude_range.str() +
         ", magnitude_std=" + opts_.magnitude_std.str() +
         ", total_level=" + opts_.total_level.str() + ", ";
}

void BaseAugTransform::check_exclusive(const Value& value, const std::string& name) const {
  if (value.is_none() == !has_magnitude_range()) {
    throw Error("AssertionError",
                type_ + ": Please specify only one of `" + name + "` and `magnitude_range`.");
  }
}

mmcv::FillValue fill_value_from(const Value& v, const std::string& component,
                                const std::string& key) {
  if (v.is_sequence()) {
    std::vector<double> values;
    for (const Value& x : v.items()) values.push_back(number(x, component, key));
    return mmcv::FillValue::tuple(std::move(values));
  }
  if (v.is_int() || v.is_bool()) return mmcv::FillValue::number(v.as_number(), true);
  if (v.is_float()) return mmcv::FillValue::number(v.as_float(), false);
  throw Error("TypeError", component + ": `" + key +
                               "` must be a number or a sequence of numbers, got " + v.repr());
}

Value as_tuple_if_sequence(const Value& v) {
  if (v.is_list()) return Value::tuple(v.items());
  return v;
}

}  // namespace mmcpp::pretrain
