// The `mmcpp` users run: sets the OpenMP wait policy, then runs the real program
// (mmcpp-main, beside this file) in its place with the same arguments.
//
// LibTorch's OpenMP runtime (libgomp) reads OMP_WAIT_POLICY once, when it is
// loaded, before main() of any program that links LibTorch; nothing set later
// reaches it. This launcher links no LibTorch, so it can set the default first
// (mmcpp/core/threads.h: default_openmp_wait_policy; the user's OMP_WAIT_POLICY,
// GOMP_SPINCOUNT or KMP_BLOCKTIME win), and exec() costs a millisecond where
// re-executing the real program would load LibTorch twice.
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "mmcpp/core/threads.h"

int main(int argc, char** argv) {
  (void)argc;
  mmcpp::default_openmp_wait_policy();
  std::string self;
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0)
    self.assign(buf, static_cast<std::size_t>(n));
  else if (argv[0] != nullptr)
    self = argv[0];
  std::size_t slash = self.find_last_of('/');
  std::string real =
      (slash == std::string::npos ? std::string(".") : self.substr(0, slash)) + "/mmcpp-main";
  execv(real.c_str(), argv);
  std::fprintf(stderr, "error: cannot run %s: %s\n", real.c_str(), std::strerror(errno));
  return 127;
}
