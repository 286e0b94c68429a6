// "Does my config run?": checking every component a config names against the
// registries, before anything is built or written.
//
// check_config walks a loaded config and collects every component spec (a dict
// with `type`, or a string naming a component such as
// `optim_wrapper.constructor`) that the Runner or a tool would build, and looks
// each type up the way building it would: in the registry its key implies,
// under the config's `default_scope` (or a `_scope_` key), `scope.Type` and
// dotted import names included (RegistryBase::get). The result names where each
// one appears (`model.backbone.type='XCiT'`, `train_pipeline[3].type='...'`), so
// a command can refuse to start with the list of everything missing, not only
// the first name the registry would stumble on.
//
// Which registry a spec belongs to:
//  - MMEngine's Runner keys: model, data_preprocessor, tta_model -> MODELS;
//    train/val/test_dataloader (dataset -> DATASETS, sampler and batch_sampler ->
//    DATA_SAMPLERS, collate_fn -> FUNCTIONS); train/val/test_cfg -> LOOPS;
//    optim_wrapper -> OPTIM_WRAPPERS (optimizer -> OPTIMIZERS, constructor ->
//    OPTIM_WRAPPER_CONSTRUCTORS; a dict of wrappers for OptimWrapperDict);
//    param_scheduler -> PARAM_SCHEDULERS (also keyed by wrapper name);
//    val/test_evaluator -> METRICS (EVALUATOR when it has `metrics`);
//    default_hooks, custom_hooks -> HOOKS; visualizer -> VISUALIZERS;
//    log_processor -> LOG_PROCESSORS; runner_type -> RUNNERS; strategy ->
//    STRATEGIES; model_wrapper_cfg -> MODEL_WRAPPERS; top-level `*pipeline` and
//    `*policies` variables -> TRANSFORMS.
//  - Below those, by key wherever it appears: init_cfg and its override ->
//    WEIGHT_INITIALIZERS; `*norm_cfg`, `*act_cfg`, `*conv_cfg`, `upsample_cfg` ->
//    layers (below); pipeline, `*_pipeline`, transforms, policies -> TRANSFORMS;
//    dataset, datasets -> DATASETS; sampler, batch_sampler -> DATA_SAMPLERS;
//    collate_fn -> FUNCTIONS; optimizer -> OPTIMIZERS; vis_backends ->
//    VISBACKENDS; loss, `loss_*`, `*_loss` -> MODELS; keys a package adds with
//    register_component_key (MMPretrain: augments -> BATCH_AUGMENTS, tokenizer ->
//    TOKENIZER). `targets` (LoRAModel's module patterns) and `auto_wrap_policy`
//    (an FSDP callable) are not component specs.
//  - Any other dict with `type`: inside a model -> MODELS (backbone, neck, head,
//    dropout_layer, plugins, ...), inside a transform -> TRANSFORMS; elsewhere
//    it is not a component and is not checked.
//
// Layers: MMCV's builders (build_norm_layer, build_activation_layer,
// build_conv_layer, build_upsample_layer, ...) look `norm_cfg`/`act_cfg`/
// `conv_cfg`/`upsample_cfg` types up in MODELS, so registering a layer in MODELS
// makes it known here too. A builder that keeps its own name table instead makes
// its names known with one line in its .cpp:
//
//   MMCPP_REGISTER_LAYER_NAMES(mmcpp::registry::kNormLayers, [] { return norm_layer_names(); });
//
// (kinds: kNormLayers, kActivationLayers, kConvLayers, kUpsampleLayers,
// kPaddingLayers). A layer type is supported when MODELS has it or any table of
// its kind lists it (with or without a `scope.` prefix).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::registry {

