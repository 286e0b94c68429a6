// Distributed training on c10d (mmcpp/engine/dist), on this machine:
//
//   1. step time of 1 rank x 2 intra-op threads (batch B) against 2 ranks x 1
//      thread (batch B/2 each, gradients all-reduced by DistributedDataParallel
//      on c10d::Reducer), for a LeNet-5 and a ResNet_CIFAR-18 sized net (plain
//      LibTorch modules); the same 2 ranks without any gradient sync give the
//      compute-only bound, so DDP's cost is (DDP - no sync) / no sync;
//   2. Gloo all-reduce of a ResNet-50-sized gradient (25.6M floats, 102.4 MB):
//      the raw c10d allreduce in a bare loop (the limit) beside DDP reducing the
//      same number of gradient floats in 25 MB buckets during a (trivial)
//      backward; DDP's exposed communication (its step minus the same step
//      without sync) is reported against the limit.
//
//   dist [--quick]
//
// Ranks are processes of this program (`dist --worker ...`) over 127.0.0.1.
#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mmcpp/engine/dist/dist_context.h"
#include "mmcpp/engine/dist/distributed_data_parallel.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace nn = torch::nn;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// ---- models (plain LibTorch) ----

struct LeNet5 : nn::Module {  // MMPretrain's LeNet5 on 1x32x32
  LeNet5() {
    features = register_module(
        "features",
        nn::Sequential(nn::Conv2d(1, 6, 5), nn::Tanh(), nn::AvgPool2d(2), nn::Conv2d(6, 16, 5),
                       nn::Tanh(), nn::AvgPool2d(2), nn::Conv2d(16, 120, 5), nn::Tanh()));
    classifier = register_module(
        "classifier", nn::Sequential(nn::Linear(120, 84), nn::Tanh(), nn::Linear(84, 10)));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return classifier->forward(features->forward(x).flatten(1));
  }
  nn::Sequential features{nullptr}, classifier{nullptr};
};

struct BasicBlock : nn::Module {
  BasicBlock(int64_t in, int64_t out, int64_t stride) {
    conv1 = register_module(
        "conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
    bn1 = register_module("bn1", nn::BatchNorm2d(out));
    conv2 =
        register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
    bn2 = register_module("bn2", nn::BatchNorm2d(out));
    if (stride != 1 || in != out)
      down = register_module(
          "downsample",
          nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                         nn::BatchNorm2d(out)));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = torch::relu(bn1(conv1(x)));
    y = bn2(conv2(y));
    return torch::relu(y + (down ? down->forward(x) : x));
  }
  nn::Conv2d conv1{nullptr}, conv2{nullptr};
  nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  nn::Sequential down{nullptr};
};

struct ResNetCifar18 : nn::Module {  // MMPretrain's ResNet_CIFAR depth 18 + linear head
  ResNetCifar18() {
    conv1 =
        register_module("conv1", nn::Conv2d(nn::Conv2dOptions(3, 64, 3).padding(1).bias(false)));
    bn1 = register_module("bn1", nn::BatchNorm2d(64));
    int64_t in = 64;
    for (int64_t stage = 0; stage < 4; ++stage) {
      int64_t out = 64 << stage;
      for (int64_t b = 0; b < 2; ++b) {
        blocks.push_back(
            register_module("layer" + std::to_string(stage + 1) + "_" + std::to_string(b),
                            std::make_shared<BasicBlock>(in, out, b == 0 && stage > 0 ? 2 : 1)));
        in = out;
      }
    }
    fc = register_module("fc", nn::Linear(512, 10));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = torch::relu(bn1(conv1(x)));
    for (auto& b : blocks) y = b->forward(y);
    return fc(torch::adaptive_avg_pool2d(y, {1, 1}).flatten(1));
  }
  nn::Conv2d conv1{nullptr};
  nn::BatchNorm2d bn1{nullptr};
  std::vector<std::shared_ptr<BasicBlock>> blocks;
  nn::Linear fc{nullptr};
};

