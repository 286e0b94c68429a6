// LogProcessor (mmengine/runner/log_processor.py): MMEngine's log lines and tags.
#include "mmcpp/engine/runner/log_processor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/hooks/cuda_memory.h"
#include "mmcpp/engine/runner/message_hub.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

std::string remove_prefix(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0 ? s.substr(prefix.size()) : s;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Python f'{v:.{digits}f}' / f'{v:.{digits}e}' (nan/inf spelled as Python does).
std::string format_float(double v, int digits, char conv) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char fmt[16];
  std::snprintf(fmt, sizeof(fmt), "%%.%d%c", digits, conv);
  char buf[512];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

// Python str(s).rjust(width).
std::string rjust(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

// str(datetime.timedelta(seconds=int(eta))): "H:MM:SS" or "N day(s), H:MM:SS".
std::string timedelta_str(double seconds) {
  std::int64_t s = static_cast<std::int64_t>(seconds);  // int() truncates
  std::int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
  std::int64_t rem = s - days * 86400;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", static_cast<long long>(rem / 3600),
                static_cast<long long>(rem % 3600 / 60), static_cast<long long>(rem % 60));
  if (days == 0) return buf;
  return std::to_string(days) + (std::llabs(days) == 1 ? " day, " : " days, ") + buf;
}

void set_tag(LogTags& tags, const std::string& key, double value) {
  for (auto& [k, v] : tags) {
    if (k == key) {
      v = value;
      return;
    }
  }
  tags.emplace_back(key, value);
}

bool erase_tag(LogTags& tags, const std::string& key, double* value = nullptr) {
  for (auto it = tags.begin(); it != tags.end(); ++it) {
    if (it->first == key) {
      if (value != nullptr) *value = it->second;
      tags.erase(it);
      return true;
    }
  }
  return false;
}

const double* find_tag(const LogTags& tags, const std::string& key) {
  for (const auto& [k, v] : tags) {
    if (k == key) return &v;
  }
  return nullptr;
}

// "name: value" of a runtime-info entry (non-scalar metrics), as Python's f-string.
std::string info_str(const config::Value& v, int digits) {
  if (v.is_float()) return format_float(v.as_float(), digits, 'f');
  return v.str();
}

}  // namespace

LogProcessor::LogProcessor(Options options) : options_(std::move(options)) {
  mean_pattern_ = std::regex(options_.mean_pattern, std::regex::ECMAScript);
  const config::Value& cfg = options_.custom_cfg;
  if (cfg.is_none()) return;
  if (!cfg.is_sequence()) {
    throw Error("TypeError",
                "LogProcessor: custom_cfg must be a list of dicts, but got " + cfg.type_name());
  }
  std::set<std::string> seen;
  for (const config::Value& item : cfg.items()) {
    if (!item.is_dict()) {
      throw Error("TypeError",
                  "LogProcessor: every custom_cfg entry must be a dict, but got " + item.repr());
    }
    const config::Dict& d = item.as_dict();
    CustomItem c;
    for (const auto& [k, v] : d.entries()) {
      std::string key = k.is_str() ? k.as_str() : k.repr();
      if (key == "data_src") {
        c.data_src = v.as_str();
      } else if (key == "log_name") {
        c.log_name = v.as_str();
      } else if (key == "method_name" || key == "method") {
        c.method = v.as_str();
      } else if (key == "window_size") {
        if (v.is_none()) {
          c.window = CustomItem::Window::None;
        } else if (v.is_int()) {
          c.window = CustomItem::Window::Int;
          c.window_size = v.as_int();
        } else if (v.is_str() && v.as_str() == "epoch") {
          c.window = CustomItem::Window::Epoch;
        } else if (v.is_str() && v.as_str() == "global") {
          c.window = CustomItem::Window::Global;
        } else {
          throw Error("TypeError",
                      "window_size should be int, epoch or global, but got invalid " + v.str());
        }
      } else {
        throw Error("TypeError", "LogProcessor: unknown custom_cfg key '" + key + "' in " +
                                     item.repr() +
                                     "; known keys: data_src, log_name, method_name, window_size");
      }
    }
    if (c.data_src.empty()) {
      throw Error("AssertionError",
                  "LogProcessor: custom_cfg entry without data_src: " + item.repr());
    }
    if (c.log_name.empty()) c.log_name = c.data_src;
    if (c.method.empty()) c.method = "mean";
    if (c.method != "mean" && c.method != "max" && c.method != "min" && c.method != "current") {
      throw Error("KeyError", c.method +
                                  " has not been registered in "
                                  "HistoryBuffer._statistics_methods (known: mean, max, "
                                  "min, current)");
    }
    if (!seen.insert(c.log_name).second) {
      throw Error("AssertionError", "Found duplicate " + c.log_name + " for " + c.data_src +
                                        ". Please check your `custom_cfg` for `log_processor`: "
                                        "a log_name may be defined once and a data_src "
                                        "overwritten (no log_name) at most once");
    }
    if (!options_.by_epoch && c.window == CustomItem::Window::Epoch) {
      throw Error("AssertionError", "window_size cannot be epoch if LoggerHook.by_epoch is False.");
    }
    custom_.push_back(std::move(c));
  }
}

