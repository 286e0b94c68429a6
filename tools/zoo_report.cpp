// `mmcpp zoo-report DIR [--json OUT] [--model-type T] [--no-build] [--flops
// [--shape H W]] [--train-steps N] [--shard I/N]`: how much of a config tree (MMPretrain's
// configs/) mmcpp builds: "N of M ImageClassifier configs build", then the unsupported component
// types ranked by how many configs need them (mmcpp/engine/analysis/zoo_report.h).
#include <cstdio>
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
  int train_steps = 0;
  bool progress = false;
  double max_cost = 0;
  std::string shard;
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
  options.train_steps = a.train_steps;
  options.max_train_cost = a.max_cost;
  if (!a.shard.empty()) {
    const auto slash = a.shard.find('/');
    try {
      if (slash == std::string::npos) throw std::invalid_argument("no /");
      options.shard_index = std::stoul(a.shard.substr(0, slash));
      options.shard_count = std::stoul(a.shard.substr(slash + 1));
    } catch (const std::exception&) {
      throw mmcpp::Error("ValueError", "--shard must be I/N (e.g. 0/4), got '" + a.shard + "'");
    }
    if (options.shard_count == 0 || options.shard_index >= options.shard_count)
      throw mmcpp::Error("ValueError", "--shard " + a.shard + ": I must be below N");
  }
  if (a.progress)
    options.on_built = [](const mmcpp::engine::analysis::ZooEntry& e, double seconds) {
      std::string what = e.built ? "built" : "FAILED to build";
      if (e.probe)
        what = e.probe->trained() ? "trained"
               : e.probe->status == mmcpp::engine::analysis::TrainProbeResult::Status::kSkipped
                   ? "skipped (cost " + std::to_string(static_cast<int>(e.probe->cost)) + ")"
               : e.probe->status == mmcpp::engine::analysis::TrainProbeResult::Status::kUnsupported
                   ? "not trained: " + e.probe->message
                   : "did not train: " + e.probe->message;
      std::fprintf(stderr, "%s: %s (%.1f s)\n", e.file.c_str(), what.c_str(), seconds);
    };
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
  sub.add_option("--train-steps", a->train_steps,
                 "also check that every built model trains: N SGD steps (N >= 2) on 2 random "
                 "images sent through the config's train pipeline must lower the loss, and "
                 "predict through its test pipeline gives finite scores")
      ->check(CLI::Range(2, 100));
  sub.add_option("--max-cost", a->max_cost,
                 "with --train-steps: skip (and list) configs whose parameters (millions) x input "
                 "pixels / 224^2 exceed this (ResNet-50 at 224 costs 25, ViT-B/16 86)");
  sub.add_flag("--progress", a->progress, "print each config to stderr as it is built");
  sub.add_option("--shard", a->shard,
                 "I/N: build (and train) only every N-th selected config, starting at the I-th "
                 "(split a tree over processes)");
  return [a] { return zoo(*a); };
}

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("zoo-report", setup_zoo);