// Which parts of a config a command builds (bit flags).
enum CheckSection : unsigned {
  kCheckModel = 1u,        // model, data_preprocessor
  kCheckTrain = 2u,        // train_dataloader, train_cfg, optim_wrapper, param_scheduler
  kCheckVal = 4u,          // val_dataloader, val_cfg, val_evaluator
  kCheckTest = 8u,         // test_dataloader, test_cfg, test_evaluator
  kCheckRuntime = 16u,     // default_hooks, custom_hooks, visualizer, log_processor,
                           // runner_type, strategy
  kCheckVariables = 32u,   // top-level *pipeline / *policies variables, tta_model
  kCheckDistributed = 64u  // model_wrapper_cfg (built only by distributed runs)
};
// What `mmcpp train` builds (Runner.train: model, hooks, train and val parts).
constexpr unsigned kCheckForTrain = kCheckModel | kCheckTrain | kCheckVal | kCheckRuntime;
// What `mmcpp test` builds.
constexpr unsigned kCheckForTest = kCheckModel | kCheckTest | kCheckRuntime;
// Everything (`mmcpp check`).
constexpr unsigned kCheckEverything = 127u;

// Layer kinds of MMCV's builders.
inline constexpr const char* kNormLayers = "norm layer";
inline constexpr const char* kActivationLayers = "activation layer";
inline constexpr const char* kConvLayers = "conv layer";
inline constexpr const char* kUpsampleLayers = "upsample layer";
inline constexpr const char* kPaddingLayers = "padding layer";

// One component named by a config.
struct ComponentSpec {
  std::string path;        // "model.backbone", "train_pipeline[3]", "optim_wrapper.constructor"
  std::string type;        // as written: "XCiT", "mmpretrain.ResNet"
  std::string kind;        // "MODELS", "TRANSFORMS", "norm layer", ...
  std::string scope;       // the default scope it was looked up under
  bool is_string = false;  // named by a string value (constructor, runner_type), not a dict
  bool supported = false;
  std::vector<std::string> suggestions;  // close registered names, when unsupported
  // "model.backbone.type='XCiT'", "optim_wrapper.constructor='X'".
  std::string location() const;
};

struct ConfigCheck {
  std::string config;                     // the config's file name
  std::vector<ComponentSpec> components;  // in config order
  bool ok() const;
  std::vector<ComponentSpec> missing() const;
  // Distinct unsupported types, in first-seen order.
  std::vector<std::string> missing_types() const;
  // "<file>: all N components are supported" or "<file>: M of N components are
  // not supported by mmcpp:" + one line per location + the distinct types.
  std::string report() const;
};

struct CheckOptions {
  unsigned sections = kCheckEverything;
  // Default scope to look plain names up under; empty: the config's
  // `default_scope`, else the current one.
  std::string scope;
  // Load `custom_imports` plugins first, as the Runner does (their components
  // count as supported). Import errors propagate.
  bool import_plugins = true;
  // Check init_cfg types. Building a model only stores its init_cfg (the
  // initializers run in init_weights), so get-flops, which never initialises,
  // leaves them out.
  bool init_cfg = true;
};

ConfigCheck check_config(const config::Config& cfg, const CheckOptions& options = {});

// For commands: throws KeyError("<command> stopped before building anything: " +
// report) when a component is missing; does nothing otherwise.
void require_supported(const config::Config& cfg, const CheckOptions& options,
                       const std::string& command);

// ---- extension points ----

// Names a layer builder accepts (see above). Any number of tables per kind.
using LayerNamesFn = std::function<std::vector<std::string>()>;
bool register_layer_names(const std::string& kind, LayerNamesFn names, const char* source);
// Every name the tables of `kind` list.
std::vector<std::string> registered_layer_names(const std::string& kind);

// A config key whose typed dicts belong to `registry`, wherever it appears
// (MMPretrain: "augments" -> BATCH_AUGMENTS). `label` names the registry in
// reports ("BATCH_AUGMENTS").
bool register_component_key(const std::string& key, RegistryBase& registry,
                            const std::string& label);

}  // namespace mmcpp::registry

#define MMCPP_REGISTER_LAYER_NAMES(KIND, FN)                                 \
  static const bool MMCPP_REGISTRY_CONCAT(mmcpp_layer_names_, __COUNTER__) = \
      ::mmcpp::registry::register_layer_names(KIND, FN, __FILE__)
