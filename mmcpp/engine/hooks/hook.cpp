// Hook helpers and priorities (mmengine/hooks/hook.py, mmengine/runner/priority.py).
#include "mmcpp/engine/hooks/hook.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/runner.h"

namespace mmcpp::engine {
namespace {

const std::vector<std::pair<std::string, int>>& priority_table() {
  static const std::vector<std::pair<std::string, int>> table = {
      {"HIGHEST", HIGHEST}, {"VERY_HIGH", VERY_HIGH},
      {"HIGH", HIGH},       {"ABOVE_NORMAL", ABOVE_NORMAL},
      {"NORMAL", NORMAL},   {"BELOW_NORMAL", BELOW_NORMAL},
      {"LOW", LOW},         {"VERY_LOW", VERY_LOW},
      {"LOWEST", LOWEST},
  };
  return table;
}

}  // namespace

int parse_priority(const config::Value& v) {
  // get_priority: an int in [0, 100], or a Priority name (case-insensitive).
  if (v.is_int() || v.is_bool()) {
    std::int64_t p = v.as_int();
    if (p < 0 || p > 100) {
      throw Error("ValueError", "priority must be between 0 and 100, but got " + v.repr());
    }
    return static_cast<int>(p);
  }
  if (v.is_str()) {
    std::string upper = v.as_str();
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    for (const auto& [name, value] : priority_table()) {
      if (name == upper) return value;
    }
    std::string known;
    for (const auto& [name, value] : priority_table()) {
      known += (known.empty() ? "" : ", ") + name;
    }
    throw Error("KeyError", "unknown priority " + v.repr() + "; known priorities: " + known);
  }
  throw Error("TypeError", "priority must be an integer or Priority enum value, but got " +
                               v.type_name() + " " + v.repr());
}

std::string priority_name(int priority) {
  // Runner.get_hooks_info: the enum name, or the bare number when it has none.
  for (const auto& [name, value] : priority_table()) {
    if (value == priority) return name;
  }
  return std::to_string(priority);
}

const std::vector<std::string>& hook_stages() {
  static const std::vector<std::string> stages = {
      "before_run",        "after_load_checkpoint",
      "before_train",      "before_train_epoch",
      "before_train_iter", "after_train_iter",
      "after_train_epoch", "before_val",
      "before_val_epoch",  "before_val_iter",
      "after_val_iter",    "after_val_epoch",
      "after_val",         "before_save_checkpoint",
      "after_train",       "before_test",
      "before_test_epoch", "before_test_iter",
      "after_test_iter",   "after_test_epoch",
      "after_test",        "after_run",
  };
  return stages;
}

bool Hook::every_n_epochs(Runner& runner, std::int64_t n, std::int64_t start) {
  std::int64_t dividend = runner.epoch() + 1 - start;
  return dividend >= 0 && n > 0 && dividend % n == 0;
}

bool Hook::every_n_train_iters(Runner& runner, std::int64_t n, std::int64_t start) {
  std::int64_t dividend = runner.iter() + 1 - start;
  return dividend >= 0 && n > 0 && dividend % n == 0;
}

bool Hook::every_n_inner_iters(std::int64_t batch_idx, std::int64_t n) {
  return n > 0 && (batch_idx + 1) % n == 0;
}

bool Hook::end_of_epoch(Runner& runner, std::int64_t batch_idx) {
  // MMEngine hooks always pass runner.train_dataloader here.
  data::DataLoader* loader = runner.train_dataloader();
  if (loader == nullptr) return false;
  return batch_idx + 1 == static_cast<std::int64_t>(loader->num_batches());
}

bool Hook::is_last_train_epoch(Runner& runner) { return runner.epoch() + 1 == runner.max_epochs(); }

bool Hook::is_last_train_iter(Runner& runner) { return runner.iter() + 1 == runner.max_iters(); }

namespace {
std::string lower_case(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

std::string infer_metric_rule(const std::string& key, const std::vector<std::string>& greater_keys,
                              const std::vector<std::string>& less_keys) {
  std::string k = lower_case(key);
  for (const auto& g : greater_keys)
    if (k == lower_case(g)) return "greater";
  for (const auto& l : less_keys)
    if (k == lower_case(l)) return "less";
  for (const auto& g : greater_keys)
    if (k.find(lower_case(g)) != std::string::npos) return "greater";
  for (const auto& l : less_keys)
    if (k.find(lower_case(l)) != std::string::npos) return "less";
  return "";
}

const std::vector<std::string>& default_greater_keys() {
  static const std::vector<std::string> keys = {"acc", "top",   "AR@",  "auc",  "precision",
                                                "mAP", "mDice", "mIoU", "mAcc", "aAcc"};
  return keys;
}

const std::vector<std::string>& default_less_keys() {
  static const std::vector<std::string> keys = {"loss"};
  return keys;
}

}  // namespace mmcpp::engine
