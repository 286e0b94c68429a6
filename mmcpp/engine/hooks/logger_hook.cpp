// LoggerHook (mmengine/hooks/logger_hook.py).
#include "mmcpp/engine/hooks/logger_hook.h"

#include <functional>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"
#include "mmcpp/visualization/local_vis_backend.h"
#include "mmcpp/visualization/visualizer.h"

namespace mmcpp::engine {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// mmengine.utils.scandir(dir, suffix, recursive=True): paths relative to `root`.
void scan(Env& env, const std::string& root, const std::string& rel,
          const std::vector<std::string>& suffixes, std::vector<std::string>& out) {
  std::string dir = rel.empty() ? root : path_join(root, rel);
  for (const std::string& name : env.list_dir(dir)) {
    std::string rel_path = rel.empty() ? name : path_join(rel, name);
    std::string full = path_join(root, rel_path);
    if (env.is_dir(full)) {
      scan(env, root, rel_path, suffixes, out);
      continue;
    }
    for (const std::string& s : suffixes) {
      if (ends_with(rel_path, s)) {
        out.push_back(rel_path);
        break;
      }
    }
  }
}

std::string strip_trailing_slashes(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

LoggerHook::LoggerHook(Options options) : options_(std::move(options)) {
  priority_ = BELOW_NORMAL;
  if (options_.interval <= 0) {
    throw Error("ValueError", "LoggerHook: interval must be greater than 0, got " +
                                  std::to_string(options_.interval));
  }
  if (options_.interval_exp_name <= 0) {
    throw Error("ValueError", "LoggerHook: interval_exp_name must be greater than 0, got " +
                                  std::to_string(options_.interval_exp_name));
  }
}

std::shared_ptr<LoggerHook> LoggerHook::from_config(registry::BuildArgs& args) {
  Options o;
  o.interval = args.get_int("interval", o.interval);
  o.ignore_last = args.get_bool("ignore_last", o.ignore_last);
  o.interval_exp_name = args.get_int("interval_exp_name", o.interval_exp_name);
  o.out_dir = args.get_opt_str("out_dir");
  if (args.has("out_suffix") && !args.value("out_suffix").is_none()) {
    o.out_suffix = args.get_str_or_list("out_suffix");
  }
  o.keep_local = args.get_bool("keep_local", o.keep_local);
  o.log_metric_by_epoch = args.get_bool("log_metric_by_epoch", o.log_metric_by_epoch);
  config::Value file_client_args = args.value("file_client_args");
  config::Value backend_args = args.value("backend_args");
  if (!o.out_dir && !file_client_args.is_none()) {
    throw Error("ValueError",
                "LoggerHook: file_client_args should be \"None\" when `out_dir` is not specified.");
  }
  if (!file_client_args.is_none() && !backend_args.is_none()) {
    throw Error("ValueError",
                "LoggerHook: \"file_client_args\" and \"backend_args\" cannot be "
                "set at the same time.");
  }
  return std::make_shared<LoggerHook>(std::move(o));
}

std::vector<std::string> LoggerHook::stages() const {
  return {"before_run",      "after_train_iter", "after_val_iter", "after_val_epoch",
          "after_test_iter", "after_test_epoch", "after_run"};
}

bool LoggerHook::should_log_train(std::int64_t batch_idx, std::int64_t loader_len) const {
  if (every_n_inner_iters(batch_idx, options_.interval)) return true;
  return batch_idx + 1 == loader_len && (!options_.ignore_last || loader_len <= options_.interval);
}

std::pair<std::vector<std::pair<std::string, double>>,
          std::vector<std::pair<std::string, std::int64_t>>>
LoggerHook::split_tags(const LogTags& tags) {
  std::vector<std::pair<std::string, double>> floats;
  std::vector<std::pair<std::string, std::int64_t>> ints;
  for (const auto& [k, v] : tags) {
    if (LogProcessor::is_int_tag(k)) {
      ints.emplace_back(k, static_cast<std::int64_t>(v));
    } else {
      floats.emplace_back(k, v);
    }
  }
  return {floats, ints};
}

namespace {

// json.dumps of a value ([1.0, 2], nested lists, str, bool, None).
std::string json_value(const config::Value& v) {
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_float()) return visualization::json_number(v.as_float());
  if (v.is_str()) return visualization::json_string(v.as_str());
  if (v.is_sequence()) {
    std::string out = "[";
    for (const auto& item : v.items()) out += (out.size() > 1 ? ", " : "") + json_value(item);
    return out + "]";
  }
  if (v.is_dict()) {
    std::string out = "{";
    for (const auto& [k, item] : v.as_dict().entries())
      out += (out.size() > 1 ? ", " : "") + visualization::json_string(k.str()) + ": " +
             json_value(item);
    return out + "}";
  }
  return "null";
}

}  // namespace

std::string LoggerHook::metrics_json(
    const LogTags& tags, const std::vector<std::pair<std::string, config::Value>>& non_scalars) {
  std::string out = "{";
  auto add = [&out](const std::string& key, const std::string& value) {
    if (out.size() > 1) out += ", ";
    out += visualization::json_string(key) + ": " + value;
  };
  bool placed = non_scalars.empty();
  for (const auto& [k, v] : tags) {
    const bool is_time =
        k == "time" || k == "data_time" || k == "test/time" || k == "test/data_time";
    if (is_time && !placed) {
      for (const auto& [nk, nv] : non_scalars) add(nk, json_value(nv));
      placed = true;
    }
    add(k, LogProcessor::is_int_tag(k) ? std::to_string(static_cast<std::int64_t>(v))
                                       : visualization::json_number(v));
  }
  if (!placed)
    for (const auto& [nk, nv] : non_scalars) add(nk, json_value(nv));
  return out + "}";
}

void LoggerHook::add_scalars(Runner& runner, const LogTags& tags, std::int64_t step) {
  visualization::Visualizer* visualizer = runner.visualizer();
  if (visualizer == nullptr) return;
  // MMEngine passes file_path=<timestamp>.json with every LoggerHook call.
  auto [floats, ints] = split_tags(tags);
  visualizer->add_scalars(floats, step, ints, json_log_path_);
}

void LoggerHook::before_run(Runner& runner) {
  if (options_.out_dir) {
    // out_dir/<basename of work_dir>
    std::string base = path_basename(strip_trailing_slashes(runner.work_dir()));
    options_.out_dir = path_join(*options_.out_dir, base);
    runner.logger().info("Text logs will be saved to " + *options_.out_dir +
                         " after the training process.");
  }
  json_log_path_ = runner.timestamp() + ".json";
}

void LoggerHook::after_train_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch*,
                                  const NamedTensors&) {
  data::DataLoader* loader = runner.train_dataloader();
  std::int64_t len = loader != nullptr ? static_cast<std::int64_t>(loader->num_batches()) : 0;
  if (every_n_train_iters(runner, options_.interval_exp_name) || batch_idx + 1 == len) {
    runner.logger().info("Exp name: " + runner.experiment_name());
  }
  if (!should_log_train(batch_idx, len)) return;
  auto [tag, log_str] = runner.log_processor().get_log_after_iter(runner, batch_idx, "train");
  runner.logger().info(log_str);
  add_scalars(runner, tag, runner.iter() + 1);
}

