// Thread settings of the LibTorch backend, and how data-loader worker threads
// share the cores with the main thread's intra-op pool.
#pragma once

#include <functional>
#include <string>

namespace mmcpp {

// Sets LibTorch's intra-op thread count to every core this process may run on
// (its CPU affinity mask, else std::thread::hardware_concurrency()), unless the
// user chose a count with OMP_NUM_THREADS, which LibTorch already honours.
// Returns the intra-op thread count in effect afterwards.
int configure_threads();

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
