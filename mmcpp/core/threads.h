// Thread settings of the LibTorch backend, and how data-loader worker threads
// share the cores with the main thread's intra-op pool.
#pragma once

#include <cstdlib>
#include <functional>
#include <string>

namespace mmcpp {

// Cores this process may run on: its CPU affinity mask (taskset, cgroup cpusets),
// else std::thread::hardware_concurrency(); at least 1.
int available_cores();

// True when the user chose the thread count with OMP_NUM_THREADS (which LibTorch,
// its OpenMP runtime and OpenBLAS read at start): mmcpp then never changes it.
bool user_set_num_threads();

// Sets LibTorch's intra-op thread count to every core this process may run on,
// unless the user chose a count with OMP_NUM_THREADS. The runner later narrows it
// (engine/runner/thread_policy.h). Returns the intra-op count in effect afterwards.
int configure_threads();

// The intra-op thread count of LibTorch (at::set_num_threads) and of the BLAS pool
// its matrix products run on (OpenBLAS keeps a pool of its own; LibTorch does not
// resize it). Returns at::get_num_threads() afterwards.
int set_intra_op_threads(int n);

// The OpenMP wait policy (what idle pool threads do between parallel regions).
// LibTorch's OpenMP runtime (libgomp in Debian) reads it once, when it is loaded,
// before main(): by default its threads spin for ~300000 rounds after every region,
// which on a busy or small machine takes the cores from data-loader workers and
// other processes and stalls the pool when a spinning thread is descheduled. This
// sets OMP_WAIT_POLICY=PASSIVE (threads sleep at once) unless the user set
// OMP_WAIT_POLICY, GOMP_SPINCOUNT or KMP_BLOCKTIME. It only works before the
// runtime initialises: the mmcpp launcher (tools/launcher/) calls it, then execs
// mmcpp-main (a .preinit_array setenv comes too late for Debian's libgomp).
inline void default_openmp_wait_policy() noexcept {
  if (std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("GOMP_SPINCOUNT") == nullptr &&
      std::getenv("KMP_BLOCKTIME") == nullptr)
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
}

// "OMP_WAIT_POLICY=PASSIVE", "GOMP_SPINCOUNT=10000", ... or "OpenMP default
// (spin, then sleep)": what the runtime was started with, for the log.
std::string openmp_wait_policy_description();

// Libraries with a process-wide thread pool of their own that configs size
// (OpenCV: env_cfg.mp_cfg.opencv_num_threads). The pretrain package registers
// "opencv"; the engine knows nothing about those libraries.
void add_library_threads(const std::string& name, std::function<void(int)> set);
// False when no library of that name is registered (OpenCV not linked).
bool set_library_threads(const std::string& name, int n);

// Makes LibTorch ops called from the calling thread run on that thread alone,
// as PyTorch's DataLoader workers do with torch.set_num_threads(1). Only this
// thread changes: at::set_num_threads is process-wide (it also resizes shared
// pools and changes the count every later thread starts with), but with the
// OpenMP backend the team size is a per-thread setting, which is what is set
// here, after LibTorch's lazy per-thread initialisation so that it sticks.
// (With the native backend every thread shares one pool, so nothing is nested
// and nothing needs changing.) Returns at::get_num_threads() afterwards.
int use_one_intra_op_thread();

// Libraries with a process-wide thread pool of their own (OpenCV, in the
// pretrain package) would compete with both the loader's worker threads and the
// main thread's intra-op pool. They register a hook here; while at least one
// WorkerThreadsScope exists (a DataLoader iterating with num_workers > 0),
// `enter` has been called once, and `leave` is called when the last scope ends.
// The engine knows nothing about those libraries.
struct WorkerThreadsHook {
  std::string name;             // for messages, e.g. "opencv"
  std::function<void()> enter;  // first scope opened
  std::function<void()> leave;  // last scope closed (hooks leave in reverse order)
};
// A hook added while scopes are open is entered at once.
void add_worker_threads_hook(WorkerThreadsHook hook);

class WorkerThreadsScope {
 public:
  WorkerThreadsScope();
  ~WorkerThreadsScope();
  WorkerThreadsScope(const WorkerThreadsScope&) = delete;
  WorkerThreadsScope& operator=(const WorkerThreadsScope&) = delete;
  // Scopes open now (tests).
  static int active();
};

}  // namespace mmcpp