std::shared_ptr<LogProcessor> LogProcessor::from_config(registry::BuildArgs& args) {
  Options o;
  o.window_size = args.get_int("window_size", o.window_size);
  o.by_epoch = args.get_bool("by_epoch", o.by_epoch);
  o.custom_cfg = args.value("custom_cfg");
  o.num_digits = static_cast<int>(args.get_int("num_digits", o.num_digits));
  o.log_with_hierarchy = args.get_bool("log_with_hierarchy", o.log_with_hierarchy);
  o.mean_pattern = args.get_str("mean_pattern", o.mean_pattern);
  return std::make_shared<LogProcessor>(std::move(o));
}

bool LogProcessor::is_int_tag(const std::string& key) {
  return key == "epoch" || key == "iter" || key == "memory";
}

LogTags LogProcessor::collect_scalars(const MessageHub& hub, const std::vector<CustomItem>& custom,
                                      const RunState& state, std::int64_t batch_idx,
                                      const std::string& mode, bool reserve_prefix) const {
  // _collect_scalars: the mode's buffers (prefix removed unless reserve_prefix),
  // smoothed over window_size when mean_pattern matches, else the current value.
  std::vector<std::pair<std::string, const HistoryBuffer*>> mode_scalars;
  for (const std::string& key : hub.scalar_keys()) {
    if (!starts_with(key, mode)) continue;
    mode_scalars.emplace_back(reserve_prefix ? key : remove_prefix(key, mode + "/"),
                              &hub.get_scalar(key));
  }
  LogTags tags;
  for (const auto& [key, buf] : mode_scalars) {
    if (std::regex_search(key, mean_pattern_)) {
      tags.emplace_back(key, buf->mean(static_cast<std::size_t>(options_.window_size)));
    } else {
      tags.emplace_back(key, buf->current());
    }
  }
  for (const CustomItem& c : custom) {
    std::string src = reserve_prefix ? mode + "/" + c.data_src : c.data_src;
    std::string name = reserve_prefix ? mode + "/" + c.log_name : c.log_name;
    const HistoryBuffer* buf = nullptr;
    for (const auto& [key, b] : mode_scalars) {
      if (key == src) buf = b;
    }
    if (buf == nullptr) continue;
    // _parse_windows_size: 'epoch' -> batch_idx + 1, 'global' -> iter + 1.
    std::size_t window = 0;  // None: the whole history
    if (c.window == CustomItem::Window::Int) {
      window = static_cast<std::size_t>(std::max<std::int64_t>(c.window_size, 0));
    } else if (c.window == CustomItem::Window::Epoch) {
      window = static_cast<std::size_t>(batch_idx + 1);
    } else if (c.window == CustomItem::Window::Global) {
      window = static_cast<std::size_t>(state.iter + 1);
    }
    double v = c.method == "mean"  ? buf->mean(window)
               : c.method == "max" ? buf->max(window)
               : c.method == "min" ? buf->min(window)
                                   : buf->current();
    set_tag(tags, name, v);
  }
  return tags;
}

