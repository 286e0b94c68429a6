// MMagic's registries (mmagic/registry.py): children of the MMEngine roots with
// scope "mmagic", named as MMagic names them, plus the root-less
// DIFFUSION_SCHEDULERS.
#pragma once

#include "mmcpp/registry/root.h"

namespace mmcpp::editing {

class DiffusionScheduler;

registry::Registry<engine::Runner>& RUNNERS();
registry::Registry<engine::RunnerConstructor>& RUNNER_CONSTRUCTORS();
registry::Registry<engine::BaseLoop>& LOOPS();
registry::Registry<engine::Hook>& HOOKS();
registry::Registry<engine::LogProcessor>& LOG_PROCESSORS();
registry::Registry<torch::optim::Optimizer>& OPTIMIZERS();
registry::Registry<engine::OptimWrapper>& OPTIM_WRAPPERS();
registry::Registry<engine::OptimWrapperConstructor>& OPTIM_WRAPPER_CONSTRUCTORS();
registry::Registry<engine::ParamScheduler>& PARAM_SCHEDULERS();
registry::Registry<data::BaseDataset>& DATASETS();
registry::Registry<data::Sampler>& DATA_SAMPLERS();
registry::Registry<data::Transform>& TRANSFORMS();
registry::Registry<torch::nn::Module>& MODELS();
registry::Registry<torch::nn::Module>& MODEL_WRAPPERS();
registry::Registry<engine::WeightInitializer>& WEIGHT_INITIALIZERS();
registry::Registry<engine::TaskUtil>& TASK_UTILS();
registry::Registry<DiffusionScheduler>& DIFFUSION_SCHEDULERS();
registry::Registry<evaluation::BaseMetric>& METRICS();
registry::Registry<evaluation::Evaluator>& EVALUATORS();
registry::Registry<visualization::Visualizer>& VISUALIZERS();
registry::Registry<visualization::VisBackend>& VISBACKENDS();

}  // namespace mmcpp::editing
