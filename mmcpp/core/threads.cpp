#include "mmcpp/core/threads.h"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "mmcpp/core/logging.h"

#if defined(__linux__)
#include <sched.h>
#endif

#if AT_PARALLEL_OPENMP
// Bound to the OpenMP runtime LibTorch itself loaded (libgomp or libiomp5), so
// the setting reaches the runtime its kernels use; weak, as we do not link one.
extern "C" void omp_set_num_threads(int) __attribute__((weak));
#endif

namespace mmcpp {
namespace {

// Cores this process may use: the affinity mask (taskset, cgroup cpusets) when the
// platform has one, else every hardware thread.
int available_cores() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  return static_cast<int>(std::thread::hardware_concurrency());
}

// The registry-like list of hooks and the count of open scopes.
struct WorkerThreadsHooks {
  std::mutex mutex;
  std::vector<WorkerThreadsHook> hooks;
  int active = 0;

  static WorkerThreadsHooks& get() {
    static WorkerThreadsHooks instance;
    return instance;
  }
};

// Hooks run from a constructor or destructor: a failing one is reported, not thrown.
void run_hook(const WorkerThreadsHook& hook, bool enter) {
  const auto& fn = enter ? hook.enter : hook.leave;
  if (!fn) return;
  try {
    fn();
  } catch (const std::exception& e) {
    print_log("worker threads hook '" + hook.name + "' failed on " + (enter ? "enter" : "leave") +
                  ": " + e.what(),
              LogLevel::Warning);
  }
}

}  // namespace

int configure_threads() {
  const char* omp = std::getenv("OMP_NUM_THREADS");
  if (omp == nullptr || *omp == '\0') {
    const int cores = available_cores();
    if (cores > 0) at::set_num_threads(cores);
  }
  return at::get_num_threads();
}

int use_one_intra_op_thread() {
  // LibTorch sizes a thread's OpenMP team on the thread's first parallel call
  // (at::internal::lazy_init_num_threads, from the process-wide count). Trigger
  // that first, in LibTorch's copy (get_num_threads) and in the inline copy
  // compiled into this library, so that it cannot later overwrite our setting.
  at::get_num_threads();
  at::internal::lazy_init_num_threads();
#if AT_PARALLEL_OPENMP
  if (omp_set_num_threads != nullptr) omp_set_num_threads(1);
#endif
  return at::get_num_threads();
}

void add_worker_threads_hook(WorkerThreadsHook hook) {
  WorkerThreadsHooks& h = WorkerThreadsHooks::get();
  std::lock_guard<std::mutex> lock(h.mutex);
  if (h.active > 0) run_hook(hook, true);
  h.hooks.push_back(std::move(hook));
}

WorkerThreadsScope::WorkerThreadsScope() {
  WorkerThreadsHooks& h = WorkerThreadsHooks::get();
  std::lock_guard<std::mutex> lock(h.mutex);
  if (h.active++ == 0)
    for (const WorkerThreadsHook& hook : h.hooks) run_hook(hook, true);
}

WorkerThreadsScope::~WorkerThreadsScope() {
  WorkerThreadsHooks& h = WorkerThreadsHooks::get();
  std::lock_guard<std::mutex> lock(h.mutex);
  if (--h.active == 0)
    for (auto it = h.hooks.rbegin(); it != h.hooks.rend(); ++it) run_hook(*it, false);
}

int WorkerThreadsScope::active() {
  WorkerThreadsHooks& h = WorkerThreadsHooks::get();
  std::lock_guard<std::mutex> lock(h.mutex);
  return h.active;
}

}  // namespace mmcpp