void LoggerHook::after_val_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch*,
                                const data::DataSamples&) {
  if (!every_n_inner_iters(batch_idx, options_.interval)) return;
  runner.logger().info(runner.log_processor().get_log_after_iter(runner, batch_idx, "val").second);
}

void LoggerHook::after_test_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch*,
                                 const data::DataSamples&) {
  if (!every_n_inner_iters(batch_idx, options_.interval)) return;
  runner.logger().info(runner.log_processor().get_log_after_iter(runner, batch_idx, "test").second);
}

void LoggerHook::after_val_epoch(Runner& runner, const evaluation::Metrics&) {
  EvalLoop* loop = runner.val_loop();
  std::int64_t len = loop != nullptr ? loop->total_length() : 0;
  auto [tag, log_str] = runner.log_processor().get_log_after_epoch(runner, len, "val");
  runner.logger().info(log_str);
  // step: the epoch (or iter) of the train loop; 0 when validating alone.
  std::int64_t step = 0;
  if (runner.has_train_loop()) step = options_.log_metric_by_epoch ? runner.epoch() : runner.iter();
  add_scalars(runner, tag, step);
}

void LoggerHook::after_test_epoch(Runner& runner, const evaluation::Metrics&) {
  EvalLoop* loop = runner.test_loop();
  std::int64_t len = loop != nullptr ? loop->total_length() : 0;
  auto [tag, log_str] = runner.log_processor().get_log_after_epoch(runner, len, "test");
  runner.logger().info(log_str);
  // with_non_scalar=True: the non-scalar metrics (lists, tensors as nested
  // lists) follow the scalar ones, before time and data_time.
  std::vector<std::pair<std::string, config::Value>> non_scalars;
  const MessageHub& hub = runner.message_hub();
  for (const std::string& key : hub.info_keys()) {
    if (key.rfind("test", 0) != 0) continue;
    std::string name = key;
    if (!runner.log_processor().options().log_with_hierarchy && key.rfind("test/", 0) == 0)
      name = key.substr(5);
    non_scalars.emplace_back(name, hub.get_info(key));
  }
  runner.env().make_dirs(runner.log_dir());
  runner.env().write_file_atomic(path_join(runner.log_dir(), json_log_path_),
                                 metrics_json(tag, non_scalars));
}

void LoggerHook::after_run(Runner& runner) {
  if (!options_.out_dir) return;
  Env& env = runner.env();
  const std::string& log_dir = runner.log_dir();
  std::vector<std::string> files;
  scan(env, log_dir, "", options_.out_suffix, files);
  std::vector<std::string> removed;
  for (const std::string& rel : files) {
    std::string local = path_join(log_dir, rel);
    std::string out = path_join(*options_.out_dir, rel);
    env.make_dirs(path_dirname(out));
    env.copy_file(local, out);
    removed.push_back(local);
    runner.logger().info("The file " + local + " has been uploaded to " + out + ".");
    if (!options_.keep_local) {
      runner.logger().info(local +
                           " was removed due to the `self.keep_local=False`. You can "
                           "check the running logs in " +
                           out);
    }
  }
  if (!options_.keep_local) {
    runner.logger().flush();
    for (const std::string& f : removed) env.remove_file(f);
  }
}

MMCPP_REGISTER(registry::HOOKS, LoggerHook, "dict(type='LoggerHook', interval=10)");

}  // namespace mmcpp::engine
