// What the Runner does differently in a distributed run (mmengine/runner/
// runner.py setup_env, wrap_model, _init_model_weights), kept here so the
// Runner only calls in:
//   - init_from_config: `launcher` and env_cfg.dist_cfg -> init_dist, checked
//     before the Runner writes anything;
//   - master_only_env: what non-zero ranks write through (nothing);
//   - prepare_model: SyncBatchNorm layers get the group, `sync_bn` converts, and
//     the model is wrapped (model_wrapper_cfg, else MMDistributedDataParallel
//     with broadcast_buffers=False and cfg.find_unused_parameters);
//   - StopAgreement: every rank stops training at the same iteration, with the
//     same signal, when any of them was asked to (SIGINT/SIGTERM);
//   - rethrow_failure: a failed collective becomes an error naming the dead rank.
#pragma once

#include <c10/util/intrusive_ptr.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/core/stop_request.h"
#include "mmcpp/engine/model/base_model.h"

namespace c10d {
class Work;
}

namespace mmcpp::dist {

class DistContext;

// Runner.setup_env's init_dist: nullptr when cfg.launcher is 'none' (or
// absent). Reads the launch variables and env_cfg.dist_cfg; a 'nccl' backend
// without CUDA falls back to 'gloo' when the model runs on the CPU (with a
// note in `notes`, logged by the Runner once it has a logger).
std::shared_ptr<DistContext> init_from_config(const config::Config& cfg, std::string* notes);

// An Env that reads through `base` and drops every write: only rank 0 writes
// logs, scalars, configs and checkpoints.
std::unique_ptr<Env> master_only_env(Env& base);

// Runner.wrap_model (distributed branch): returns the wrapper the loops call.
std::shared_ptr<engine::BaseModel> prepare_model(const config::Config& cfg,
                                                 const std::shared_ptr<engine::BaseModel>& model,
                                                 const std::shared_ptr<DistContext>& ctx,
                                                 Logger& logger);

// Runner._init_model_weights: rank 0's parameters and buffers everywhere.
void broadcast_model_state(const DistContext* ctx, torch::nn::Module& model);

// Agreement on stopping: poll(local_signal, iter) is called whenever the Runner
// asks whether to stop. On the first call after the iteration counter changed it
// collects the result of the all-reduce (MAX) started one iteration earlier and
// starts the next one with this rank's signal, so the exchange overlaps a whole
// iteration and every rank sees the same answer at the same iteration.
class StopAgreement {
 public:
  explicit StopAgreement(std::shared_ptr<DistContext> ctx);
  ~StopAgreement();
  // The agreed signal (0: keep going).
  int poll(int local_signal, std::int64_t iter);
  int agreed() const { return agreed_; }
  // Whether this rank stops now. A signal counts only once agreed: the rank that
  // caught it first must not leave its loop an iteration before the others (they
  // would wait in a collective it never joins). A request from code (a hook) is
  // taken at once: every rank makes it alike from the same synced values. An
  // agreed signal is recorded into `stop` (its reason for the messages).
  bool should_stop(StopRequest& stop, std::int64_t iter);

 private:
  std::shared_ptr<DistContext> ctx_;
  std::int64_t last_iter_ = -1;
  int agreed_ = 0;
  torch::Tensor pending_value_;
  c10::intrusive_ptr<c10d::Work> pending_;
};

// Called with the exception a rank's train/val/test raised: records this rank's
// failure in the store for its peers, names the peers that died, logs it on
// every rank, abandons the process group (its threads may wait on a dead peer)
// and throws RuntimeError("distributed run failed on rank R: <cause>; rank 1
// stopped responding ...").
[[noreturn]] void rethrow_failure(DistContext& ctx, Logger& logger, std::exception_ptr error);

}  // namespace mmcpp::dist
