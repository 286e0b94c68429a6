#include "mmcpp/pretrain/transforms/auto_augment.h"

#include <map>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

using KV = std::vector<std::pair<const char*, Value>>;

Value d(const char* type, const KV& kv = {}) {
  Value v = Value::dict(false);
  v.as_dict().set(Value("type"), Value(type));
  for (const auto& [k, x] : kv) v.as_dict().set(Value(k), x);
  return v;
}

Value range(Value a, Value b) { return Value::tuple({std::move(a), std::move(b)}); }

Value sub(Value a, Value b) { return Value::list({std::move(a), std::move(b)}); }

// Named __init__ arguments (inspect.getfullargspec(op.__init__).args) of the
// operations merge_hparams may fill.
const std::vector<std::string>* init_args(const std::string& type) {
  static const std::map<std::string, std::vector<std::string>> args = {
      {"Shear",
       {"magnitude", "pad_val", "prob", "direction", "random_negative_prob", "interpolation"}},
      {"Translate",
       {"magnitude", "pad_val", "prob", "direction", "random_negative_prob", "interpolation"}},
      {"Rotate",
       {"angle", "center", "scale", "pad_val", "prob", "random_negative_prob", "interpolation"}},
      {"AutoContrast", {"prob"}},
      {"Invert", {"prob"}},
      {"Equalize", {"prob"}},
      {"Solarize", {"thr", "prob"}},
      {"SolarizeAdd", {"magnitude", "thr", "prob"}},
      {"Posterize", {"bits", "prob"}},
      {"Contrast", {"magnitude", "prob", "random_negative_prob"}},
      {"ColorTransform", {"magnitude", "prob", "random_negative_prob"}},
      {"Brightness", {"magnitude", "prob", "random_negative_prob"}},
      {"Sharpness", {"magnitude", "prob", "random_negative_prob"}},
      {"Cutout", {"shape", "pad_val", "prob"}},
      {"GaussianBlur", {"radius", "prob"}},
      {"ColorJitter", {"brightness", "contrast", "saturation", "hue", "backend"}},
      {"Lighting", {"eigval", "eigvec", "alphastd", "to_rgb"}},
      {"RandomErasing",
       {"erase_prob", "min_area_ratio", "max_area_ratio", "aspect_range", "mode", "fill_color",
        "fill_std"}},
      {"RandomGrayscale", {"prob", "keep_channels", "channel_weights", "color_format"}},
      {"AutoAugment", {"policies", "hparams"}},
      {"RandAugment",
       {"policies", "num_policies", "magnitude_level", "magnitude_std", "total_level", "hparams"}},
  };
  auto it = args.find(type);
  return it == args.end() ? nullptr : &it->second;
}

std::string preset_names(const std::vector<std::string>& names) {
  std::string s = "[";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", '" : "'") + names[i] + "'";
  return s + "]";
}

const Value* find(const Value& dict, const char* key) { return dict.as_dict().find(key); }

Value hparams_arg(registry::BuildArgs& args) {
  Value pad = Value::dict(false);
  pad.as_dict().set(Value("pad_val"), Value(128));
  Value hparams = args.value_or("hparams", pad);
  if (!hparams.is_dict()) {
    throw Error("TypeError",
                args.component() + ": `hparams` must be a dict, got " + hparams.repr());
  }
  return hparams;
}

}  // namespace

