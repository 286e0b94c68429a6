#include "mmcpp/engine/dist/utils.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "mmcpp/core/error.h"

extern char** environ;

namespace mmcpp::dist {

using config::Value;

EnvMap process_environment() {
  EnvMap out;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    out.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return out;
}

std::string infer_launcher(const EnvMap& env) {
  if (env.count("WORLD_SIZE")) return "pytorch";
  if (env.count("SLURM_NTASKS")) return "slurm";
  if (env.count("OMPI_COMM_WORLD_LOCAL_RANK")) return "mpi";
  return "none";
}

namespace {

// What the launcher is expected to have set, for error messages.
std::string who_sets(const std::string& launcher) {
  if (launcher == "pytorch")
    return "torchrun, python -m torch.distributed.launch --use-env or mmcpp dist-train set it";
  if (launcher == "slurm") return "srun sets it";
  return "mpirun (Open MPI) sets it";
}

const std::string& require(const EnvMap& env, const std::string& launcher,
                           const std::string& name) {
  auto it = env.find(name);
  if (it == env.end() || it->second.empty())
    throw Error("KeyError", "launcher='" + launcher + "' needs the environment variable " + name +
                                ", which is not set (" + who_sets(launcher) +
                                "); to train on one process use --launcher none");
  return it->second;
}

int parse_int(const std::string& launcher, const std::string& name, const std::string& text,
              long lo, long hi) {
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  bool ok = !text.empty() && end && *end == '\0' && errno == 0 && v >= lo && v <= hi;
  if (!ok)
    throw Error("ValueError", "launcher='" + launcher + "': " + name + "='" + text +
                                  "' is not an integer in [" + std::to_string(lo) + ", " +
                                  std::to_string(hi) + "]");
  return static_cast<int>(v);
}

int require_int(const EnvMap& env, const std::string& launcher, const std::string& name, long lo,
                long hi) {
  return parse_int(launcher, name, require(env, launcher, name), lo, hi);
}

int parse_port(const std::string& launcher, const std::string& text, const std::string& what) {
  return parse_int(launcher, what, text, 1, 65535);
}

void check_ranks(const LaunchEnv& e) {
  if (e.rank >= e.world_size)
    throw Error("ValueError", "launcher='" + e.launcher + "': rank " + std::to_string(e.rank) +
                                  " is not below the world size " + std::to_string(e.world_size));
  if (e.local_world_size > 0 && e.local_rank >= e.local_world_size)
    throw Error("ValueError",
                "launcher='" + e.launcher + "': local rank " + std::to_string(e.local_rank) +
                    " is not below the local world size " + std::to_string(e.local_world_size));
  if (e.master_addr.empty())
    throw Error("ValueError", "launcher='" + e.launcher + "': the master address is empty");
}

}  // namespace

std::string slurm_first_host(const std::string& nodelist) {
  // The first top-level entry (commas inside brackets do not separate hosts).
  std::string first;
  int depth = 0;
  for (char c : nodelist) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == ',' && depth == 0) break;
    first += c;
  }
  // Each bracket group contributes its first element: "01-04,07" -> "01".
  std::string out;
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (first[i] != '[') {
      out += first[i];
      continue;
    }
    std::size_t close = first.find(']', i);
    if (close == std::string::npos)
      throw Error("ValueError", "SLURM_NODELIST='" + nodelist + "' has an unclosed '['");
    std::string group = first.substr(i + 1, close - i - 1);
    std::string item = group.substr(0, group.find(','));
    out += item.substr(0, item.find('-'));
    i = close;
  }
  if (out.empty()) throw Error("ValueError", "SLURM_NODELIST='" + nodelist + "' names no host");
  return out;
}

