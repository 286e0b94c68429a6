// Data-loader worker threads beside the main thread's intra-op pool: what
// use_one_intra_op_thread() (called by every DataLoader worker) changes.
//
//   loader_threads [--intra N] [--workers K] [--steps S] [--batches B] [--repeat R]
//
// Fixed work: the main thread runs S "training" steps (384x384 matmul, relu,
// sum) while K worker threads each build B batches the way collate and
// tensor transforms do (stack 16 uint8 3x224x224 images, to float, scale,
// flip). "nested": workers keep LibTorch's process-wide intra-op count, so each
// opens its own OpenMP team; "one": workers call use_one_intra_op_thread().
// Reported: process CPU seconds and wall seconds for the work (medians of R)
// and the most OS threads seen. On an idle many-core machine the difference is
// the oversubscription; on a shared or small one, OpenMP's spin-waiting
// (OMP_WAIT_POLICY) dominates, so run it there both with and without
// OMP_WAIT_POLICY=passive.
#include <ATen/Parallel.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "mmcpp/core/threads.h"

namespace {

double cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec +
         u.ru_stime.tv_usec * 1e-6;
}

int os_threads() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return 0;
}

struct Result {
  double cpu, wall;
  int threads;
};

Result run_once(int workers, bool one, int steps, int batches) {
  torch::Tensor a = torch::rand({384, 384}), b = torch::rand({384, 384});
  const double c0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::atomic<int> max_threads{0};
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w)
    pool.emplace_back([&] {
      if (one) mmcpp::use_one_intra_op_thread();
      std::vector<torch::Tensor> imgs;
      for (int i = 0; i < 16; ++i)
        imgs.push_back(torch::randint(0, 255, {3, 224, 224}).to(torch::kByte));
      for (int k = 0; k < batches; ++k)
        torch::stack(imgs).to(torch::kFloat).div_(255).flip(1).contiguous();
      int now = os_threads(), seen = max_threads.load();
      while (now > seen && !max_threads.compare_exchange_weak(seen, now)) {
      }
    });
  for (int s = 0; s < steps; ++s) torch::mm(a, b).relu_().sum();
  max_threads = std::max(max_threads.load(), os_threads());
  for (auto& t : pool) t.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {cpu_seconds() - c0, wall, max_threads.load()};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"DataLoader worker threads vs the intra-op pool"};
  int intra = at::get_num_threads(), workers = 4, steps = 300, batches = 100, repeat = 3;
  app.add_option("--intra", intra, "main thread's intra-op threads (default: LibTorch's)");
  app.add_option("--workers", workers, "worker threads");
  app.add_option("--steps", steps, "main-thread steps");
  app.add_option("--batches", batches, "batches per worker");
  app.add_option("--repeat", repeat, "repetitions (medians reported)");
  CLI11_PARSE(app, argc, argv);
  at::set_num_threads(intra);
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  std::printf("## loader_threads (intra %d, %d workers, OMP_WAIT_POLICY=%s)\n\n", intra, workers,
              wait ? wait : "unset");
  std::printf("| workers' LibTorch ops | CPU s | wall s | max OS threads |\n|---|---|---|---|\n");
  std::vector<double> cpu[2], wall[2];
  int threads[2] = {0, 0};
  for (int r = 0; r < repeat; ++r)
    for (int one = 0; one < 2; ++one) {  // alternate, so drifting load hits both
      Result res = run_once(workers, one == 1, steps, batches);
      cpu[one].push_back(res.cpu);
      wall[one].push_back(res.wall);
      threads[one] = std::max(threads[one], res.threads);
    }
  const char* names[2] = {"nested (process-wide count)", "one thread (use_one_intra_op_thread)"};
  for (int one = 0; one < 2; ++one)
    std::printf("| %s | %.2f | %.2f | %d |\n", names[one], median(cpu[one]), median(wall[one]),
                threads[one]);
  return 0;
}