std::pair<LogTags, std::string> LogProcessor::format_after_iter(const MessageHub& hub,
                                                                const RunState& state,
                                                                std::int64_t batch_idx,
                                                                const std::string& mode) const {
  if (mode != "train" && mode != "val" && mode != "test") {
    throw Error("AssertionError", "LogProcessor: mode must be train, val or test, got " + mode);
  }
  const int nd = options_.num_digits;
  LogTags log_tag = collect_scalars(hub, custom_, state, batch_idx, mode, false);
  LogTags tag = options_.log_with_hierarchy
                    ? collect_scalars(hub, custom_, state, batch_idx, mode, true)
                    : log_tag;

  // Learning rates: every tag ending in "lr", as %.4e, joined by one space.
  std::string lr_str;
  for (const auto& [key, value] : tag) {
    if (!ends_with(key, "lr")) continue;
    std::string name = remove_prefix(key, mode + "/");
    erase_tag(log_tag, name);
    if (!lr_str.empty()) lr_str += " ";
    lr_str += name + ": " + format_float(value, nd, 'e');
  }

  std::string log_str;
  if (options_.by_epoch) {
    std::int64_t len = state.dataloader_len;
    std::string cur_iter = rjust(std::to_string(batch_idx + 1), std::to_string(len).size());
    if (mode == "train" || mode == "val") {
      std::int64_t cur_epoch =
          mode == "train" ? state.epoch + 1 : (state.has_train_loop ? state.epoch : 0);
      std::string epoch_str = "[" + std::to_string(cur_epoch) + "]";
      // Right-align "[E]" to the width of " [max_epochs]".
      if (state.has_train_loop) {
        epoch_str = rjust(epoch_str, std::to_string(state.max_epochs).size() + 3);
      }
      set_tag(tag, "epoch", static_cast<double>(cur_epoch));
      log_str =
          "Epoch(" + mode + ")" + epoch_str + "[" + cur_iter + "/" + std::to_string(len) + "]  ";
    } else {
      log_str = "Epoch(" + mode + ") [" + cur_iter + "/" + std::to_string(len) + "]  ";
    }
  } else if (mode == "train") {
    std::string max_iters = std::to_string(state.max_iters);
    log_str = "Iter(train) [" + rjust(std::to_string(state.iter + 1), max_iters.size()) + "/" +
              max_iters + "]  ";
  } else {
    std::string len = std::to_string(state.dataloader_len);
    log_str = "Iter(" + mode + ") [" + rjust(std::to_string(batch_idx + 1), len.size()) + "/" +
              len + "]  ";
  }
  set_tag(tag, "iter", state.has_train_loop ? static_cast<double>(state.iter + 1) : 0.0);
  log_str += lr_str + "  ";

  const double* time = find_tag(log_tag, "time");
  const double* data_time = find_tag(log_tag, "data_time");
  if (time != nullptr && data_time != nullptr && hub.has_info("eta")) {
    log_str += "eta: " + timedelta_str(hub.get_info("eta").as_number()) + "  ";
    log_str += "time: " + format_float(*time, nd, 'f') +
               "  data_time: " + format_float(*data_time, nd, 'f') + "  ";
    erase_tag(log_tag, "time");
    erase_tag(log_tag, "data_time");
  }
  if (state.memory_mb) {
    log_str += "memory: " + std::to_string(*state.memory_mb) + "  ";
    set_tag(tag, "memory", static_cast<double>(*state.memory_mb));
  }
  if (mode == "train" || mode == "val") {
    std::string items;
    for (const auto& [name, value] : log_tag) {
      // MMEngine's condition; the prefix is already removed, so val lines show no items.
      if (mode == "val" && !starts_with(name, "val/loss")) continue;
      if (!items.empty()) items += "  ";
      items += name + ": " + format_float(value, nd, 'f');
    }
    log_str += items;
  }
  return {tag, log_str};
}

