#include "mmcpp/pretrain/engine/hooks/precise_bn_hook.h"

#include <torch/torch.h>

#include <algorithm>
#include <optional>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/data/dataloader.h"
#include "mmcpp/engine/dist/dist.h"
#include "mmcpp/engine/dist/sync_batchnorm.h"
#include "mmcpp/engine/model/python_class.h"
#include "mmcpp/engine/runner/loops.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {
namespace {

// One BatchNorm layer's momentum and running statistics, whatever its class.
struct BatchNormRef {
  torch::nn::Module* module;
  std::optional<double>* momentum_opt = nullptr;  // SyncBatchNorm's
  c10::optional<double>* momentum_c10 = nullptr;  // torch's BatchNorm{1,2,3}d
  torch::Tensor running_mean, running_var;

  std::optional<double> momentum() const {
    if (momentum_opt) return *momentum_opt;
    if (momentum_c10 && momentum_c10->has_value()) return momentum_c10->value();
    return std::nullopt;
  }
  void set_momentum(std::optional<double> m) {
    if (momentum_opt) *momentum_opt = m;
    if (momentum_c10) *momentum_c10 = m ? c10::optional<double>(*m) : c10::nullopt;
  }
};

template <class Impl>
bool as_torch_bn(torch::nn::Module& m, BatchNormRef& ref) {
  auto* bn = dynamic_cast<Impl*>(&m);
  if (!bn) return false;
  ref.momentum_c10 = &bn->options.momentum();
  ref.running_mean = bn->running_mean;
  ref.running_var = bn->running_var;
  return true;
}

std::vector<BatchNormRef> training_batch_norms(torch::nn::Module& model, std::size_t& other_norms) {
  std::vector<BatchNormRef> out;
  other_norms = 0;
  for (const auto& m : model.modules(/*include_self=*/true)) {
    if (!m->is_training()) continue;
    if (engine::python_isinstance(*m, "_InstanceNorm") ||
        engine::python_isinstance(*m, "GroupNorm")) {
      ++other_norms;
      continue;
    }
    BatchNormRef ref{m.get()};
    bool found = as_torch_bn<torch::nn::BatchNorm1dImpl>(*m, ref) ||
                 as_torch_bn<torch::nn::BatchNorm2dImpl>(*m, ref) ||
                 as_torch_bn<torch::nn::BatchNorm3dImpl>(*m, ref);
    if (!found) {
      if (auto* sync = dynamic_cast<dist::SyncBatchNormImpl*>(m.get())) {
        ref.momentum_opt = &sync->options.momentum();
        ref.running_mean = sync->running_mean;
        ref.running_var = sync->running_var;
        found = true;
      }
    }
    if (found && ref.running_mean.defined() && ref.running_var.defined()) out.push_back(ref);
  }
  return out;
}

}  // namespace

PreciseBNHook::PreciseBNHook(Options options) : options_(options) {
  if (options_.interval <= 0 || options_.num_samples <= 0)
    throw Error("ValueError",
                "PreciseBNHook: 'interval' and 'num_samples' must be bigger than 0, got "
                "interval=" +
                    std::to_string(options_.interval) +
                    ", num_samples=" + std::to_string(options_.num_samples));
}

std::shared_ptr<PreciseBNHook> PreciseBNHook::from_config(registry::BuildArgs& args) {
  Options o;
  o.num_samples = args.get_int("num_samples", o.num_samples);
  o.interval = args.get_int("interval", o.interval);
  return std::make_shared<PreciseBNHook>(o);
}

std::vector<std::string> PreciseBNHook::stages() const {
  return {"after_train_epoch", "after_train_iter"};
}

void PreciseBNHook::after_train_epoch(engine::Runner& runner) {
  if (!runner.has_train_loop() || !runner.train_loop().by_epoch()) return;
  if (every_n_epochs(runner, options_.interval))
    perform_precise_bn(runner, runner.train_loop().epoch());
}

