// How much of a model zoo builds: `mmcpp zoo-report DIR` runs what get-flops
// does over every config of a tree (MMPretrain's configs/) and counts the
// configs whose model builds, ranking the missing component types by how many
// configs need them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mmcpp::engine::analysis {

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
};

struct ZooReport {
  std::string dir;
  ZooOptions options;
  std::vector<ZooEntry> entries;  // every .py config outside _base_, sorted by path

  std::size_t loaded() const;
  std::size_t selected() const;
  std::size_t built() const;
  // Unsupported types ranked by the number of selected configs that need them
  // (descending, then by name); `whole_config` ranks missing_all.
  std::vector<std::pair<std::string, std::size_t>> ranking(bool whole_config) const;
  // "N of M <model_type> configs build", the rankings, configs that fail to load.
  std::string text() const;
  nlohmann::ordered_json json() const;
};

// Loads every `.py` config under `dir` (recursively, skipping `_base_` folders),
// checks it, and builds the models of the selected ones that pass. A config
// that fails to load or build is recorded with its error; nothing is thrown for
// one config.
ZooReport zoo_report(const std::string& dir, const ZooOptions& options = {});

}  // namespace mmcpp::engine::analysis