LaunchEnv parse_launch_env(const std::string& launcher, const EnvMap& env,
                           std::optional<int> port) {
  LaunchEnv e;
  e.launcher = launcher;
  auto get = [&](const char* name) -> const std::string* {
    auto it = env.find(name);
    return it == env.end() || it->second.empty() ? nullptr : &it->second;
  };
  if (launcher == "pytorch") {
    e.world_size = require_int(env, launcher, "WORLD_SIZE", 1, INT_MAX);
    e.rank = require_int(env, launcher, "RANK", 0, INT_MAX);
    // torch.distributed.launch without --use-env passes --local_rank instead;
    // `mmcpp train --local_rank N` exports it as LOCAL_RANK, as MMPretrain does.
    e.local_rank = require_int(env, launcher, "LOCAL_RANK", 0, INT_MAX);
    if (const std::string* lws = get("LOCAL_WORLD_SIZE"))
      e.local_world_size = parse_int(launcher, "LOCAL_WORLD_SIZE", *lws, 1, INT_MAX);
    e.master_addr = require(env, launcher, "MASTER_ADDR");
    e.master_port = parse_port(launcher, require(env, launcher, "MASTER_PORT"), "MASTER_PORT");
    if (const std::string* agent = get("TORCHELASTIC_USE_AGENT_STORE"))
      e.use_agent_store = *agent == "True";
    if (e.use_agent_store)
      e.restart_count = require_int(env, launcher, "TORCHELASTIC_RESTART_COUNT", 0, INT_MAX);
  } else if (launcher == "slurm") {
    e.rank = require_int(env, launcher, "SLURM_PROCID", 0, INT_MAX);
    e.world_size = require_int(env, launcher, "SLURM_NTASKS", 1, INT_MAX);
    const std::string& nodes = require(env, launcher, "SLURM_NODELIST");
    // MMEngine falls back to proc_id % num_gpus; without GPUs that is 0.
    if (const std::string* local = get("SLURM_LOCALID"))
      e.local_rank = parse_int(launcher, "SLURM_LOCALID", *local, 0, INT_MAX);
    if (const std::string* per_node = get("SLURM_NTASKS_PER_NODE")) {
      // "4" or "4(x2)": the count before any repetition suffix.
      std::string n = per_node->substr(0, per_node->find('('));
      e.local_world_size = parse_int(launcher, "SLURM_NTASKS_PER_NODE", n, 1, INT_MAX);
    }
    if (port)
      e.master_port = parse_port(launcher, std::to_string(*port), "dist_cfg.port");
    else if (const std::string* p = get("MASTER_PORT"))
      e.master_port = parse_port(launcher, *p, "MASTER_PORT");
    const std::string* addr = get("MASTER_ADDR");
    e.master_addr = addr ? *addr : slurm_first_host(nodes);
  } else if (launcher == "mpi") {
    e.local_rank = require_int(env, launcher, "OMPI_COMM_WORLD_LOCAL_RANK", 0, INT_MAX);
    if (const std::string* p = get("MASTER_PORT"))
      e.master_port = parse_port(launcher, *p, "MASTER_PORT");
    e.master_addr = require(env, launcher, "MASTER_ADDR");
    e.world_size = require_int(env, launcher, "OMPI_COMM_WORLD_SIZE", 1, INT_MAX);
    e.rank = require_int(env, launcher, "OMPI_COMM_WORLD_RANK", 0, INT_MAX);
    if (const std::string* lws = get("OMPI_COMM_WORLD_LOCAL_SIZE"))
      e.local_world_size = parse_int(launcher, "OMPI_COMM_WORLD_LOCAL_SIZE", *lws, 1, INT_MAX);
  } else {
    throw Error("ValueError", "Invalid launcher type: " + launcher +
                                  " (supported: 'none', 'pytorch', 'slurm', 'mpi')");
  }
  check_ranks(e);
  return e;
}

DistConfig parse_dist_cfg(const Value& dist_cfg) {
  DistConfig out;
  if (dist_cfg.is_none()) return out;
  if (!dist_cfg.is_dict())
    throw Error("TypeError", "env_cfg.dist_cfg should be a dict, but got " + dist_cfg.repr());
  for (const auto& [k, v] : dist_cfg.as_dict().entries()) {
    std::string key = k.is_str() ? k.as_str() : k.repr();
    if (key == "backend") {
      if (!v.is_str())
        throw Error("TypeError", "env_cfg.dist_cfg.backend should be a str, got " + v.repr());
      out.backend = v.as_str();
      if (out.backend != "gloo" && out.backend != "nccl")
        throw Error("ValueError", "env_cfg.dist_cfg.backend='" + out.backend +
                                      "' is not supported by mmcpp (use 'gloo' on the CPU or "
                                      "'nccl' with a CUDA build of LibTorch)");
    } else if (key == "timeout") {
      // MMEngine: datetime.timedelta(seconds=timeout).
      if (!v.is_number() || v.is_bool())
        throw Error("TypeError",
                    "Timeout for distributed training must be provided as timeout in seconds, "
                    "but we've received the type " +
                        v.type_name() +
                        ". Please specify the timeout like this: dist_cfg=dict(backend='nccl', "
                        "timeout=1800)");
      double s = v.as_number();
      if (!(s > 0))
        throw Error(
            "ValueError",
            "env_cfg.dist_cfg.timeout must be a positive number of seconds, got " + v.repr());
      out.timeout = std::chrono::milliseconds(static_cast<long long>(s * 1000.0));
    } else if (key == "port") {
      if (!v.is_int())
        throw Error("TypeError", "env_cfg.dist_cfg.port should be an int, got " + v.repr());
      out.port = static_cast<int>(v.as_int());
    } else if (key == "init_backend") {
      if (!v.is_str() || v.as_str() != "torch")
        throw Error("NotImplementedError",
                    "env_cfg.dist_cfg.init_backend=" + v.repr() +
                        ": mmcpp initialises c10d itself (only 'torch' is supported)");
    } else {
      throw Error("NotImplementedError",
                  "env_cfg.dist_cfg." + key +
                      " is not supported by mmcpp (known keys: backend, timeout, port, "
                      "init_backend)");
    }
  }
  return out;
}

}  // namespace mmcpp::dist
