// `mmcpp train CONFIG [--work-dir D] [--resume [CKPT]] [--amp] [--auto-scale-lr]
// [--no-validate] [--cfg-options k=v ...] [--launcher none|pytorch|slurm]`:
// MMPretrain's tools/train.py.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/config_check.h"
#include "tools/subcommand.h"

namespace {

using mmcpp::config::Config;
using mmcpp::config::Value;

struct TrainArgs {
  std::string config;
  std::string work_dir;
  std::vector<std::string> resume;  // absent: no resume; empty value: auto; else the path
  bool resume_given = false;
  bool amp = false;
  bool auto_scale_lr = false;
  bool no_validate = false;
  bool no_pin_memory = false;
  bool no_persistent_workers = false;
  std::vector<std::string> cfg_options;
  std::string launcher = "none";
};

void set_key(Config& cfg, const std::string& key, Value v) {
  cfg.merge_from_dict({{key, std::move(v)}});
}

// `cfg.<key>` of a top-level key: Python's AttributeError when the config lacks it.
const Value& attribute(const Config& cfg, const std::string& key) {
  const Value* v = cfg.get(key);
  if (!v)
    throw mmcpp::Error("AttributeError", "'ConfigDict' object has no attribute '" + key + "'");
  return *v;
}

int train(const TrainArgs& a) {
  Config cfg = Config::fromfile(a.config);
  cfg.dict().as_dict().set(Value("launcher"), Value(a.launcher));
  // work_dir: command line > config > ./work_dirs/<config name>
  if (!a.work_dir.empty()) {
    cfg.dict().as_dict().set(Value("work_dir"), Value(a.work_dir));
  } else if (!cfg.get("work_dir") || cfg.get("work_dir")->is_none()) {
    cfg.dict().as_dict().set(Value("work_dir"), Value("./work_dirs/" + mmcpp::path_stem(a.config)));
  }
  if (a.amp) {
    // cfg.optim_wrapper.type = 'AmpOptimWrapper'
    // cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    const Value& ow = attribute(cfg, "optim_wrapper");
    if (!ow.is_dict())
      throw mmcpp::Error("AttributeError",
                         "'" + ow.type_name() + "' object has no attribute 'type'");
    bool has_loss_scale = ow.as_dict().contains("loss_scale");
    set_key(cfg, "optim_wrapper.type", Value("AmpOptimWrapper"));
    if (!has_loss_scale) set_key(cfg, "optim_wrapper.loss_scale", Value("dynamic"));
  }
  if (a.auto_scale_lr) {
    // cfg.auto_scale_lr.enable = True
    const Value& asl = attribute(cfg, "auto_scale_lr");
    if (!asl.is_dict())
      throw mmcpp::Error("AttributeError",
                         "'" + asl.type_name() + "' object has no attribute 'enable'");
    set_key(cfg, "auto_scale_lr.enable", Value(true));
  }
  if (a.no_validate) {
    for (const char* k : {"val_cfg", "val_dataloader", "val_evaluator"})
      cfg.dict().as_dict().set(Value(k), Value());
  }
  for (const char* loader : {"train_dataloader", "val_dataloader", "test_dataloader"}) {
    const Value* l = cfg.get(loader);
    if (!l || !l->is_dict()) continue;
    if (a.no_pin_memory) set_key(cfg, std::string(loader) + ".pin_memory", Value(false));
    if (a.no_persistent_workers)
      set_key(cfg, std::string(loader) + ".persistent_workers", Value(false));
  }
  if (a.resume_given) {
    if (a.resume.empty() || a.resume[0].empty() || a.resume[0] == "auto") {
      cfg.dict().as_dict().set(Value("resume"), Value(true));
      cfg.dict().as_dict().set(Value("load_from"), Value());
    } else {
      cfg.dict().as_dict().set(Value("resume"), Value(true));
      cfg.dict().as_dict().set(Value("load_from"), Value(a.resume[0]));
    }
  }
  // As MMPretrain's merge_args: --cfg-options last, over everything above.
  if (!a.cfg_options.empty()) cfg.merge_from_dict(mmcpp::config::parse_cfg_options(a.cfg_options));

  // Every component it would build must exist before anything (the work_dir
  // first) is written; the error lists all that are missing.
  mmcpp::registry::CheckOptions check;
  check.sections = mmcpp::registry::kCheckForTrain;
  if (a.launcher != "none") check.sections |= mmcpp::registry::kCheckDistributed;
  mmcpp::registry::require_supported(cfg, check, "mmcpp train");
  auto runner = mmcpp::engine::Runner::from_cfg(cfg);
  runner->train();

  // Where everything went (the README's main job prints this).
  auto& hub = runner->message_hub();
  std::cout << "\nTraining finished.\n"
            << "  log:        " << runner->logger().file_path() << "\n"
            << "  scalars:    " << mmcpp::path_join(runner->log_dir(), "vis_data/scalars.json")
            << "\n";
  Value last = hub.get_info("last_ckpt");
  if (last.is_str()) std::cout << "  checkpoint: " << last.as_str() << "\n";
  Value best = hub.get_info("best_ckpt");
  Value best_score = hub.get_info("best_score");
  if (best.is_str())
    std::cout << "  best:       " << best.as_str() << " (" << best_score.repr() << ")\n";
  for (const auto& key : hub.scalar_keys()) {
    if (key.rfind("val/", 0) != 0) continue;
    std::cout << "  " << key << ": " << hub.get_scalar(key).current() << "\n";
  }
  return 0;
}

mmcpp::tools::RunFn setup_train(CLI::App& sub) {
  auto a = std::make_shared<TrainArgs>();
  sub.description("Train a model from a config (MMPretrain's tools/train.py)");
  sub.add_option("config", a->config, "train config file path")->required();
  sub.add_option("--work-dir", a->work_dir, "the dir to save logs and models");
  auto* resume =
      sub.add_option("--resume", a->resume,
                     "resume from the given checkpoint; with no value, resume from the latest "
                     "checkpoint in the work_dir")
          ->expected(0, 1);
  sub.add_flag("--amp", a->amp, "enable automatic-mixed-precision training");
  sub.add_flag("--no-validate", a->no_validate, "do not evaluate checkpoints during training");
  sub.add_flag("--auto-scale-lr", a->auto_scale_lr,
               "scale the lr by the actual batch size (auto_scale_lr)");
  sub.add_flag("--no-pin-memory", a->no_pin_memory, "do not pin memory in dataloaders");
  sub.add_flag("--no-persistent-workers", a->no_persistent_workers,
               "do not keep dataloader workers");
  sub.add_option("--cfg-options", a->cfg_options, "override settings in the config: key=value ...")
      ->expected(1, -1);
  sub.add_option("--launcher", a->launcher, "job launcher")
      ->check(CLI::IsMember({"none", "pytorch", "slurm", "mpi"}));
  return [a, resume] {
    a->resume_given = resume->count() > 0;
    return train(*a);
  };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("train", setup_train);
