// ProfilerHook (mmengine/hooks/profiler_hook.py) on LibTorch's Kineto profiler.
#include "mmcpp/engine/hooks/profiler_hook.h"

#include <torch/csrc/autograd/profiler_kineto.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/root.h"
#include "mmcpp/visualization/local_vis_backend.h"

namespace mmcpp::engine {
namespace prof = torch::autograd::profiler;

namespace {

std::int64_t dict_int(const config::Value& d, const char* key, std::int64_t dflt) {
  const config::Value* v = d.as_dict().find(key);
  return v == nullptr || v->is_none() ? dflt : v->as_int();
}

// A plain-text summary of the profiled operators (key_averages().table()).
std::string summary_table(const prof::ProfilerResult& result, const std::string& sort_by,
                          std::int64_t row_limit) {
  struct Row {
    std::int64_t count = 0;
    std::uint64_t total_us = 0;
  };
  std::map<std::string, Row> rows;
  for (const auto& e : result.events()) {
    Row& r = rows[e.name()];
    r.count += 1;
    r.total_us += e.durationUs();
  }
  std::vector<std::pair<std::string, Row>> sorted(rows.begin(), rows.end());
  bool by_count = sort_by == "count";
  std::stable_sort(sorted.begin(), sorted.end(), [by_count](const auto& a, const auto& b) {
    return by_count ? a.second.count > b.second.count : a.second.total_us > b.second.total_us;
  });
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%-60s %12s %14s %14s\n", "Name", "# of Calls", "CPU total",
                "CPU avg");
  out += buf;
  std::int64_t n = 0;
  for (const auto& [name, r] : sorted) {
    if (row_limit > 0 && n++ >= row_limit) break;
    std::snprintf(buf, sizeof(buf), "%-60.60s %12lld %12.3fms %12.3fus\n", name.c_str(),
                  static_cast<long long>(r.count), r.total_us / 1000.0,
                  static_cast<double>(r.total_us) / static_cast<double>(r.count));
    out += buf;
  }
  return out;
}

// A Chrome trace ("chrome://tracing") of the recorded events, for LibTorch
// builds without Kineto, whose ProfilerResult::save() refuses to write one.
std::string chrome_trace_json(const prof::ProfilerResult& result) {
  std::string out = "{\"schemaVersion\": 1, \"traceEvents\": [";
  const std::string pid = std::to_string(getpid());
  bool first = true;
  for (const auto& e : result.events()) {
    out += first ? "\n" : ",\n";
    first = false;
    out += "{\"ph\": \"X\", \"cat\": \"" +
           std::string(e.deviceType() == c10::DeviceType::CPU ? "cpu_op" : "kernel") +
           "\", \"name\": " + visualization::json_string(e.name()) + ", \"pid\": " + pid +
           ", \"tid\": " + std::to_string(e.startThreadId()) +
           ", \"ts\": " + std::to_string(e.startUs()) +
           ", \"dur\": " + std::to_string(e.durationUs());
    if (e.hasShapes()) {
      out += ", \"args\": {\"Input Dims\": [";
      bool first_shape = true;
      for (const auto& shape : e.shapes()) {
        out += first_shape ? "[" : ", [";
        first_shape = false;
        for (std::size_t i = 0; i < shape.size(); ++i) {
          out += (i ? ", " : "") + std::to_string(shape[i]);
        }
        out += "]";
      }
      out += "]}";
    }
    out += "}";
  }
  return out + "\n]}\n";
}

void save_trace(prof::ProfilerResult& result, const std::string& path, Env& env) {
  try {
    result.save(path);
  } catch (const c10::Error&) {
    env.write_file_atomic(path, chrome_trace_json(result));
  }
}

std::string default_worker_name() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return std::string(host) + "_" + std::to_string(getpid());
}

}  // namespace

