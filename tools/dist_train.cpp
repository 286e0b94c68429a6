// `mmcpp dist-train CONFIG --nproc-per-node N [--nnodes M --node-rank R
// --master-addr A --master-port P] [train flags ...]`: MMPretrain's
// tools/dist_train.sh. Starts N local ranks of `mmcpp train CONFIG ...
// --launcher pytorch` with torchrun's variables (RANK, LOCAL_RANK, WORLD_SIZE,
// LOCAL_WORLD_SIZE, GROUP_RANK, ROLE_*, MASTER_ADDR, MASTER_PORT,
// TORCHELASTIC_*), so the ranks behave as under `torchrun --no-python`. As
// dist_train.sh, `mmcpp dist-train CONFIG GPUS [train flags]` works too, with
// NNODES, NODE_RANK, PORT and MASTER_ADDR from the environment. Run it
// once per node for several nodes (the node with --node-rank 0 hosts rank 0).
// `mmcpp dist-test CONFIG CHECKPOINT GPUS [test flags]` (same options) is
// tools/dist_test.sh: ranks of `mmcpp test`, each evaluating its shard.
//
// SIGINT/SIGTERM/SIGHUP are forwarded to the ranks (they stop at the same
// iteration and rank 0 saves a checkpoint). When a rank fails, the launcher
// says which one and how, gives the others `--grace-seconds` to fail on their
// own (they name the dead rank too), then terminates them, and exits non-zero.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "mmcpp/core/error.h"
#include "tools/subcommand.h"

extern char** environ;

namespace {

struct DistTrainArgs {
  std::string subcommand;               // "train" or "test"
  std::vector<std::string> positional;  // CONFIG [CHECKPOINT]
  int nproc_per_node = 1;
  int nnodes = 1;
  int node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  double grace_seconds = 30;
  std::vector<std::string> train_args;
};

std::atomic<int> g_signal{0};
extern "C" void on_signal(int sig) { g_signal.store(sig); }

std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw mmcpp::Error("RuntimeError", "dist launcher: cannot find the mmcpp binary");
  return std::string(buf, static_cast<std::size_t>(n));
}

// An integer environment variable, `dflt` when unset or empty.
int env_int(const char* name, int dflt) {
  const char* v = std::getenv(name);
  if (!v || !*v) return dflt;
  std::string s(v);
  if (s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
    throw mmcpp::Error("ValueError",
                       std::string("dist launcher: ") + name + "='" + s + "' is not an integer");
  return std::stoi(s);
}

std::string signal_name(int sig) {
  const char* name = sigabbrev_np(sig);
  return name ? std::string("SIG") + name : "signal " + std::to_string(sig);
}

struct Child {
  pid_t pid = -1;
  int rank = 0, local_rank = 0;
  bool running = true;
  int status = 0;
};

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return "was killed by " + signal_name(WTERMSIG(status));
  return "exited with code " + std::to_string(WEXITSTATUS(status));
}

bool failed(int status) { return !(WIFEXITED(status) && WEXITSTATUS(status) == 0); }