Value autoaug_policies(const std::string& name) {
  if (name != "imagenet") {
    throw Error("AssertionError",
                "Invalid policies, please choose from " + preset_names({"imagenet"}) + ".");
  }
  // DeepVoltaire/AutoAugment's ImageNet policy, as MMPretrain writes it.
  auto posterize = [](int bits, double prob) {
    return d("Posterize", {{"bits", Value(bits)}, {"prob", Value(prob)}});
  };
  auto rotate = [](double angle, double prob) {
    return d("Rotate", {{"angle", Value(angle)}, {"prob", Value(prob)}});
  };
  auto solarize = [](double thr, double prob) {
    return d("Solarize", {{"thr", Value(thr)}, {"prob", Value(prob)}});
  };
  auto plain = [](const char* type, double prob) { return d(type, {{"prob", Value(prob)}}); };
  auto color = [](double m, double prob) {
    return d("ColorTransform", {{"magnitude", Value(m)}, {"prob", Value(prob)}});
  };
  auto contrast = [](double m, double prob) {
    return d("Contrast", {{"magnitude", Value(m)}, {"prob", Value(prob)}});
  };
  return Value::list({
      sub(posterize(4, 0.4), rotate(30., 0.6)),
      sub(solarize(256. / 9 * 4, 0.6), plain("AutoContrast", 0.6)),
      sub(plain("Equalize", 0.8), plain("Equalize", 0.6)),
      sub(posterize(5, 0.6), posterize(5, 0.6)),
      sub(plain("Equalize", 0.4), solarize(256. / 9 * 5, 0.2)),
      sub(plain("Equalize", 0.4), rotate(30. / 9 * 8, 0.8)),
      sub(solarize(256. / 9 * 6, 0.6), plain("Equalize", 0.6)),
      sub(posterize(6, 0.8), plain("Equalize", 1.)),
      sub(rotate(10., 0.2), solarize(256. / 9, 0.6)),
      sub(plain("Equalize", 0.6), posterize(5, 0.4)),
      sub(rotate(30. / 9 * 8, 0.8), color(0., 0.4)),
      sub(rotate(30., 0.4), plain("Equalize", 0.6)),
      sub(plain("Equalize", 0.0), plain("Equalize", 0.8)),
      sub(plain("Invert", 0.6), plain("Equalize", 1.)),
      sub(color(0.4, 0.6), contrast(0.8, 1.)),
      sub(rotate(30. / 9 * 8, 0.8), color(0.2, 1.)),
      sub(color(0.8, 0.8), solarize(256. / 9 * 2, 0.8)),
      sub(d("Sharpness", {{"magnitude", Value(0.7)}, {"prob", Value(0.4)}}), plain("Invert", 0.6)),
      sub(d("Shear", {{"magnitude", Value(0.3 / 9 * 5)},
                      {"prob", Value(0.6)},
                      {"direction", Value("horizontal")}}),
          plain("Equalize", 1.)),
      sub(color(0., 0.4), plain("Equalize", 0.6)),
      sub(plain("Equalize", 0.4), solarize(256. / 9 * 5, 0.2)),
      sub(solarize(256. / 9 * 4, 0.6), plain("AutoContrast", 0.6)),
      sub(plain("Invert", 0.6), plain("Equalize", 1.)),
      sub(color(0.4, 0.6), contrast(0.8, 1.)),
      sub(plain("Equalize", 0.8), plain("Equalize", 0.6)),
  });
}

Value randaug_policies(const std::string& name) {
  auto ranged = [](const char* type, Value a, Value b) {
    return d(type, {{"magnitude_range", range(std::move(a), std::move(b))}});
  };
  auto directed = [](const char* type, double hi, const char* direction) {
    return d(type,
             {{"magnitude_range", range(Value(0), Value(hi))}, {"direction", Value(direction)}});
  };
  if (name == "timm_increasing") {
    // timm's _RAND_INCREASING_TRANSFORMS.
    return Value::list({
        d("AutoContrast"),
        d("Equalize"),
        d("Invert"),
        ranged("Rotate", Value(0), Value(30)),
        ranged("Posterize", Value(4), Value(0)),
        ranged("Solarize", Value(256), Value(0)),
        ranged("SolarizeAdd", Value(0), Value(110)),
        ranged("ColorTransform", Value(0), Value(0.9)),
        ranged("Contrast", Value(0), Value(0.9)),
        ranged("Brightness", Value(0), Value(0.9)),
        ranged("Sharpness", Value(0), Value(0.9)),
        directed("Shear", 0.3, "horizontal"),
        directed("Shear", 0.3, "vertical"),
        directed("Translate", 0.45, "horizontal"),
        directed("Translate", 0.45, "vertical"),
    });
  }
  if (name == "simple_increasing") {
    return Value::list({
        d("AutoContrast"),
        d("Equalize"),
        ranged("Rotate", Value(0), Value(30)),
        directed("Shear", 0.3, "horizontal"),
        directed("Shear", 0.3, "vertical"),
    });
  }
  throw Error("AssertionError", "Invalid policies, please choose from " +
                                    preset_names({"timm_increasing", "simple_increasing"}) + ".");
}

