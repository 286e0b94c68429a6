// `mmcpp get-flops CONFIG [--shape H [W]] [--input-shape D ...] [--json OUT]
// [--cfg-options k=v ...]`: MMPretrain's tools/analysis_tools/get_flops.py.
// Builds the config's model without loading weights, counts its parameters and
// the FLOPs of one input (mmcpp/engine/analysis/), prints the per-module table
// and the totals; --json writes the state-dict layout and the figures.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/analysis/model_analysis.h"
#include "tools/subcommand.h"

namespace {

using namespace mmcpp::engine::analysis;

struct GetFlopsArgs {
  std::string config;
  std::vector<std::int64_t> shape = {224, 224};
  std::vector<std::int64_t> input_shape;
  std::string json;
  std::vector<std::string> cfg_options;
};

int get_flops(const GetFlopsArgs& a) {
  std::vector<std::int64_t> input_shape;
  if (!a.input_shape.empty()) {
    input_shape = a.input_shape;
  } else if (a.shape.size() == 1) {
    input_shape = {3, a.shape[0], a.shape[0]};
  } else if (a.shape.size() == 2) {
    input_shape = {3, a.shape[0], a.shape[1]};
  } else {
    throw mmcpp::Error("ValueError", "invalid input shape");
  }
  for (std::int64_t d : input_shape)
    if (d <= 0) throw mmcpp::Error("ValueError", "invalid input shape: sizes must be positive");

  auto cfg = mmcpp::config::Config::fromfile(a.config);
  if (!a.cfg_options.empty()) cfg.merge_from_dict(mmcpp::config::parse_cfg_options(a.cfg_options));
  auto model = build_model_for_analysis(cfg);
  FlopsResult flops = count_flops(*model, input_shape);
  for (const auto& [op, n] : flops.stats.unsupported_ops)
    std::cerr << "Unsupported operator " << op << " encountered " << n << " time(s)\n";
  std::cout << flops_report(*model, flops);
  if (!a.json.empty()) {
    mmcpp::Env::system().write_file_atomic(a.json, summary_json(*model, &flops).dump(1) + "\n");
    std::cout << "Wrote " << a.json << "\n";
  }
  return 0;
}

mmcpp::tools::RunFn setup_get_flops(CLI::App& sub) {
  auto a = std::make_shared<GetFlopsArgs>();
  sub.description(
      "Get a model's parameters and FLOPs (MMPretrain's tools/analysis_tools/get_flops.py)");
  sub.add_option("config", a->config, "config file path")->required();
  sub.add_option("--shape", a->shape, "input image size: H [W] (default 224 224)")->expected(1, 2);
  sub.add_option("--input-shape", a->input_shape,
                 "the whole input shape without the batch dimension, e.g. 1 28 28 or 2 (for "
                 "models that do not take 3-channel images); overrides --shape")
      ->expected(1, -1);
  sub.add_option("--json", a->json,
                 "also write the state-dict layout (name, shape, dtype), params, flops and "
                 "per-module figures as JSON");
  sub.add_option("--cfg-options", a->cfg_options, "override settings in the config: key=value ...")
      ->expected(1, -1);
  return [a] { return get_flops(*a); };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("get-flops", setup_get_flops);