void PreciseBNHook::after_train_iter(engine::Runner& runner, std::int64_t, const data::DataBatch*,
                                     const engine::NamedTensors&) {
  if (!runner.has_train_loop() || runner.train_loop().by_epoch()) return;
  if (!every_n_train_iters(runner, options_.interval)) return;
  data::DataLoader* loader = runner.train_dataloader();
  const auto len = loader ? static_cast<std::int64_t>(loader->num_batches()) : 0;
  // The pass the iteration just trained in (iter() already counts it).
  perform_precise_bn(runner, len > 0 ? (runner.iter() - 1) / len : 0);
}

void PreciseBNHook::perform_precise_bn(engine::Runner& runner, std::int64_t epoch) {
  runner.logger().info("Running Precise BN for " + std::to_string(options_.num_samples) +
                       " samples...");
  data::DataLoader* loader = runner.train_dataloader();
  if (!loader) throw Error("RuntimeError", "PreciseBNHook: the runner has no train dataloader");
  engine::BaseModel& model = runner.model();
  const dist::DistContext* ctx = runner.dist();
  const std::int64_t world_size = std::max(1, runner.world_size());
  const std::int64_t batch_size = std::max<std::int64_t>(1, loader->options().batch_size);
  const std::int64_t num_iter =
      std::min<std::int64_t>(options_.num_samples / (batch_size * world_size),
                             static_cast<std::int64_t>(loader->num_batches()));

  std::size_t other_norms = 0;
  std::vector<BatchNormRef> bns = training_batch_norms(model, other_norms);
  if (bns.empty()) {
    runner.logger().warning("No BN found in model");
    return;
  }
  runner.logger().info(std::to_string(bns.size()) + " BN found, run " + std::to_string(num_iter) +
                       " iters...");
  if (other_norms > 0) runner.logger().info("IN/GN stats will not be updated in PreciseHook.");
  if (num_iter == 0)
    runner.logger().warning(
        "PreciseBNHook: num_samples=" + std::to_string(options_.num_samples) +
        " is less than one batch of every rank: the BN statistics are left as they are (MMPretrain "
        "would set them to zero)");

  std::vector<torch::Tensor> means, vars;
  std::vector<std::optional<double>> momentums;
  for (auto& bn : bns) {
    means.push_back(torch::zeros_like(bn.running_mean));
    vars.push_back(torch::zeros_like(bn.running_var));
    momentums.push_back(bn.momentum());
    bn.set_momentum(1.0);
  }
  {
    torch::NoGradGuard no_grad;
    for (std::int64_t k = 0; k < num_iter; ++k) {
      data::DataBatch batch = loader->batch(epoch, static_cast<std::size_t>(k));
      data::DataBatch data = model.data_preprocessor().forward(batch, false);
      model.forward(data, engine::ForwardMode::Tensor);
      for (std::size_t i = 0; i < bns.size(); ++i) {
        means[i] += bns[i].running_mean / static_cast<double>(num_iter);
        vars[i] += bns[i].running_var / static_cast<double>(num_iter);
      }
    }
  }
  if (world_size > 1) {
    for (auto* list : {&means, &vars})
      for (auto& t : *list) {
        dist::all_reduce(ctx, t, dist::ReduceOp::Sum);
        t.mul_(1.0 / static_cast<double>(world_size));
      }
  }
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < bns.size(); ++i) {
    // In place: the module's buffer keeps its identity (state dict, optimizer-free).
    if (num_iter > 0) {
      bns[i].running_mean.copy_(means[i]);
      bns[i].running_var.copy_(vars[i]);
    }
    bns[i].set_momentum(momentums[i]);
  }
  runner.logger().info("Finish Precise BN, BN stats updated.");
}

MMCPP_REGISTER(HOOKS, PreciseBNHook, "dict(type='PreciseBNHook', num_samples=8192, interval=1)");

}  // namespace mmcpp::pretrain
