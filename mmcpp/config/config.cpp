#include "mmcpp/config/config.h"

#include "mmcpp/config/dump.h"
#include "mmcpp/config/interpreter.h"
#include "mmcpp/config/loader.h"
#include "mmcpp/core/error.h"

namespace mmcpp::config {
namespace {

const char* const kReservedKeys[] = {"filename", "text", "pretty_text", "env_variables"};

// Config.to_dict: plain dicts all the way down, imports as dotted strings.
Value plain(const Value& v) {
  NestingGuard guard;
  switch (v.kind()) {
    case Kind::Dict: {
      Value out = Value::dict(false);
      for (const auto& [k, x] : v.as_dict().entries()) out.as_dict().set(k, plain(x));
      return out;
    }
    case Kind::List:
    case Kind::Tuple: {
      Value::Items items;
      for (const auto& x : v.items()) items.push_back(plain(x));
      return v.is_list() ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case Kind::Set:
      return Value::set(v.items());
    case Kind::Lazy:
      return Value(v.as_lazy().dotted());
    default:
      return v;
  }
}

std::string python_type(const Value& v) {
  if (v.is_config_dict()) return "<class 'mmengine.config.config.ConfigDict'>";
  return "<class '" + v.type_name() + "'>";
}

bool is_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

Config::Config(Value cfg_dict, std::string filename) : filename_(std::move(filename)) {
  if (!cfg_dict.is_dict())
    throw Error("TypeError", "cfg_dict must be a dict, but got " + cfg_dict.type_name());
  for (const char* k : kReservedKeys)
    if (cfg_dict.as_dict().contains(k))
      throw Error("KeyError", std::string(k) + " is reserved for config file");
  // Config(dict) converts into ConfigDicts, copying: aliasing between keys is lost.
  dict_ = config_dict_tree(cfg_dict);
}

Config Config::fromfile(const std::string& filename, const LoadOptions& options) {
  return ConfigLoader(options).load(filename);
}

Config Config::fromstring(const std::string& text, const std::string& format) {
  if (format != ".py" && format != ".json" && format != ".yaml" && format != ".yml")
    throw Error("OSError", "Only py/yml/yaml/json type are supported now!");
  return ConfigLoader(LoadOptions{}).load("<string>" + format, &text);
}

Value Config::to_dict() const {
  Value out = Value::dict(false);
  for (const auto& [k, v] : dict_.as_dict().entries()) {
    if (k.is_str() && imported_names_.count(k.as_str())) continue;
    if (v.is_callable()) continue;  // a module bound by a pure-Python config's `import`
    out.as_dict().set(k, plain(v));
  }
  return out;
}

Value merge_a_into_b(const Value& a, const Value& b_in, bool allow_list_keys) {
  NestingGuard guard;
  if (!a.is_dict())
    throw Error("AttributeError", "'" + a.type_name() + "' object has no attribute 'items'");
  Value b;
  if (b_in.is_dict()) {
    b = Value::dict(b_in.is_config_dict());
    b.as_dict().entries() = b_in.as_dict().entries();
  } else if (b_in.is_list()) {
    b = Value::list(b_in.items());
  } else {
    throw Error("AttributeError", "'" + b_in.type_name() + "' object has no attribute 'copy'");
  }
  for (const auto& [key, v_in] : a.as_dict().entries()) {
    Value v = v_in;
    if (allow_list_keys && key.is_str() && is_digits(key.as_str()) && b.is_list()) {
      std::size_t k = std::stoul(key.as_str());
      if (b.items().size() <= k)
        throw Error("KeyError", "\"Index " + std::to_string(k) + " exceeds the length of list " +
                                    plain(b).repr() + "\"");
      b.items()[k] = merge_a_into_b(v, b.items()[k], allow_list_keys);
      continue;
    }
    if (b.is_list())
      throw Error("TypeError", "list indices must be integers or slices, not " + key.type_name() +
                                   " (key " + key.repr() + ")");
    if (v.is_dict()) {
      const Value* existing = b.as_dict().find(key);
      bool drop_base = false;
      if (existing) {
        // The child's `_delete_` is consumed only when the base has the key.
        Value copy = Value::dict(v.is_config_dict());
        copy.as_dict().entries() = v.as_dict().entries();
        const Value* del = copy.as_dict().find("_delete_");
        drop_base = del && del->truthy();
        copy.as_dict().erase("_delete_");
        v = copy;
      }
      if (existing && !drop_base) {
        bool ok = existing->is_dict() || (allow_list_keys && existing->is_list());
        if (!ok)
          throw Error("TypeError", key.str() + "=" + plain(v).repr() +
                                       " in child config cannot inherit from base because " +
                                       key.str() +
                                       " is a dict in the child config but is of type " +
                                       python_type(*existing) +
                                       " in base config. You may set `_delete_=True` to ignore the "
                                       "base config.");
        b.as_dict().set(key, merge_a_into_b(v, *existing, allow_list_keys));
      } else {
        // ConfigDict(v): a new ConfigDict over v's (converted) values.
        Value cd = Value::dict(true);
        for (const auto& [k2, x] : v.as_dict().entries()) cd.as_dict().set(k2, config_dict_hook(x));
        b.as_dict().set(key, cd);
      }
    } else {
      b.as_dict().set(key, v);
    }
  }
  return b;
}

void Config::merge_from_dict(const std::vector<std::pair<std::string, Value>>& options,
                             bool allow_list_keys) {
  Value root = Value::dict(false);
  for (const auto& [full_key, v] : options) {
    Value d = root;
    std::vector<std::string> parts;
    std::size_t b = 0;
    while (true) {
      std::size_t e = full_key.find('.', b);
      parts.push_back(full_key.substr(b, e == std::string::npos ? std::string::npos : e - b));
      if (e == std::string::npos) break;
      b = e + 1;
    }
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (!d.is_dict())
        throw Error("AttributeError",
                    "'" + d.type_name() + "' object has no attribute 'setdefault' (--cfg-options " +
                        full_key + ": '" + parts[i - 1] + "' was given a value earlier)");
      Value* next = d.as_dict().find(parts[i]);
      if (!next) {
        d.as_dict().set(Value(parts[i]), Value::dict(true));
        next = d.as_dict().find(parts[i]);
      }
      d = *next;
    }
    if (!d.is_dict())
      throw Error("TypeError", "'" + d.type_name() +
                                   "' object does not support item assignment (--cfg-options " +
                                   full_key + ": a prefix of this key was given a value earlier)");
    d.as_dict().set(Value(parts.back()), v);
  }
  dict_ = merge_a_into_b(root, dict_, allow_list_keys);
}

std::string Config::pretty_text() const { return dump_python(to_dict()); }

std::string Config::dump(const std::string& format) const {
  if (format == "py" || format == ".py") return pretty_text();
  if (format == "json" || format == ".json") return dump_json(to_dict());
  if (format == "yaml" || format == "yml" || format == ".yaml" || format == ".yml")
    return dump_yaml(to_dict());
  throw Error("ValueError", "unknown dump format '" + format + "' (use py, json or yaml)");
}

}  // namespace mmcpp::config
