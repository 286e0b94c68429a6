#include "mmcpp/engine/dist/dist_context.h"

#include <torch/cuda.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <vector>

#include "mmcpp/core/error.h"

namespace mmcpp::dist {

namespace {

const char* kHeartbeatPrefix = "mmcpp/heartbeat/";
const char* kFailurePrefix = "mmcpp/failed/";
const char* kFailureCount = "mmcpp/failures";

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

std::shared_ptr<DistContext> DistContext::init(const LaunchEnv& launch, const DistConfig& cfg) {
  // A peer that dies closes its sockets; writing to them must be an error, not
  // a SIGPIPE that kills this rank too (Python ignores SIGPIPE the same way).
  std::signal(SIGPIPE, SIG_IGN);
  std::shared_ptr<DistContext> ctx(new DistContext());
  ctx->rank_ = launch.rank;
  ctx->world_size_ = launch.world_size;
  ctx->local_rank_ = launch.local_rank;
  ctx->local_world_size_ = launch.local_world_size;
  ctx->launcher_ = launch.launcher;
  ctx->timeout_ = cfg.timeout;
  ctx->master_ = launch.master_addr + ":" + std::to_string(launch.master_port);

  c10d::TCPStoreOptions opts;
  opts.port = static_cast<std::uint16_t>(launch.master_port);
  opts.isServer = launch.rank == 0 && !launch.use_agent_store;
  opts.numWorkers = static_cast<std::size_t>(launch.world_size);
  opts.waitWorkers = true;
  opts.timeout = cfg.timeout;
  opts.multiTenant = true;
  c10::intrusive_ptr<c10d::Store> tcp;
  try {
    tcp = c10::make_intrusive<c10d::TCPStore>(launch.master_addr, opts);
  } catch (const std::exception& e) {
    std::string what = e.what();
    std::string hint =
        opts.isServer
            ? "rank 0 could not host the rendezvous store on MASTER_PORT=" +
                  std::to_string(launch.master_port) +
                  " (is the port in use, or MASTER_ADDR=" + launch.master_addr +
                  " not an address of this machine?)"
            : "rank " + std::to_string(launch.rank) + " could not reach the rendezvous store at " +
                  ctx->master_ + " within " + seconds_text(cfg.timeout) +
                  " (is rank 0 running, and are MASTER_ADDR/MASTER_PORT the same for every "
                  "rank?)";
    throw Error("RuntimeError", hint + ": " + what.substr(0, what.find('\n')));
  }
  c10::intrusive_ptr<c10d::Store> monitor_base;
  if (launch.use_agent_store) {
    // As torch.distributed's env:// rendezvous under torchrun.
    std::string prefix = "/worker/attempt_" + std::to_string(launch.restart_count);
    ctx->store_ = c10::make_intrusive<c10d::PrefixStore>(prefix, tcp);
  } else {
    ctx->store_ = tcp;
  }
  // Heartbeats go through a connection of their own, so a long wait on the main
  // one never delays them.
  try {
    c10d::TCPStoreOptions mopts;
    mopts.port = opts.port;
    mopts.isServer = false;
    mopts.waitWorkers = false;
    mopts.timeout = std::min<std::chrono::milliseconds>(cfg.timeout, std::chrono::seconds(10));
    c10::intrusive_ptr<c10d::Store> m =
        c10::make_intrusive<c10d::TCPStore>(launch.master_addr, mopts);
    if (launch.use_agent_store)
      m = c10::make_intrusive<c10d::PrefixStore>(
          "/worker/attempt_" + std::to_string(launch.restart_count), m);
    monitor_base = m;
  } catch (const std::exception&) {
    monitor_base = ctx->store_;
  }
  std::string gloo_host = is_loopback(launch.master_addr) ? "127.0.0.1" : "";
  ctx->make_group(cfg, gloo_host);
  ctx->start_heartbeat(monitor_base);
  return ctx;
}

std::shared_ptr<DistContext> DistContext::create(c10::intrusive_ptr<c10d::Store> store, int rank,
                                                 int world_size, const DistConfig& cfg,
                                                 const std::string& launcher) {
  if (world_size < 1 || rank < 0 || rank >= world_size)
    throw Error("ValueError", "DistContext: invalid rank " + std::to_string(rank) +
                                  " for world size " + std::to_string(world_size));
  std::shared_ptr<DistContext> ctx(new DistContext());
  ctx->rank_ = rank;
  ctx->world_size_ = world_size;
  ctx->local_rank_ = rank;
  ctx->local_world_size_ = world_size;
  ctx->launcher_ = launcher;
  ctx->timeout_ = cfg.timeout;
  ctx->master_ = "(in-process store)";
  ctx->store_ = std::move(store);
  ctx->make_group(cfg, "127.0.0.1");
  ctx->start_heartbeat(ctx->store_);
  return ctx;
}

void DistContext::make_group(const DistConfig& cfg, const std::string& gloo_host) {
  backend_ = cfg.backend;
  if (backend_ == "nccl") {
#ifdef USE_C10D_NCCL
    if (!torch::cuda::is_available())
      throw Error("RuntimeError",
                  "env_cfg.dist_cfg.backend='nccl' needs a CUDA device, and none is available; "
                  "use dist_cfg=dict(backend='gloo') to train on the CPU");
#else
    throw Error("RuntimeError",
                "env_cfg.dist_cfg.backend='nccl': this LibTorch is built without CUDA/NCCL; use "
                "--cfg-options env_cfg.dist_cfg.backend=gloo (c10d's Gloo backend, for the CPU)");
#endif
  }
  auto pg_store = c10::make_intrusive<c10d::PrefixStore>("default_pg/", store_);
  try {
    if (backend_ == "gloo") {
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout_);
      if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname) {
        std::stringstream names(ifname);
        for (std::string name; std::getline(names, name, ',');)
          if (!name.empty())
            opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
      } else if (!gloo_host.empty()) {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(gloo_host));
      } else {
        opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      opts->threads = static_cast<int>(opts->devices.size()) * 2;
      group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(pg_store, rank_, world_size_, opts);
    } else {
#ifdef USE_C10D_NCCL
      c10::cuda::set_device(static_cast<c10::DeviceIndex>(local_rank_));
      comm_device_ = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank_));
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout_;
      group_ = c10::make_intrusive<c10d::ProcessGroupNCCL>(pg_store, rank_, world_size_, opts);
#endif
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    std::string what = e.what();
    throw Error("RuntimeError", "rank " + std::to_string(rank_) + " could not create the " +
                                    backend_ + " process group of " + std::to_string(world_size_) +
                                    " ranks (master " + master_ +
                                    "): " + what.substr(0, what.find('\n')));
  }
}

