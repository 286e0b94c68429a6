// InterruptGuard: Ctrl-C (SIGINT) and SIGTERM while a runner works.
//
// While a guard is alive, the first SIGINT/SIGTERM asks its StopRequest to stop
// (the loops stop after the iteration running, the runner saves a resumable
// checkpoint); a second one ends the process at once with status 128 + signal,
// as a user pressing Ctrl-C twice expects. The handlers in place before are
// restored when the guard ends. Guards nest (the newest one receives the
// signals); a signal handler can reach no object but through process-wide
// state, so the active StopRequest is kept in one atomic pointer.
#pragma once

#include <csignal>

#include "mmcpp/core/stop_request.h"

namespace mmcpp::engine {

class InterruptGuard {
 public:
  explicit InterruptGuard(StopRequest& stop);
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  StopRequest* previous_;
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace mmcpp::engine
