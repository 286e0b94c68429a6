#include "mmcpp/core/threads.h"

#include <ATen/Parallel.h>

#include <algorithm>
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
// OpenBLAS (LibTorch's BLAS in Debian) when it is loaded; weak for other BLASes.
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace mmcpp {
namespace {

// Library thread-pool setters (add_library_threads).
struct LibraryThreads {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::function<void(int)>>> setters;

  static LibraryThreads& get() {
    static LibraryThreads instance;
    return instance;
  }
};

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

int available_cores() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

bool user_set_num_threads() {
  const char* omp = std::getenv("OMP_NUM_THREADS");
  return omp != nullptr && *omp != '\0';
}

int configure_threads() {
  if (!user_set_num_threads()) at::set_num_threads(available_cores());
  return at::get_num_threads();
}

int set_intra_op_threads(int n) {
  n = std::max(1, n);
  at::set_num_threads(n);
  // OpenBLAS sized its pool from OPENBLAS_NUM_THREADS / OMP_NUM_THREADS or the
  // cores when it was loaded; a user's choice there stands.
  if (openblas_set_num_threads != nullptr && std::getenv("OPENBLAS_NUM_THREADS") == nullptr &&
      !user_set_num_threads())
    openblas_set_num_threads(n);
  return at::get_num_threads();
}

std::string openmp_wait_policy_description() {
  for (const char* name : {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME"})
    if (const char* v = std::getenv(name)) return std::string(name) + "=" + v;
  return "the OpenMP runtime's default (spin, then sleep)";
}

void add_library_threads(const std::string& name, std::function<void(int)> set) {
  LibraryThreads& l = LibraryThreads::get();
  std::lock_guard<std::mutex> lock(l.mutex);
  l.setters.emplace_back(name, std::move(set));
}

bool set_library_threads(const std::string& name, int n) {
  LibraryThreads& l = LibraryThreads::get();
  std::lock_guard<std::mutex> lock(l.mutex);
  bool found = false;
  for (const auto& [lib, set] : l.setters) {
    if (lib != name) continue;
    set(n);
    found = true;
  }
  return found;
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