ProfilerHook::ProfilerHook(Options options) : options_(std::move(options)) {
  priority_ = VERY_LOW;
  if (options_.profile_times < 1) {
    throw Error("ValueError", "profile_iters should be greater than 0, but got " +
                                  std::to_string(options_.profile_times));
  }
  if (options_.by_epoch && options_.profile_times > 1) {
    throw Error("ValueError", "Profiler will profile 0-" + std::to_string(options_.profile_times) +
                                  " epochs.\nSince profiler will slow down the training, it is "
                                  "recommended to train 1 epoch with ProfilerHook and adjust your "
                                  "setting according to the profiler summary.\nDuring normal "
                                  "training(epoch > 1), you may disable the ProfilerHook.");
  }
  if (!options_.schedule.is_none()) {
    if (!options_.schedule.is_dict()) {
      throw Error("AssertionError", "``schedule`` should be a dict.");
    }
    for (const auto& [k, v] : options_.schedule.as_dict().entries()) {
      std::string key = k.str();
      if (key != "wait" && key != "warmup" && key != "active" && key != "repeat" &&
          key != "skip_first") {
        throw Error("TypeError", "schedule() got an unexpected keyword argument '" + key +
                                     "' (known: wait, warmup, active, repeat, skip_first)");
      }
    }
    wait_ = dict_int(options_.schedule, "wait", -1);
    warmup_ = dict_int(options_.schedule, "warmup", -1);
    active_ = dict_int(options_.schedule, "active", -1);
    repeat_ = dict_int(options_.schedule, "repeat", 0);
    skip_first_ = dict_int(options_.schedule, "skip_first", 0);
    if (wait_ < 0 || warmup_ < 0 || active_ <= 0 || repeat_ < 0 || skip_first_ < 0) {
      throw Error("AssertionError", "Invalid profiler schedule arguments " +
                                        options_.schedule.repr() +
                                        " (wait, warmup, active required; active > 0)");
    }
    has_schedule_ = true;
  }
  const config::Value& otr = options_.on_trace_ready;
  if (!otr.is_none()) {
    const config::Value* type = otr.is_dict() ? otr.as_dict().find("type") : nullptr;
    if (type == nullptr) {
      throw Error(
          "ValueError",
          "``on_trace_ready`` should be a handler, or dict, or None, but got " + otr.repr());
    }
    if (!type->is_str() || (type->as_str() != "log_trace" && type->as_str() != "tb_trace")) {
      throw Error("ValueError",
                  "trace_type should be \"log_trace\" or \"tb_trace\", but got " + type->str());
    }
  }
}

ProfilerHook::~ProfilerHook() {
  if (recording_) {
    try {
      prof::disableProfiler();
    } catch (...) {
    }
  }
}

std::shared_ptr<ProfilerHook> ProfilerHook::from_config(registry::BuildArgs& args) {
  Options o;
  o.by_epoch = args.get_bool("by_epoch", o.by_epoch);
  o.profile_times = args.get_int("profile_times", o.profile_times);
  o.activity_with_cpu = args.get_bool("activity_with_cpu", o.activity_with_cpu);
  o.activity_with_cuda = args.get_bool("activity_with_cuda", o.activity_with_cuda);
  o.schedule = args.value("schedule");
  o.on_trace_ready = args.value("on_trace_ready");
  o.record_shapes = args.get_bool("record_shapes", o.record_shapes);
  o.profile_memory = args.get_bool("profile_memory", o.profile_memory);
  o.with_stack = args.get_bool("with_stack", o.with_stack);
  o.with_flops = args.get_bool("with_flops", o.with_flops);
  o.json_trace_path = args.get_opt_str("json_trace_path");
  return std::make_shared<ProfilerHook>(std::move(o));
}

ProfilerHook::Action ProfilerHook::schedule_action(std::int64_t step) const {
  if (!has_schedule_) return Action::Record;
  if (step < skip_first_) return Action::None;
  step -= skip_first_;
  std::int64_t num_steps = wait_ + warmup_ + active_;
  if (repeat_ > 0 && step / num_steps >= repeat_) return Action::None;
  std::int64_t mod = step % num_steps;
  if (mod < wait_) return Action::None;
  if (mod < wait_ + warmup_) return Action::Warmup;
  return mod < num_steps - 1 ? Action::Record : Action::RecordAndSave;
}

void ProfilerHook::start_trace() {
  if (recording_) return;
  std::set<torch::profiler::impl::ActivityType> activities;
  if (options_.activity_with_cpu) activities.insert(torch::profiler::impl::ActivityType::CPU);
  if (options_.activity_with_cuda) activities.insert(torch::profiler::impl::ActivityType::CUDA);
  prof::ProfilerConfig config(torch::profiler::impl::ProfilerState::KINETO, options_.record_shapes,
                              options_.profile_memory, options_.with_stack, options_.with_flops);
  try {
    prof::prepareProfiler(config, activities);
    prof::enableProfiler(config, activities);
  } catch (const std::exception& e) {
    throw Error("ImportError", std::string("ProfilerHook: the LibTorch (Kineto) profiler could "
                                           "not be started: ") +
                                   e.what());
  }
  recording_ = true;
}

void ProfilerHook::stop_recording() {
  if (!recording_) return;
  result_ = prof::disableProfiler();
  recording_ = false;
}

