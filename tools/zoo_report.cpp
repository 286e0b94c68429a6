// `mmcpp zoo-report DIR [--json OUT] [--model-type T] [--no-build] [--flops
// [--shape H W]]`: how much of a config tree (MMPretrain's configs/) mmcpp
// builds: "N of M ImageClassifier configs build", then the unsupported component
// types ranked by how many configs need them (mmcpp/engine/analysis/zoo_report.h).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/analysis/zoo_report.h"
#include "tools/subcommand.h"

namespace {

struct ZooArgs {
  std::string dir, json, model_type = "ImageClassifier";
  bool no_build = false, flops = false;
  std::vector<std::int64_t> shape = {224, 224};
};

int zoo(const ZooArgs& a) {
  mmcpp::engine::analysis::ZooOptions options;
  options.model_type = a.model_type;
  options.build = !a.no_build;
  options.flops = a.flops;
  if (a.shape.size() == 1) {
    options.input_shape = {3, a.shape[0], a.shape[0]};
  } else if (a.shape.size() == 2) {
    options.input_shape = {3, a.shape[0], a.shape[1]};
  } else {
    throw mmcpp::Error("ValueError", "invalid input shape");
  }
  auto report = mmcpp::engine::analysis::zoo_report(a.dir, options);
  std::cout << report.text();
  if (!a.json.empty()) {
    mmcpp::Env::system().write_file_atomic(a.json, report.json().dump(1) + "\n");
    std::cout << "Wrote " << a.json << "\n";
  }
  return 0;
}

mmcpp::tools::RunFn setup_zoo(CLI::App& sub) {
  auto a = std::make_shared<ZooArgs>();
  sub.description(
      "Build the model of every config of a tree (as get-flops) and report how many build and "
      "which components are missing");
  sub.add_option("dir", a->dir, "config tree, e.g. MMPretrain's configs/")->required();
  sub.add_option("--json", a->json, "also write every config's result as JSON");
  sub.add_option("--model-type", a->model_type,
                 "the configs counted: model.type after inheritance (default ImageClassifier)");
  sub.add_flag("--no-build", a->no_build, "only check the configs, do not build the models");
  sub.add_flag("--flops", a->flops, "also count the FLOPs of every model that builds");
  sub.add_option("--shape", a->shape, "input image size for --flops: H [W] (default 224 224)")
      ->expected(1, 2);
  return [a] { return zoo(*a); };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("zoo-report", setup_zoo);
