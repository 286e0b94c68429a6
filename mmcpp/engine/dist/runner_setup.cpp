#include "mmcpp/engine/dist/runner_setup.h"

#include <c10/util/Exception.h>
#include <torch/cuda.h>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/dist/dist.h"
#include "mmcpp/engine/dist/dist_context.h"
#include "mmcpp/engine/dist/distributed.h"
#include "mmcpp/engine/dist/sync_batchnorm.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::dist {

using config::Value;

namespace {

const Value* get(const config::Config& cfg, const char* key) {
  const Value* v = cfg.get(key);
  return v && !v->is_none() ? v : nullptr;
}

class MasterOnlyEnv : public Env {
 public:
  explicit MasterOnlyEnv(Env& base) : base_(base) {}
  bool exists(const std::string& p) override { return base_.exists(p); }
  bool is_dir(const std::string& p) override { return base_.is_dir(p); }
  std::string read_file(const std::string& p) override { return base_.read_file(p); }
  std::vector<std::string> list_dir(const std::string& p) override { return base_.list_dir(p); }
  double monotonic_seconds() override { return base_.monotonic_seconds(); }
  long long unix_time() override { return base_.unix_time(); }
  // Writes belong to rank 0.
  void make_dirs(const std::string&) override {}
  void write_file_atomic(const std::string&, const std::string&) override {}
  void append_file(const std::string&, const std::string&) override {}
  void remove_file(const std::string&) override {}
  void copy_file(const std::string&, const std::string&) override {}

 private:
  Env& base_;
};

// First line of an exception's message, with its Python kind when it has one.
std::pair<std::string, std::string> describe(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return {e.kind(), e.what()};
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    return {"RuntimeError", what.substr(0, what.find('\n'))};
  } catch (const std::exception& e) {
    std::string what = e.what();
    return {"RuntimeError", what.substr(0, what.find('\n'))};
  } catch (...) {
    return {"RuntimeError", "unknown exception"};
  }
}

}  // namespace

std::shared_ptr<DistContext> init_from_config(const config::Config& cfg, std::string* notes) {
  const Value* l = get(cfg, "launcher");
  std::string launcher = l ? l->str() : "none";
  if (launcher == "none") return nullptr;
  if (launcher != "pytorch" && launcher != "slurm" && launcher != "mpi")
    throw Error("ValueError", "Invalid launcher type: " + launcher +
                                  " (supported: 'none', 'pytorch', 'slurm', 'mpi')");
  Value dist_cfg;
  if (const Value* env_cfg = get(cfg, "env_cfg")) {
    if (!env_cfg->is_dict())
      throw Error("TypeError", "env_cfg should be a dict, but got " + env_cfg->repr());
    if (const Value* d = env_cfg->as_dict().find("dist_cfg")) dist_cfg = *d;
  }
  DistConfig dc = parse_dist_cfg(dist_cfg);
  if (dc.backend == "nccl") {
    std::string device = get(cfg, "device") ? get(cfg, "device")->str() : "auto";
    bool cuda = torch::cuda::is_available() && device != "cpu";
#ifndef USE_C10D_NCCL
    cuda = false;
#endif
    if (!cuda) {
      dc.backend = "gloo";
      if (notes)
        *notes +=
            "env_cfg.dist_cfg.backend='nccl' needs CUDA and NCCL, which this run does not "
            "have: using c10d's 'gloo' backend (set dist_cfg=dict(backend='gloo') to "
            "silence this).\n";
    }
  }
  LaunchEnv env = parse_launch_env(launcher, process_environment(), dc.port);
  return DistContext::init(env, dc);
}

std::unique_ptr<Env> master_only_env(Env& base) { return std::make_unique<MasterOnlyEnv>(base); }