void ProfilerHook::stop_trace(bool save, Runner& runner) {
  if (!recording_) return;
  stop_recording();
  if (save) trace_ready(runner);
}

void ProfilerHook::save_chrome_trace(const std::string& path, Env& env) const {
  if (!result_) throw Error("RuntimeError", "ProfilerHook: nothing was recorded to save");
  save_trace(*result_, path, env);
}

void ProfilerHook::trace_ready(Runner& runner) {
  const config::Value& otr = options_.on_trace_ready;
  if (otr.is_none() || !result_) return;
  const std::string type = otr.as_dict().find("type")->as_str();
  if (type == "log_trace") {
    std::string sort_by = "cpu_time_total";
    std::int64_t row_limit = 100;
    if (const config::Value* v = otr.as_dict().find("sort_by"); v && v->is_str()) {
      sort_by = v->as_str();
    }
    if (const config::Value* v = otr.as_dict().find("row_limit"); v && v->is_int()) {
      row_limit = v->as_int();
    }
    std::cout << summary_table(*result_, sort_by, row_limit) << std::flush;
    return;
  }
  // tb_trace: torch.profiler.tensorboard_trace_handler(dir_name, worker_name).
  std::string worker = default_worker_name();
  if (const config::Value* v = otr.as_dict().find("worker_name"); v && v->is_str()) {
    worker = v->as_str();
  }
  runner.env().make_dirs(tb_dir_);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::string path = path_join(tb_dir_, worker + "." + std::to_string(ns) + ".pt.trace.json");
  save_trace(*result_, path, runner.env());
}

void ProfilerHook::before_run(Runner& runner) {
  if (runner.has_train_loop()) {
    std::int64_t max_times = options_.by_epoch ? runner.max_epochs() : runner.max_iters();
    if (max_times < options_.profile_times) {
      throw Error("ValueError",
                  "``profile_times`` should not be greater than " + std::to_string(max_times));
    }
  }
  const config::Value& otr = options_.on_trace_ready;
  if (!otr.is_none() && otr.as_dict().find("type")->as_str() == "tb_trace") {
    const config::Value* dir = otr.as_dict().find("dir_name");
    if (dir == nullptr || dir->is_none()) {
      tb_dir_ = path_join(runner.log_dir(), "tf_tracing_logs");
    } else {
      tb_dir_ = dir->as_str();
      if (tb_dir_.empty() || tb_dir_[0] != '/') tb_dir_ = path_join(runner.log_dir(), tb_dir_);
    }
    runner.logger().info("trace_files of ProfilerHook will be saved to " + tb_dir_ + ".");
    if (options_.json_trace_path) {
      runner.logger().warning(
          "When using tensorboard_trace, it is recommended to save json files by setting "
          "``worker_name`` instead of setting ``json_trace_path``");
    }
  }
  step_num_ = 0;
  if (schedule_action(0) != Action::None) start_trace();
  runner.logger().info("profiler is profiling...");
}

void ProfilerHook::step_profiler(Runner& runner) {
  Action prev = schedule_action(step_num_);
  ++step_num_;
  Action cur = schedule_action(step_num_);
  if (prev == Action::RecordAndSave) {
    stop_trace(/*save=*/true, runner);
  } else if (cur == Action::None && recording_) {
    stop_trace(/*save=*/false, runner);
  }
  if (cur != Action::None) start_trace();
}

void ProfilerHook::export_chrome_trace(Runner& runner) {
  closed_ = true;
  runner.logger().info("profiler may take a few minutes...");
  // Leaving the profile context: a running record phase is handed to on_trace_ready.
  if (recording_) {
    bool save = schedule_action(step_num_) != Action::Warmup;
    stop_trace(save, runner);
  }
  if (options_.json_trace_path) {
    if (!result_) {
      runner.logger().warning("ProfilerHook: nothing was recorded, no trace written to " +
                              *options_.json_trace_path);
      return;
    }
    save_chrome_trace(*options_.json_trace_path, runner.env());
  }
}

void ProfilerHook::after_train_iter(Runner& runner, std::int64_t, const data::DataBatch*,
                                    const NamedTensors&) {
  if (!closed_) step_profiler(runner);
  if (runner.iter() == options_.profile_times - 1 && !options_.by_epoch) {
    export_chrome_trace(runner);
  }
}

void ProfilerHook::after_train_epoch(Runner& runner) {
  if (!closed_) export_chrome_trace(runner);
}

MMCPP_REGISTER(registry::HOOKS, ProfilerHook,
               "dict(type='ProfilerHook', by_epoch=False, profile_times=2)");

}  // namespace mmcpp::engine
