#include "mmcpp/registry/registry.h"

#include <algorithm>

#include "mmcpp/core/suggest.h"

namespace mmcpp::registry {

using config::Value;

namespace {

std::mutex& scope_mutex() {
  static std::mutex m;
  return m;
}
std::string& scope_value() {
  static std::string s = "mmengine";
  return s;
}

}  // namespace

std::string DefaultScope::current() {
  std::lock_guard<std::mutex> lock(scope_mutex());
  return scope_value();
}

void DefaultScope::set(const std::string& scope) {
  std::lock_guard<std::mutex> lock(scope_mutex());
  scope_value() = scope;
}

ScopeGuard::ScopeGuard(const std::string& scope) : previous_(DefaultScope::current()) {
  DefaultScope::set(scope);
}
ScopeGuard::~ScopeGuard() { DefaultScope::set(previous_); }

RegistryBase::RegistryBase(std::string name, std::string scope, RegistryBase* parent)
    : name_(std::move(name)), scope_(std::move(scope)), parent_(parent) {
  if (parent_) parent_->children_.push_back(this);
}

RegistryBase& RegistryBase::root() {
  RegistryBase* r = this;
  while (r->parent_) r = r->parent_;
  return *r;
}

RegistryBase* RegistryBase::find_scope(const std::string& scope) {
  RegistryBase& r = root();
  std::vector<RegistryBase*> todo{&r};
  while (!todo.empty()) {
    RegistryBase* x = todo.back();
    todo.pop_back();
    if (x->scope_ == scope) return x;
    for (auto* c : x->children_) todo.push_back(c);
  }
  return nullptr;
}

void RegistryBase::add(Entry entry, bool force) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& e : entries_) {
    if (e.name != entry.name) continue;
    if (!force)
      throw Error("KeyError", entry.name + " is already registered in " + scope_ + "::" + name_ +
                                  " (by " + e.source + ")");
    e = std::move(entry);
    return;
  }
  entries_.push_back(std::move(entry));
}

const RegistryBase::Entry* RegistryBase::find_here(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& e : entries_)
    if (e.name == key) return &e;
  return nullptr;
}

const RegistryBase::Entry* RegistryBase::find_upwards(const std::string& key) {
  for (RegistryBase* r = this; r; r = r->parent_)
    if (const Entry* e = r->find_here(key)) return e;
  return nullptr;
}

const RegistryBase::Entry* RegistryBase::get(const std::string& key) {
  std::size_t dot = key.find('.');
  if (dot == std::string::npos) {
    // Plain name: start in the registry of the default scope when this tree has one.
    RegistryBase* start = this;
    if (RegistryBase* scoped = find_scope(DefaultScope::current())) {
      if (scoped != this && &scoped->root() == &root()) start = scoped;
    }
    if (const Entry* e = start->find_upwards(key)) return e;
    return start == this ? nullptr : find_upwards(key);
  }
  std::string scope = key.substr(0, dot);
  std::string rest = key.substr(dot + 1);
  // "scope.Name".
  if (rest.find('.') == std::string::npos) {
    if (RegistryBase* r = find_scope(scope))
      if (const Entry* e = r->find_upwards(rest)) return e;
  }
  // A dotted import path from a pure-Python config: the package names the scope,
  // the last component the class ("mmpretrain.models.ResNet", "torch.optim.SGD").
  std::string cls = key.substr(key.rfind('.') + 1);
  if (RegistryBase* r = find_scope(scope))
    if (const Entry* e = r->find_upwards(cls)) return e;
  // Python packages without a registry of their own here (torch, mmcv, ...)
  // register into the engine's roots or a package child: search the whole tree.
  std::vector<RegistryBase*> todo{&root()};
  while (!todo.empty()) {
    RegistryBase* x = todo.front();
    todo.erase(todo.begin());
    if (const Entry* e = x->find_here(cls)) return e;
    for (auto* c : x->children_) todo.push_back(c);
  }
  return nullptr;
}

std::vector<std::string> RegistryBase::names() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e.name);
  return out;
}

std::vector<RegistryBase::Entry> RegistryBase::entries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::vector<Entry>(entries_.begin(), entries_.end());
}

std::vector<std::string> RegistryBase::all_names_in_tree() {
  std::vector<std::string> out;
  std::vector<RegistryBase*> todo{&root()};
  while (!todo.empty()) {
    RegistryBase* x = todo.back();
    todo.pop_back();
    for (const auto& n : x->names()) {
      out.push_back(n);
      if (x->parent_) out.push_back(x->scope_ + "." + n);
    }
    for (auto* c : x->children_) todo.push_back(c);
  }
  return out;
}

void RegistryBase::not_found(const std::string& type) {
  std::string scope = DefaultScope::current();
  std::string msg = type + " is not in the " + scope + "::" + name_ + " registry.";
  auto near = closest_names(type, all_names_in_tree(), 5);
  if (!near.empty()) {
    msg += " Did you mean: ";
    for (std::size_t i = 0; i < near.size(); ++i) msg += (i ? ", " : "") + near[i];
    msg += "?";
  }
  msg += " Please check whether the value of `" + type +
         "` is correct or it was registered as expected (custom components are loaded with "
         "custom_imports=dict(imports=['libmy_plugin.so']))";
  throw Error("KeyError", msg);
}

std::shared_ptr<void> RegistryBase::build_void(const Value& cfg_in, const Value& default_args,
                                               std::map<std::string, std::any> objects) {
  if (!cfg_in.is_dict())
    throw Error("TypeError", "cfg should be a dict, ConfigDict or Config, but got " +
                                 cfg_in.type_name() + " " + cfg_in.repr());
  Value cfg = Value::dict(false);
  for (const auto& [k, v] : cfg_in.as_dict().entries()) cfg.as_dict().set(k, v);
  if (default_args.is_dict())
    for (const auto& [k, v] : default_args.as_dict().entries())
      if (!cfg.as_dict().contains(k)) cfg.as_dict().set(k, v);
  const Value* type = cfg.as_dict().find("type");
  if (!type)
    throw Error("KeyError", "`cfg` or `default_args` must contain the key \"type\", but got " +
                                cfg_in.repr() + " for the " + name_ + " registry");
  std::string type_name;
  if (type->is_str())
    type_name = type->as_str();
  else if (type->is_lazy())
    type_name = type->as_lazy().dotted();
  else
    throw Error("TypeError",
                "type must be a str, but got " + type->type_name() + " " + type->repr());

  // `_scope_` switches the default scope while this component (and what it builds) is built.
  std::unique_ptr<ScopeGuard> scope_guard;
  if (const Value* s = cfg.as_dict().find("_scope_")) {
    if (s->is_str()) scope_guard = std::make_unique<ScopeGuard>(s->as_str());
    cfg.as_dict().erase("_scope_");
  }
  const Entry* e = get(type_name);
  if (!e) not_found(type_name);
  cfg.as_dict().erase("type");
  BuildArgs args(e->name, cfg, std::move(objects));
  std::shared_ptr<void> obj;
  try {
    obj = e->factory(args);
    args.check_all_used();
  } catch (const Error& err) {
    std::string what = err.what();
    if (what.find(e->name) == std::string::npos) what = e->name + ": " + what;
    throw Error(err.kind(), what);
  }
  return obj;
}

}  // namespace mmcpp::registry
