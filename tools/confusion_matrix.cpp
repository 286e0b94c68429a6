// `mmcpp confusion-matrix CONFIG CKPT_OR_RESULT [--out cm.pkl|cm.json]
//      [--show-path cm.png] [--include-values] [--cmap viridis] [--cfg-options ...]`:
// MMPretrain's tools/analysis_tools/confusion_matrix.py. A .pth checkpoint is
// tested with test_evaluator=ConfusionMatrix (in a temporary work_dir); anything
// else is read as a predictions pickle (mmcpp test --out / DumpResults) and
// evaluated offline. --show-path draws ConfusionMatrix.plot as a PNG.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mmcpp/config/config.h"
#include "mmcpp/config/dump.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/data/base_dataset.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/evaluation/dump_results.h"
#include "mmcpp/io/pickle_writer.h"
#include "mmcpp/pretrain/evaluation/metrics/single_label.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/registry/root.h"
#include "tools/subcommand.h"

namespace {

using mmcpp::config::Config;
using mmcpp::config::Value;

struct CmArgs {
  std::string config, ckpt_or_result, out, show_path, cmap = "viridis";
  bool show = false, include_values = false;
  std::vector<std::string> cfg_options;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> class_names(const Value& meta) {
  std::vector<std::string> out;
  if (!meta.is_dict()) return out;
  if (const Value* c = meta.as_dict().find("classes"); c && c->is_sequence())
    for (const Value& v : c->items()) out.push_back(v.str());
  return out;
}

// A fresh temporary directory, removed on destruction (tempfile.TemporaryDirectory).
struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mmcpp_cm_XXXXXX").string();
    char* d = mkdtemp(tmpl.data());
    if (d == nullptr) throw mmcpp::Error("OSError", "cannot create a temporary directory");
    path = d;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

int confusion_matrix(const CmArgs& a) {
  if (a.show)
    throw mmcpp::Error("NotImplementedError",
                       "--show needs a display window, which mmcpp does not open; use "
                       "--show-path FILE.png");
  Config cfg = Config::fromfile(a.config);
  if (!a.cfg_options.empty()) cfg.merge_from_dict(mmcpp::config::parse_cfg_options(a.cfg_options));
  torch::Tensor cm;
  std::vector<std::string> classes;
  if (ends_with(a.ckpt_or_result, ".pth")) {
    Value evaluator = Value::dict(true);
    evaluator.as_dict().set(Value("type"), Value("ConfusionMatrix"));
    cfg.dict().as_dict().set(Value("test_evaluator"), evaluator);
    cfg.dict().as_dict().set(Value("load_from"), Value(a.ckpt_or_result));
    TempDir tmp;
    cfg.dict().as_dict().set(Value("work_dir"), Value(tmp.path));
    auto runner = mmcpp::engine::Runner::from_cfg(cfg);
    mmcpp::evaluation::Metrics metrics = runner->test();
    if (runner->test_dataloader())
      classes = class_names(runner->test_dataloader()->dataset().metainfo());
    for (const auto& [k, v] : metrics)
      if (k == "confusion_matrix/result") cm = v.tensor_value();
  } else {
    mmcpp::registry::ScopeGuard scope("mmpretrain");
    mmcpp::data::DataSamples predictions = mmcpp::evaluation::load_results(a.ckpt_or_result);
    mmcpp::evaluation::Evaluator evaluator({std::make_shared<mmcpp::pretrain::ConfusionMatrix>()});
    for (const auto& [k, v] : evaluator.offline_evaluate(predictions))
      if (k == "confusion_matrix/result") cm = v.tensor_value();
    try {
      // Try to build the dataset (without its pipeline) for the class names.
      const Value* dl = cfg.get("test_dataloader");
      const Value* ds = dl && dl->is_dict() ? dl->as_dict().find("dataset") : nullptr;
      if (ds && ds->is_dict()) {
        Value d = ds->deep_copy();
        d.as_dict().set(Value("pipeline"), Value::list());
        if (const Value* s = cfg.get("default_scope"); s && s->is_str())
          mmcpp::registry::DefaultScope::set(s->as_str());
        classes = class_names(mmcpp::registry::DATASETS().build(d)->metainfo());
      }
    } catch (const std::exception&) {
      classes.clear();
    }
  }
  if (!cm.defined()) throw mmcpp::Error("RuntimeError", "no confusion matrix was computed");
  if (!a.out.empty()) {
    if (ends_with(a.out, ".json")) {
      mmcpp::Env::system().write_file_atomic(
          a.out, mmcpp::config::dump_json(mmcpp::evaluation::MetricValue::tensor(cm).to_value()));
    } else if (ends_with(a.out, ".pkl") || ends_with(a.out, ".pickle")) {
      mmcpp::Env::system().write_file_atomic(
          a.out, mmcpp::io::pickle_dumps_with_tensors(mmcpp::io::PyObject::tensor(cm)));
    } else {
      throw mmcpp::Error("TypeError", "Unsupported format: " + a.out + " (use .pkl or .json)");
    }
  }
  if (!a.show_path.empty()) {
    mmcpp::pretrain::ConfusionMatrixPlotOptions o;
    o.include_values = a.include_values;
    o.cmap = a.cmap;
    o.classes = classes;
    mmcpp::pretrain::plot_confusion_matrix(cm, a.show_path, o);
    std::cout << "The confusion matrix is saved at " << a.show_path << ".\n";
  }
  if (a.out.empty() && a.show_path.empty()) std::cout << mmcpp::evaluation::tensor_repr(cm) << "\n";
  return 0;
}

mmcpp::tools::RunFn setup_confusion_matrix(CLI::App& sub) {
  auto a = std::make_shared<CmArgs>();
  sub.description(
      "Eval a checkpoint and draw the confusion matrix (MMPretrain's "
      "tools/analysis_tools/confusion_matrix.py)");
  sub.add_option("config", a->config, "test config file path")->required();
  sub.add_option("ckpt_or_result", a->ckpt_or_result,
                 "The checkpoint file (.pth) or dumpped predictions pickle file (.pkl).")
      ->required();
  sub.add_option("--out", a->out, "the file to save the confusion matrix (.pkl or .json).");
  sub.add_flag("--show", a->show, "display the matrix in a window (not available)");
  sub.add_option("--show-path", a->show_path, "Path to save the visualization image.");
  sub.add_flag("--include-values", a->include_values, "To draw the values in the figure.");
  sub.add_option("--cmap", a->cmap, "The color map to use. Defaults to \"viridis\".");
  sub.add_option("--cfg-options", a->cfg_options, "override settings in the config: key=value ...")
      ->expected(1, -1);
  return [a] { return confusion_matrix(*a); };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("confusion-matrix", setup_confusion_matrix);
