// `mmcpp print-config CONFIG [--cfg-options k=v ...] [--format py|json|yaml]`:
// MMPretrain's tools/misc/print_config.py. Prints the config with inheritance
// resolved and the options merged, in a form that loads back to the same config.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mmcpp/config/config.h"
#include "tools/subcommand.h"

namespace {

struct PrintConfigArgs {
  std::string config;
  std::vector<std::string> cfg_options;
  std::string format = "py";
};

int print_config(const PrintConfigArgs& args) {
  using mmcpp::config::Config;
  Config cfg = Config::fromfile(args.config);
  if (!args.cfg_options.empty()) {
    cfg.merge_from_dict(mmcpp::config::parse_cfg_options(args.cfg_options),
                        /*allow_list_keys=*/true);
  }
  const std::string text = args.format == "py" ? cfg.pretty_text() : cfg.dump(args.format);
  std::cout << text;
  if (text.empty() || text.back() != '\n') std::cout << '\n';
  std::cout.flush();
  return std::cout ? 0 : 1;
}

mmcpp::tools::RunFn setup_print_config(CLI::App& sub) {
  auto args = std::make_shared<PrintConfigArgs>();
  sub.description(
      "Print a config with its _base_ files merged in (and --cfg-options applied), "
      "as Python (MMEngine's pretty_text), JSON or YAML");
  sub.add_option("config", args->config, "config file: .py, .json, .yaml or .yml")->required();
  sub.add_option("--cfg-options", args->cfg_options,
                 "override settings in the config, key=value pairs as MMEngine's DictAction: "
                 "model.backbone.depth=18 train_pipeline.0.scale=160 "
                 "'model.head.topk=(1,5)'")
      ->expected(1, -1);
  sub.add_option("--format", args->format, "output format (default: py)")
      ->check(CLI::IsMember({"py", "json", "yaml", "yml"}));
  return [args] { return print_config(*args); };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("print-config", setup_print_config);