Value merge_hparams(const Value& policy, const Value& hparams) {
  Value merged = policy.deep_copy();
  const Value* type = find(merged, "type");
  if (!type || !type->is_str() || !TRANSFORMS().get(type->as_str())) {
    throw Error("AssertionError", "Invalid policy type \"" + (type ? type->str() : "None") + "\".");
  }
  std::string name = type->as_str();
  if (auto dot = name.rfind('.'); dot != std::string::npos) name = name.substr(dot + 1);
  const std::vector<std::string>* op_args = init_args(name);
  if (!op_args) return merged;
  for (const auto& [key, value] : hparams.as_dict().entries()) {
    if (!key.is_str()) continue;
    const bool named = std::find(op_args->begin(), op_args->end(), key.as_str()) != op_args->end();
    if (named && !merged.as_dict().contains(key)) merged.as_dict().set(key, value);
  }
  return merged;
}

// ---- AutoAugment ---------------------------------------------------------------

AutoAugment::AutoAugment(registry::BuildArgs& args) {
  Value policies = args.require("policies");
  hparams_ = hparams_arg(args);
  if (policies.is_str()) policies = autoaug_policies(policies.as_str());
  if (!policies.is_sequence() || policies.items().empty()) {
    throw Error("TypeError",
                "AutoAugment: `policies` must be a preset name or a non-empty list of "
                "lists of transform dicts, got " +
                    policies.repr());
  }
  policies_ = Value::list();
  for (const Value& sub_policy : policies.items()) {
    if (!sub_policy.is_sequence()) {
      throw Error("TypeError",
                  "AutoAugment: every sub-policy must be a list of transform dicts, got " +
                      sub_policy.repr());
    }
    Value merged = Value::list();
    std::vector<data::TransformPtr> ops;
    for (const Value& op : sub_policy.items()) {
      if (!op.is_dict() || !find(op, "type")) {
        throw Error("TypeError",
                    "AutoAugment: a policy must be a dict with a 'type', got " + op.repr());
      }
      merged.items().push_back(merge_hparams(op, hparams_));
      // MMPretrain builds the operations from the policies without hparams.
      ops.push_back(TRANSFORMS().build(op.deep_copy()));
    }
    policies_.items().push_back(merged);
    transforms_.push_back(std::make_shared<data::Compose>(std::move(ops)));
  }
}

std::shared_ptr<AutoAugment> AutoAugment::from_config(registry::BuildArgs& args) {
  return std::make_shared<AutoAugment>(args);
}

bool AutoAugment::transform(data::Results& results, Rng& rng) const {
  const auto n = static_cast<std::int64_t>(transforms_.size());
  const std::int64_t idx =
      rng.cached("AutoAugment.random_pipeline_index", [&] { return Value(rng.randint(0, n)); })
          .as_int();
  if (idx < 0 || idx >= n) {
    throw Error("IndexError", "AutoAugment: sub-policy index " + std::to_string(idx) +
                                  " out of range (" + std::to_string(n) + " sub-policies)");
  }
  return transforms_[static_cast<std::size_t>(idx)]->transform(results, rng);
}

std::string AutoAugment::repr() const {
  std::string s = "AutoAugment(policies:";
  for (const Value& sub_policy : policies_.items()) {
    s += "\n    ";
    bool first = true;
    for (const Value& op : sub_policy.items()) {
      if (!first) s += ", \t";
      first = false;
      s += find(op, "type")->str();
    }
  }
  return s + "\n)";
}

// ---- RandAugment ---------------------------------------------------------------

