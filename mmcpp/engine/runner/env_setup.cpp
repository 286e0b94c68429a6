#include "mmcpp/engine/runner/env_setup.h"

#include <ATen/Context.h>
#include <sys/resource.h>

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/core/suggest.h"
#include "mmcpp/core/threads.h"

namespace mmcpp::engine {

using config::Value;

namespace {

const Value* present(const config::Config& cfg, const char* key) {
  const Value* v = cfg.get(key);
  return v && !v->is_none() ? v : nullptr;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// `where` must be a dict (or None: `dflt`), whose keys are all in `known`.
void check_keys(const Value& d, const std::string& where, const std::vector<std::string>& known,
                const std::string& python_function) {
  if (!d.is_dict())
    throw Error("TypeError", where + " must be a dict, got " + d.type_name() + " " + d.repr());
  for (const auto& [k, v] : d.as_dict().entries()) {
    std::string key = k.str();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string hint = closest_name(key, known);
    throw Error("TypeError", python_function + " got an unexpected keyword argument '" + key +
                                 "' (" + where + "." + key + "; known keys: " + join_names(known) +
                                 (hint.empty() ? "" : "; did you mean '" + hint + "'?") + ")");
  }
}

std::int64_t int_value(const Value& v, const std::string& key) {
  if (!v.is_int())
    throw Error("TypeError", key + " must be an int, got " + v.type_name() + " " + v.repr());
  return v.as_int();
}

void read_env_cfg(const Value& env_cfg, RunnerEnv& out) {
  if (!env_cfg.is_dict())
    throw Error("TypeError",
                "env_cfg must be a dict, got " + env_cfg.type_name() + " " + env_cfg.repr());
  static const std::vector<std::string> known = {"cudnn_benchmark", "mp_cfg", "dist_cfg",
                                                 "resource_limit", "intra_op_threads"};
  for (const auto& [k, v] : env_cfg.as_dict().entries()) {
    std::string key = k.str();
    if (key == "cudnn_benchmark") {
      out.cudnn_benchmark = v.truthy();  // MMEngine: `if env_cfg.get('cudnn_benchmark')`
    } else if (key == "mp_cfg") {
      if (v.is_none()) continue;
      // set_multi_processing(**mp_cfg, distributed=...)
      check_keys(v, "env_cfg.mp_cfg", {"mp_start_method", "opencv_num_threads"},
                 "set_multi_processing()");
      if (const Value* m = v.as_dict().find("mp_start_method")) {
        if (!m->is_str())
          throw Error("TypeError",
                      "env_cfg.mp_cfg.mp_start_method must be a str, got " + m->repr());
        const std::string& method = m->as_str();
        if (method != "fork" && method != "spawn" && method != "forkserver")
          throw Error("ValueError", "cannot find context for '" + method +
                                        "' (env_cfg.mp_cfg.mp_start_method: use 'fork', "
                                        "'spawn' or 'forkserver')");
        out.mp_start_method = method;
      }
      if (const Value* n = v.as_dict().find("opencv_num_threads"))
        out.opencv_num_threads = int_value(*n, "env_cfg.mp_cfg.opencv_num_threads");
    } else if (key == "dist_cfg") {
      // Read by the distributed launcher code (init_dist(launcher, **dist_cfg));
      // only its form is checked here.
      if (!v.is_none() && !v.is_dict())
        throw Error("TypeError", "env_cfg.dist_cfg must be a dict, got " + v.repr());
    } else if (key == "resource_limit") {
      out.resource_limit = int_value(v, "env_cfg.resource_limit");
    } else if (key == "intra_op_threads") {
      if (v.is_none() || (v.is_str() && v.as_str() == "auto")) {
        out.intra_op_threads.reset();
      } else {
        std::int64_t n = int_value(v, "env_cfg.intra_op_threads");
        if (n < 1)
          throw Error("ValueError",
                      "env_cfg.intra_op_threads must be 'auto' or at least 1, got " + v.repr());
        out.intra_op_threads = static_cast<int>(std::min<std::int64_t>(n, 4096));
      }
    } else {
      // MMEngine reads env_cfg with .get() and ignores other keys; so do we, aloud.
      std::string hint = closest_name(key, known);
      if (key == "backend") hint = "dist_cfg.backend";
      out.warnings.push_back(
          "env_cfg." + key + " is not a setting MMEngine reads (known: " + join_names(known) + ")" +
          (hint.empty() ? "" : "; did you mean env_cfg." + hint + "?") + " It has no effect.");
    }
  }
}

}  // namespace

RunnerEnv read_runner_env(const config::Config& cfg) {
  RunnerEnv out;
  // tools/train.py: Runner.from_cfg unless runner_type names another registered runner.
  if (const Value* rt = present(cfg, "runner_type")) {
    if (!rt->is_str())
      throw Error("TypeError",
                  "runner_type must be a str, got " + rt->type_name() + " " + rt->repr());
    std::string name = rt->as_str();
    std::size_t dot = name.find_last_of(".:");
    std::string bare = dot == std::string::npos ? name : name.substr(dot + 1);
    if (bare != "Runner")
      throw Error("NotImplementedError",
                  "runner_type='" + name +
                      "': mmcpp has only MMEngine's Runner (runner_type='Runner'); "
                      "FlexibleRunner and other runners are not available");
  }
  // Runner.from_cfg: env_cfg=cfg.get('env_cfg', dict(dist_cfg=dict(backend='nccl'))).
  if (const Value* e = present(cfg, "env_cfg")) read_env_cfg(*e, out);
  // MMLogger(log_level=...): a level name or a number.
  if (const Value* level = present(cfg, "log_level")) {
    if (!level->is_str() && !level->is_int())
      throw Error("TypeError", "log_level must be a str or an int, got " + level->type_name() +
                                   " " + level->repr());
    if (level->is_int()) {
      // Any number, as Python's logging: messages at or above it are shown.
      std::int64_t n = level->as_int();
      out.log_level = n <= 10   ? LogLevel::Debug
                      : n <= 20 ? LogLevel::Info
                      : n <= 30 ? LogLevel::Warning
                                : LogLevel::Error;
    } else {
      try {
        out.log_level = parse_log_level(level->str());
      } catch (const Error&) {
        // MMLogger: logging._nameToLevel[log_level].
        throw Error("KeyError", "log_level " + level->repr() +
                                    " is not a logging level (DEBUG, INFO, WARNING, ERROR, "
                                    "CRITICAL or a number)");
      }
    }
  }
  // Runner.set_randomness(**randomness).
  if (const Value* r = present(cfg, "randomness"))
    check_keys(*r, "randomness", {"seed", "diff_rank_seed", "deterministic"}, "set_randomness()");
  return out;
}

std::vector<std::string> apply_runner_env(const RunnerEnv& env) {
  std::vector<std::string> lines;
  if (env.cudnn_benchmark) at::globalContext().setBenchmarkCuDNN(true);
  // set_multi_processing: OpenCV's own pool for the whole run (0: serial); while
  // DataLoader workers run, the pretrain package narrows it further (opencv_threads.h).
  if (!set_library_threads("opencv", static_cast<int>(env.opencv_num_threads)))
    lines.push_back("env_cfg.mp_cfg.opencv_num_threads: OpenCV is not loaded; nothing to set");
  lines.push_back("mp_start_method '" + env.mp_start_method +
                  "' is not used: mmcpp's DataLoader workers are threads, not processes");
  // setup_env: soft RLIMIT_NOFILE = min(max(resource_limit, soft), hard).
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    rlim_t want = std::max<rlim_t>(
        static_cast<rlim_t>(std::max<std::int64_t>(env.resource_limit, 0)), lim.rlim_cur);
    if (lim.rlim_max != RLIM_INFINITY) want = std::min(want, lim.rlim_max);
    if (want != lim.rlim_cur) {
      lim.rlim_cur = want;
      if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
        lines.push_back("could not raise the open-file limit to " + std::to_string(want));
    }
  }
  return lines;
}

}  // namespace mmcpp::engine
