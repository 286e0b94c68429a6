// `mmcpp test CONFIG CHECKPOINT [--work-dir D] [--out F] [--cfg-options k=v ...]`:
// MMPretrain's tools/test.py. Prints the metrics; --out writes them as JSON.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/config/dump.h"
#include "mmcpp/core/env.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/config_check.h"
#include "tools/subcommand.h"

namespace {

using mmcpp::config::Config;
using mmcpp::config::Value;

struct TestArgs {
  std::string config, checkpoint, work_dir, out;
  std::vector<std::string> cfg_options;
  std::string launcher = "none";
};

int test(const TestArgs& a) {
  Config cfg = Config::fromfile(a.config);
  if (!a.cfg_options.empty()) cfg.merge_from_dict(mmcpp::config::parse_cfg_options(a.cfg_options));
  cfg.dict().as_dict().set(Value("launcher"), Value(a.launcher));
  if (!a.work_dir.empty()) {
    cfg.dict().as_dict().set(Value("work_dir"), Value(a.work_dir));
  } else if (!cfg.get("work_dir") || cfg.get("work_dir")->is_none()) {
    cfg.dict().as_dict().set(Value("work_dir"), Value("./work_dirs/" + mmcpp::path_stem(a.config)));
  }
  cfg.dict().as_dict().set(Value("load_from"), Value(a.checkpoint));
  cfg.dict().as_dict().set(Value("resume"), Value(false));
  mmcpp::registry::CheckOptions check;
  check.sections = mmcpp::registry::kCheckForTest;
  if (a.launcher != "none") check.sections |= mmcpp::registry::kCheckDistributed;
  mmcpp::registry::require_supported(cfg, check, "mmcpp test");
  auto runner = mmcpp::engine::Runner::from_cfg(cfg);
  auto metrics = runner->test();
  Value out = Value::dict(false);
  for (const auto& [k, v] : metrics) out.as_dict().set(Value(k), Value(v));
  if (!a.out.empty()) {
    mmcpp::Env::system().write_file_atomic(a.out, mmcpp::config::dump_json(out) + "\n");
    std::cout << "results have been saved at " << a.out << "\n";
  }
  for (const auto& [k, v] : metrics) std::cout << k << ": " << mmcpp::config::float_repr(v) << "\n";
  return 0;
}

mmcpp::tools::RunFn setup_test(CLI::App& sub) {
  auto a = std::make_shared<TestArgs>();
  sub.description("Test (evaluate) a checkpoint (MMPretrain's tools/test.py)");
  sub.add_option("config", a->config, "test config file path")->required();
  sub.add_option("checkpoint", a->checkpoint, "checkpoint file")->required();
  sub.add_option("--work-dir", a->work_dir,
                 "the directory to save the file containing evaluation metrics");
  sub.add_option("--out", a->out, "the file to output results (JSON)");
  sub.add_option("--cfg-options", a->cfg_options, "override settings in the config: key=value ...")
      ->expected(1, -1);
  sub.add_option("--launcher", a->launcher, "job launcher")
      ->check(CLI::IsMember({"none", "pytorch", "slurm", "mpi"}));
  return [a] { return test(*a); };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("test", setup_test);
