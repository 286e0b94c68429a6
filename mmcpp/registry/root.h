// The 23 root registries of MMEngine (mmengine/registry/root.py), scope "mmengine".
// Package registries (mmcpp/pretrain/registry.h, ...) are children of these.
// Component base classes are only declared here, so this header stays light.
#pragma once

#include "mmcpp/registry/registry.h"

namespace torch::nn {
class Module;
}
namespace torch::optim {
class Optimizer;
}

namespace mmcpp {
namespace engine {
class Runner;
class RunnerConstructor;
class BaseLoop;
class Hook;
class Strategy;
class OptimWrapper;
class OptimWrapperConstructor;
class ParamScheduler;
class LogProcessor;
class WeightInitializer;
class Inferencer;
class TaskUtil;
}  // namespace engine
namespace data {
class BaseDataset;
class Sampler;
class Transform;
class CollateFunction;
}  // namespace data
namespace evaluation {
class BaseMetric;
class Evaluator;
}  // namespace evaluation
namespace visualization {
class Visualizer;
class VisBackend;
}  // namespace visualization

namespace registry {

Registry<engine::Runner>& RUNNERS();
Registry<engine::RunnerConstructor>& RUNNER_CONSTRUCTORS();
Registry<engine::BaseLoop>& LOOPS();
Registry<engine::Hook>& HOOKS();
Registry<engine::Strategy>& STRATEGIES();
Registry<data::BaseDataset>& DATASETS();
Registry<data::Sampler>& DATA_SAMPLERS();
Registry<data::Transform>& TRANSFORMS();
Registry<torch::nn::Module>& MODELS();
Registry<torch::nn::Module>& MODEL_WRAPPERS();
Registry<engine::WeightInitializer>& WEIGHT_INITIALIZERS();
Registry<torch::optim::Optimizer>& OPTIMIZERS();
Registry<engine::OptimWrapper>& OPTIM_WRAPPERS();
Registry<engine::OptimWrapperConstructor>& OPTIM_WRAPPER_CONSTRUCTORS();
Registry<engine::ParamScheduler>& PARAM_SCHEDULERS();
Registry<evaluation::BaseMetric>& METRICS();
Registry<evaluation::Evaluator>& EVALUATOR();
Registry<engine::TaskUtil>& TASK_UTILS();
Registry<visualization::Visualizer>& VISUALIZERS();
Registry<visualization::VisBackend>& VISBACKENDS();
Registry<engine::LogProcessor>& LOG_PROCESSORS();
Registry<engine::Inferencer>& INFERENCERS();
Registry<data::CollateFunction>& FUNCTIONS();

// Every root registry, for listing and the sweep test.
std::vector<RegistryBase*> all_root_registries();

}  // namespace registry
}  // namespace mmcpp
