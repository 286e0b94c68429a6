// Config: MMEngine's `Config.fromfile` in C++.
//
// Loads `.py` (classic `_base_` configs and pure-Python `with read_base()` configs),
// `.json`, `.yaml` and `.yml` files, resolves inheritance and merges exactly as
// mmengine.Config does, and can dump the result back as Python, JSON or YAML.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mmcpp/config/value.h"

namespace mmcpp::config {

struct LoadOptions {
  bool use_predefined_variables = true;   // {{ fileDirname }} and friends
  bool use_environment_variables = true;  // {{$NAME:default}}
  // nullopt: detect per file, as MMEngine's Config._is_lazy_import.
  std::optional<bool> lazy_import;
};

class Config {
 public:
  Config() : dict_(Value::dict(true)) {}
  explicit Config(Value cfg_dict, std::string filename = "");

  static Config fromfile(const std::string& filename, const LoadOptions& options = {});
  // `format` is ".py", ".json", ".yaml" or ".yml".
  static Config fromstring(const std::string& text, const std::string& format);

  // The merged tree (a ConfigDict; pure-Python imports still LazyRefs).
  Value& dict() { return dict_; }
  const Value& dict() const { return dict_; }
  // MMEngine's Config.to_dict(): plain dicts, imports written as dotted strings,
  // names imported by a pure-Python config dropped from the top level.
  Value to_dict() const;

  // Top-level lookup; nullptr when absent.
  const Value* get(const std::string& key) const { return dict_.as_dict().find(key); }

  // MMEngine's Config.merge_from_dict(options, allow_list_keys): dotted keys,
  // digit components index lists.
  void merge_from_dict(const std::vector<std::pair<std::string, Value>>& options,
                       bool allow_list_keys = true);

  // Python text (MMEngine's pretty_text): keys sorted, dict(...) style, re-loadable.
  std::string pretty_text() const;
  // "py", "json" or "yaml" ("yml" accepted).
  std::string dump(const std::string& format = "py") const;

  const std::string& filename() const { return filename_; }
  // Every file of the inheritance chain, each preceded by its path.
  const std::string& text() const { return text_; }
  const std::map<std::string, std::string>& env_variables() const { return env_variables_; }
  const std::set<std::string>& imported_names() const { return imported_names_; }

 private:
  friend class ConfigLoader;
  Value dict_;
  std::string filename_;
  std::string text_;
  std::map<std::string, std::string> env_variables_;
  std::set<std::string> imported_names_;
};

// MMEngine's DictAction: parse `--cfg-options` arguments (`key=value`, split on the
// first `=`) into an ordered list; a later repeat of a key replaces the earlier one.
std::vector<std::pair<std::string, Value>> parse_cfg_options(const std::vector<std::string>& args);

// DictAction._parse_iterable for one value string.
Value parse_cfg_option_value(const std::string& text);

// The merge rule of Config._merge_a_into_b: child `a` into a copy of base `b`.
Value merge_a_into_b(const Value& a, const Value& b, bool allow_list_keys = false);

}  // namespace mmcpp::config
