// How much of a model zoo builds: `mmcpp zoo-report DIR` runs what get-flops
// does over every config of a tree (MMPretrain's configs/) and counts the
// configs whose model builds, ranking the missing component types by how many
// configs need them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mmcpp/engine/analysis/train_probe.h"

namespace mmcpp::engine::analysis {

struct ZooEntry;

struct ZooOptions {
  // The configs counted: those whose `model.type`, after inheritance, is this
  // (MMPretrain's image classification configs).
  std::string model_type = "ImageClassifier";
  // Build the model of each config that passes the check (else only check).
  bool build = true;
  // Also count FLOPs (one forward of batch 1 at `input_shape`) of built models.
  bool flops = false;
  std::vector<std::int64_t> input_shape = {3, 224, 224};
  // Default scope of the model build and its check (get_model's).
  std::string scope = "mmpretrain";
  // > 0: also probe that each built model trains (train_probe.h: this many SGD
  // steps on a batch of random images through the config's own pipelines).
  int train_steps = 0;
  // The train probe's max_cost (0: every built config is probed).
  double max_train_cost = 0;
  // Only the selected configs whose index among the selected ones is
  // shard_index modulo shard_count are built (and probed): a tree split over
  // several processes. Every config is still loaded and checked.
  std::size_t shard_index = 0, shard_count = 1;
  // Called after each built (or failed) model, e.g. to print progress.
  std::function<void(const ZooEntry&, double seconds)> on_built;
};

struct ZooEntry {
  std::string file;  // relative to the tree
  bool loaded = false;
  std::string error;       // load error, or why the model did not build
  std::string model_type;  // "" when the config has no model dict
  bool selected = false;   // model_type == options.model_type
  // Unsupported component types of the model (as "Type (KIND)"), and of the
  // whole config (what train and test would also need).
  std::vector<std::string> missing_model, missing_all;
  bool built = false;
  std::int64_t params = 0;
  std::optional<std::int64_t> flops;
  bool in_shard = true;  // built (and probed) in this shard
  // The train probe (options.train_steps > 0) of a built model.
  std::optional<TrainProbeResult> probe;
};

struct ZooReport {
  std::string dir;
  ZooOptions options;
  std::vector<ZooEntry> entries;  // every .py config outside _base_, sorted by path

  std::size_t loaded() const;
  std::size_t selected() const;
  std::size_t built() const;
  // Selected configs in this shard (all of them without sharding).
  std::size_t in_shard() const;
  // Built configs whose train probe passed.
  std::size_t trained() const;
  // Unsupported types ranked by the number of selected configs that need them
  // (descending, then by name); `whole_config` ranks missing_all.
  std::vector<std::pair<std::string, std::size_t>> ranking(bool whole_config) const;
  // "N of M <model_type> configs build" (with a shard: "... in shard i/n"),
  // "K of N built configs train" with the probe, the rankings, the failures.
  std::string text() const;
  nlohmann::ordered_json json() const;
};

// Loads every `.py` config under `dir` (recursively, skipping `_base_` folders),
// checks it, and builds the models of the selected ones that pass. A config
// that fails to load or build is recorded with its error; nothing is thrown for
// one config.
ZooReport zoo_report(const std::string& dir, const ZooOptions& options = {});

}  // namespace mmcpp::engine::analysis