RandAugment::RandAugment(registry::BuildArgs& args) {
  Value policies = args.require("policies");
  num_policies_ = args.require_int("num_policies");
  magnitude_level_ = args.require("magnitude_level");
  magnitude_std_ = args.value_or("magnitude_std", Value(0.0));
  total_level_ = args.value_or("total_level", Value(10));
  hparams_ = hparams_arg(args);
  if (policies.is_str()) policies = randaug_policies(policies.as_str());
  if (!policies.is_sequence() || !std::all_of(policies.items().begin(), policies.items().end(),
                                              [](const Value& p) { return p.is_dict(); })) {
    throw Error("AssertionError", "policies must be a list of dict.");
  }
  if (!(magnitude_std_.is_number() || magnitude_std_.is_str())) {
    throw Error("AssertionError", "`magnitude_std` must be of number or str type, got " +
                                      magnitude_std_.type_name() + " instead.");
  }
  if (magnitude_std_.is_str() && magnitude_std_.as_str() != "inf") {
    throw Error("AssertionError", "`magnitude_std` must be of number or \"inf\", got \"" +
                                      magnitude_std_.as_str() + "\" instead.");
  }
  if (!magnitude_level_.is_number() || !total_level_.is_number()) {
    throw Error("TypeError", "RandAugment: magnitude_level and total_level must be numbers");
  }
  if (num_policies_ <= 0) throw Error("AssertionError", "num_policies must be greater than 0.");
  if (magnitude_level_.as_number() < 0) {
    throw Error("AssertionError", "magnitude_level must be no less than 0.");
  }
  if (total_level_.as_number() <= 0)
    throw Error("AssertionError", "total_level must be greater than 0.");

  policies_ = Value::list();
  for (const Value& policy : policies.items()) {
    const Value* type = find(policy, "type");
    if (!type) throw Error("AssertionError", "Each policy must be a dict with key \"type\".");
    if (const Value* r = find(policy, "magnitude_range")) {
      const bool numbers =
          r->is_sequence() && std::all_of(r->items().begin(), r->items().end(),
                                          [](const Value& x) { return x.is_number(); });
      if (!numbers) {
        throw Error("AssertionError", "`magnitude_range` of RandAugment policy " + type->str() +
                                          " should be a sequence with two numbers.");
      }
    }
    Value merged = merge_hparams(policy, hparams_);
    merged.as_dict().erase("magnitude_key");  // backward compatibility
    if (merged.as_dict().contains("magnitude_range")) {
      merged.as_dict().set(Value("magnitude_level"), magnitude_level_);
      merged.as_dict().set(Value("total_level"), total_level_);
      merged.as_dict().set(Value("magnitude_std"), magnitude_std_);
    }
    policies_.items().push_back(merged);
    transforms_.push_back(TRANSFORMS().build(merged.deep_copy()));
  }
}

std::shared_ptr<RandAugment> RandAugment::from_config(registry::BuildArgs& args) {
  return std::make_shared<RandAugment>(args);
}

bool RandAugment::transform(data::Results& results, Rng& rng) const {
  const auto n = static_cast<std::int64_t>(transforms_.size());
  const Value indices = rng.cached("RandAugment.random_policy_indices", [&] {
    Value out = Value::list();
    for (std::int64_t i = 0; i < num_policies_; ++i) out.items().emplace_back(rng.randint(0, n));
    return out;
  });
  for (const Value& index : indices.items()) {
    const std::int64_t i = index.as_int();
    if (i < 0 || i >= n) {
      throw Error("IndexError", "RandAugment: policy index " + std::to_string(i) +
                                    " out of range (" + std::to_string(n) + " policies)");
    }
    if (!transforms_[static_cast<std::size_t>(i)]->transform(results, rng)) return false;
  }
  return true;
}

std::string RandAugment::repr() const {
  std::string s = "RandAugment(num_policies=" + std::to_string(num_policies_) +
                  ", magnitude_level=" + magnitude_level_.str() +
                  ", total_level=" + total_level_.str() + ", policies:";
  for (const Value& policy : policies_.items()) {
    s += "\n    " + find(policy, "type")->str();
    if (const Value* r = find(policy, "magnitude_range")) {
      s += " (" + r->items().at(0).str() + ", " + r->items().at(1).str() + ")";
    }
  }
  return s + "\n)";
}

MMCPP_REGISTER(TRANSFORMS, AutoAugment, "dict(type='AutoAugment', policies='imagenet')");
MMCPP_REGISTER(TRANSFORMS, RandAugment,
               "dict(type='RandAugment', policies='timm_increasing', num_policies=2, "
               "total_level=10, magnitude_level=9, magnitude_std=0.5, "
               "hparams=dict(pad_val=[104, 116, 124], interpolation='bicubic'))");

}  // namespace mmcpp::pretrain
