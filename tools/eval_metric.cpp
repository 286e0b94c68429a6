// `mmcpp eval-metric RESULTS.pkl --metric type=Accuracy topk=1,5 [--metric ...]`:
// MMPretrain's tools/analysis_tools/eval_metric.py. Reads predictions dumped by
// `mmcpp test --out` or MMPretrain's DumpResults, builds each metric (scope
// mmpretrain; values parsed as --cfg-options values: topk=1,5 is [1, 5]) and
// prints Evaluator.offline_evaluate's dict.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/evaluation/dump_results.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/registry.h"
#include "tools/eval_print.h"
#include "tools/subcommand.h"

namespace {

using mmcpp::config::Value;

const char* kHelpUrl =
    "https://mmpretrain.readthedocs.io/en/latest/useful_tools/"
    "log_result_analysis.html#how-to-conduct-offline-metric-evaluation";

struct EvalArgs {
  std::string pkl_results;
  std::vector<std::vector<std::string>> metric_options;
};

int eval_metric(const EvalArgs& a) {
  if (a.metric_options.empty())
    throw mmcpp::Error("ValueError", std::string("Please speicfy at least one `--metric`. The "
                                                 "detailed usage can be found in ") +
                                         kHelpUrl);
  mmcpp::registry::ScopeGuard scope("mmpretrain");
  std::vector<std::shared_ptr<mmcpp::evaluation::BaseMetric>> metrics;
  for (const auto& option : a.metric_options) {
    for (const std::string& kv : option)
      if (kv.find('=') == std::string::npos)
        throw mmcpp::Error("ValueError", "--metric expects key=value items, got '" + kv + "'");
    Value cfg = Value::dict(false);
    for (auto& [k, v] : mmcpp::config::parse_cfg_options(option)) cfg.as_dict().set(Value(k), v);
    metrics.push_back(mmcpp::pretrain::METRICS().build(cfg));
  }
  mmcpp::data::DataSamples predictions = mmcpp::evaluation::load_results(a.pkl_results);
  mmcpp::evaluation::Evaluator evaluator(metrics);
  std::cout << mmcpp::tools::python_dict_repr(evaluator.offline_evaluate(predictions)) << "\n";
  return 0;
}

mmcpp::tools::RunFn setup_eval_metric(CLI::App& sub) {
  auto a = std::make_shared<EvalArgs>();
  sub.description(std::string("Evaluate metric of the results saved in pkl format "
                              "(MMPretrain's tools/analysis_tools/eval_metric.py). See ") +
                  kHelpUrl);
  sub.add_option("pkl_results", a->pkl_results, "Results in pickle format")->required();
  sub.add_option("--metric", a->metric_options,
                 "The metric config: key=value items (type=Accuracy topk=1,5). Repeat --metric "
                 "for several metrics. Lists: key=[a,b] or key=a,b; nested: key=\"[(a,b),(c,d)]\"")
      ->expected(1, -1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  return [a] { return eval_metric(*a); };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("eval-metric", setup_eval_metric);