pid_t spawn(const std::string& exe, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& extra_env) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    std::string key = kv.substr(0, kv.find('='));
    if (!extra_env.count(key)) env.push_back(kv);
  }
  for (const auto& [k, v] : extra_env) env.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0)
    throw mmcpp::Error("OSError",
                       std::string("dist launcher: fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    // The child starts with default signal handling and no blocked signals.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGHUP, SIG_DFL);
    ::execve(exe.c_str(), argv.data(), envp.data());
    std::fprintf(stderr, "dist launcher: cannot run %s: %s\n", exe.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

int dist_train(const DistTrainArgs& a) {
  const std::string tag = "dist-" + a.subcommand + ": ";
  if (a.nproc_per_node < 1)
    throw mmcpp::Error("ValueError", "--nproc-per-node must be at least 1, got " +
                                         std::to_string(a.nproc_per_node));
  if (a.nnodes < 1)
    throw mmcpp::Error("ValueError",
                       "--nnodes must be at least 1, got " + std::to_string(a.nnodes));
  if (a.node_rank < 0 || a.node_rank >= a.nnodes)
    throw mmcpp::Error("ValueError", "--node-rank must be in [0, " + std::to_string(a.nnodes) +
                                         "), got " + std::to_string(a.node_rank));
  if (a.master_port < 1 || a.master_port > 65535)
    throw mmcpp::Error("ValueError",
                       "--master-port must be in [1, 65535], got " + std::to_string(a.master_port));
  for (const auto& arg : a.train_args)
    if (arg == "--launcher" || arg.rfind("--launcher=", 0) == 0)
      throw mmcpp::Error("ValueError",
                         "dist-" + a.subcommand + " sets --launcher pytorch itself; remove " + arg);

  const int world = a.nnodes * a.nproc_per_node;
  std::map<std::string, std::string> common = {
      {"WORLD_SIZE", std::to_string(world)},
      {"LOCAL_WORLD_SIZE", std::to_string(a.nproc_per_node)},
      {"GROUP_RANK", std::to_string(a.node_rank)},
      {"GROUP_WORLD_SIZE", std::to_string(a.nnodes)},
      {"ROLE_NAME", "default"},
      {"ROLE_WORLD_SIZE", std::to_string(world)},
      {"MASTER_ADDR", a.master_addr},
      {"MASTER_PORT", std::to_string(a.master_port)},
      {"TORCHELASTIC_RESTART_COUNT", "0"},
      {"TORCHELASTIC_MAX_RESTARTS", "0"},
      {"TORCHELASTIC_RUN_ID", "none"},
  };
  if (a.nproc_per_node > 1 && !std::getenv("OMP_NUM_THREADS")) {
    // torchrun's default: one intra-op thread per rank unless told otherwise.
    std::cerr << tag
              << "setting OMP_NUM_THREADS=1 for each rank to avoid overloading the "
                 "machine; set OMP_NUM_THREADS to tune it\n";
    common["OMP_NUM_THREADS"] = "1";
  }

  std::string exe = self_exe();
  std::vector<std::string> argv = {exe, a.subcommand};
  argv.insert(argv.end(), a.positional.begin(), a.positional.end());
  argv.insert(argv.end(), a.train_args.begin(), a.train_args.end());
  argv.push_back("--launcher");
  argv.push_back("pytorch");

  // Signals arriving while the ranks start are recorded and forwarded below.
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);

  std::vector<Child> children;
  for (int local = 0; local < a.nproc_per_node; ++local) {
    Child c;
    c.local_rank = local;
    c.rank = a.node_rank * a.nproc_per_node + local;
    auto env = common;
    env["RANK"] = std::to_string(c.rank);
    env["LOCAL_RANK"] = std::to_string(local);
    env["ROLE_RANK"] = std::to_string(c.rank);
    c.pid = spawn(exe, argv, env);
    children.push_back(c);
  }
  std::cerr << tag << "started " << a.nproc_per_node << " rank(s) of " << world << " on node "
            << a.node_rank << "/" << a.nnodes << " (master " << a.master_addr << ":"
            << a.master_port << ")\n";

  using Clock = std::chrono::steady_clock;
  int forwarded = 0;
  const Child* first_failure = nullptr;
  Clock::time_point failed_at;
  bool terminated = false, killed = false;
  std::size_t running = children.size();
  while (running > 0) {
    if (int sig = g_signal.exchange(0)) {
      forwarded = sig;
      std::cerr << tag << "forwarding " << signal_name(sig) << " to the ranks\n";
      for (auto& c : children)
        if (c.running) ::kill(c.pid, sig);
    }
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (auto& c : children) {
        if (c.pid != pid || !c.running) continue;
        c.running = false;
        c.status = status;
        --running;
        if (failed(status) && !first_failure && !forwarded) {
          first_failure = &c;
          failed_at = Clock::now();
          std::cerr << tag << "rank " << c.rank << " (local rank " << c.local_rank << ", pid "
                    << c.pid << ") " << describe_exit(status) << "; "
                    << (running > 0 ? "the other ranks are stopping" : "no rank is left") << "\n";
        }
      }
      continue;
    }
    if (pid < 0 && errno != EINTR && errno != ECHILD) break;
    if (first_failure) {
      double waited = std::chrono::duration<double>(Clock::now() - failed_at).count();
      if (!terminated && waited > a.grace_seconds) {
        terminated = true;
        std::cerr << tag << "terminating the ranks still running after rank " << first_failure->rank
                  << " failed\n";
        for (auto& c : children)
          if (c.running) ::kill(c.pid, SIGTERM);
      } else if (terminated && !killed && waited > a.grace_seconds + 10) {
        killed = true;
        for (auto& c : children)
          if (c.running) ::kill(c.pid, SIGKILL);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  int code = 0;
  for (const auto& c : children) {
    if (!failed(c.status)) continue;
    if (!first_failure || &c != first_failure)
      std::cerr << tag << "rank " << c.rank << " (pid " << c.pid << ") " << describe_exit(c.status)
                << "\n";
    if (code == 0) code = WIFEXITED(c.status) ? WEXITSTATUS(c.status) : 128 + WTERMSIG(c.status);
  }
  if (first_failure) {
    std::cerr << tag << "failed: rank " << first_failure->rank << " "
              << describe_exit(first_failure->status) << "\n";
    return code ? code : 1;
  }
  if (forwarded) return 128 + forwarded;
  return code;
}

mmcpp::tools::RunFn setup_dist(CLI::App& sub, const std::string& subcommand) {
  auto a = std::make_shared<DistTrainArgs>();
  a->subcommand = subcommand;
  a->positional.resize(subcommand == "test" ? 2 : 1);
  if (subcommand == "test") {
    sub.description(
        "Test on several processes (and nodes) with c10d: starts --nproc-per-node ranks of "
        "`mmcpp test CONFIG CHECKPOINT ... --launcher pytorch` (MMPretrain's "
        "tools/dist_test.sh); unrecognised arguments go to `mmcpp test`");
    sub.add_option("config", a->positional[0], "test config file path")->required();
    sub.add_option("checkpoint", a->positional[1], "checkpoint file")->required();
  } else {
    sub.description(
        "Train on several processes (and nodes) with c10d: starts --nproc-per-node ranks of "
        "`mmcpp train CONFIG ... --launcher pytorch` (MMPretrain's tools/dist_train.sh); "
        "unrecognised arguments go to `mmcpp train`");
    sub.add_option("config", a->positional[0], "train config file path")->required();
  }
  CLI::Option* nproc = sub.add_option("--nproc-per-node,--nproc_per_node", a->nproc_per_node,
                                      "number of ranks on this node (or CONFIG GPUS, as "
                                      "tools/dist_train.sh)");
  CLI::Option* nnodes =
      sub.add_option("--nnodes", a->nnodes, "number of nodes (one launcher per node; env NNODES)");
  CLI::Option* node_rank = sub.add_option("--node-rank,--node_rank", a->node_rank,
                                          "rank of this node in [0, nnodes) (env NODE_RANK)");
  CLI::Option* addr =
      sub.add_option("--master-addr,--master_addr", a->master_addr,
                     "address of the node with node rank 0 (env MASTER_ADDR, default 127.0.0.1)");
  CLI::Option* port = sub.add_option("--master-port,--master_port", a->master_port,
                                     "free port on the master node (env PORT, default 29500)");
  sub.add_option("--grace-seconds", a->grace_seconds,
                 "after a rank fails, how long the others get to stop on their own (default 30)");
  sub.allow_extras();
  return [a, &sub, nproc, nnodes, node_rank, addr, port] {
    a->train_args = sub.remaining();
    if (nproc->count() == 0) {
      // tools/dist_train.sh CONFIG GPUS [PY_ARGS], dist_test.sh CONFIG CHECKPOINT GPUS
      if (a->train_args.empty() || a->train_args[0].empty() ||
          a->train_args[0].find_first_not_of("0123456789") != std::string::npos)
        throw mmcpp::Error("ValueError",
                           "dist-" + a->subcommand +
                               " needs the number of ranks on this node: --nproc-per-node N, or " +
                               (a->subcommand == "test" ? "CONFIG CHECKPOINT GPUS as "
                                                          "tools/dist_test.sh"
                                                        : "CONFIG GPUS as tools/dist_train.sh"));
      a->nproc_per_node = std::stoi(a->train_args[0]);
      a->train_args.erase(a->train_args.begin());
    }
    // tools/dist_train.sh's environment: NNODES, NODE_RANK, PORT, MASTER_ADDR.
    if (nnodes->count() == 0) a->nnodes = env_int("NNODES", a->nnodes);
    if (node_rank->count() == 0) a->node_rank = env_int("NODE_RANK", a->node_rank);
    if (port->count() == 0) a->master_port = env_int("PORT", a->master_port);
    if (addr->count() == 0)
      if (const char* v = std::getenv("MASTER_ADDR"); v && *v) a->master_addr = v;
    return dist_train(*a);
  };
}

mmcpp::tools::RunFn setup_dist_train(CLI::App& sub) { return setup_dist(sub, "train"); }
mmcpp::tools::RunFn setup_dist_test(CLI::App& sub) { return setup_dist(sub, "test"); }

}  // namespace

MMCPP_REGISTER_SUBCOMMAND("dist-train", setup_dist_train);
MMCPP_REGISTER_SUBCOMMAND("dist-test", setup_dist_test);
