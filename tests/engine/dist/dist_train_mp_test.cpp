// Multi-process distributed training (label slow): real `mmcpp train/test
// --launcher pytorch` ranks over 127.0.0.1, started by `mmcpp dist-train`, by
// torchrun, or by hand with torchrun's variables. DistTestNet on real
// Fashion-MNIST images (tests/data/dist/fashion_mnist.py).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/io/py_object.h"

namespace mmcpp {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kBinary = MMCPP_BINARY;
const std::string kConfig = std::string(MMCPP_SOURCE_DIR) + "/tests/data/dist/fashion_mnist.py";

std::string temp_dir(const std::string& name) {
  fs::path p =
      fs::temp_directory_path() / ("mmcpp_dist_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Proc {
  pid_t pid = -1;
  std::string log;
};

// Starts argv with stdout+stderr to `log`, launch variables cleared, `env` set.
Proc spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
           const std::string& log) {
  Proc p;
  p.log = log;
  p.pid = ::fork();
  if (p.pid == 0) {
    for (const char* v : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                          "MASTER_PORT", "TORCHELASTIC_USE_AGENT_STORE", "GROUP_RANK",
                          "SLURM_NTASKS", "OMPI_COMM_WORLD_LOCAL_RANK"})
      ::unsetenv(v);
    ::setenv("OMP_NUM_THREADS", "1", 1);
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    FILE* f = std::fopen(log.c_str(), "w");
    ::dup2(fileno(f), 1);
    ::dup2(fileno(f), 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::perror("exec");
    ::_exit(127);
  }
  return p;
}

// The exit status, or -1 after killing a process that ran past `timeout`.
int wait_exit(const Proc& p, double timeout) {
  auto start = Clock::now();
  int status = 0;
  while (true) {
    pid_t r = ::waitpid(p.pid, &status, WNOHANG);
    if (r == p.pid) return status;
    if (std::chrono::duration<double>(Clock::now() - start).count() > timeout) {
      ::kill(p.pid, SIGKILL);
      ::waitpid(p.pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool ok(int status) { return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0; }

// Runs to completion; fails the test (with the log) when it does not succeed.
void run_ok(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const std::string& log, double timeout = 240) {
  int status = wait_exit(spawn(argv, env, log), timeout);
  ASSERT_TRUE(ok(status)) << "status " << status << "\n" << read_text(log);
}

std::map<std::string, std::string> rank_env(int rank, int world, int port) {
  return {{"RANK", std::to_string(rank)},       {"WORLD_SIZE", std::to_string(world)},
          {"LOCAL_RANK", std::to_string(rank)}, {"LOCAL_WORLD_SIZE", std::to_string(world)},
          {"MASTER_ADDR", "127.0.0.1"},         {"MASTER_PORT", std::to_string(port)}};
}

std::map<std::string, torch::Tensor> weights(const std::string& ckpt) {
  io::PyObject c = engine::read_checkpoint(ckpt);
  std::map<std::string, torch::Tensor> out;
  for (const auto& [k, v] : c.as_dict().find("state_dict")->as_dict().entries())
    if (v.is_tensor()) out[k.as_str()] = v.as_tensor();
  return out;
}

// Largest relative difference over the tensors (scale: each tensor's max |value|).
double max_relative_difference(const std::string& a, const std::string& b) {
  auto wa = weights(a), wb = weights(b);
  EXPECT_EQ(wa.size(), wb.size());
  double worst = 0;
  for (const auto& [k, t] : wa) {
    auto it = wb.find(k);
    if (it == wb.end()) {
      ADD_FAILURE() << "missing " << k;
      continue;
    }
    if (!t.is_floating_point()) {
      EXPECT_TRUE(torch::equal(t, it->second)) << k;
      continue;
    }
    double scale = std::max(1e-12, it->second.abs().max().item<double>());
    worst = std::max(worst, (t - it->second).abs().max().item<double>() / scale);
  }
  return worst;
}

std::vector<std::string> train_cmd(const std::string& work_dir,
                                   std::vector<std::string> options = {}) {
  std::vector<std::string> cmd = {kBinary, "train", kConfig, "--work-dir", work_dir};
  if (!options.empty()) {
    cmd.push_back("--cfg-options");
    cmd.insert(cmd.end(), options.begin(), options.end());
  }
  return cmd;
}

std::vector<std::string> dist_train_cmd(const std::string& work_dir, int nproc, int port,
                                        std::vector<std::string> options,
                                        std::vector<std::string> extra = {}) {
  std::vector<std::string> cmd = {
      kBinary,         "dist-train",        kConfig, "--nproc-per-node", std::to_string(nproc),
      "--master-port", std::to_string(port)};
  cmd.insert(cmd.end(), extra.begin(), extra.end());
  cmd.insert(cmd.end(), {"--work-dir", work_dir});
  if (!options.empty()) {
    cmd.push_back("--cfg-options");
    cmd.insert(cmd.end(), options.begin(), options.end());
  }
  return cmd;
}

std::size_t count_files(const std::string& dir, const std::string& suffix) {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().string().size() >= suffix.size() &&
        e.path().string().compare(e.path().string().size() - suffix.size(), suffix.size(),
                                  suffix) == 0)
      ++n;
  return n;
}

// 2 ranks x batch 64 == 1 process x batch 128 after 50 SGD iterations, for a
// BN-free net and for BatchNorm under SyncBN (built as SyncBN, or converted by
// sync_bn='torch'); BatchNorm without synchronisation is the control that differs.
TEST(DistTrainMultiProcess, TwoRanksReproduceOneProcess) {
  std::string dir = temp_dir("equiv");
  struct Case {
    std::string name, single_norm, dist_norm;
    std::vector<std::string> dist_options;
    bool equal;
  };
  std::vector<Case> cases = {
      {"no_bn", "none", "none", {}, true},
      {"syncbn", "syncbn", "syncbn", {}, true},
      {"converted", "syncbn", "localbn", {"sync_bn=torch"}, true},
      {"unsynced_bn", "syncbn", "localbn", {}, false},
  };
  std::map<std::string, std::string> single_ckpt;
  for (const auto& c : cases) {
    if (single_ckpt.count(c.single_norm)) continue;
    std::string wd = dir + "/single_" + c.single_norm;
    run_ok(train_cmd(wd, {"model.norm=" + c.single_norm}), {}, wd + ".log");
    single_ckpt[c.single_norm] = wd + "/iter_50.pth";
  }
  for (const auto& c : cases) {
    std::string wd = dir + "/dist_" + c.name;
    std::vector<std::string> options = {"model.norm=" + c.dist_norm,
                                        "train_dataloader.batch_size=64"};
    options.insert(options.end(), c.dist_options.begin(), c.dist_options.end());
    run_ok(dist_train_cmd(wd, 2, free_port(), options), {}, wd + ".log");
    double diff = max_relative_difference(wd + "/iter_50.pth", single_ckpt[c.single_norm]);
    std::cout << "[ dist     ] " << c.name << ": max relative weight difference " << diff << "\n";
    if (c.equal)
      EXPECT_LE(diff, 1e-5) << c.name;
    else
      EXPECT_GT(diff, 1e-3) << c.name << " should differ (per-rank BatchNorm statistics)";
    // Only rank 0 wrote: one log file, the checkpoints, last_checkpoint.
    EXPECT_EQ(count_files(wd, ".log"), 1u) << c.name;
    EXPECT_TRUE(fs::exists(wd + "/last_checkpoint"));
    std::string log = read_text(wd + ".log");
    EXPECT_NE(log.find("Distributed training: True"), std::string::npos);
    if (!c.dist_options.empty())
      EXPECT_NE(log.find("2 BatchNorm layer(s) now synchronise"), std::string::npos) << log;
  }
  fs::remove_all(dir);
}

// `mmcpp test` on 2 ranks (started by hand, and by `mmcpp dist-test`) gives
// exactly the metric of 1 rank on 1001 images (the sampler pads rank 1 with one
// repeated image, which must not count).
TEST(DistTrainMultiProcess, TestMetricOfTwoRanksEqualsOneRank) {
  std::string dir = temp_dir("metric");
  run_ok(train_cmd(dir + "/train", {"train_cfg.max_iters=5"}), {}, dir + "/train.log");
  std::string ckpt = dir + "/train/iter_5.pth";
  ASSERT_TRUE(fs::exists(ckpt)) << read_text(dir + "/train.log");
  run_ok({kBinary, "test", kConfig, ckpt, "--work-dir", dir + "/one", "--out", dir + "/one.json",
          "--out-item", "metrics"},
         {}, dir + "/one.log");
  int port = free_port();
  std::vector<Proc> ranks;
  for (int r = 0; r < 2; ++r)
    ranks.push_back(spawn({kBinary, "test", kConfig, ckpt, "--work-dir", dir + "/two", "--out",
                           dir + "/two.json", "--out-item", "metrics", "--launcher", "pytorch"},
                          rank_env(r, 2, port), dir + "/two_" + std::to_string(r) + ".log"));
  for (auto& p : ranks) EXPECT_TRUE(ok(wait_exit(p, 240))) << read_text(p.log);
  // tools/dist_test.sh's form: CONFIG CHECKPOINT GPUS [args].
  run_ok({kBinary, "dist-test", kConfig, ckpt, "2", "--work-dir", dir + "/three", "--out",
          dir + "/three.json", "--out-item", "metrics"},
         {{"PORT", std::to_string(free_port())}}, dir + "/three.log");
  std::string one = read_text(dir + "/one.json"), two = read_text(dir + "/two.json");
  std::cout << "[ dist     ] 1 rank: " << one << "[ dist     ] 2 ranks: " << two;
  EXPECT_NE(one.find("\"dist_test/count\": 1001"), std::string::npos) << one;
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, read_text(dir + "/three.json"));
  EXPECT_NE(read_text(dir + "/three.log").find("dist-test: started 2 rank(s) of 2"),
            std::string::npos)
      << read_text(dir + "/three.log");
  fs::remove_all(dir);
}

// Two "nodes" on localhost (two dist-train invocations, one rank each) train
// 25 iterations, then resume to 50; the result equals one process's 50.
TEST(DistTrainMultiProcess, TwoNodesTrainAndResume) {
  std::string dir = temp_dir("nodes");
  run_ok(train_cmd(dir + "/single"), {}, dir + "/single.log");
  auto run_nodes = [&](const std::vector<std::string>& options, bool resume, const char* tag) {
    int port = free_port();
    std::vector<Proc> nodes;
    for (int node = 0; node < 2; ++node) {
      std::vector<std::string> extra = {"--nnodes", "2", "--node-rank", std::to_string(node)};
      if (resume) extra.push_back("--resume");
      nodes.push_back(spawn(dist_train_cmd(dir + "/nodes", 1, port, options, extra), {},
                            dir + "/" + tag + "_node" + std::to_string(node) + ".log"));
    }
    for (auto& p : nodes) EXPECT_TRUE(ok(wait_exit(p, 240))) << read_text(p.log);
  };
  run_nodes({"train_dataloader.batch_size=64", "train_cfg.max_iters=25"}, false, "first");
  ASSERT_TRUE(fs::exists(dir + "/nodes/iter_25.pth")) << read_text(dir + "/first_node0.log");
  run_nodes({"train_dataloader.batch_size=64"}, true, "resume");
  std::string log = read_text(dir + "/resume_node0.log");
  EXPECT_NE(log.find("resumed epoch: 0, iter: 25"), std::string::npos) << log;
  EXPECT_NE(log.find("GPU number: 2"), std::string::npos);
  ASSERT_TRUE(fs::exists(dir + "/nodes/iter_50.pth")) << log;
  double diff = max_relative_difference(dir + "/nodes/iter_50.pth", dir + "/single/iter_50.pth");
  std::cout << "[ dist     ] 2 nodes, resumed at 25: max relative weight difference " << diff
            << "\n";
  EXPECT_LE(diff, 1e-5);
  fs::remove_all(dir);
}

// A checkpoint resumes across world sizes: 1 process x batch 128 for 25
// iterations, then 2 ranks x batch 64 to 50, and the other way round; both end
// at the weights of 50 uninterrupted one-process iterations. auto_scale_lr
// (base 128) must see world size x batch size = 128 in both (a 64 would halve
// the LR and change the weights).
TEST(DistTrainMultiProcess, ResumeAcrossWorldSizes) {
  std::string dir = temp_dir("worlds");
  const std::vector<std::string> scale = {"auto_scale_lr.base_batch_size=128",
                                          "auto_scale_lr.enable=True"};
  auto with = [&](std::vector<std::string> options) {
    options.insert(options.end(), scale.begin(), scale.end());
    return options;
  };
  run_ok(train_cmd(dir + "/single", with({})), {}, dir + "/single.log");
  // 1 -> 2
  run_ok(train_cmd(dir + "/up", with({"train_cfg.max_iters=25"})), {}, dir + "/up_first.log");
  ASSERT_TRUE(fs::exists(dir + "/up/iter_25.pth")) << read_text(dir + "/up_first.log");
  run_ok(dist_train_cmd(dir + "/up", 2, free_port(), with({"train_dataloader.batch_size=64"}),
                        {"--resume"}),
         {}, dir + "/up_resume.log");
  std::string log = read_text(dir + "/up_resume.log");
  EXPECT_NE(log.find("resumed epoch: 0, iter: 25"), std::string::npos) << log;
  EXPECT_NE(log.find("the current batch size is 128. Scaling the original LR by 1.0."),
            std::string::npos)
      << log;
  double up = max_relative_difference(dir + "/up/iter_50.pth", dir + "/single/iter_50.pth");
  // 2 -> 1
  run_ok(dist_train_cmd(dir + "/down", 2, free_port(),
                        with({"train_dataloader.batch_size=64", "train_cfg.max_iters=25"})),
         {}, dir + "/down_first.log");
  ASSERT_TRUE(fs::exists(dir + "/down/iter_25.pth")) << read_text(dir + "/down_first.log");
  auto resume = train_cmd(dir + "/down", with({}));
  resume.push_back("--resume");
  run_ok(resume, {}, dir + "/down_resume.log");
  log = read_text(dir + "/down_resume.log");
  EXPECT_NE(log.find("resumed epoch: 0, iter: 25"), std::string::npos) << log;
  double down = max_relative_difference(dir + "/down/iter_50.pth", dir + "/single/iter_50.pth");
  std::cout << "[ dist     ] resumed 1 -> 2 ranks: max relative weight difference " << up
            << "; 2 -> 1: " << down << "\n";
  EXPECT_LE(up, 1e-5);
  EXPECT_LE(down, 1e-5);
  fs::remove_all(dir);
}

// Killing one rank makes the other exit non-zero, naming the dead rank, well
// within the configured collective timeout; dist-train says which rank died.
TEST(DistTrainMultiProcess, KillingOneRankFailsTheOthers) {
  std::string dir = temp_dir("kill");
  const double timeout = 30;
  std::vector<std::string> options = {
      "train_cfg.max_iters=100000", "train_dataloader.batch_size=16",
      "default_hooks.checkpoint.interval=100000", "env_cfg.dist_cfg.timeout=30"};
  auto wait_for_training = [&](const std::string& log) {
    auto start = Clock::now();
    while (read_text(log).find("(train) [") == std::string::npos) {
      if (std::chrono::duration<double>(Clock::now() - start).count() > 120) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return true;
  };
  {
    int port = free_port();
    std::vector<Proc> ranks;
    for (int r = 0; r < 2; ++r) {
      auto cmd = train_cmd(dir + "/manual", options);
      cmd.insert(cmd.end(), {"--launcher", "pytorch"});
      ranks.push_back(
          spawn(cmd, rank_env(r, 2, port), dir + "/manual_" + std::to_string(r) + ".log"));
    }
    ASSERT_TRUE(wait_for_training(ranks[0].log)) << read_text(ranks[0].log);
    ::kill(ranks[1].pid, SIGKILL);
    auto killed_at = Clock::now();
    int status = wait_exit(ranks[0], timeout + 30);
    double took = std::chrono::duration<double>(Clock::now() - killed_at).count();
    wait_exit(ranks[1], 5);
    std::string log = read_text(ranks[0].log);
    std::cout << "[ dist     ] rank 0 exited " << took << " s after rank 1 was killed\n";
    EXPECT_TRUE(status > 0 && !ok(status)) << log;
    EXPECT_LT(took, timeout) << log;
    EXPECT_TRUE(std::regex_search(log, std::regex("rank 1 (stopped responding|failed)"))) << log;
  }
  {
    Proc launcher = spawn(dist_train_cmd(dir + "/launcher", 2, free_port(), options), {},
                          dir + "/launcher.log");
    ASSERT_TRUE(wait_for_training(launcher.log)) << read_text(launcher.log);
    // Rank 1: the child of dist-train whose environment says RANK=1.
    pid_t rank1 = -1;
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::string name = e.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::string stat = read_text(e.path().string() + "/stat");
      std::istringstream in(stat.substr(stat.rfind(')') + 2));
      char state;
      pid_t ppid;
      in >> state >> ppid;
      if (ppid != launcher.pid) continue;
      std::string environ = std::string(1, '\0') + read_text(e.path().string() + "/environ");
      if (environ.find(std::string("\0RANK=1\0", 8)) != std::string::npos) rank1 = std::stoi(name);
    }
    ASSERT_GT(rank1, 0);
    ::kill(rank1, SIGKILL);
    int status = wait_exit(launcher, timeout + 60);
    std::string log = read_text(launcher.log);
    EXPECT_TRUE(status > 0 && !ok(status)) << log;
    EXPECT_NE(log.find("dist-train: rank 1 (local rank 1, pid " + std::to_string(rank1) +
                       ") was killed by SIGKILL"),
              std::string::npos)
        << log;
    EXPECT_TRUE(std::regex_search(log, std::regex("rank 1 (stopped responding|failed)"))) << log;
  }
  fs::remove_all(dir);
}

// Launch problems are reported before any file is written.
TEST(DistTrainMultiProcess, LaunchEnvironmentErrors) {
  std::string dir = temp_dir("env");
  struct Case {
    std::map<std::string, std::string> env;
    std::string expect;
    std::vector<std::string> args = {};
  };
  auto env = rank_env(0, 2, free_port());
  auto no_rank = env;
  no_rank.erase("RANK");
  auto bad_port = env;
  bad_port["MASTER_PORT"] = "29500x";
  // A port that something else already listens on.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(fd, 1);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto busy = rank_env(0, 1, ntohs(addr.sin_port));
  // torch.distributed.launch passes --local_rank=N (MMPretrain also spells it
  // --local-rank) instead of LOCAL_RANK: it must be read (here: out of range).
  auto no_local_rank = env;
  no_local_rank.erase("LOCAL_RANK");
  std::vector<Case> cases = {
      {no_rank, "KeyError: launcher='pytorch' needs the environment variable RANK"},
      {no_local_rank, "local rank 3 is not below the local world size 2", {"--local_rank=3"}},
      {no_local_rank, "local rank 3 is not below the local world size 2", {"--local-rank", "3"}},
      {bad_port, "ValueError: launcher='pytorch': MASTER_PORT='29500x' is not an integer"},
      {busy, "could not host the rendezvous store on MASTER_PORT=" +
                 std::to_string(ntohs(addr.sin_port))},
  };
  int i = 0;
  for (const auto& c : cases) {
    std::string wd = dir + "/case" + std::to_string(i++);
    auto cmd = train_cmd(wd);
    cmd.insert(cmd.end(), {"--launcher", "pytorch"});
    cmd.insert(cmd.end(), c.args.begin(), c.args.end());
    Proc p = spawn(cmd, c.env, wd + ".log");
    int status = wait_exit(p, 120);
    std::string log = read_text(wd + ".log");
    EXPECT_TRUE(status > 0 && !ok(status)) << log;
    EXPECT_NE(log.find(c.expect), std::string::npos) << log;
    EXPECT_FALSE(fs::exists(wd)) << "the work_dir was created before the launch was checked";
  }
  ::close(fd);
  fs::remove_all(dir);
}

// `srun ... mmcpp train CFG --launcher slurm` and `mpirun ... --launcher mpi`:
// ranks started with Slurm's / Open MPI's variables train exactly as ranks
// with torchrun's.
TEST(DistTrainMultiProcess, SlurmAndMpiLaunchersTrain) {
  std::string dir = temp_dir("launchers");
  const std::vector<std::string> options = {"train_cfg.max_iters=3",
                                            "train_dataloader.batch_size=64"};
  auto run_ranks = [&](const std::string& launcher, auto env_of) {
    int port = free_port();
    std::vector<Proc> ranks;
    for (int r = 0; r < 2; ++r) {
      auto cmd = train_cmd(dir + "/" + launcher, options);
      cmd.insert(cmd.end(), {"--launcher", launcher});
      ranks.push_back(
          spawn(cmd, env_of(r, port), dir + "/" + launcher + "_" + std::to_string(r) + ".log"));
    }
    for (auto& p : ranks) EXPECT_TRUE(ok(wait_exit(p, 240))) << read_text(p.log);
    std::string log = read_text(dir + "/" + launcher + "_0.log");
    EXPECT_NE(log.find("Distributed launcher: " + launcher), std::string::npos) << log;
    EXPECT_NE(log.find("GPU number: 2"), std::string::npos) << log;
    return dir + "/" + launcher + "/iter_3.pth";
  };
  std::string torch_ckpt =
      run_ranks("pytorch", [](int r, int port) { return rank_env(r, 2, port); });
  std::string slurm_ckpt = run_ranks("slurm", [](int r, int port) {
    return std::map<std::string, std::string>{
        {"SLURM_PROCID", std::to_string(r)},  {"SLURM_NTASKS", "2"},
        {"SLURM_LOCALID", std::to_string(r)}, {"SLURM_NTASKS_PER_NODE", "2"},
        {"SLURM_NODELIST", "localhost"},      {"MASTER_PORT", std::to_string(port)}};
  });
  std::string mpi_ckpt = run_ranks("mpi", [](int r, int port) {
    return std::map<std::string, std::string>{{"OMPI_COMM_WORLD_RANK", std::to_string(r)},
                                              {"OMPI_COMM_WORLD_SIZE", "2"},
                                              {"OMPI_COMM_WORLD_LOCAL_RANK", std::to_string(r)},
                                              {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"},
                                              {"MASTER_ADDR", "127.0.0.1"},
                                              {"MASTER_PORT", std::to_string(port)}};
  });
  ASSERT_TRUE(fs::exists(torch_ckpt) && fs::exists(slurm_ckpt) && fs::exists(mpi_ckpt));
  EXPECT_EQ(max_relative_difference(slurm_ckpt, torch_ckpt), 0.0);
  EXPECT_EQ(max_relative_difference(mpi_ckpt, torch_ckpt), 0.0);
  fs::remove_all(dir);
}

// tools/dist_train.sh's form: CONFIG GPUS [args], the port from PORT.
TEST(DistTrainMultiProcess, DistTrainShellForm) {
  std::string dir = temp_dir("shell");
  int port = free_port();
  run_ok({kBinary, "dist-train", kConfig, "2", "--work-dir", dir + "/run", "--cfg-options",
          "train_cfg.max_iters=2", "train_dataloader.batch_size=64"},
         {{"PORT", std::to_string(port)}}, dir + "/run.log");
  std::string log = read_text(dir + "/run.log");
  EXPECT_NE(log.find("started 2 rank(s) of 2 on node 0/1 (master 127.0.0.1:" +
                     std::to_string(port) + ")"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("GPU number: 2"), std::string::npos) << log;
  EXPECT_TRUE(fs::exists(dir + "/run/iter_2.pth")) << log;
  // Neither --nproc-per-node nor GPUS: a usage error before anything starts.
  Proc p =
      spawn({kBinary, "dist-train", kConfig, "--work-dir", dir + "/none"}, {}, dir + "/none.log");
  int status = wait_exit(p, 60);
  log = read_text(dir + "/none.log");
  EXPECT_TRUE(status > 0 && !ok(status)) << log;
  EXPECT_NE(log.find("dist-train needs the number of ranks on this node"), std::string::npos)
      << log;
  EXPECT_FALSE(fs::exists(dir + "/none"));
  fs::remove_all(dir);
}

// PyTorch's own launcher starts mmcpp ranks, with the same result as dist-train.
// (tests/data/dist/torchrun.py is /usr/bin/torchrun with the fix Debian's 1.13
// needs on Python 3.11 to start anything at all.)
TEST(DistTrainMultiProcess, TorchrunStartsMmcpp) {
  ASSERT_TRUE(fs::exists("/usr/bin/torchrun"))
      << "torchrun is missing: install Debian's python3-torch (scripts/install-deps.sh)";
  const std::string torchrun = std::string(MMCPP_SOURCE_DIR) + "/tests/data/dist/torchrun.py";
  std::string dir = temp_dir("torchrun");
  std::vector<std::string> cmd = {"/usr/bin/python3",
                                  torchrun,
                                  "--no_python",
                                  "--nproc_per_node",
                                  "2",
                                  "--master_port",
                                  std::to_string(free_port()),
                                  kBinary,
                                  "train",
                                  kConfig,
                                  "--work-dir",
                                  dir + "/torchrun",
                                  "--launcher",
                                  "pytorch",
                                  "--cfg-options",
                                  "train_dataloader.batch_size=64"};
  run_ok(cmd, {}, dir + "/torchrun.log");
  run_ok(dist_train_cmd(dir + "/dist", 2, free_port(), {"train_dataloader.batch_size=64"}), {},
         dir + "/dist.log");
  double diff = max_relative_difference(dir + "/torchrun/iter_50.pth", dir + "/dist/iter_50.pth");
  std::cout << "[ dist     ] torchrun vs dist-train: max relative weight difference " << diff
            << "\n";
  EXPECT_EQ(diff, 0.0);
  fs::remove_all(dir);
}

// SIGTERM to dist-train: both ranks stop at the same iteration, rank 0 alone
// writes that checkpoint (and last_checkpoint), and the run resumes from it.
TEST(DistTrainMultiProcess, SigtermStopsEveryRankAtTheSameIteration) {
  std::string dir = temp_dir("sigterm");
  std::vector<std::string> options = {"train_cfg.max_iters=100000",
                                      "train_dataloader.batch_size=16",
                                      "default_hooks.checkpoint.interval=100000"};
  Proc launcher =
      spawn(dist_train_cmd(dir + "/run", 2, free_port(), options), {}, dir + "/run.log");
  auto start = Clock::now();
  auto logged_iters = [&] {
    std::string text = read_text(launcher.log);
    std::size_t n = 0;
    for (std::size_t pos = text.find("(train) ["); pos != std::string::npos;
         pos = text.find("(train) [", pos + 1))
      ++n;
    return n;
  };
  while (logged_iters() < 2) {  // LoggerHook interval 10: 20 iterations done
    ASSERT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 180)
        << read_text(launcher.log);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(launcher.pid, SIGTERM);
  int status = wait_exit(launcher, 120);
  std::string log = read_text(launcher.log);
  EXPECT_TRUE(status > 0 && !ok(status)) << log;
  std::regex stop("KeyboardInterrupt: Training stopped by SIGTERM at epoch 0, iter (\\d+)");
  std::vector<std::string> iters;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), stop); it != std::sregex_iterator();
       ++it)
    iters.push_back((*it)[1]);
  ASSERT_EQ(iters.size(), 2u) << log;  // one line per rank
  EXPECT_EQ(iters[0], iters[1]) << log;
  std::string ckpt = dir + "/run/iter_" + iters[0] + ".pth";
  EXPECT_TRUE(fs::exists(ckpt)) << log;
  EXPECT_EQ(count_files(dir + "/run", ".pth"), 1u);
  std::string last = read_text(dir + "/run/last_checkpoint");
  EXPECT_EQ(last.substr(0, last.find_last_not_of("\n") + 1), ckpt);
  int next = std::stoi(iters[0]) + 3;
  options[0] = "train_cfg.max_iters=" + std::to_string(next);
  run_ok(dist_train_cmd(dir + "/run", 2, free_port(), options, {"--resume"}), {},
         dir + "/resume.log");
  EXPECT_NE(read_text(dir + "/resume.log").find("resumed epoch: 0, iter: " + iters[0]),
            std::string::npos)
      << read_text(dir + "/resume.log");
  EXPECT_TRUE(fs::exists(dir + "/run/iter_" + std::to_string(next) + ".pth"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mmcpp
