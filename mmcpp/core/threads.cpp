#include "mmcpp/core/threads.h"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <thread>

#if defined(__linux__)
#include <sched.h>
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

}  // namespace

int configure_threads() {
  const char* omp = std::getenv("OMP_NUM_THREADS");
  if (omp == nullptr || *omp == '\0') {
    const int cores = available_cores();
    if (cores > 0) at::set_num_threads(cores);
  }
  return at::get_num_threads();
}

}  // namespace mmcpp
