#include "mmcpp/engine/runner/interrupt_guard.h"

#include <unistd.h>

#include <atomic>
#include <cstring>

namespace mmcpp::engine {
namespace {

std::atomic<StopRequest*> g_active{nullptr};

extern "C" void on_interrupt(int sig) {
  StopRequest* stop = g_active.load();
  if (stop == nullptr || stop->request_by_signal(sig) > 1) {
    // The second signal: leave now (only async-signal-safe calls here).
    static const char msg[] = "\nInterrupted twice: exiting at once, without a checkpoint.\n";
    ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(128 + sig);
  }
  static const char msg[] =
      "\nInterrupt: stopping after the current iteration (again to exit at once).\n";
  ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
}

}  // namespace

InterruptGuard::InterruptGuard(StopRequest& stop) : previous_(g_active.exchange(&stop)) {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  // SA_RESTART: a read in a loader worker goes on instead of failing with
  // EINTR; the loops and a waiting DataLoader poll the StopRequest anyway.
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, &old_int_);
  ::sigaction(SIGTERM, &sa, &old_term_);
}

InterruptGuard::~InterruptGuard() {
  ::sigaction(SIGINT, &old_int_, nullptr);
  ::sigaction(SIGTERM, &old_term_, nullptr);
  g_active.store(previous_);
}

}  // namespace mmcpp::engine
