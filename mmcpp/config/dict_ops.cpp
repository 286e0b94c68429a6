// ConfigDict semantics (mmengine/config/config.py, class ConfigDict): values
// assigned into a ConfigDict are converted (plain dicts become new ConfigDicts,
// lists and tuples are rebuilt), update() is recursive, merge() honours _delete_.
#include "mmcpp/config/interpreter.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config {

Value config_dict_hook(const Value& v) {
  NestingGuard guard;
  if (v.is_dict() && !v.is_config_dict()) {
    Value out = Value::dict(true);
    for (const auto& [k, x] : v.as_dict().entries()) out.as_dict().set(k, config_dict_hook(x));
    return out;
  }
  if (v.is_sequence()) {
    Value::Items items;
    items.reserve(v.items().size());
    for (const auto& x : v.items()) items.push_back(config_dict_hook(x));
    return v.is_list() ? Value::list(std::move(items)) : Value::tuple(std::move(items));
  }
  return v;
}

Value config_dict_tree(const Value& v) {
  NestingGuard guard;
  if (v.is_dict()) {
    Value out = Value::dict(true);
    for (const auto& [k, x] : v.as_dict().entries()) out.as_dict().set(k, config_dict_tree(x));
    return out;
  }
  if (v.is_sequence()) {
    Value::Items items;
    for (const auto& x : v.items()) items.push_back(config_dict_tree(x));
    return v.is_list() ? Value::list(std::move(items)) : Value::tuple(std::move(items));
  }
  return v;
}

void dict_set(Value& d, const Value& key, const Value& v) {
  d.as_dict().set(key, d.is_config_dict() ? config_dict_hook(v) : v);
}

void dict_update(Value& d, const Value& other) {
  NestingGuard guard;
  if (!other.is_dict())
    throw Error("TypeError", "update() argument must be a dict, not " + other.type_name());
  if (!d.is_config_dict()) {
    for (const auto& [k, v] : other.as_dict().entries()) d.as_dict().set(k, v);
    return;
  }
  // Copy first: `cfg.update(cfg)` must not iterate a dict it is changing.
  auto entries = other.as_dict().entries();
  for (const auto& [k, v] : entries) {
    Value* cur = d.as_dict().find(k);
    if (!cur || !cur->is_dict() || !v.is_dict()) {
      dict_set(d, k, v);
    } else {
      Value target = *cur;
      dict_update(target, v);
    }
  }
}

namespace {

// ConfigDict.merge's inner _merge_a_into_b (not Config._merge_a_into_b): `missing`
// plays the role of its `default` sentinel.
Value merge_inner(Value a, bool a_missing, Value b, bool b_missing) {
  NestingGuard guard;
  if (!a_missing && a.is_dict()) {
    if (b_missing || !b.is_dict()) {
      a.as_dict().erase("_delete_");
      return a;
    }
    const Value* del = a.as_dict().find("_delete_");
    bool drop = del && del->truthy();
    a.as_dict().erase("_delete_");
    if (drop) b.as_dict().clear();
    Value out = Value::dict(false);
    std::vector<Value> keys;
    for (const auto& [k, v] : b.as_dict().entries()) keys.push_back(k);
    for (const auto& [k, v] : a.as_dict().entries()) keys.push_back(k);
    for (const auto& k : keys) {
      if (k.is_str() && k.as_str() == "_delete_") continue;
      if (out.as_dict().contains(k)) continue;
      const Value* av = a.as_dict().find(k);
      const Value* bv = b.as_dict().find(k);
      out.as_dict().set(k, merge_inner(av ? *av : Value(), !av, bv ? *bv : Value(), !bv));
    }
    return out;
  }
  return a_missing ? b : a;
}

}  // namespace

void config_dict_merge(Value& d, const Value& other) {
  if (!other.is_dict())
    throw Error("TypeError", "merge() argument must be a dict, not " + other.type_name());
  Value merged = merge_inner(other.deep_copy(), false, d.deep_copy(), false);
  d.as_dict().clear();
  for (const auto& [k, v] : merged.as_dict().entries()) dict_set(d, k, v);
}

}  // namespace mmcpp::config
