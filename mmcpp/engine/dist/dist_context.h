// DistContext: one process's membership of a distributed job, on PyTorch's
// c10d: the rendezvous store (c10d::TCPStore, hosted by rank 0 unless torchrun's
// agent hosts it), the default process group (c10d::ProcessGroupGloo, or
// c10d::ProcessGroupNCCL when LibTorch is built with CUDA), and this process's
// rank, world size and local rank. It is MMEngine's torch.distributed default
// group; the Runner owns one and hands it to whatever needs to communicate (no
// process-wide state).
//
// Failures: every rank beats a heartbeat counter in the store from a thread of
// its own. When a collective fails (a peer's connection closed, or the
// dist_cfg.timeout expired), failure_report() names the ranks whose heartbeat
// stopped and the reason a failed rank left in the store, so the error says
// which rank died. A context that saw a failure is abandoned on destruction
// (the process group is not joined: one of its threads may wait on a dead peer).
#pragma once

#include <c10/util/intrusive_ptr.h>
#include <torch/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "mmcpp/engine/dist/utils.h"

namespace c10d {
class ProcessGroup;
class Store;
}  // namespace c10d

namespace mmcpp::dist {

class DistContext {
 public:
  // init_dist: connect to the store at launch.master_addr:master_port (rank 0
  // hosts it unless torchrun's agent does) and create cfg.backend's group.
  // `device` is where the model runs (a CUDA device needs backend 'nccl' or 'gloo').
  static std::shared_ptr<DistContext> init(const LaunchEnv& launch, const DistConfig& cfg);

  // A group over an existing store, e.g. a c10d::HashStore shared by threads of
  // one process (tests). `launcher` is only reported.
  static std::shared_ptr<DistContext> create(c10::intrusive_ptr<c10d::Store> store, int rank,
                                             int world_size, const DistConfig& cfg,
                                             const std::string& launcher = "none");

  DistContext(const DistContext&) = delete;
  DistContext& operator=(const DistContext&) = delete;
  ~DistContext();

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  int local_rank() const { return local_rank_; }
  int local_world_size() const { return local_world_size_; }
  bool is_main_process() const { return rank_ == 0; }
  const std::string& backend() const { return backend_; }
  const std::string& launcher() const { return launcher_; }
  std::chrono::milliseconds timeout() const { return timeout_; }
  const c10::intrusive_ptr<c10d::ProcessGroup>& group() const { return group_; }
  // Where collective buffers live: the CPU for gloo, this rank's GPU for nccl.
  torch::Device comm_device() const { return comm_device_; }
  // "rank 1/4 (local 1, master 10.0.0.1:29500, gloo)".
  std::string describe() const;

  // Leaves `reason` in the store for the other ranks' failure reports.
  void record_failure(const std::string& reason);
  // After a failed collective: which peers failed (with their reason) or stopped
  // beating (killed or hung), e.g. "rank 1 stopped responding (no heartbeat for
  // 3.0 s: killed or hung)". Empty when every peer is alive. Takes a few
  // heartbeat intervals.
  std::string failure_report();
  // Do not join the process group's threads on destruction (after a failure).
  void abandon() { abandoned_ = true; }
  bool abandoned() const { return abandoned_; }

 private:
  DistContext() = default;
  void start_heartbeat(c10::intrusive_ptr<c10d::Store> monitor);
  void stop_heartbeat();
  void make_group(const DistConfig& cfg, const std::string& gloo_host);
  void collect_peer_failures();

  int rank_ = 0, world_size_ = 1, local_rank_ = 0, local_world_size_ = -1;
  std::string backend_, launcher_ = "none", master_;
  std::chrono::milliseconds timeout_{0};
  torch::Device comm_device_ = torch::kCPU;
  c10::intrusive_ptr<c10d::Store> store_;    // the rendezvous store (prefix applied)
  c10::intrusive_ptr<c10d::Store> monitor_;  // heartbeats (a connection of its own)
  c10::intrusive_ptr<c10d::ProcessGroup> group_;
  std::chrono::milliseconds heartbeat_interval_{500};

  std::thread heartbeat_;
  std::mutex hb_mutex_;
  std::condition_variable hb_cv_;
  bool hb_stop_ = false;
  std::atomic<bool> store_lost_{false};
  std::atomic<bool> abandoned_{false};
  std::mutex failures_mutex_;
  std::map<int, std::string> peer_failures_;  // rank -> the reason it left in the store
};

}  // namespace mmcpp::dist