std::pair<LogTags, std::string> LogProcessor::format_after_epoch(const MessageHub& hub,
                                                                 const RunState& state,
                                                                 std::int64_t batch_idx,
                                                                 const std::string& mode) const {
  if (mode != "val" && mode != "test") {
    throw Error("AssertionError",
                "`_get_metric_log_str` only accept val or test mode, but got " + mode);
  }
  const int nd = options_.num_digits;
  std::string len = std::to_string(state.dataloader_len);
  std::string log_str;
  if (options_.by_epoch && mode == "val") {
    std::int64_t cur_epoch = state.has_train_loop ? state.epoch : 0;
    log_str = "Epoch(val) [" + std::to_string(cur_epoch) + "][" + len + "/" + len + "]  ";
  } else if (options_.by_epoch) {
    log_str = "Epoch(" + mode + ") [" + len + "/" + len + "]  ";
  } else {
    log_str = "Iter(" + mode + ") [" + len + "/" + len + "]  ";
  }

  // Epoch means of time and data_time unless custom_cfg already covers them.
  std::vector<CustomItem> custom = custom_;
  bool has_time = false, has_data_time = false;
  for (const CustomItem& c : custom_) {
    std::string key = remove_prefix(c.data_src, mode + "/");
    has_time |= key == "time";
    has_data_time |= key == "data_time";
  }
  for (const char* name : {"time", "data_time"}) {
    if ((name == std::string("time") && has_time) ||
        (name == std::string("data_time") && has_data_time)) {
      continue;
    }
    CustomItem c;
    c.data_src = c.log_name = name;
    c.method = "mean";
    c.window = CustomItem::Window::Epoch;
    custom.push_back(c);
  }
  LogTags ori = collect_scalars(hub, custom, state, batch_idx, mode, options_.log_with_hierarchy);

  // Non-scalar infos of this mode (printed, not returned as tags).
  std::vector<std::pair<std::string, config::Value>> non_scalars;
  for (const std::string& key : hub.info_keys()) {
    if (!starts_with(key, mode)) continue;
    non_scalars.emplace_back(options_.log_with_hierarchy ? key : remove_prefix(key, mode + "/"),
                             hub.get_info(key));
  }

  // Metrics first, then time/data_time.
  LogTags tag, time_tag;
  for (const auto& kv : ori) {
    const std::string& k = kv.first;
    bool is_time =
        k == mode + "/time" || k == mode + "/data_time" || k == "time" || k == "data_time";
    (is_time ? time_tag : tag).push_back(kv);
  }
  std::string items;
  auto append = [&items](const std::string& s) {
    if (!items.empty()) items += "  ";
    items += s;
  };
  for (const auto& [name, v] : tag) append(name + ": " + format_float(v, nd, 'f'));
  for (const auto& [name, v] : non_scalars) append(name + ": " + info_str(v, nd));
  for (const auto& [name, v] : time_tag) append(name + ": " + format_float(v, nd, 'f'));
  log_str += "  " + items;

  tag.insert(tag.end(), time_tag.begin(), time_tag.end());
  return {tag, log_str};
}

namespace {

LogProcessor::RunState run_state(Runner& runner, const std::string& mode, bool with_memory) {
  LogProcessor::RunState s;
  s.has_train_loop = runner.has_train_loop();
  if (s.has_train_loop) {
    s.epoch = runner.epoch();
    s.iter = runner.iter();
    s.max_epochs = runner.max_epochs();
    s.max_iters = runner.max_iters();
  }
  if (mode == "train") {
    if (data::DataLoader* loader = runner.train_dataloader())
      s.dataloader_len = static_cast<std::int64_t>(loader->num_batches());
  } else if (EvalLoop* loop = mode == "val" ? runner.val_loop() : runner.test_loop()) {
    s.dataloader_len = loop->total_length();
  }
  // As MMEngine: whenever CUDA is available (current device unless the model's has an index).
  if (with_memory) {
    const torch::Device& d = runner.device();
    s.memory_mb = cuda_max_memory_mb(d.is_cuda() && d.has_index() ? d.index() : -1);
  }
  return s;
}

}  // namespace

std::pair<LogTags, std::string> LogProcessor::get_log_after_iter(Runner& runner,
                                                                 std::int64_t batch_idx,
                                                                 const std::string& mode) {
  return format_after_iter(runner.message_hub(), run_state(runner, mode, true), batch_idx, mode);
}

std::pair<LogTags, std::string> LogProcessor::get_log_after_epoch(Runner& runner,
                                                                  std::int64_t batch_idx,
                                                                  const std::string& mode) {
  return format_after_epoch(runner.message_hub(), run_state(runner, mode, false), batch_idx, mode);
}

MMCPP_REGISTER(registry::LOG_PROCESSORS, LogProcessor, "dict(type='LogProcessor', window_size=10)");

}  // namespace mmcpp::engine