// 25.6M gradient floats in 50 parameters; backward is one multiply per float.
struct GradientOnly : nn::Module {
  GradientOnly() {
    for (int i = 0; i < 50; ++i)
      params.push_back(register_parameter("p" + std::to_string(i), torch::zeros({512000})));
  }
  std::vector<torch::Tensor> params;
};

// ---- worker: one rank ----

struct WorkerArgs {
  std::string what;  // lenet, resnet, gradient, allreduce
  int rank = 0, world = 1, port = 0, threads = 1, batch = 0, steps = 3;
  bool sync = true;
};

std::shared_ptr<mmcpp::dist::DistContext> join(const WorkerArgs& a) {
  if (a.world == 1) return nullptr;
  mmcpp::dist::LaunchEnv env;
  env.launcher = "pytorch";
  env.rank = a.rank;
  env.world_size = a.world;
  env.local_rank = a.rank;
  env.master_addr = "127.0.0.1";
  env.master_port = a.port;
  mmcpp::dist::DistConfig cfg;
  cfg.backend = "gloo";
  cfg.timeout = std::chrono::minutes(5);
  return mmcpp::dist::DistContext::init(env, cfg);
}

template <class Net>
double time_training(const WorkerArgs& a, Net& net, const torch::Tensor& x, const torch::Tensor& y,
                     const std::shared_ptr<mmcpp::dist::DistContext>& ctx) {
  std::unique_ptr<mmcpp::dist::DistributedDataParallel> ddp;
  if (ctx && a.sync)
    ddp =
        std::make_unique<mmcpp::dist::DistributedDataParallel>(net, ctx, mmcpp::dist::DDPOptions{});
  torch::optim::SGD opt(net.parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  auto step = [&] {
    opt.zero_grad();
    if (ddp) ddp->pre_forward();
    torch::Tensor loss = torch::nn::functional::cross_entropy(net.forward(x), y);
    if (ddp) ddp->post_forward({loss});
    loss.backward();
    opt.step();
  };
  step();  // warm-up (and the bucket rebuild)
  if (ctx) ctx->group()->barrier()->wait();
  auto start = Clock::now();
  for (int s = 0; s < a.steps; ++s) step();
  return seconds_since(start) / a.steps;
}

int worker(const WorkerArgs& a) {
  at::set_num_threads(a.threads);
  torch::manual_seed(0);
  auto ctx = join(a);
  double t = 0;
  if (a.what == "lenet") {
    LeNet5 net;
    t = time_training(a, net, torch::randn({a.batch, 1, 32, 32}), torch::randint(0, 10, {a.batch}),
                      ctx);
  } else if (a.what == "resnet") {
    ResNetCifar18 net;
    t = time_training(a, net, torch::randn({a.batch, 3, 32, 32}), torch::randint(0, 10, {a.batch}),
                      ctx);
  } else if (a.what == "gradient") {
    GradientOnly net;
    std::unique_ptr<mmcpp::dist::DistributedDataParallel> ddp;
    if (ctx && a.sync)
      ddp = std::make_unique<mmcpp::dist::DistributedDataParallel>(net, ctx,
                                                                   mmcpp::dist::DDPOptions{});
    torch::Tensor w = torch::ones({512000});
    auto step = [&] {
      for (auto& p : net.params) p.mutable_grad() = torch::Tensor();
      if (ddp) ddp->pre_forward();
      torch::Tensor loss = torch::zeros({});
      for (auto& p : net.params) loss = loss + (p * w).sum();
      if (ddp) ddp->post_forward({loss});
      loss.backward();
    };
    step();
    if (ctx) ctx->group()->barrier()->wait();
    auto start = Clock::now();
    for (int s = 0; s < a.steps; ++s) step();
    t = seconds_since(start) / a.steps;
  } else if (a.what == "allreduce") {
    std::vector<torch::Tensor> t1 = {torch::ones({25600000})};
    ctx->group()->allreduce(t1)->wait();
    auto start = Clock::now();
    for (int s = 0; s < a.steps; ++s) ctx->group()->allreduce(t1)->wait();
    t = seconds_since(start) / a.steps;
  }
  if (ctx) ctx->group()->barrier()->wait();
  std::printf("RESULT %.9f\n", t);
  return 0;
}

// ---- driver ----

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return std::string(buf, static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
}

// Seconds per step of rank 0 (the slowest rank decides a synchronous step).
double run(const std::string& what, int world, int threads, int batch, int steps, bool sync) {
  int port = free_port();
  std::vector<FILE*> pipes;
  for (int r = 0; r < world; ++r) {
    std::ostringstream cmd;
    cmd << "OMP_NUM_THREADS=" << threads << " '" << self_exe() << "' --worker " << what
        << " --rank " << r << " --world " << world << " --port " << port << " --threads " << threads
        << " --batch " << batch << " --steps " << steps << " --sync " << (sync ? 1 : 0);
    pipes.push_back(::popen(cmd.str().c_str(), "r"));
  }
  double worst = 0;
  for (FILE* p : pipes) {
    char line[256];
    while (std::fgets(line, sizeof line, p))
      if (std::string(line).rfind("RESULT ", 0) == 0) worst = std::max(worst, std::atof(line + 7));
    ::pclose(p);
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mmcpp distributed-training benchmark (c10d Gloo, DDP on c10d::Reducer)"};
  WorkerArgs w;
  bool quick = false;
  int sync = 1;
  app.add_option("--worker", w.what);
  app.add_option("--rank", w.rank);
  app.add_option("--world", w.world);
  app.add_option("--port", w.port);
  app.add_option("--threads", w.threads);
  app.add_option("--batch", w.batch);
  app.add_option("--steps", w.steps);
  app.add_option("--sync", sync);
  app.add_flag("--quick", quick, "fewer steps");
  app.allow_extras();
  CLI11_PARSE(app, argc, argv);
  w.sync = sync != 0;
  if (!w.what.empty()) return worker(w);

  std::printf("## dist: c10d Gloo on %u cores (127.0.0.1)\n\n",
              std::thread::hardware_concurrency());
  std::printf(
      "| model | batch | 1 rank x 2 threads | 2 ranks x 1 thread, DDP | 2 ranks, no sync | "
      "speed-up | DDP cost over no sync |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  struct Model {
    const char* name;
    const char* key;
    int batch, steps;
  };
  for (const Model& m : {Model{"LeNet-5 (1x32x32)", "lenet", 256, quick ? 10 : 40},
                         Model{"ResNet_CIFAR-18 (3x32x32)", "resnet", 64, quick ? 2 : 4}}) {
    double one = run(m.key, 1, 2, m.batch, m.steps, false);
    double ddp = run(m.key, 2, 1, m.batch / 2, m.steps, true);
    double local = run(m.key, 2, 1, m.batch / 2, m.steps, false);
    std::printf("| %s | %d | %.1f ms | %.1f ms | %.1f ms | %.2fx | %+.1f%% |\n", m.name, m.batch,
                one * 1e3, ddp * 1e3, local * 1e3, one / ddp, (ddp - local) / local * 100);
  }
  const double bytes = 25600000.0 * 4;
  int steps = quick ? 3 : 8;
  double raw = run("allreduce", 2, 1, 0, steps, true);
  double ddp = run("gradient", 2, 1, 0, steps, true);
  double local = run("gradient", 2, 1, 0, steps, false);
  std::printf(
      "\n| 2 ranks, 25.6M floats (102.4 MB) | time | algorithm bandwidth | vs the limit |\n");
  std::printf("|---|---|---|---|\n");
  std::printf("| raw c10d allreduce, bare loop (the limit) | %.1f ms | %.2f GB/s | 1.00x |\n",
              raw * 1e3, bytes / raw / 1e9);
  std::printf("| DDP step (c10d::Reducer, 25 MB buckets) | %.1f ms | | |\n", ddp * 1e3);
  std::printf("| same step without sync (backward only) | %.1f ms | | |\n", local * 1e3);
  std::printf("| DDP's exposed communication (DDP - no sync) | %.1f ms | %.2f GB/s | %.2fx |\n",
              (ddp - local) * 1e3, bytes / std::max(1e-9, ddp - local) / 1e9, (ddp - local) / raw);
  return 0;
}