std::shared_ptr<engine::BaseModel> prepare_model(const config::Config& cfg,
                                                 const std::shared_ptr<engine::BaseModel>& model,
                                                 const std::shared_ptr<DistContext>& ctx,
                                                 Logger& logger) {
  attach_sync_batchnorm(*model, ctx);
  if (const Value* sync_bn = get(cfg, "sync_bn")) {
    ConvertReport report;
    try {
      report = convert_sync_batchnorm(*model, sync_bn->str());
    } catch (const Error&) {
      logger.error("cfg.sync_bn should be \"torch\" or \"mmcv\", but got " + sync_bn->str());
      throw;
    }
    logger.info("sync_bn='" + sync_bn->str() + "': " + std::to_string(report.converted) +
                " BatchNorm layer(s) now synchronise their statistics across ranks.");
    if (!report.not_convertible.empty()) {
      std::string names;
      for (const auto& n : report.not_convertible) names += (names.empty() ? "" : ", ") + n;
      logger.warning(
          "sync_bn: these are LibTorch torch::nn::BatchNorm modules, which cannot be converted "
          "in place; they keep per-rank statistics (build them with build_norm_layer to "
          "convert them): " +
          names);
    }
  }
  const Value* wrapper_cfg = get(cfg, "model_wrapper_cfg");
  if (!wrapper_cfg) {
    DDPOptions options;
    options.broadcast_buffers = false;
    const Value* fup = get(cfg, "find_unused_parameters");
    options.find_unused_parameters = fup && fup->truthy();
    return std::make_shared<MMDistributedDataParallel>(model, ctx, options, false, &logger);
  }
  if (!wrapper_cfg->is_dict())
    throw Error("TypeError", "model_wrapper_cfg should be a dict, but got " + wrapper_cfg->repr());
  Value c = wrapper_cfg->deep_copy();
  if (!c.as_dict().contains("type"))
    c.as_dict().set(Value("type"), Value("MMDistributedDataParallel"));
  Logger* log = &logger;
  auto built = registry::MODEL_WRAPPERS().build(
      c, Value(), {{"module", model}, {"dist", ctx}, {"logger", log}});
  auto wrapper = std::dynamic_pointer_cast<engine::BaseModel>(built);
  if (!wrapper)
    throw Error("TypeError", "model_wrapper_cfg " + c.repr() +
                                 " did not build a model wrapper (a BaseModel with train_step)");
  return wrapper;
}

void broadcast_model_state(const DistContext* ctx, torch::nn::Module& model) {
  std::vector<torch::Tensor> tensors;
  for (const auto& p : model.parameters()) tensors.push_back(p);
  for (const auto& b : model.buffers()) tensors.push_back(b);
  broadcast_tensors(ctx, tensors, 0);
}

StopAgreement::StopAgreement(std::shared_ptr<DistContext> ctx) : ctx_(std::move(ctx)) {}

StopAgreement::~StopAgreement() {
  // An exchange still in flight completes on its own; nothing waits for it.
}

int StopAgreement::poll(int local_signal, std::int64_t iter) {
  if (!ctx_ || ctx_->world_size() <= 1) return agreed_ = local_signal;
  if (iter == last_iter_) return agreed_;
  last_iter_ = iter;
  if (pending_) {
    pending_->wait();
    agreed_ = std::max(agreed_, static_cast<int>(pending_value_.item<std::int64_t>()));
  }
  pending_value_ = torch::tensor({static_cast<std::int64_t>(local_signal)}, torch::kLong)
                       .to(ctx_->comm_device());
  std::vector<torch::Tensor> t{pending_value_};
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp(c10d::ReduceOp::MAX);
  pending_ = ctx_->group()->allreduce(t, opts);
  return agreed_;
}

bool StopAgreement::should_stop(StopRequest& stop, std::int64_t iter) {
  const int local = stop.signal();
  const int agreed = poll(local, iter);
  if (agreed != 0) {
    if (local == 0) stop.adopt_signal(agreed);
    return true;
  }
  // requested() is also true for a signal not yet agreed: that one waits.
  return stop.requested() && local == 0;
}

void rethrow_failure(DistContext& ctx, Logger& logger, std::exception_ptr error) {
  auto [kind, cause] = describe(error);
  ctx.record_failure(kind + ": " + cause);
  std::string peers = ctx.world_size() > 1 ? ctx.failure_report() : "";
  ctx.abandon();
  std::string msg = "distributed run failed on " + ctx.describe() + ": " + kind + ": " + cause;
  if (!peers.empty()) msg += "; " + peers;
  logger.error(msg);
  throw Error(kind, msg);
}

}  // namespace mmcpp::dist
