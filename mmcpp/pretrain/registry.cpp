#include "mmcpp/pretrain/registry.h"

#include "mmcpp/registry/config_check.h"

namespace mmcpp::pretrain {

#define MMCPP_PRETRAIN_REGISTRY(FN, TYPE, PARENT)                                \
  registry::Registry<TYPE>& FN() {                                               \
    static registry::Registry<TYPE> r(PARENT().name(), "mmpretrain", &PARENT()); \
    return r;                                                                    \
  }

MMCPP_PRETRAIN_REGISTRY(RUNNERS, engine::Runner, registry::RUNNERS)
MMCPP_PRETRAIN_REGISTRY(RUNNER_CONSTRUCTORS, engine::RunnerConstructor,
                        registry::RUNNER_CONSTRUCTORS)
MMCPP_PRETRAIN_REGISTRY(LOOPS, engine::BaseLoop, registry::LOOPS)
MMCPP_PRETRAIN_REGISTRY(HOOKS, engine::Hook, registry::HOOKS)
MMCPP_PRETRAIN_REGISTRY(LOG_PROCESSORS, engine::LogProcessor, registry::LOG_PROCESSORS)
MMCPP_PRETRAIN_REGISTRY(OPTIMIZERS, torch::optim::Optimizer, registry::OPTIMIZERS)
MMCPP_PRETRAIN_REGISTRY(OPTIM_WRAPPERS, engine::OptimWrapper, registry::OPTIM_WRAPPERS)
MMCPP_PRETRAIN_REGISTRY(OPTIM_WRAPPER_CONSTRUCTORS, engine::OptimWrapperConstructor,
                        registry::OPTIM_WRAPPER_CONSTRUCTORS)
MMCPP_PRETRAIN_REGISTRY(PARAM_SCHEDULERS, engine::ParamScheduler, registry::PARAM_SCHEDULERS)
MMCPP_PRETRAIN_REGISTRY(DATASETS, data::BaseDataset, registry::DATASETS)
MMCPP_PRETRAIN_REGISTRY(DATA_SAMPLERS, data::Sampler, registry::DATA_SAMPLERS)
MMCPP_PRETRAIN_REGISTRY(TRANSFORMS, data::Transform, registry::TRANSFORMS)
MMCPP_PRETRAIN_REGISTRY(MODELS, torch::nn::Module, registry::MODELS)
MMCPP_PRETRAIN_REGISTRY(MODEL_WRAPPERS, torch::nn::Module, registry::MODEL_WRAPPERS)
MMCPP_PRETRAIN_REGISTRY(WEIGHT_INITIALIZERS, engine::WeightInitializer,
                        registry::WEIGHT_INITIALIZERS)
MMCPP_PRETRAIN_REGISTRY(TASK_UTILS, engine::TaskUtil, registry::TASK_UTILS)
MMCPP_PRETRAIN_REGISTRY(METRICS, evaluation::BaseMetric, registry::METRICS)
MMCPP_PRETRAIN_REGISTRY(EVALUATORS, evaluation::Evaluator, registry::EVALUATOR)
MMCPP_PRETRAIN_REGISTRY(VISUALIZERS, visualization::Visualizer, registry::VISUALIZERS)
MMCPP_PRETRAIN_REGISTRY(VISBACKENDS, visualization::VisBackend, registry::VISBACKENDS)

#undef MMCPP_PRETRAIN_REGISTRY

registry::Registry<BatchAugment>& BATCH_AUGMENTS() {
  static registry::Registry<BatchAugment> r("batch augment", "mmpretrain", nullptr);
  return r;
}

registry::Registry<Tokenizer>& TOKENIZER() {
  static registry::Registry<Tokenizer> r("tokenizer", "mmpretrain", nullptr);
  return r;
}

}  // namespace mmcpp::pretrain

namespace mmcpp::pretrain {
namespace {

// Create every child at load time, so the "mmpretrain" scope exists in each root
// even before a component is registered in it.
const bool kChildrenCreated = [] {
  RUNNERS(), RUNNER_CONSTRUCTORS(), LOOPS(), HOOKS(), LOG_PROCESSORS(), OPTIMIZERS();
  OPTIM_WRAPPERS(), OPTIM_WRAPPER_CONSTRUCTORS(), PARAM_SCHEDULERS(), DATASETS();
  DATA_SAMPLERS(), TRANSFORMS(), MODELS(), MODEL_WRAPPERS(), WEIGHT_INITIALIZERS();
  TASK_UTILS(), METRICS(), EVALUATORS(), VISUALIZERS(), VISBACKENDS(), BATCH_AUGMENTS();
  TOKENIZER();
  return true;
}();

// Config keys whose typed dicts live in MMPretrain's root-less registries, for
// the config checker (mmcpp check): ImageClassifier's train_cfg.augments and
// ClsDataPreprocessor's batch_augments.augments; the multimodal models' tokenizer.
const bool kConfigKeysRegistered =
    registry::register_component_key("augments", BATCH_AUGMENTS(), "BATCH_AUGMENTS") &&
    registry::register_component_key("tokenizer", TOKENIZER(), "TOKENIZER");

}  // namespace
}  // namespace mmcpp::pretrain
