#include "mmcpp/cv/cnn/bricks/layer_args.h"

#include "mmcpp/core/error.h"
#include "mmcpp/core/suggest.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::mmcv {

using config::Value;

namespace {

const Args* positional(registry::BuildArgs& args) { return args.object<Args>("*args"); }

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

}  // namespace

Value make_dict(const Kwargs& kwargs) {
  Value d = Value::dict(false);
  for (const auto& [k, v] : kwargs) d.as_dict().set(Value(k), v);
  return d;
}

bool model_type_registered(const std::string& type) {
  return registry::MODELS().get(type) != nullptr;
}

std::shared_ptr<torch::nn::Module> build_layer(const Value& cfg, const Args& args,
                                               const Kwargs& kwargs, const std::string& builder,
                                               const std::vector<std::string>& kind_names) {
  if (!cfg.is_dict()) throw Error("TypeError", builder + ": cfg must be a dict, got " + cfg.repr());
  const Value* type = cfg.as_dict().find("type");
  if (!type) throw Error("KeyError", builder + ": the cfg dict must contain the key \"type\"");
  std::string name = type->is_str() ? type->as_str() : type->repr();
  if (!model_type_registered(name)) {
    std::string msg = builder + ": cannot find " + name + " in registry under scope name " +
                      registry::DefaultScope::current() + ". Known types: " + join(kind_names);
    auto near = closest_names(name, kind_names, 3);
    if (!near.empty()) msg += ". Did you mean: " + join(near) + "?";
    throw Error("KeyError", msg);
  }
  Value merged = cfg.deep_copy();
  for (const auto& [k, v] : kwargs) {
    if (merged.as_dict().contains(k))
      throw Error("TypeError", builder + ": " + name +
                                   "() got multiple values for keyword argument '" + k + "'");
    merged.as_dict().set(Value(k), v);
  }
  std::map<std::string, std::any> objects;
  if (!args.empty()) objects["*args"] = args;
  return registry::MODELS().build(merged, Value(), std::move(objects));
}

Value positional_or_key(registry::BuildArgs& args, std::size_t index, const std::string& key) {
  const Args* pos = positional(args);
  bool has_key = args.has(key);
  if (pos && index < pos->size()) {
    if (has_key)
      throw Error("TypeError",
                  args.component() + "() got multiple values for argument '" + key + "'");
    return (*pos)[index];
  }
  if (!has_key)
    throw Error("TypeError",
                args.component() + "() missing required positional argument: '" + key + "'");
  return args.value(key);
}

Value positional_or_key(registry::BuildArgs& args, std::size_t index, const std::string& key,
                        const Value& dflt) {
  const Args* pos = positional(args);
  bool has_key = args.has(key);
  if (pos && index < pos->size()) {
    if (has_key)
      throw Error("TypeError",
                  args.component() + "() got multiple values for argument '" + key + "'");
    return (*pos)[index];
  }
  return has_key ? args.value(key) : dflt;
}

void check_positional_count(registry::BuildArgs& args, std::size_t max_positional) {
  const Args* pos = positional(args);
  if (pos && pos->size() > max_positional)
    throw Error("TypeError", args.component() + "() takes " + std::to_string(max_positional) +
                                 " positional arguments but " + std::to_string(pos->size()) +
                                 " were given");
}

std::int64_t to_int(const Value& v, registry::BuildArgs& args, const std::string& key) {
  if (v.is_int() || v.is_bool()) return v.as_int();
  args.fail(key, "must be an int, got " + v.type_name() + " " + v.repr());
}

double to_float(const Value& v, registry::BuildArgs& args, const std::string& key) {
  if (v.is_number() || v.is_bool()) return v.as_number();
  args.fail(key, "must be a number, got " + v.type_name() + " " + v.repr());
}

bool to_bool(const Value& v, registry::BuildArgs& args, const std::string& key) {
  if (v.is_bool()) return v.as_bool();
  if (v.is_int()) return v.as_int() != 0;
  args.fail(key, "must be a bool, got " + v.type_name() + " " + v.repr());
}

std::vector<std::int64_t> to_ints(const Value& v, std::size_t n, registry::BuildArgs& args,
                                  const std::string& key) {
  if (v.is_int() || v.is_bool()) return std::vector<std::int64_t>(n, v.as_int());
  if (v.is_sequence() && v.items().size() == n) {
    std::vector<std::int64_t> out;
    for (const auto& x : v.items()) out.push_back(to_int(x, args, key));
    return out;
  }
  args.fail(key, "must be an int or a sequence of " + std::to_string(n) + " ints, got " +
                     v.type_name() + " " + v.repr());
}

}  // namespace mmcpp::mmcv