void DistContext::start_heartbeat(c10::intrusive_ptr<c10d::Store> monitor) {
  monitor_ = std::move(monitor);
  std::string key = kHeartbeatPrefix + std::to_string(rank_);
  monitor_->add(key, 1);  // present before any peer could ask
  heartbeat_ = std::thread([this, key] {
    std::unique_lock<std::mutex> lock(hb_mutex_);
    std::int64_t failures_seen = 0;
    while (!hb_stop_) {
      if (hb_cv_.wait_for(lock, heartbeat_interval_, [this] { return hb_stop_; })) break;
      lock.unlock();
      try {
        monitor_->add(key, 1);
        // Remember why peers failed while the store (on rank 0) is still there.
        std::int64_t failures = monitor_->add(kFailureCount, 0);
        if (failures != failures_seen) {
          failures_seen = failures;
          collect_peer_failures();
        }
      } catch (...) {
        store_lost_ = true;
        return;
      }
      lock.lock();
    }
  });
}

void DistContext::stop_heartbeat() {
  {
    std::lock_guard<std::mutex> lock(hb_mutex_);
    hb_stop_ = true;
  }
  hb_cv_.notify_all();
  if (heartbeat_.joinable()) {
    // After a failure the thread may sit in a store call on a dead connection.
    if (abandoned_)
      heartbeat_.detach();
    else
      heartbeat_.join();
  }
}

