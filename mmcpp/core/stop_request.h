// StopRequest: the one way a run is asked to stop.
//
// Three causes use it: a signal (SIGINT/SIGTERM through the runner's
// InterruptGuard), a hook (EarlyStoppingHook) and code (Runner::request_stop).
// Every loop (train, val, test) polls requested() between iterations, and a
// DataLoader waiting for a batch polls it too, so a stuck worker cannot keep the
// run from stopping. A signal is remembered apart from the other causes: the
// runner then leaves a resumable checkpoint and ends with KeyboardInterrupt,
// while a hook's or code's request ends training normally.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

namespace mmcpp {

class StopRequest {
 public:
  // From ordinary code (a hook, the user): remembers `reason` for messages.
  void request(const std::string& reason) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (reason_.empty()) reason_ = reason;
    }
    requested_.store(true);
  }
  // From a signal handler: async-signal-safe (lock-free atomic stores only).
  // Returns how many signals have asked so far, this one included.
  int request_by_signal(int sig) noexcept {
    signal_.store(sig);
    requested_.store(true);
    return signals_.fetch_add(1) + 1;
  }

  // A signal another rank caught (distributed runs agree on it): recorded like
  // one caught here, but it does not count towards "again to exit at once", so
  // this rank's own copy of the signal, arriving later, still stops gently.
  void adopt_signal(int sig) noexcept {
    signal_.store(sig);
    requested_.store(true);
  }

  bool requested() const noexcept { return requested_.load(); }
  // The signal that asked (SIGINT, SIGTERM), 0 when none did.
  int signal() const noexcept { return signal_.load(); }
  // "SIGINT" / "SIGTERM" for a signal, else the first reason given.
  std::string reason() const {
    int sig = signal_.load();
    if (sig == 2) return "SIGINT";
    if (sig == 15) return "SIGTERM";
    if (sig != 0) return "signal " + std::to_string(sig);
    std::lock_guard<std::mutex> lock(mutex_);
    return reason_;
  }
  // Forget every request (a new run starts).
  void reset() {
    std::lock_guard<std::mutex> lock(mutex_);
    reason_.clear();
    requested_.store(false);
    signal_.store(0);
    signals_.store(0);
  }

 private:
  std::atomic<bool> requested_{false};
  std::atomic<int> signal_{0};
  std::atomic<int> signals_{0};
  mutable std::mutex mutex_;
  std::string reason_;
};

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "StopRequest::request_by_signal must be async-signal-safe");

}  // namespace mmcpp
