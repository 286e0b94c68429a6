#include "mmcpp/registry/root.h"

namespace mmcpp::registry {

// Function-local statics: usable from other translation units' static
// initialisers (component registrations) whatever the initialisation order.
#define MMCPP_ROOT_REGISTRY(FN, TYPE, NAME)             \
  Registry<TYPE>& FN() {                                \
    static Registry<TYPE> r(NAME, "mmengine", nullptr); \
    return r;                                           \
  }

MMCPP_ROOT_REGISTRY(RUNNERS, engine::Runner, "runner")
MMCPP_ROOT_REGISTRY(RUNNER_CONSTRUCTORS, engine::RunnerConstructor, "runner constructor")
MMCPP_ROOT_REGISTRY(LOOPS, engine::BaseLoop, "loop")
MMCPP_ROOT_REGISTRY(HOOKS, engine::Hook, "hook")
MMCPP_ROOT_REGISTRY(STRATEGIES, engine::Strategy, "strategy")
MMCPP_ROOT_REGISTRY(DATASETS, data::BaseDataset, "dataset")
MMCPP_ROOT_REGISTRY(DATA_SAMPLERS, data::Sampler, "data sampler")
MMCPP_ROOT_REGISTRY(TRANSFORMS, data::Transform, "transform")
MMCPP_ROOT_REGISTRY(MODELS, torch::nn::Module, "model")
MMCPP_ROOT_REGISTRY(MODEL_WRAPPERS, torch::nn::Module, "model_wrapper")
MMCPP_ROOT_REGISTRY(WEIGHT_INITIALIZERS, engine::WeightInitializer, "weight initializer")
MMCPP_ROOT_REGISTRY(OPTIMIZERS, torch::optim::Optimizer, "optimizer")
MMCPP_ROOT_REGISTRY(OPTIM_WRAPPERS, engine::OptimWrapper, "optim_wrapper")
MMCPP_ROOT_REGISTRY(OPTIM_WRAPPER_CONSTRUCTORS, engine::OptimWrapperConstructor,
                    "optimizer wrapper constructor")
MMCPP_ROOT_REGISTRY(PARAM_SCHEDULERS, engine::ParamScheduler, "parameter scheduler")
MMCPP_ROOT_REGISTRY(METRICS, evaluation::BaseMetric, "metric")
MMCPP_ROOT_REGISTRY(EVALUATOR, evaluation::Evaluator, "evaluator")
MMCPP_ROOT_REGISTRY(TASK_UTILS, engine::TaskUtil, "task util")
MMCPP_ROOT_REGISTRY(VISUALIZERS, visualization::Visualizer, "visualizer")
MMCPP_ROOT_REGISTRY(VISBACKENDS, visualization::VisBackend, "vis_backend")
MMCPP_ROOT_REGISTRY(LOG_PROCESSORS, engine::LogProcessor, "log_processor")
MMCPP_ROOT_REGISTRY(INFERENCERS, engine::Inferencer, "inferencer")
MMCPP_ROOT_REGISTRY(FUNCTIONS, data::CollateFunction, "function")

#undef MMCPP_ROOT_REGISTRY

std::vector<RegistryBase*> all_root_registries() {
  return {&RUNNERS(),
          &RUNNER_CONSTRUCTORS(),
          &LOOPS(),
          &HOOKS(),
          &STRATEGIES(),
          &DATASETS(),
          &DATA_SAMPLERS(),
          &TRANSFORMS(),
          &MODELS(),
          &MODEL_WRAPPERS(),
          &WEIGHT_INITIALIZERS(),
          &OPTIMIZERS(),
          &OPTIM_WRAPPERS(),
          &OPTIM_WRAPPER_CONSTRUCTORS(),
          &PARAM_SCHEDULERS(),
          &METRICS(),
          &EVALUATOR(),
          &TASK_UTILS(),
          &VISUALIZERS(),
          &VISBACKENDS(),
          &LOG_PROCESSORS(),
          &INFERENCERS(),
          &FUNCTIONS()};
}

}  // namespace mmcpp::registry