DistContext::~DistContext() {
  stop_heartbeat();
  if (abandoned_) {
    // A worker thread of the group may wait on a dead peer until the timeout:
    // destroying the group would join it. The process is about to exit.
    (void)group_.release();
    (void)monitor_.release();
    (void)store_.release();
    return;
  }
  group_.reset();
  monitor_.reset();
  store_.reset();
}

std::string DistContext::describe() const {
  std::ostringstream out;
  out << "rank " << rank_ << "/" << world_size_ << " (local rank " << local_rank_;
  if (local_world_size_ > 0) out << "/" << local_world_size_;
  out << ", master " << master_ << ", " << backend_ << ")";
  return out.str();
}

void DistContext::record_failure(const std::string& reason) {
  if (!monitor_ || store_lost_) return;
  try {
    monitor_->set(kFailurePrefix + std::to_string(rank_), bytes_of(reason.substr(0, 2000)));
    monitor_->add(kFailureCount, 1);
  } catch (...) {
    store_lost_ = true;
  }
}

void DistContext::collect_peer_failures() {
  for (int r = 0; r < world_size_; ++r) {
    if (r == rank_) continue;
    std::string fkey = kFailurePrefix + std::to_string(r);
    if (!monitor_->check({fkey})) continue;
    auto v = monitor_->get(fkey);
    std::lock_guard<std::mutex> lock(failures_mutex_);
    peer_failures_[r] = std::string(v.begin(), v.end());
  }
}

std::string DistContext::failure_report() {
  auto store_gone = [&] {
    return std::string("the rendezvous store at ") + master_ +
           " is gone: rank 0, which hosts it, has died or exited";
  };
  std::map<int, std::string> failed;
  {
    std::lock_guard<std::mutex> lock(failures_mutex_);
    failed = peer_failures_;
  }
  auto with_known_failures = [&](std::string tail) {
    std::string out;
    for (auto& [r, why] : failed)
      out +=
          (out.empty() ? "" : "; ") + std::string("rank ") + std::to_string(r) + " failed: " + why;
    if (!tail.empty()) out += (out.empty() ? "" : "; ") + tail;
    return out;
  };
  if (!monitor_ || store_lost_) return with_known_failures(failed.empty() ? store_gone() : "");
  std::map<int, std::int64_t> before;
  try {
    collect_peer_failures();
    {
      std::lock_guard<std::mutex> lock(failures_mutex_);
      failed = peer_failures_;
    }
    for (int r = 0; r < world_size_; ++r) {
      if (r == rank_) continue;
      before[r] = monitor_->add(kHeartbeatPrefix + std::to_string(r), 0);
    }
  } catch (...) {
    return with_known_failures(failed.empty() ? store_gone() : "");
  }
  auto wait = heartbeat_interval_ * 6;
  std::this_thread::sleep_for(wait);
  std::vector<int> silent;
  try {
    for (auto& [r, count] : before) {
      if (failed.count(r)) continue;
      std::string fkey = kFailurePrefix + std::to_string(r);
      if (monitor_->check({fkey})) {
        auto v = monitor_->get(fkey);
        failed[r] = std::string(v.begin(), v.end());
        continue;
      }
      if (monitor_->add(kHeartbeatPrefix + std::to_string(r), 0) == count) silent.push_back(r);
    }
  } catch (...) {
    return with_known_failures(failed.empty() ? store_gone() : "");
  }
  std::ostringstream out;
  bool first = true;
  for (auto& [r, why] : failed) {
    out << (first ? "" : "; ") << "rank " << r << " failed: " << why;
    first = false;
  }
  for (int r : silent) {
    out << (first ? "" : "; ") << "rank " << r << " stopped responding (no heartbeat for "
        << seconds_text(wait) << ": killed or hung)";
    first = false;
  }
  return out.str();
}

}  // namespace mmcpp::dist
