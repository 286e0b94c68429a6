#include "mmcpp/registry/build_args.h"

#include "mmcpp/core/suggest.h"

namespace mmcpp::registry {

using config::Value;

BuildArgs::BuildArgs(std::string component, Value cfg, std::map<std::string, std::any> objects)
    : component_(std::move(component)),
      cfg_(cfg.is_dict() ? std::move(cfg) : Value::dict(false)),
      objects_(std::move(objects)) {}

const Value* BuildArgs::find(const std::string& key) {
  known_.insert(key);
  return cfg_.as_dict().find(key);
}

void BuildArgs::fail(const std::string& key, const std::string& what) const {
  throw Error("TypeError", component_ + ": argument '" + key + "' " + what);
}

bool BuildArgs::has(const std::string& key) {
  const Value* v = find(key);
  return v != nullptr;
}

Value BuildArgs::value(const std::string& key) {
  const Value* v = find(key);
  return v ? *v : Value();
}

Value BuildArgs::value_or(const std::string& key, Value dflt) {
  const Value* v = find(key);
  return v ? *v : dflt;
}

bool BuildArgs::get_bool(const std::string& key, bool dflt) {
  const Value* v = find(key);
  if (!v) return dflt;
  if (v->is_bool()) return v->as_bool();
  if (v->is_int()) return v->as_int() != 0;  // Python accepts 0/1 for flags
  fail(key, "must be a bool, got " + v->type_name() + " " + v->repr());
}

std::int64_t BuildArgs::get_int(const std::string& key, std::int64_t dflt) {
  const Value* v = find(key);
  if (!v) return dflt;
  if (v->is_int() || v->is_bool()) return v->as_int();
  if (v->is_float() &&
      v->as_float() == static_cast<double>(static_cast<std::int64_t>(v->as_float())))
    return static_cast<std::int64_t>(v->as_float());
  fail(key, "must be an int, got " + v->type_name() + " " + v->repr());
}

double BuildArgs::get_float(const std::string& key, double dflt) {
  const Value* v = find(key);
  if (!v) return dflt;
  if (v->is_number() || v->is_bool()) return v->as_number();
  fail(key, "must be a number, got " + v->type_name() + " " + v->repr());
}

std::string BuildArgs::get_str(const std::string& key, const std::string& dflt) {
  const Value* v = find(key);
  if (!v) return dflt;
  if (v->is_str()) return v->as_str();
  if (v->is_lazy()) return v->as_lazy().dotted();
  fail(key, "must be a str, got " + v->type_name() + " " + v->repr());
}

std::optional<std::int64_t> BuildArgs::get_opt_int(const std::string& key) {
  const Value* v = find(key);
  if (!v || v->is_none()) return std::nullopt;
  return get_int(key, 0);
}

std::optional<double> BuildArgs::get_opt_float(const std::string& key) {
  const Value* v = find(key);
  if (!v || v->is_none()) return std::nullopt;
  return get_float(key, 0);
}

std::optional<std::string> BuildArgs::get_opt_str(const std::string& key) {
  const Value* v = find(key);
  if (!v || v->is_none()) return std::nullopt;
  return get_str(key, "");
}

std::vector<std::int64_t> BuildArgs::get_int_list(const std::string& key,
                                                  std::vector<std::int64_t> dflt) {
  const Value* v = find(key);
  if (!v) return dflt;
  if (v->is_int()) return {v->as_int()};
  if (!v->is_sequence())
    fail(key, "must be a list of ints, got " + v->type_name() + " " + v->repr());
  std::vector<std::int64_t> out;
  for (const auto& x : v->items()) {
    if (!x.is_int()) fail(key, "must be a list of ints, got element " + x.repr());
    out.push_back(x.as_int());
  }
  return out;
}

std::vector<double> BuildArgs::get_float_list(const std::string& key, std::vector<double> dflt) {
  const Value* v = find(key);
  if (!v) return dflt;
  if (v->is_number()) return {v->as_number()};
  if (!v->is_sequence())
    fail(key, "must be a list of numbers, got " + v->type_name() + " " + v->repr());
  std::vector<double> out;
  for (const auto& x : v->items()) {
    if (!x.is_number()) fail(key, "must be a list of numbers, got element " + x.repr());
    out.push_back(x.as_number());
  }
  return out;
}

std::vector<std::string> BuildArgs::get_str_list(const std::string& key,
                                                 std::vector<std::string> dflt) {
  const Value* v = find(key);
  if (!v) return dflt;
  return get_str_or_list(key);
}

std::vector<std::string> BuildArgs::get_str_or_list(const std::string& key) {
  const Value* v = find(key);
  if (!v || v->is_none()) return {};
  if (v->is_str()) return {v->as_str()};
  if (!v->is_sequence())
    fail(key, "must be a str or a list of str, got " + v->type_name() + " " + v->repr());
  std::vector<std::string> out;
  for (const auto& x : v->items()) {
    if (!x.is_str()) fail(key, "must be a list of str, got element " + x.repr());
    out.push_back(x.as_str());
  }
  return out;
}

Value BuildArgs::require(const std::string& key) {
  const Value* v = find(key);
  if (!v) throw Error("TypeError", component_ + " missing required argument '" + key + "'");
  return *v;
}

std::int64_t BuildArgs::require_int(const std::string& key) {
  require(key);
  return get_int(key, 0);
}

std::string BuildArgs::require_str(const std::string& key) {
  require(key);
  return get_str(key, "");
}

Value BuildArgs::take_rest() {
  Value rest = Value::dict(false);
  for (const auto& [k, v] : cfg_.as_dict().entries()) {
    if (!k.is_str() || known_.count(k.as_str())) continue;
    rest.as_dict().set(k, v);
  }
  for (const auto& [k, v] : rest.as_dict().entries()) known_.insert(k.as_str());
  return rest;
}

void BuildArgs::check_all_used() const {
  std::vector<std::string> known(known_.begin(), known_.end());
  for (const auto& [k, v] : cfg_.as_dict().entries()) {
    std::string key = k.str();
    if (known_.count(key)) continue;
    std::string msg = component_ + " got an unexpected keyword argument '" + key + "'";
    std::string near = closest_name(key, known);
    if (!near.empty()) msg += ". Did you mean '" + near + "'?";
    msg += " Known arguments: ";
    for (std::size_t i = 0; i < known.size(); ++i) msg += (i ? ", " : "") + known[i];
    throw Error("TypeError", msg);
  }
}

}  // namespace mmcpp::registry
