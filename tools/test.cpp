// `mmcpp test CONFIG CHECKPOINT [--work-dir D] [--out F] [--out-item pred|metrics]
// [--show-dir D] [--interval N] [--amp] [--no-pin-memory] [--cfg-options k=v ...]`:
// MMPretrain's tools/test.py. MMEngine's metric line is logged
// (`Epoch(test) [N/N]    accuracy/top1: ...`); a progress bar runs on a terminal
// (plain lines every 10% otherwise) and a table of the metrics ends the run.
//   --out F           the predictions (DumpResults, a pickle that Python's
//                     MMPretrain reads), or with --out-item metrics the metrics
//                     dict (.pkl/.pickle, .json or .yaml/.yml, mmengine.dump).
//   --show-dir D      enables default_hooks.visualization (VisualizationHook) and
//                     saves the drawn predictions in D.
//   --tta             test-time augmentation: model = tta_model (default
//                     AverageClsScoreTTA) wrapping the model, the test pipeline
//                     replaced by tta_pipeline (default: the test pipeline with
//                     its last step replaced by TestTimeAug over a horizontal
//                     flip (prob 1, then 0) followed by that last step).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/config/dump.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/evaluation/dump_results.h"
#include "mmcpp/io/pickle_writer.h"
#include "mmcpp/registry/config_check.h"
#include "tools/local_rank.h"
#include "tools/metrics_table.h"
#include "tools/progress_hook.h"
#include "tools/subcommand.h"

