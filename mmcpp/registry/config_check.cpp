#include "mmcpp/registry/config_check.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/core/suggest.h"
#include "mmcpp/registry/plugins.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::registry {

using config::Value;

namespace {

// ---- extension tables (registries of names; function-local statics) ----

struct LayerTable {
  std::string kind;
  LayerNamesFn names;
  std::string source;
};

struct KeyRule {
  std::string key;
  RegistryBase* registry;
  std::string label;
};

std::mutex& tables_mutex() {
  static std::mutex m;
  return m;
}
std::vector<LayerTable>& layer_tables() {
  static std::vector<LayerTable> t;
  return t;
}
std::vector<KeyRule>& key_rules() {
  static std::vector<KeyRule> r;
  return r;
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}
std::string last_part(const std::string& type) {
  std::size_t dot = type.rfind('.');
  return dot == std::string::npos ? type : type.substr(dot + 1);
}

// ---- what a key means ----

// Where a spec is looked up.
struct Kind {
  std::string label;                 // "MODELS", "norm layer", ...
  RegistryBase* registry = nullptr;  // for registry kinds
  bool layer = false;                // a layer kind: MODELS, then the name tables
};

Kind registry_kind(const char* label, RegistryBase& r) { return Kind{label, &r, false}; }
Kind layer_kind(const char* label) { return Kind{label, &MODELS(), true}; }

// The context a dict's keys are read in: what an unknown key with a typed dict
// means there.
enum class Context { Other, Model, Transform };

Context context_of(const Kind& kind) {
  if (kind.layer || kind.registry == &MODELS()) return Context::Model;
  if (kind.registry == &TRANSFORMS()) return Context::Transform;
  return Context::Other;
}

enum class KeyMeaning { Spec, InitCfg, Skip, Walk };

struct KeyRuleResult {
  KeyMeaning meaning;
  Kind kind;
};

KeyRuleResult meaning_of(const std::string& key, Context ctx) {
  if (key == "type" || key == "_scope_") return {KeyMeaning::Skip, {}};
  if (key == "init_cfg") return {KeyMeaning::InitCfg, {}};
  // Not component specs: LoRAModel's `targets` name modules by pattern; FSDP's
  // auto_wrap_policy is a callable.
  if (key == "targets" || key == "auto_wrap_policy") return {KeyMeaning::Skip, {}};
  if (ends_with(key, "norm_cfg")) return {KeyMeaning::Spec, layer_kind(kNormLayers)};
  if (ends_with(key, "act_cfg")) return {KeyMeaning::Spec, layer_kind(kActivationLayers)};
  if (ends_with(key, "conv_cfg")) return {KeyMeaning::Spec, layer_kind(kConvLayers)};
  if (key == "upsample_cfg") return {KeyMeaning::Spec, layer_kind(kUpsampleLayers)};
  if (key == "pipeline" || ends_with(key, "_pipeline") || key == "transforms" || key == "policies")
    return {KeyMeaning::Spec, registry_kind("TRANSFORMS", TRANSFORMS())};
  if (key == "dataset" || key == "datasets")
    return {KeyMeaning::Spec, registry_kind("DATASETS", DATASETS())};
  if (key == "sampler" || key == "batch_sampler")
    return {KeyMeaning::Spec, registry_kind("DATA_SAMPLERS", DATA_SAMPLERS())};
  if (key == "collate_fn") return {KeyMeaning::Spec, registry_kind("FUNCTIONS", FUNCTIONS())};
  if (key == "optimizer") return {KeyMeaning::Spec, registry_kind("OPTIMIZERS", OPTIMIZERS())};
  if (key == "vis_backends") return {KeyMeaning::Spec, registry_kind("VISBACKENDS", VISBACKENDS())};
  if (key == "loss" || starts_with(key, "loss_") || ends_with(key, "_loss"))
    return {KeyMeaning::Spec, registry_kind("MODELS", MODELS())};
  {
    std::lock_guard<std::mutex> lock(tables_mutex());
    for (const KeyRule& r : key_rules())
      if (r.key == key) return {KeyMeaning::Spec, Kind{r.label, r.registry, false}};
  }
  if (ctx == Context::Model) return {KeyMeaning::Spec, registry_kind("MODELS", MODELS())};
  if (ctx == Context::Transform)
    return {KeyMeaning::Spec, registry_kind("TRANSFORMS", TRANSFORMS())};
  return {KeyMeaning::Walk, {}};
}

// ---- lookups ----

std::vector<std::string> names_in_tree(RegistryBase& r) {
  std::vector<std::string> out;
  std::vector<RegistryBase*> todo{&r.root()};
  while (!todo.empty()) {
    RegistryBase* x = todo.back();
    todo.pop_back();
    for (const auto& n : x->names()) out.push_back(n);
    for (auto* c : x->children()) todo.push_back(c);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool table_has(const std::string& kind, const std::string& type) {
  std::vector<std::string> names = registered_layer_names(kind);
  return std::find(names.begin(), names.end(), type) != names.end() ||
         std::find(names.begin(), names.end(), last_part(type)) != names.end();
}

class Walker {
 public:
  Walker(ConfigCheck& out, bool init_cfg) : out_(out), check_init_cfg_(init_cfg) {}

  void check(const std::string& path, const std::string& type, const Kind& kind,
             const std::string& scope, bool is_string) {
    ComponentSpec s;
    s.path = path;
    s.type = type;
    s.kind = kind.label;
    s.scope = scope;
    s.is_string = is_string;
    if (!type.empty() && kind.registry) {
      ScopeGuard guard(scope);
      s.supported = kind.registry->get(type) != nullptr;
      if (!s.supported && kind.layer) s.supported = table_has(kind.label, type);
    }
    if (!s.supported && !type.empty()) {
      std::vector<std::string> candidates;
      if (kind.registry) candidates = names_in_tree(*kind.registry);
      if (kind.layer) {
        // Layer kinds: only the names of that kind's tables, plus MODELS entries
        // when no table exists (MMCV 2 registers layers in MODELS).
        std::vector<std::string> t = registered_layer_names(kind.label);
        if (!t.empty()) candidates = t;
      }
      s.suggestions = closest_names(last_part(type), candidates, 3);
    }
    out_.components.push_back(std::move(s));
  }

  // `v` at `path` is a component spec of `kind` (or a list of them).
  void spec(const Value& v, const std::string& path, const Kind& kind, const std::string& scope) {
    if (v.is_sequence()) {
      for (std::size_t i = 0; i < v.items().size(); ++i)
        spec(v.items()[i], path + "[" + std::to_string(i) + "]", kind, scope);
      return;
    }
    if (!v.is_dict()) return;
    std::string here = scope_of(v, scope);
    if (std::optional<std::string> type = type_of(v)) check(path, *type, kind, here, false);
    keys(v, path, context_of(kind), here);
  }

  // The keys of dict `v`, read in `ctx`.
  void keys(const Value& v, const std::string& path, Context ctx, const std::string& scope) {
    for (const auto& [k, child] : v.as_dict().entries()) {
      if (!k.is_str()) continue;
      const std::string& key = k.as_str();
      std::string child_path = path.empty() ? key : path + "." + key;
      KeyRuleResult m = meaning_of(key, ctx);
      switch (m.meaning) {
        case KeyMeaning::Skip:
          break;
        case KeyMeaning::InitCfg:
          if (check_init_cfg_) init_cfg(child, child_path, scope);
          break;
        case KeyMeaning::Spec:
          spec(child, child_path, m.kind, scope);
          break;
        case KeyMeaning::Walk:
          walk(child, child_path, ctx, scope);
          break;
      }
    }
  }

  // A container that is not itself a spec: look inside for keyed specs.
  void walk(const Value& v, const std::string& path, Context ctx, const std::string& scope) {
    if (v.is_sequence()) {
      for (std::size_t i = 0; i < v.items().size(); ++i)
        walk(v.items()[i], path + "[" + std::to_string(i) + "]", ctx, scope);
    } else if (v.is_dict()) {
      keys(v, path, ctx, scope_of(v, scope));
    }
  }

  // init_cfg: a dict or list of WEIGHT_INITIALIZERS specs; `override` entries
  // without a type take their parent's.
  void init_cfg(const Value& v, const std::string& path, const std::string& scope) {
    Kind kind = registry_kind("WEIGHT_INITIALIZERS", WEIGHT_INITIALIZERS());
    if (v.is_sequence()) {
      for (std::size_t i = 0; i < v.items().size(); ++i)
        init_cfg(v.items()[i], path + "[" + std::to_string(i) + "]", scope);
      return;
    }
    if (!v.is_dict()) return;
    std::string here = scope_of(v, scope);
    if (std::optional<std::string> type = type_of(v)) check(path, *type, kind, here, false);
    if (const Value* o = v.as_dict().find("override")) init_cfg(*o, path + ".override", here);
  }

  static std::optional<std::string> type_of(const Value& d) {
    const Value* t = d.as_dict().find("type");
    if (!t) return std::nullopt;
    if (t->is_str()) return t->as_str();
    if (t->is_lazy()) return t->as_lazy().dotted();
    return t->repr();  // not a name: reported as unsupported
  }

  static std::string scope_of(const Value& d, const std::string& scope) {
    const Value* s = d.as_dict().find("_scope_");
    return s && s->is_str() ? s->as_str() : scope;
  }

 private:
  ConfigCheck& out_;
  bool check_init_cfg_;
};

bool is_section(unsigned sections, unsigned s) { return (sections & s) != 0; }

// The section a top-level key belongs to, or 0 when the Runner does not build it.
unsigned section_of(const std::string& key) {
  if (key == "model" || key == "data_preprocessor") return kCheckModel;
  if (key == "train_dataloader" || key == "train_cfg" || key == "optim_wrapper" ||
      key == "param_scheduler")
    return kCheckTrain;
  if (key == "val_dataloader" || key == "val_cfg" || key == "val_evaluator") return kCheckVal;
  if (key == "test_dataloader" || key == "test_cfg" || key == "test_evaluator") return kCheckTest;
  if (key == "default_hooks" || key == "custom_hooks" || key == "visualizer" ||
      key == "log_processor" || key == "runner_type" || key == "strategy")
    return kCheckRuntime;
  if (key == "model_wrapper_cfg") return kCheckDistributed;
  if (key == "tta_model" || ends_with(key, "pipeline") || ends_with(key, "policies"))
    return kCheckVariables;
  return 0;
}

void optim_wrapper(Walker& w, const Value& v, const std::string& path, const std::string& scope) {
  if (!v.is_dict()) return;
  const auto& d = v.as_dict();
  std::string here = Walker::scope_of(v, scope);
  bool single = d.contains("type") || d.contains("optimizer") || d.contains("constructor");
  if (!single) {
    // OptimWrapperDict: every value is a wrapper of its own.
    for (const auto& [k, child] : d.entries())
      if (k.is_str()) optim_wrapper(w, child, path + "." + k.as_str(), here);
    return;
  }
  if (std::optional<std::string> type = Walker::type_of(v))
    w.check(path, *type, registry_kind("OPTIM_WRAPPERS", OPTIM_WRAPPERS()), here, false);
  if (const Value* c = d.find("constructor"); c && c->is_str())
    w.check(path + ".constructor", c->as_str(),
            registry_kind("OPTIM_WRAPPER_CONSTRUCTORS", OPTIM_WRAPPER_CONSTRUCTORS()), here, true);
  Value rest = Value::dict(false);
  for (const auto& [k, child] : d.entries())
    if (!(k.is_str() && k.as_str() == "constructor")) rest.as_dict().set(k, child);
  w.keys(rest, path, Context::Other, here);
}

void evaluator(Walker& w, const Value& v, const std::string& path, const std::string& scope) {
  Kind metrics = registry_kind("METRICS", METRICS());
  if (v.is_dict() && v.as_dict().contains("metrics")) {
    std::string here = Walker::scope_of(v, scope);
    // 'Evaluator' (the default type) is built by Evaluator::from_config itself;
    // other evaluator types come from the EVALUATOR registry.
    if (std::optional<std::string> type = Walker::type_of(v); type && *type != "Evaluator")
      w.check(path, *type, registry_kind("EVALUATOR", EVALUATOR()), here, false);
    w.spec(*v.as_dict().find("metrics"), path + ".metrics", metrics, here);
    return;
  }
  // MMagic's MultiValLoop/MultiTestLoop: a list with one evaluator per dataloader.
  if (v.is_list() || v.is_tuple()) {
    bool evaluators = false;
    for (const Value& item : v.items())
      evaluators = evaluators || (item.is_dict() && item.as_dict().contains("metrics"));
    if (evaluators) {
      for (std::size_t i = 0; i < v.items().size(); ++i)
        evaluator(w, v.items()[i], path + "[" + std::to_string(i) + "]", scope);
      return;
    }
  }
  w.spec(v, path, metrics, scope);
}

void top_level(Walker& w, const std::string& key, const Value& v, const std::string& scope) {
  if (v.is_none()) return;
  if (key == "model" || key == "data_preprocessor" || key == "tta_model") {
    if (key == "model" && v.is_dict() && !v.as_dict().contains("type")) {
      w.check(key, "", registry_kind("MODELS", MODELS()), scope, false);
      w.keys(v, key, Context::Model, Walker::scope_of(v, scope));
      return;
    }
    w.spec(v, key, registry_kind("MODELS", MODELS()), scope);
  } else if (ends_with(key, "_dataloader")) {
    w.walk(v, key, Context::Other, scope);
  } else if (key == "train_cfg" || key == "val_cfg" || key == "test_cfg") {
    w.spec(v, key, registry_kind("LOOPS", LOOPS()), scope);
  } else if (key == "optim_wrapper") {
    optim_wrapper(w, v, key, scope);
  } else if (key == "param_scheduler") {
    Kind k = registry_kind("PARAM_SCHEDULERS", PARAM_SCHEDULERS());
    if (v.is_dict() && !v.as_dict().contains("type")) {
      // Keyed by the names of an OptimWrapperDict's wrappers.
      for (const auto& [name, s] : v.as_dict().entries())
        if (name.is_str()) w.spec(s, key + "." + name.as_str(), k, scope);
    } else {
      w.spec(v, key, k, scope);
    }
  } else if (key == "val_evaluator" || key == "test_evaluator") {
    evaluator(w, v, key, scope);
  } else if (key == "default_hooks") {
    if (!v.is_dict()) return;
    for (const auto& [name, h] : v.as_dict().entries())
      if (name.is_str())
        w.spec(h, key + "." + name.as_str(), registry_kind("HOOKS", HOOKS()), scope);
  } else if (key == "custom_hooks") {
    w.spec(v, key, registry_kind("HOOKS", HOOKS()), scope);
  } else if (key == "visualizer") {
    w.spec(v, key, registry_kind("VISUALIZERS", VISUALIZERS()), scope);
  } else if (key == "log_processor") {
    w.spec(v, key, registry_kind("LOG_PROCESSORS", LOG_PROCESSORS()), scope);
  } else if (key == "runner_type") {
    if (v.is_str()) w.check(key, v.as_str(), registry_kind("RUNNERS", RUNNERS()), scope, true);
  } else if (key == "strategy") {
    // Only the strategy itself: its arguments are DeepSpeed/FSDP settings.
    if (v.is_dict())
      if (std::optional<std::string> type = Walker::type_of(v))
        w.check(key, *type, registry_kind("STRATEGIES", STRATEGIES()), Walker::scope_of(v, scope),
                false);
  } else if (key == "model_wrapper_cfg") {
    w.spec(v, key, registry_kind("MODEL_WRAPPERS", MODEL_WRAPPERS()), scope);
  } else if (ends_with(key, "pipeline") || ends_with(key, "policies")) {
    w.spec(v, key, registry_kind("TRANSFORMS", TRANSFORMS()), scope);
  }
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace

std::string ComponentSpec::location() const {
  if (type.empty() && !is_string) return path + ".type (missing)";
  return is_string ? path + "='" + type + "'" : path + ".type='" + type + "'";
}

bool ConfigCheck::ok() const {
  return std::all_of(components.begin(), components.end(),
                     [](const ComponentSpec& c) { return c.supported; });
}

std::vector<ComponentSpec> ConfigCheck::missing() const {
  std::vector<ComponentSpec> out;
  for (const auto& c : components)
    if (!c.supported) out.push_back(c);
  return out;
}

std::vector<std::string> ConfigCheck::missing_types() const {
  std::vector<std::string> out;
  for (const auto& c : components)
    if (!c.supported && std::find(out.begin(), out.end(), c.type) == out.end())
      out.push_back(c.type);
  return out;
}

std::string ConfigCheck::report() const {
  std::string name = config.empty() ? "<config>" : config;
  auto miss = missing();
  if (miss.empty())
    return name + ": all " + std::to_string(components.size()) +
           " components are supported by mmcpp\n";
  std::string s = name + ": " + std::to_string(miss.size()) + " of " +
                  std::to_string(components.size()) + " components are not supported by mmcpp:\n";
  std::size_t width = 0;
  for (const auto& c : miss) width = std::max(width, c.location().size());
  for (const auto& c : miss) {
    std::string loc = c.location();
    loc.resize(width, ' ');
    s += "  " + loc + "  (" + c.kind + ", scope " + c.scope;
    if (!c.suggestions.empty()) s += "; did you mean " + join(c.suggestions, ", ") + "?";
    s += ")\n";
  }
  auto types = missing_types();
  s += std::to_string(types.size()) + " unsupported type" + (types.size() == 1 ? "" : "s") + ": " +
       join(types, ", ") + "\n";
  return s;
}

ConfigCheck check_config(const config::Config& cfg, const CheckOptions& options) {
  const Value& root = cfg.dict();
  if (!root.is_dict()) throw Error("TypeError", "a config must be a dict");
  if (options.import_plugins) {
    if (const Value* ci = cfg.get("custom_imports"); ci && !ci->is_none())
      import_custom_modules(*ci, path_dirname(cfg.filename()));
  }
  std::string scope = options.scope;
  if (scope.empty()) {
    const Value* ds = cfg.get("default_scope");
    scope = ds && ds->is_str() ? ds->as_str() : DefaultScope::current();
  }
  ConfigCheck out;
  out.config = cfg.filename();
  Walker w(out, options.init_cfg);
  for (const auto& [k, v] : root.as_dict().entries()) {
    if (!k.is_str()) continue;
    unsigned s = section_of(k.as_str());
    if (s == 0 || !is_section(options.sections, s)) continue;
    top_level(w, k.as_str(), v, scope);
  }
  return out;
}

void require_supported(const config::Config& cfg, const CheckOptions& options,
                       const std::string& command) {
  ConfigCheck c = check_config(cfg, options);
  if (c.ok()) return;
  std::string r = c.report();
  if (!r.empty() && r.back() == '\n') r.pop_back();
  throw Error("KeyError", command + " stopped before building or writing anything: " + r);
}

bool register_layer_names(const std::string& kind, LayerNamesFn names, const char* source) {
  std::lock_guard<std::mutex> lock(tables_mutex());
  layer_tables().push_back({kind, std::move(names), source ? source : ""});
  return true;
}

std::vector<std::string> registered_layer_names(const std::string& kind) {
  std::vector<LayerNamesFn> fns;
  {
    std::lock_guard<std::mutex> lock(tables_mutex());
    for (const auto& t : layer_tables())
      if (t.kind == kind) fns.push_back(t.names);
  }
  std::vector<std::string> out;
  for (const auto& fn : fns)
    for (auto& n : fn()) out.push_back(std::move(n));
  return out;
}

bool register_component_key(const std::string& key, RegistryBase& registry,
                            const std::string& label) {
  std::lock_guard<std::mutex> lock(tables_mutex());
  for (const auto& r : key_rules())
    if (r.key == key)
      throw Error("KeyError", "config key '" + key + "' already belongs to " + r.label);
  key_rules().push_back({key, &registry, label});
  return true;
}

}  // namespace mmcpp::registry
