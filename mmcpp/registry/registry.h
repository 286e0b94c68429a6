// Registry: MMEngine's registries in C++.
//
// A registry maps `type` names to factories. Registries form trees: the MMEngine
// root (scope "mmengine") has children per package (scope "mmpretrain", later
// "mmagic"). Lookup follows MMEngine: a plain name searches the registry of the
// current default scope, then its ancestors; "scope.Name" searches that scope;
// a dotted import path ("mmpretrain.models.ResNet", written by pure-Python
// configs) resolves by its package and class name. Components register with one
// macro line in their own .cpp (see MMCPP_REGISTER below).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::registry {

// The default scope (MMEngine's DefaultScope): which package's registries a plain
// type name is looked up in first. Process-wide, as in MMEngine.
class DefaultScope {
 public:
  static std::string current();
  static void set(const std::string& scope);
};

// Sets the default scope for its lifetime, restoring the previous one.
class ScopeGuard {
 public:
  explicit ScopeGuard(const std::string& scope);
  ~ScopeGuard();

 private:
  std::string previous_;
};

class RegistryBase {
 public:
  struct Entry {
    std::string name;
    std::string example;  // a config dict literal that builds it (sweep test)
    std::string source;   // file that registered it
    std::function<std::shared_ptr<void>(BuildArgs&)> factory;
  };

  RegistryBase(std::string name, std::string scope, RegistryBase* parent);
  RegistryBase(const RegistryBase&) = delete;
  RegistryBase& operator=(const RegistryBase&) = delete;
  virtual ~RegistryBase() = default;

  const std::string& name() const { return name_; }
  const std::string& scope() const { return scope_; }
  RegistryBase* parent() const { return parent_; }
  RegistryBase& root();
  // The registry of `scope` in this tree, or nullptr.
  RegistryBase* find_scope(const std::string& scope);

  // Register; a duplicate name without `force` is a KeyError.
  void add(Entry entry, bool force = false);
  // MMEngine's Registry.get: nullptr when not found.
  const Entry* get(const std::string& key);
  // Every registered name in this registry (not its relatives).
  std::vector<std::string> names() const;
  std::vector<Entry> entries() const;
  std::vector<RegistryBase*> children() const { return children_; }

  // Build from a config dict (`type` plus arguments). `default_args` fill keys
  // the config lacks; `objects` are non-config arguments. Returns the component
  // as void; Registry<Base>::build casts it.
  std::shared_ptr<void> build_void(const config::Value& cfg, const config::Value& default_args,
                                   std::map<std::string, std::any> objects);

 private:
  const Entry* find_here(const std::string& key) const;
  const Entry* find_upwards(const std::string& key);
  std::vector<std::string> all_names_in_tree();
  [[noreturn]] void not_found(const std::string& type);

  std::string name_;
  std::string scope_;
  RegistryBase* parent_;
  std::vector<RegistryBase*> children_;
  std::deque<Entry> entries_;  // deque: Entry pointers stay valid as plugins add more
  mutable std::mutex mutex_;
};

template <class Base>
class Registry : public RegistryBase {
 public:
  using RegistryBase::RegistryBase;
  using Factory = std::function<std::shared_ptr<Base>(BuildArgs&)>;

  void add_factory(const std::string& name, Factory f, const std::string& example,
                   const std::string& source, bool force = false) {
    add(Entry{name, example, source,
              [f = std::move(f)](BuildArgs& a) -> std::shared_ptr<void> { return f(a); }},
        force);
  }

  std::shared_ptr<Base> build(const config::Value& cfg,
                              const config::Value& default_args = config::Value(),
                              std::map<std::string, std::any> objects = {}) {
    return std::static_pointer_cast<Base>(build_void(cfg, default_args, std::move(objects)));
  }
};

// "ns::Class" -> "Class": MMCPP_REGISTER names a component by its class name.
inline std::string unqualified_name(const char* name) {
  std::string n = name;
  std::size_t p = n.rfind("::");
  return p == std::string::npos ? n : n.substr(p + 2);
}

// Registration helper used by MMCPP_REGISTER: T::from_config(BuildArgs&) builds T.
template <class T, class Base>
bool register_component(Registry<Base>& registry, const char* name, const char* example,
                        const char* source) {
  registry.add_factory(
      name, [](BuildArgs& a) -> std::shared_ptr<Base> { return T::from_config(a); }, example,
      source);
  return true;
}

}  // namespace mmcpp::registry

#define MMCPP_REGISTRY_CONCAT_(a, b) a##b
#define MMCPP_REGISTRY_CONCAT(a, b) MMCPP_REGISTRY_CONCAT_(a, b)

// Register CLASS (which has `static std::shared_ptr<CLASS> from_config(BuildArgs&)`)
// in REGISTRY (a function returning the registry) under the name "CLASS".
// EXAMPLE is a config dict literal that builds it, e.g. "dict(type='IterTimerHook')".
#define MMCPP_REGISTER(REGISTRY, CLASS, EXAMPLE)                            \
  static const bool MMCPP_REGISTRY_CONCAT(mmcpp_registered_, __COUNTER__) = \
      ::mmcpp::registry::register_component<CLASS>(                         \
          REGISTRY(), ::mmcpp::registry::unqualified_name(#CLASS).c_str(), EXAMPLE, __FILE__)

// The same under an explicit name (aliases, names that are not C++ identifiers).
#define MMCPP_REGISTER_AS(REGISTRY, CLASS, NAME, EXAMPLE)                   \
  static const bool MMCPP_REGISTRY_CONCAT(mmcpp_registered_, __COUNTER__) = \
      ::mmcpp::registry::register_component<CLASS>(REGISTRY(), NAME, EXAMPLE, __FILE__)
