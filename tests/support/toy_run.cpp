#include "tests/support/toy_run.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::testing {

namespace fs = std::filesystem;

MMCPP_REGISTER(registry::HOOKS, RaiseSignalHook, "dict(type='RaiseSignalHook', at=1)");

config::Config toy_run_config(const std::string& work_dir, const std::vector<std::string>& options,
                              const std::string& extra) {
  std::string text =
      "model = dict(type='ToyModel')\n"
      "train_dataloader = dict(dataset=dict(type='ToyDataset', size=32),\n"
      "    sampler=dict(type='DefaultSampler', shuffle=True),\n"
      "    collate_fn=dict(type='default_collate'), batch_size=4, num_workers=0)\n"
      "train_cfg = dict(by_epoch=True, max_epochs=3, val_begin=1, val_interval=1)\n"
      "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))\n"
      "param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[2], gamma=0.1)\n"
      "val_dataloader = dict(dataset=dict(type='ToyDataset', size=12),\n"
      "    sampler=dict(type='DefaultSampler', shuffle=False),\n"
      "    collate_fn=dict(type='default_collate'), batch_size=4)\n"
      "val_cfg = dict()\n"
      "val_evaluator = dict(type='ToyAccuracy')\n"
      "test_dataloader = val_dataloader\n"
      "test_cfg = dict()\n"
      "test_evaluator = val_evaluator\n"
      "default_hooks = dict(logger=dict(type='LoggerHook', interval=2),\n"
      "    checkpoint=dict(type='CheckpointHook', interval=1))\n"
      "randomness = dict(seed=None)\n" +
      extra;
  config::Config cfg = config::Config::fromstring(text, ".py");
  std::vector<std::string> opts = options;
  opts.push_back("work_dir=" + work_dir);
  cfg.merge_from_dict(config::parse_cfg_options(opts));
  return cfg;
}

std::shared_ptr<RaiseSignalHook> RaiseSignalHook::from_config(registry::BuildArgs& args) {
  return std::make_shared<RaiseSignalHook>(args.get_str("stage", "train"), args.get_int("at", 1),
                                           static_cast<int>(args.get_int("signal", SIGINT)));
}

void RaiseSignalHook::maybe_raise(const std::string& stage, std::int64_t count) {
  if (raised_ || stage != stage_ || count != at_) return;
  raised_ = true;
  std::raise(signal_);
}

void RaiseSignalHook::after_train_iter(engine::Runner& runner, std::int64_t, const data::DataBatch*,
                                       const engine::NamedTensors&) {
  maybe_raise("train", runner.iter() + 1);
}

void RaiseSignalHook::after_val_iter(engine::Runner&, std::int64_t batch_idx,
                                     const data::DataBatch*, const data::DataSamples&) {
  maybe_raise("val", batch_idx + 1);
}

void RaiseSignalHook::after_test_iter(engine::Runner&, std::int64_t batch_idx,
                                      const data::DataBatch*, const data::DataSamples&) {
  maybe_raise("test", batch_idx + 1);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string log_of(const std::string& work_dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(work_dir, ec))
    if (e.is_directory())
      for (const auto& f : fs::directory_iterator(e.path()))
        if (f.path().extension() == ".log") return read_text(f.path().string());
  return "";
}

std::vector<torch::Tensor> checkpoint_weights(const std::string& path) {
  std::vector<torch::Tensor> out;
  io::PyObject ckpt = engine::read_checkpoint(path);
  for (const auto& [k, v] : ckpt.get("state_dict").as_dict().entries())
    out.push_back(v.as_tensor());
  return out;
}

bool same_weights(const std::string& a, const std::string& b) {
  auto wa = checkpoint_weights(a), wb = checkpoint_weights(b);
  if (wa.size() != wb.size() || wa.empty()) return false;
  for (std::size_t i = 0; i < wa.size(); ++i)
    if (!torch::equal(wa[i], wb[i])) return false;
  return true;
}

}  // namespace mmcpp::testing