namespace {

using mmcpp::config::Config;
using mmcpp::config::Value;

struct TestArgs {
  std::string config, checkpoint, work_dir, out, out_item, show_dir;
  std::vector<std::string> cfg_options;
  std::string launcher = "none";
  bool amp = false, show = false, no_pin_memory = false, tta = false;
  std::int64_t interval = 1;
  double wait_time = 2;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// cfg.<a>.<b> as a dict, AttributeError as Python when missing.
Value& attribute(Value& parent, const std::string& key, const std::string& where) {
  Value* v = parent.is_dict() ? parent.as_dict().find(key) : nullptr;
  if (!v)
    throw mmcpp::Error("AttributeError",
                       "'ConfigDict' object has no attribute '" + key + "' (" + where + ")");
  return *v;
}

// mmengine.dump(metrics, path): the format follows the extension.
void dump_metrics(const mmcpp::evaluation::Metrics& metrics, const std::string& path) {
  if (ends_with(path, ".pkl") || ends_with(path, ".pickle")) {
    mmcpp::io::PyObject d = mmcpp::io::PyObject::dict();
    for (const auto& [k, v] : metrics) d.as_dict().set(k, v.to_py());
    mmcpp::Env::system().write_file_atomic(path, mmcpp::io::pickle_dumps_with_tensors(d));
    return;
  }
  Value d = Value::dict(false);
  for (const auto& [k, v] : metrics) d.as_dict().set(Value(k), v.to_value());
  if (ends_with(path, ".json")) {
    mmcpp::Env::system().write_file_atomic(path, mmcpp::config::dump_json(d));
  } else if (ends_with(path, ".yaml") || ends_with(path, ".yml")) {
    mmcpp::Env::system().write_file_atomic(path, mmcpp::config::dump_yaml(d));
  } else {
    throw mmcpp::Error("TypeError",
                       "Unsupported format: " + path + " (use .pkl/.pickle, .json or .yaml/.yml)");
  }
}

// MMPretrain's tools/test.py with --tta: cfg.model = dict(**tta_model,
// module=model), test_dataloader.dataset.pipeline = tta_pipeline, with the
// defaults it gives configs that lack them.
void apply_tta(Value& root) {
  auto& d = root.as_dict();
  if (!d.contains("tta_model")) {
    Value tta_model = Value::dict(true);
    tta_model.as_dict().set(Value("type"), Value("mmpretrain.AverageClsScoreTTA"));
    d.set(Value("tta_model"), tta_model);
  }
  // Its own copy: `test_dataloader = val_dataloader` may share the dicts.
  Value& loader = attribute(root, "test_dataloader", "--tta");
  loader = loader.deep_copy();
  Value& dataset = attribute(loader, "dataset", "--tta");
  if (!d.contains("tta_pipeline")) {
    const Value& test_pipeline = attribute(dataset, "pipeline", "--tta");
    if (!test_pipeline.is_sequence() || test_pipeline.items().empty())
      throw mmcpp::Error("IndexError",
                         "--tta: test_dataloader.dataset.pipeline has no last step to replace by "
                         "TestTimeAug");
    Value tta_pipeline = test_pipeline.deep_copy();
    auto flip = [](double prob) {
      Value f = Value::dict(true);
      f.as_dict().set(Value("type"), Value("RandomFlip"));
      f.as_dict().set(Value("prob"), Value(prob));
      return f;
    };
    Value flip_tta = Value::dict(true);
    flip_tta.as_dict().set(Value("type"), Value("TestTimeAug"));
    flip_tta.as_dict().set(Value("transforms"),
                           Value::list({Value::list({flip(1.0), flip(0.0)}),
                                        Value::list({test_pipeline.items().back().deep_copy()})}));
    tta_pipeline.items().back() = flip_tta;
    d.set(Value("tta_pipeline"), tta_pipeline);
  }
  const Value& tta_model = *d.find("tta_model");
  if (!tta_model.is_dict())
    throw mmcpp::Error("TypeError", "--tta: tta_model must be a dict, got " + tta_model.repr());
  Value model = tta_model.deep_copy();
  model.as_dict().set(Value("module"), attribute(root, "model", "--tta").deep_copy());
  d.set(Value("model"), model);
  dataset.as_dict().set(Value("pipeline"), d.find("tta_pipeline")->deep_copy());
}

// MMPretrain's merge_args.
void merge_args(Config& cfg, const TestArgs& a) {
  Value& root = cfg.dict();
  root.as_dict().set(Value("launcher"), Value(a.launcher));
  // work_dir: command line > config > ./work_dirs/<config name>
  if (!a.work_dir.empty()) {
    root.as_dict().set(Value("work_dir"), Value(a.work_dir));
  } else if (!cfg.get("work_dir") || cfg.get("work_dir")->is_none()) {
    root.as_dict().set(Value("work_dir"), Value("./work_dirs/" + mmcpp::path_stem(a.config)));
  }
  root.as_dict().set(Value("load_from"), Value(a.checkpoint));
  // Never resume a training state in a test run (MMEngine would fail on the
  // optimizer of a config with resume=True).
  root.as_dict().set(Value("resume"), Value(false));
  if (a.amp) attribute(root, "test_cfg", "--amp").as_dict().set(Value("fp16"), Value(true));
  if (a.show || !a.show_dir.empty()) {
    Value* hooks = root.as_dict().find("default_hooks");
    Value* vis = hooks && hooks->is_dict() ? hooks->as_dict().find("visualization") : nullptr;
    if (!vis || !vis->is_dict())
      throw mmcpp::Error("AssertionError",
                         "VisualizationHook is not set in the `default_hooks` field of config. "
                         "Please set `visualization=dict(type=\"VisualizationHook\")`");
    vis->as_dict().set(Value("enable"), Value(true));
    vis->as_dict().set(Value("show"), Value(a.show));
    vis->as_dict().set(Value("wait_time"), Value(a.wait_time));
    vis->as_dict().set(Value("out_dir"), a.show_dir.empty() ? Value() : Value(a.show_dir));
    vis->as_dict().set(Value("interval"), Value(a.interval));
  }
  if (a.tta) apply_tta(root);
  // Default test dataloader arguments: pin_memory=True, collate_fn=default_collate.
  if (Value* dl = root.as_dict().find("test_dataloader"); dl && dl->is_dict()) {
    Value merged = Value::dict(true);
    merged.as_dict().set(Value("pin_memory"), Value(true));
    Value collate = Value::dict(true);
    collate.as_dict().set(Value("type"), Value("default_collate"));
    merged.as_dict().set(Value("collate_fn"), collate);
    for (const auto& [k, v] : dl->as_dict().entries()) merged.as_dict().set(k, v);
    if (a.no_pin_memory) merged.as_dict().set(Value("pin_memory"), Value(false));
    *dl = merged;
  }
  if (!a.cfg_options.empty()) cfg.merge_from_dict(mmcpp::config::parse_cfg_options(a.cfg_options));
}

int test(const TestArgs& a) {
  if (a.out.empty() && !a.out_item.empty())
    throw mmcpp::Error("ValueError",
                       "Please use `--out` argument to specify the path of the output file before "
                       "using `--out-item`.");
  Config cfg = Config::fromfile(a.config);
  merge_args(cfg, a);
  // Every component it would build must exist before anything is written.
  mmcpp::registry::CheckOptions check;
  check.sections = mmcpp::registry::kCheckForTest;
  if (a.launcher != "none") check.sections |= mmcpp::registry::kCheckDistributed;
  mmcpp::registry::require_supported(cfg, check, "mmcpp test");
  auto runner = mmcpp::engine::Runner::from_cfg(cfg);
  if (!a.out.empty() && a.out_item != "metrics")
    runner->add_test_metric(std::make_shared<mmcpp::evaluation::DumpResults>(a.out));
  runner->register_hook(
      std::make_shared<mmcpp::tools::ProgressHook>(stderr, mmcpp::tools::is_terminal(stderr)));
  mmcpp::evaluation::Metrics metrics = runner->test();
  if (runner->rank() != 0) return 0;  // rank 0 writes and prints the job's metrics
  if (!a.out.empty() && a.out_item == "metrics") {
    dump_metrics(metrics, a.out);
    std::cout << "results have been saved at " << a.out << "\n";
  }
  std::cout << mmcpp::tools::metrics_table(metrics);
  // MMagic configs test several datasets at once (Set5/PSNR, Set14/PSNR, ...):
  // also one row per dataset.
  const Value* scope = cfg.get("default_scope");
  if (scope && scope->is_str() && scope->as_str() == "mmagic") {
    std::vector<std::pair<std::string, double>> scalars;
    for (const auto& [k, v] : metrics)
      if (v.is_scalar()) scalars.emplace_back(k, v.scalar());
    std::cout << "\n" << mmcpp::tools::metrics_table(scalars);
  }
  return 0;
}

mmcpp::tools::RunFn setup_test(CLI::App& sub) {
  auto a = std::make_shared<TestArgs>();
  sub.description("MMPreTrain test (and eval) a model (MMPretrain's tools/test.py)");
  sub.add_option("config", a->config, "test config file path")->required();
  sub.add_option("checkpoint", a->checkpoint, "checkpoint file")->required();
  sub.add_option("--work-dir", a->work_dir,
                 "the directory to save the file containing evaluation metrics");
  sub.add_option("--out", a->out, "the file to output results.");
  sub.add_option("--out-item", a->out_item,
                 "To output whether metrics or predictions. Defaults to output predictions.")
      ->check(CLI::IsMember({"metrics", "pred"}));
  sub.add_option("--cfg-options", a->cfg_options, "override settings in the config: key=value ...")
      ->expected(1, -1);
  sub.add_flag("--amp", a->amp, "enable automatic-mixed-precision test");
  sub.add_option("--show-dir", a->show_dir,
                 "directory where the visualization images will be saved.");
  sub.add_flag("--show", a->show,
               "whether to display the prediction results in a window (not available: "
               "use --show-dir)");
  sub.add_option("--interval", a->interval, "visualize per interval samples.")
      ->check(CLI::PositiveNumber);
  sub.add_option("--wait-time", a->wait_time, "display time of every window. (second)");
  sub.add_flag("--tta", a->tta,
               "Whether to enable the Test-Time-Aug (TTA). If the config file has `tta_pipeline` "
               "and `tta_model` fields, use them to determine the TTA transforms and how to merge "
               "the TTA results. Otherwise, use flip TTA by averaging classification score.");
  sub.add_flag("--no-pin-memory", a->no_pin_memory,
               "whether to disable the pin_memory option in dataloaders.");
  sub.add_option("--launcher", a->launcher, "job launcher")
      ->check(CLI::IsMember({"none", "pytorch", "slurm", "mpi"}));
  auto local_rank = std::make_shared<int>(0);
  mmcpp::tools::add_local_rank_option(sub, local_rank);
  return [a, local_rank] {
    mmcpp::tools::export_local_rank(*local_rank);
    return test(*a);
  };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("test", setup_test);
