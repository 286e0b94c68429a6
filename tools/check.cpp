// `mmcpp check CONFIG [--cfg-options k=v ...] [--for all|train|test|model]`:
// does my config run? Lists every component type the config names that mmcpp
// lacks, with where it appears, without building or running anything
// (mmcpp/registry/config_check.h). Exit status 0 when everything is supported,
// 1 otherwise.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/registry/config_check.h"
#include "tools/subcommand.h"

namespace {

struct CheckArgs {
  std::string config;
  std::vector<std::string> cfg_options;
  std::string what = "all";
};

int check(const CheckArgs& a) {
  using namespace mmcpp::registry;
  auto cfg = mmcpp::config::Config::fromfile(a.config);
  if (!a.cfg_options.empty()) cfg.merge_from_dict(mmcpp::config::parse_cfg_options(a.cfg_options));
  CheckOptions options;
  if (a.what == "train") {
    options.sections = kCheckForTrain;
  } else if (a.what == "test") {
    options.sections = kCheckForTest;
  } else if (a.what == "model") {
    // What get-flops builds, under MMPretrain's get_model scope.
    options.sections = kCheckModel;
    options.scope = "mmpretrain";
    options.init_cfg = false;
  }
  ConfigCheck result = check_config(cfg, options);
  std::cout << result.report();
  return result.ok() ? 0 : 1;
}

mmcpp::tools::RunFn setup_check(CLI::App& sub) {
  auto a = std::make_shared<CheckArgs>();
  sub.description(
      "Check that mmcpp supports every component a config names (nothing is built or run)");
  sub.add_option("config", a->config, "config file path")->required();
  sub.add_option("--cfg-options", a->cfg_options, "override settings in the config: key=value ...")
      ->expected(1, -1);
  sub.add_option("--for", a->what,
                 "which parts: all (default), what `train` or `test` builds, or the `model` "
                 "(as get-flops)")
      ->check(CLI::IsMember({"all", "train", "test", "model"}));
  return [a] { return check(*a); };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("check", setup_check);
