#include "mmcpp/engine/dist/sync_batchnorm.h"

#include <ATen/Context.h>
#include <torch/autograd.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/torch.h>

#include <cstdint>
#include <ostream>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/dist/dist.h"
#include "mmcpp/engine/dist/dist_context.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::dist {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Shape that broadcasts a per-channel vector over (N, C, *).
std::vector<std::int64_t> channel_shape(const torch::Tensor& x) {
  std::vector<std::int64_t> shape(static_cast<std::size_t>(x.dim()), 1);
  shape[1] = x.size(1);
  return shape;
}

std::vector<std::int64_t> reduce_dims(const torch::Tensor& x) {
  std::vector<std::int64_t> dims{0};
  for (std::int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

const DistContext* context_from(std::int64_t bits) {
  return reinterpret_cast<const DistContext*>(static_cast<std::intptr_t>(bits));
}

// Forward and backward of batch norm with statistics over every rank's batch.
// The arithmetic follows LibTorch's CPU kernel (batch_norm_cpu_*): per-channel
// sums accumulated in double, mean and invstd kept in the input's type,
// y = x * (invstd * w) + (b - mean * invstd * w), and
// dx = (dy - sum(dy) / N - (x - mean) * dotp * invstd^2 / N) * invstd * w with
// dotp = sum((x - mean) * dy), so one process gives what BatchNorm gives and
// N ranks differ from it only by the order of the sums over the ranks.
struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static torch::Tensor forward(AutogradContext* actx, const torch::Tensor& input,
                               const torch::Tensor& weight, const torch::Tensor& bias,
                               torch::Tensor running_mean, torch::Tensor running_var, double eps,
                               double momentum, std::int64_t group_bits) {
    const DistContext* group = context_from(group_bits);
    torch::Tensor x = input.contiguous();
    const std::int64_t channels = x.size(1);
    const auto dims = reduce_dims(x);
    const auto shape = channel_shape(x);
    const double local_count = static_cast<double>(x.numel() / channels);

    // Pass 1: the global mean from the per-channel sums and the element counts.
    torch::Tensor stats = torch::cat(
        {x.sum(dims, false, torch::kDouble), torch::full({1}, local_count, torch::kDouble)});
    all_reduce(group, stats, ReduceOp::Sum);
    const double count = stats[channels].item<double>();
    if (count <= 1)
      throw Error("ValueError",
                  "Expected more than 1 value per channel when training, got input size " +
                      std::to_string(static_cast<long long>(count)) + " over all ranks");
    torch::Tensor mean_d = stats.slice(0, 0, channels) / count;
    // Pass 2: the global biased variance from the centred sums of squares.
    torch::Tensor var_sum = (x.to(torch::kDouble) - mean_d.view(shape)).pow(2).sum(dims);
    all_reduce(group, var_sum, ReduceOp::Sum);
    torch::Tensor var = var_sum / count;
    torch::Tensor mean = mean_d.to(x.scalar_type());
    torch::Tensor invstd = (var + eps).rsqrt().to(x.scalar_type());

    if (running_mean.defined()) {
      torch::NoGradGuard no_grad;
      running_mean.copy_(mean_d * momentum + running_mean.to(torch::kDouble) * (1 - momentum));
    }
    if (running_var.defined()) {
      torch::NoGradGuard no_grad;
      torch::Tensor unbiased = var * (count / (count - 1));
      running_var.copy_(unbiased * momentum + running_var.to(torch::kDouble) * (1 - momentum));
    }

    torch::Tensor alpha = weight.defined() ? invstd * weight : invstd;
    torch::Tensor beta = bias.defined() ? bias - mean * alpha : -mean * alpha;
    torch::Tensor out = x * alpha.view(shape) + beta.view(shape);
    actx->save_for_backward({x, weight, mean, invstd});
    actx->saved_data["count"] = count;
    actx->saved_data["group"] = group_bits;
    actx->saved_data["has_bias"] = bias.defined();
    return out;
  }

  static variable_list backward(AutogradContext* actx, variable_list grad_outputs) {
    auto saved = actx->get_saved_variables();
    const torch::Tensor& x = saved[0];
    const torch::Tensor& weight = saved[1];
    const torch::Tensor& mean = saved[2];
    const torch::Tensor& invstd = saved[3];
    const double count = actx->saved_data["count"].toDouble();
    const DistContext* group = context_from(actx->saved_data["group"].toInt());
    const bool has_bias = actx->saved_data["has_bias"].toBool();

    torch::Tensor dy = grad_outputs[0].contiguous();
    const auto dims = reduce_dims(x);
    const auto shape = channel_shape(x);
    const std::int64_t channels = x.size(1);
    torch::Tensor centred = x - mean.view(shape);
    torch::Tensor sum_dy = dy.sum(dims, false, torch::kDouble);
    torch::Tensor dotp = (x.to(torch::kDouble) - mean.to(torch::kDouble).view(shape))
                             .mul_(dy.to(torch::kDouble))
                             .sum(dims);
    torch::Tensor invstd_d = invstd.to(torch::kDouble);

    torch::Tensor grad_input, grad_weight, grad_bias;
    // Local sums: DDP averages parameter gradients over the ranks.
    if (weight.defined() && actx->needs_input_grad(1))
      grad_weight = (dotp * invstd_d).to(weight.scalar_type());
    if (has_bias && actx->needs_input_grad(2)) grad_bias = sum_dy.to(dy.scalar_type());
    if (actx->needs_input_grad(0)) {
      torch::Tensor both = torch::cat({sum_dy, dotp});
      all_reduce(group, both, ReduceOp::Sum);
      torch::Tensor k =
          (both.slice(0, channels, 2 * channels) * invstd_d * invstd_d / count).to(x.scalar_type());
      torch::Tensor grad_mean = (both.slice(0, 0, channels) / count).to(x.scalar_type());
      torch::Tensor dx = centred * k.view(shape);
      grad_input = (dy - grad_mean.view(shape) - dx) * invstd.view(shape);
      if (weight.defined()) grad_input = grad_input * weight.view(shape);
    }
    return {grad_input,      grad_weight,     grad_bias,       torch::Tensor(),
            torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

SyncBatchNormImpl::SyncBatchNormImpl(const SyncBatchNormOptions& options_) : options(options_) {
  reset();
}

void SyncBatchNormImpl::reset() {
  const std::int64_t c = options.num_features();
  if (options.affine()) {
    weight = register_parameter("weight", torch::empty({c}));
    bias = register_parameter("bias", torch::empty({c}));
  } else {
    weight = register_parameter("weight", torch::Tensor(), /*requires_grad=*/false);
    bias = register_parameter("bias", torch::Tensor(), /*requires_grad=*/false);
  }
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", torch::zeros({c}));
    running_var = register_buffer("running_var", torch::ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", torch::tensor(0, torch::kLong));
  } else {
    running_mean = register_buffer("running_mean", torch::Tensor());
    running_var = register_buffer("running_var", torch::Tensor());
    num_batches_tracked = register_buffer("num_batches_tracked", torch::Tensor());
  }
  reset_parameters();
}

void SyncBatchNormImpl::reset_running_stats() {
  if (!options.track_running_stats()) return;
  torch::NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

void SyncBatchNormImpl::reset_parameters() {
  reset_running_stats();
  if (options.affine()) {
    torch::NoGradGuard no_grad;
    weight.fill_(1);
    bias.zero_();
  }
}

void SyncBatchNormImpl::pretty_print(std::ostream& stream) const {
  stream << "mmcpp::dist::SyncBatchNorm(" << options.num_features() << ", eps=" << options.eps()
         << ", momentum=";
  if (options.momentum())
    stream << *options.momentum();
  else
    stream << "None";
  stream << ", affine=" << (options.affine() ? "true" : "false")
         << ", track_running_stats=" << (options.track_running_stats() ? "true" : "false")
         << ", mode=" << (options.mode() == SyncBatchNormOptions::Mode::kSync ? "sync" : "local")
         << ")";
}

bool SyncBatchNormImpl::synchronizing() const {
  auto ctx = ctx_.lock();
  return options.mode() == SyncBatchNormOptions::Mode::kSync && ctx && ctx->world_size() > 1;
}

torch::Tensor SyncBatchNormImpl::forward(const torch::Tensor& input) {
  if (input.dim() < 2)
    throw Error("ValueError",
                "expected at least 2D input (got " + std::to_string(input.dim()) + "D input)");
  if (input.size(1) != options.num_features())
    throw Error("ValueError", "SyncBatchNorm: expected " + std::to_string(options.num_features()) +
                                  " channels, got input of shape " + c10::str(input.sizes()));
  // torch.nn.modules.batchnorm._BatchNorm.forward / SyncBatchNorm.forward.
  double factor = options.momentum().value_or(0.0);
  if (is_training() && options.track_running_stats()) {
    torch::NoGradGuard no_grad;
    num_batches_tracked.add_(1);
    if (!options.momentum())
      factor = 1.0 / static_cast<double>(num_batches_tracked.item<std::int64_t>());
  }
  const bool bn_training = is_training() || !options.track_running_stats();
  torch::Tensor rm =
      !is_training() || options.track_running_stats() ? running_mean : torch::Tensor();
  torch::Tensor rv =
      !is_training() || options.track_running_stats() ? running_var : torch::Tensor();
  auto ctx = ctx_.lock();
  const bool need_sync = bn_training && is_training() &&
                         options.mode() == SyncBatchNormOptions::Mode::kSync && ctx &&
                         ctx->world_size() > 1;
  if (!need_sync)
    return torch::batch_norm(input, weight, bias, rm, rv, bn_training, factor, options.eps(),
                             at::globalContext().userEnabledCuDNN());
  return SyncBatchNormFunction::apply(
      input, weight, bias, rm, rv, options.eps(), factor,
      static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(ctx.get())));
}

std::size_t attach_sync_batchnorm(torch::nn::Module& model,
                                  const std::shared_ptr<DistContext>& ctx) {
  std::size_t n = 0;
  for (const auto& m : model.modules(/*include_self=*/true)) {
    if (auto* bn = dynamic_cast<SyncBatchNormImpl*>(m.get())) {
      bn->set_process_group(ctx);
      ++n;
    }
  }
  return n;
}

SyncBatchNorm build_sync_norm_layer(const std::string& type, std::int64_t num_features,
                                    const config::Value& args) {
  if (type != "SyncBN" && type != "MMSyncBN")
    throw Error("KeyError",
                "build_sync_norm_layer: type must be 'SyncBN' or 'MMSyncBN', got '" + type + "'");
  if (num_features <= 0)
    throw Error("ValueError",
                type + ": num_features must be positive, got " + std::to_string(num_features));
  config::Value cfg = args.is_none() ? config::Value::dict(false) : args.deep_copy();
  if (!cfg.is_dict())
    throw Error("TypeError", type + ": norm_cfg must be a dict, got " + cfg.repr());
  cfg.as_dict().erase("type");  // the layer's own type may come along
  registry::BuildArgs a(type, cfg);
  SyncBatchNormOptions options(num_features);
  options.eps(a.get_float("eps", 1e-5));
  if (a.has("momentum")) options.momentum(a.get_opt_float("momentum"));
  options.affine(a.get_bool("affine", true));
  options.track_running_stats(a.get_bool("track_running_stats", true));
  options.mode(SyncBatchNormOptions::Mode::kSync);
  const std::string group_key = type == "SyncBN" ? "process_group" : "group";
  if (a.has(group_key) && !a.value(group_key).is_none())
    throw Error("NotImplementedError", type + ": " + group_key + "=" + a.value(group_key).repr() +
                                           ": only the whole world (None) synchronises in mmcpp");
  if (type == "MMSyncBN") {
    std::string mode = a.get_str("stats_mode", "default");
    if (mode != "default" && mode != "N")
      throw Error("AssertionError",
                  "\"stats_mode\" only accepts \"default\" and \"N\", got \"" + mode + "\"");
  }
  a.check_all_used();
  return SyncBatchNorm(options);
}

ConvertReport convert_sync_batchnorm(torch::nn::Module& model, const std::string& implementation) {
  if (implementation != "torch" && implementation != "mmcv")
    throw Error("ValueError", "sync_bn should be \"torch\" or \"mmcv\", but got " + implementation);
  ConvertReport report;
  for (const auto& item : model.named_modules("", /*include_self=*/true)) {
    torch::nn::Module* m = item.value().get();
    if (auto* bn = dynamic_cast<SyncBatchNormImpl*>(m)) {
      if (bn->mode() == SyncBatchNormOptions::Mode::kLocal) {
        bn->set_mode(SyncBatchNormOptions::Mode::kSync);
        ++report.converted;
      }
    } else if (dynamic_cast<torch::nn::BatchNorm1dImpl*>(m) ||
               dynamic_cast<torch::nn::BatchNorm2dImpl*>(m) ||
               dynamic_cast<torch::nn::BatchNorm3dImpl*>(m)) {
      report.not_convertible.push_back(item.key().empty() ? model.name() : item.key());
    }
  }
  return report;
}

std::size_t revert_sync_batchnorm(torch::nn::Module& model) {
  std::size_t n = 0;
  for (const auto& m : model.modules(/*include_self=*/true)) {
    if (auto* bn = dynamic_cast<SyncBatchNormImpl*>(m.get())) {
      bn->set_mode(SyncBatchNormOptions::Mode::kLocal);
      ++n;
    }
  }
  return n;
}

}  // namespace mmcpp::dist
