#include "mmcpp/editing/registry.h"

namespace mmcpp::editing {

// MMagic's own display names ('log processor', 'optimizer_wrapper', 'task util'...)
// differ from some of MMEngine's; error messages quote them.
#define MMCPP_EDITING_REGISTRY(FN, TYPE, NAME, PARENT)            \
  registry::Registry<TYPE>& FN() {                                \
    static registry::Registry<TYPE> r(NAME, "mmagic", &PARENT()); \
    return r;                                                     \
  }

MMCPP_EDITING_REGISTRY(RUNNERS, engine::Runner, "runner", registry::RUNNERS)
MMCPP_EDITING_REGISTRY(RUNNER_CONSTRUCTORS, engine::RunnerConstructor, "runner constructor",
                       registry::RUNNER_CONSTRUCTORS)
MMCPP_EDITING_REGISTRY(LOOPS, engine::BaseLoop, "loop", registry::LOOPS)
MMCPP_EDITING_REGISTRY(HOOKS, engine::Hook, "hook", registry::HOOKS)
MMCPP_EDITING_REGISTRY(LOG_PROCESSORS, engine::LogProcessor, "log processor",
                       registry::LOG_PROCESSORS)
MMCPP_EDITING_REGISTRY(OPTIMIZERS, torch::optim::Optimizer, "optimizer", registry::OPTIMIZERS)
MMCPP_EDITING_REGISTRY(OPTIM_WRAPPERS, engine::OptimWrapper, "optimizer_wrapper",
                       registry::OPTIM_WRAPPERS)
MMCPP_EDITING_REGISTRY(OPTIM_WRAPPER_CONSTRUCTORS, engine::OptimWrapperConstructor,
                       "optimizer wrapper constructor", registry::OPTIM_WRAPPER_CONSTRUCTORS)
MMCPP_EDITING_REGISTRY(PARAM_SCHEDULERS, engine::ParamScheduler, "parameter scheduler",
                       registry::PARAM_SCHEDULERS)
MMCPP_EDITING_REGISTRY(DATASETS, data::BaseDataset, "dataset", registry::DATASETS)
MMCPP_EDITING_REGISTRY(DATA_SAMPLERS, data::Sampler, "data sampler", registry::DATA_SAMPLERS)
MMCPP_EDITING_REGISTRY(TRANSFORMS, data::Transform, "transform", registry::TRANSFORMS)
MMCPP_EDITING_REGISTRY(MODELS, torch::nn::Module, "model", registry::MODELS)
MMCPP_EDITING_REGISTRY(MODEL_WRAPPERS, torch::nn::Module, "model_wrapper", registry::MODEL_WRAPPERS)
MMCPP_EDITING_REGISTRY(WEIGHT_INITIALIZERS, engine::WeightInitializer, "weight initializer",
                       registry::WEIGHT_INITIALIZERS)
MMCPP_EDITING_REGISTRY(TASK_UTILS, engine::TaskUtil, "task util", registry::TASK_UTILS)
MMCPP_EDITING_REGISTRY(METRICS, evaluation::BaseMetric, "metric", registry::METRICS)
MMCPP_EDITING_REGISTRY(EVALUATORS, evaluation::Evaluator, "evaluator", registry::EVALUATOR)
MMCPP_EDITING_REGISTRY(VISUALIZERS, visualization::Visualizer, "visualizer", registry::VISUALIZERS)
MMCPP_EDITING_REGISTRY(VISBACKENDS, visualization::VisBackend, "vis_backend", registry::VISBACKENDS)

#undef MMCPP_EDITING_REGISTRY

registry::Registry<DiffusionScheduler>& DIFFUSION_SCHEDULERS() {
  static registry::Registry<DiffusionScheduler> r("diffusion scheduler", "mmagic", nullptr);
  return r;
}

}  // namespace mmcpp::editing

namespace mmcpp::editing {
namespace {

// Create every child at load time, so the "mmagic" scope exists in each root
// even before a component is registered in it.
const bool kChildrenCreated = [] {
  RUNNERS(), RUNNER_CONSTRUCTORS(), LOOPS(), HOOKS(), LOG_PROCESSORS(), OPTIMIZERS();
  OPTIM_WRAPPERS(), OPTIM_WRAPPER_CONSTRUCTORS(), PARAM_SCHEDULERS(), DATASETS();
  DATA_SAMPLERS(), TRANSFORMS(), MODELS(), MODEL_WRAPPERS(), WEIGHT_INITIALIZERS();
  TASK_UTILS(), DIFFUSION_SCHEDULERS(), METRICS(), EVALUATORS(), VISUALIZERS(), VISBACKENDS();
  return true;
}();

}  // namespace
}  // namespace mmcpp::editing
