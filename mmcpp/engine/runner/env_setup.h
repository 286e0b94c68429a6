// The Runner's environment settings (mmengine Runner.setup_env and
// set_multi_processing, tools/train.py's runner_type), read and checked before
// the Runner writes anything, then applied.
//
//   env_cfg = dict(
//       cudnn_benchmark=False,          # torch.backends.cudnn.benchmark
//       mp_cfg=dict(mp_start_method='fork',  # checked; unused: loader workers are threads
//                   opencv_num_threads=0),   # cv2.setNumThreads, for the whole run
//       dist_cfg=dict(backend='nccl'),  # read by the distributed launcher code
//       resource_limit=4096,            # RLIMIT_NOFILE soft limit, as MMEngine
//       intra_op_threads='auto')        # mmcpp: LibTorch's intra-op threads (thread_policy.h)
//   runner_type = 'Runner'              # the only runner mmcpp has
//   log_level = 'INFO'
//   randomness = dict(seed=None, deterministic=False, diff_rank_seed=False)
//
// Keys MMEngine itself ignores (env_cfg.backend in MMEngine's own tutorial) are
// logged as warnings; keys MMEngine rejects are errors naming the key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/logging.h"

namespace mmcpp::engine {

struct RunnerEnv {
  bool cudnn_benchmark = false;
  std::string mp_start_method = "fork";
  std::int64_t opencv_num_threads = 0;
  std::int64_t resource_limit = 4096;
  // env_cfg.intra_op_threads: nullopt for 'auto' (the default).
  std::optional<int> intra_op_threads;
  LogLevel log_level = LogLevel::Info;
  // Warnings to log once the logger exists (keys that have no effect).
  std::vector<std::string> warnings;
};

// Reads env_cfg, runner_type, log_level and randomness's keys from `cfg`. Throws
// TypeError/ValueError/NotImplementedError naming the key for what MMEngine
// rejects or mmcpp cannot do. Writes nothing.
RunnerEnv read_runner_env(const config::Config& cfg);

// Applies the process-wide settings (cuDNN benchmark, OpenCV's threads, the
// open-file limit) and returns the lines to log about them.
std::vector<std::string> apply_runner_env(const RunnerEnv& env);

}  // namespace mmcpp::engine
