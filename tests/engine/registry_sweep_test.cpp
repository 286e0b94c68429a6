// Every registered component builds from the example config it was registered
// with (MMCPP_REGISTER's third argument), in every registry of the tree —
// including the example plugins, loaded as custom_imports would load them.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>

#include "mmcpp/config/config.h"
#include "mmcpp/data/dataloader.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/evaluation/metric.h"
#include "mmcpp/registry/plugins.h"
#include "mmcpp/registry/root.h"

namespace mmcpp {
namespace {

namespace fs = std::filesystem;
using config::Config;
using config::Value;

Value parse(const std::string& text) {
  return Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

// Whether the package a "pkg.Type" in `example` names has registries here.
bool package_linked(const std::string& example) {
  for (auto* root : registry::all_root_registries())
    for (auto* child : root->children())
      if (example.find(child->scope() + ".") != std::string::npos) return true;
  return false;
}

TEST(RegistrySweep, EveryRegisteredTypeBuildsFromItsExample) {
  setenv("MMCPP_PLUGIN_PATH", MMCPP_PLUGIN_DIR, 1);
  registry::import_custom_modules(
      parse("dict(imports=['libseed_example.so', 'libcustom_hook.so'])"), "");

  // Objects some components take besides their config (as the Runner passes them).
  torch::nn::Linear net(2, 2);
  std::vector<torch::Tensor> params = net->parameters();
  auto sgd =
      std::make_shared<torch::optim::SGD>(params, torch::optim::SGDOptions(0.1).momentum(0.9));
  engine::OptimWrapper wrapper(sgd, 1, Value());
  engine::OptimWrapper* wrapper_ptr = &wrapper;
  std::shared_ptr<torch::optim::Optimizer> optimizer = sgd;

  std::string wd =
      (fs::temp_directory_path() / ("mmcpp_sweep_" + std::to_string(::getpid()))).string();
  Config cfg =
      Config::fromfile(std::string(MMCPP_SOURCE_DIR) + "/configs/seed_example/example_config.py");
  cfg.merge_from_dict(
      config::parse_cfg_options({"work_dir=" + wd, "train_dataloader.dataset.size=64"}));
  auto runner = engine::Runner::from_cfg(cfg);
  engine::Runner* runner_ptr = runner.get();
  auto loader = data::DataLoader::from_config(
      parse("dict(dataset=dict(type='ToyDataset', size=8), sampler=dict(type='DefaultSampler', "
            "shuffle=False), batch_size=4)"),
      0, false);
  auto evaluator = evaluation::Evaluator::from_config(parse("dict(type='ToyAccuracy')"));

  auto objects_for = [&](const registry::RegistryBase& r) -> std::map<std::string, std::any> {
    if (r.name() == "optimizer") return {{"params", params}};
    if (r.name() == "optim_wrapper") return {{"optimizer", optimizer}};
    if (r.name() == "parameter scheduler")
      return {{"optimizer", wrapper_ptr}, {"epoch_length", std::int64_t{10}}};
    if (r.name() == "loop")
      return {{"runner", runner_ptr}, {"dataloader", loader}, {"evaluator", evaluator}};
    // Without a process group ("dist") the wrappers pass everything through.
    if (r.name() == "model_wrapper") return {{"module", runner->model_ptr()}};
    return {};
  };

  std::vector<registry::RegistryBase*> all;
  for (auto* root : registry::all_root_registries()) {
    all.push_back(root);
    for (auto* child : root->children()) all.push_back(child);
  }
  int built = 0;
  std::vector<std::string> failures;
  for (auto* r : all) {
    for (const auto& e : r->entries()) {
      if (e.example.empty()) {
        failures.push_back(r->scope() + "::" + r->name() + "::" + e.name +
                           ": no example registered");
        continue;
      }
      try {
        Value c = parse(e.example);
        registry::ScopeGuard scope(r->scope());
        std::shared_ptr<void> obj = r->build_void(c, Value(), objects_for(*r));
        if (!obj) failures.push_back(e.name + ": built nothing");
        ++built;
      } catch (const Error& err) {
        // An engine type whose example nests another package's component
        // (ConcatDataset of mmpretrain.CIFAR10) builds only where that package
        // is linked: mmcpp_tests sweeps it there; the engine-only binary cannot.
        const std::string what = err.what();
        const bool other_package = (e.example.find("mmpretrain.") != std::string::npos ||
                                    e.example.find("mmagic.") != std::string::npos) &&
                                   what.find(" registry") != std::string::npos &&
                                   !package_linked(e.example);
        if (!other_package)
          failures.push_back(r->scope() + "::" + r->name() + "::" + e.name + " from " + e.example +
                             ": " + what);
      }
    }
  }
  for (const auto& f : failures) ADD_FAILURE() << f;
  // Hooks, loops, schedulers, optimizers, samplers, collate functions, models,
  // datasets, metrics, log processor, vis backend: dozens of types.
  EXPECT_GT(built, 60);
  std::cout << "[ sweep    ] built " << built << " registered types from their examples\n";
  runner.reset();
  fs::remove_all(wd);
}

}  // namespace
}  // namespace mmcpp
