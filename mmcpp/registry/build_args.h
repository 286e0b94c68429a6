// BuildArgs: the arguments of one component being built from a config dict.
//
// A component's `from_config(BuildArgs&)` reads its options by MMEngine's argument
// names with their defaults; every key it asks for is remembered, so after the
// build any key it never asked for is an error naming the component, the key, a
// close match and all known keys (MMEngine raises TypeError for unexpected kwargs).
#pragma once

#include <any>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/core/error.h"

namespace mmcpp::registry {

class BuildArgs {
 public:
  // `cfg` is the config dict without `type`/`_scope_`; `component` names the type.
  BuildArgs(std::string component, config::Value cfg, std::map<std::string, std::any> objects = {});

  const std::string& component() const { return component_; }

  bool has(const std::string& key);
  // The raw value (None when absent); marks the key as known.
  config::Value value(const std::string& key);
  config::Value value_or(const std::string& key, config::Value dflt);

  // Typed readers. A present key of the wrong type is a TypeError naming the
  // component, the key and the value.
  bool get_bool(const std::string& key, bool dflt);
  std::int64_t get_int(const std::string& key, std::int64_t dflt);
  double get_float(const std::string& key, double dflt);  // ints accepted
  std::string get_str(const std::string& key, const std::string& dflt);
  std::optional<std::int64_t> get_opt_int(const std::string& key);
  std::optional<double> get_opt_float(const std::string& key);
  std::optional<std::string> get_opt_str(const std::string& key);  // None -> nullopt
  std::vector<std::int64_t> get_int_list(const std::string& key, std::vector<std::int64_t> dflt);
  std::vector<double> get_float_list(const std::string& key, std::vector<double> dflt);
  std::vector<std::string> get_str_list(const std::string& key, std::vector<std::string> dflt);
  // A str, or a list/tuple of str, as a list (None -> empty).
  std::vector<std::string> get_str_or_list(const std::string& key);
  std::int64_t require_int(const std::string& key);
  std::string require_str(const std::string& key);
  config::Value require(const std::string& key);

  // Keyword arguments the component accepts beyond its named ones (`**kwargs`):
  // every key not yet asked for, marked known.
  config::Value take_rest();

  // Non-config default arguments (e.g. the optimizer for a scheduler).
  template <class T>
  T* object(const std::string& key) {
    auto it = objects_.find(key);
    if (it == objects_.end()) return nullptr;
    T* p = std::any_cast<T>(&it->second);
    return p;
  }
  const std::map<std::string, std::any>& objects() const { return objects_; }

  // Throws TypeError for keys the component never asked for.
  void check_all_used() const;
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  const config::Value* find(const std::string& key);

  std::string component_;
  config::Value cfg_;
  std::map<std::string, std::any> objects_;
  std::set<std::string> known_;
};

}  // namespace mmcpp::registry
