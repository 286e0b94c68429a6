#include "mmcpp/engine/optim/amp_optim_wrapper.h"

#include <c10/core/DeviceType.h>
#include <torch/cuda.h>
#include <torch/nn/module.h>

#include <utility>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/engine/runner/amp.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {

using config::Value;

namespace {

std::string device_type_name(const torch::Device& d) {
  return c10::DeviceTypeName(d.type(), /*lower_case=*/true);
}

const Value& require_key(const Value& dict, const char* key) {
  const Value* v = dict.as_dict().find(key);
  if (!v) throw Error("KeyError", std::string("GradScaler.load_state_dict: missing '") + key + "'");
  return *v;
}

}  // namespace

// ---------------------------------------------------------------- GradScaler

GradScaler::GradScaler(GradScalerOptions o, std::string device) : device_(std::move(device)) {
  enabled_ = o.enabled;
  if (enabled_ && device_ == "cuda" && !torch::cuda::is_available()) {
    print_log(
        "UserWarning: torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
        "Disabling.",
        LogLevel::Warning);
    enabled_ = false;
  }
  if (!enabled_) return;  // torch keeps no settings for a disabled scaler
  if (!(o.growth_factor > 1.0))
    throw Error("AssertionError", "The growth factor must be > 1.0. (got " +
                                      config::Value(o.growth_factor).repr() + ")");
  if (!(o.backoff_factor < 1.0))
    throw Error("AssertionError", "The backoff factor must be < 1.0. (got " +
                                      config::Value(o.backoff_factor).repr() + ")");
  init_scale_ = o.init_scale;
  growth_factor_ = o.growth_factor;
  backoff_factor_ = o.backoff_factor;
  growth_interval_ = o.growth_interval;
}

GradScalerOptions GradScaler::options_from_kwargs(const Value& kwargs) {
  registry::BuildArgs a("GradScaler", kwargs);
  GradScalerOptions o;
  o.init_scale = a.get_float("init_scale", o.init_scale);
  o.growth_factor = a.get_float("growth_factor", o.growth_factor);
  o.backoff_factor = a.get_float("backoff_factor", o.backoff_factor);
  o.growth_interval = a.get_int("growth_interval", o.growth_interval);
  o.enabled = a.get_bool("enabled", o.enabled);
  a.check_all_used();
  return o;
}

void GradScaler::check_scale_growth_tracker(const std::string& funcname) const {
  if (!scale_.defined())
    throw Error("AssertionError",
                "Attempted " + funcname +
                    " but _scale is None.  This may indicate your script did not use "
                    "scaler.scale(loss or outputs) earlier in the iteration.");
}

torch::Tensor GradScaler::scale(const torch::Tensor& outputs) {
  if (!enabled_) return outputs;
  if (device_type_name(outputs.device()) != device_)
    throw Error("AssertionError", "GradScaler(device='" + device_ + "') cannot scale a loss on " +
                                      outputs.device().str());
  if (!scale_.defined()) {
    auto opts = torch::TensorOptions().device(outputs.device());
    scale_ = torch::full({1}, init_scale_, opts.dtype(torch::kFloat32));
    growth_tracker_ = torch::full({1}, init_growth_tracker_, opts.dtype(torch::kInt32));
  }
  return outputs * scale_.to(outputs.device());
}

void GradScaler::unscale_(torch::optim::Optimizer& optimizer) {
  if (!enabled_) return;
  check_scale_growth_tracker("unscale_");
  PerOptimizer& st = per_optimizer_[&optimizer];
  if (st.stage == Stage::kUnscaled)
    throw Error("RuntimeError",
                "unscale_() has already been called on this optimizer since the last update().");
  if (st.stage == Stage::kStepped)
    throw Error("RuntimeError", "unscale_() is being called after step().");
  torch::NoGradGuard no_grad;
  torch::Tensor inv_scale = scale_.to(torch::kFloat64).reciprocal().to(torch::kFloat32);
  torch::Tensor found_inf = torch::zeros({1}, scale_.options().dtype(torch::kFloat32));
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) {
      torch::Tensor g = p.grad();
      if (!g.defined()) continue;
      if (g.scalar_type() == torch::kHalf)
        throw Error("ValueError", "Attempting to unscale FP16 gradients.");
      // _amp_foreach_non_finite_check_and_unscale_: flag inf/nan, multiply anyway.
      torch::Tensor bad = g.isfinite().logical_not().any().to(torch::kFloat32).reshape({1});
      found_inf = torch::maximum(found_inf, bad.to(found_inf.device()));
      g.mul_(inv_scale.to(g.device()));
    }
  }
  st.found_inf = found_inf;
  st.stage = Stage::kUnscaled;
}

bool GradScaler::step(torch::optim::Optimizer& optimizer) {
  if (!enabled_) {
    optimizer.step();
    return true;
  }
  check_scale_growth_tracker("step");
  if (per_optimizer_[&optimizer].stage == Stage::kStepped)
    throw Error("RuntimeError", "step() has already been called since the last update().");
  if (per_optimizer_[&optimizer].stage == Stage::kReady) unscale_(optimizer);
  PerOptimizer& st = per_optimizer_[&optimizer];
  bool stepped = false;
  if (st.found_inf.item<float>() == 0.0f) {
    optimizer.step();
    stepped = true;
  }
  st.stage = Stage::kStepped;
  return stepped;
}

void GradScaler::update(std::optional<double> new_scale) {
  if (!enabled_) return;
  check_scale_growth_tracker("update");
  torch::NoGradGuard no_grad;
  if (new_scale) {
    scale_.fill_(*new_scale);
  } else {
    torch::Tensor found;
    for (const auto& [opt, st] : per_optimizer_) {
      if (!st.found_inf.defined()) continue;
      torch::Tensor f = st.found_inf.to(scale_.device());
      found = found.defined() ? found + f : f;
    }
    if (!found.defined())
      throw Error("AssertionError", "No inf checks were recorded prior to update.");
    // _amp_update_scale_, kept on the scale's device (no host sync).
    torch::Tensor inf = found > 0;
    torch::Tensor successful = growth_tracker_ + 1;
    torch::Tensor reached = successful == growth_interval_;
    torch::Tensor grown = scale_ * growth_factor_;
    torch::Tensor grow = reached.logical_and(grown.isfinite());  // never grow to inf
    torch::Tensor next = torch::where(grow, grown, scale_);
    next = torch::where(inf, scale_ * backoff_factor_, next);
    torch::Tensor tracker = torch::where(reached, torch::zeros_like(successful), successful);
    tracker = torch::where(inf, torch::zeros_like(tracker), tracker);
    scale_.copy_(next);
    growth_tracker_.copy_(tracker);
  }
  per_optimizer_.clear();
}

double GradScaler::get_scale() const {
  if (!enabled_) return 1.0;
  return scale_.defined() ? static_cast<double>(scale_.item<float>()) : init_scale_;
}

std::int64_t GradScaler::get_growth_tracker() const {
  if (!enabled_) return 0;
  return growth_tracker_.defined() ? growth_tracker_.item<std::int32_t>() : init_growth_tracker_;
}

Value GradScaler::state_dict() const {
  Value d = Value::dict();
  if (!enabled_) return d;
  auto& dict = d.as_dict();
  dict.set(Value("scale"), Value(get_scale()));
  dict.set(Value("growth_factor"), Value(growth_factor_));
  dict.set(Value("backoff_factor"), Value(backoff_factor_));
  dict.set(Value("growth_interval"), Value(growth_interval_));
  dict.set(Value("_growth_tracker"), Value(get_growth_tracker()));
  return d;
}

void GradScaler::load_state_dict(const Value& state) {
  if (!enabled_) return;
  if (!state.is_dict() || state.as_dict().size() == 0)
    throw Error("RuntimeError",
                "The source state dict is empty, possibly because it was saved from a disabled "
                "instance of GradScaler.");
  init_scale_ = require_key(state, "scale").as_number();
  if (scale_.defined()) scale_.fill_(init_scale_);
  growth_factor_ = require_key(state, "growth_factor").as_number();
  backoff_factor_ = require_key(state, "backoff_factor").as_number();
  growth_interval_ = require_key(state, "growth_interval").as_int();
  init_growth_tracker_ = require_key(state, "_growth_tracker").as_int();
  if (growth_tracker_.defined()) growth_tracker_.fill_(init_growth_tracker_);
}

// ---------------------------------------------------------------- AmpOptimWrapper

std::optional<c10::ScalarType> AmpOptimWrapper::parse_dtype(const Value& dtype) {
  if (dtype.is_none()) return std::nullopt;
  static const std::map<std::string, c10::ScalarType> kValid = {
      {"float16", c10::ScalarType::Half},
      {"bfloat16", c10::ScalarType::BFloat16},
      {"float32", c10::ScalarType::Float},
      {"float64", c10::ScalarType::Double}};
  if (dtype.is_str()) {
    auto it = kValid.find(dtype.as_str());
    if (it == kValid.end())
      throw Error("AssertionError",
                  "dtype should be any of ('float16', 'bfloat16', 'float32', 'float64'), got " +
                      dtype.as_str());
    return it->second;
  }
  // A torch dtype object (pure-Python configs: `dtype=torch.bfloat16`).
  if (dtype.is_lazy() && dtype.as_lazy().module == "torch") {
    static const std::map<std::string, c10::ScalarType> kTorch = {
        {"float16", c10::ScalarType::Half},      {"half", c10::ScalarType::Half},
        {"bfloat16", c10::ScalarType::BFloat16}, {"float32", c10::ScalarType::Float},
        {"float", c10::ScalarType::Float},       {"float64", c10::ScalarType::Double},
        {"double", c10::ScalarType::Double}};
    auto it = kTorch.find(dtype.as_lazy().name);
    if (it != kTorch.end()) return it->second;
  }
  throw Error("AssertionError",
              "dtype should be None or instance of torch.dtype, got " + dtype.repr());
}

AmpOptimWrapper::AmpOptimWrapper(std::shared_ptr<torch::optim::Optimizer> optimizer,
                                 int accumulative_counts, Value clip_grad, const Value& loss_scale,
                                 const Value& dtype, bool use_fsdp)
    : OptimWrapper(std::move(optimizer), accumulative_counts, std::move(clip_grad)) {
  if (use_fsdp)  // ShardedGradScaler
    throw Error("RuntimeError", "PyTorch>=2.0.0 is required when sets `use_fsdp=True`");
  if (loss_scale.is_str() && loss_scale.as_str() == "dynamic") {
    loss_scaler_ = std::make_shared<GradScaler>();
  } else if (loss_scale.is_float()) {
    // Static scaling: update() resets the scale to this value after every step.
    scale_update_param_ = loss_scale.as_float();
    GradScalerOptions o;
    o.init_scale = loss_scale.as_float();
    loss_scaler_ = std::make_shared<GradScaler>(o);
  } else if (loss_scale.is_dict()) {
    loss_scaler_ = std::make_shared<GradScaler>(GradScaler::options_from_kwargs(loss_scale));
  } else {
    throw Error("TypeError", "loss_scale must be of type float, dict, or \"dynamic\", but got " +
                                 loss_scale.str());
  }
  cast_dtype_ = parse_dtype(dtype);
}

std::shared_ptr<AmpOptimWrapper> AmpOptimWrapper::from_config(registry::BuildArgs& args) {
  auto* opt = args.object<std::shared_ptr<torch::optim::Optimizer>>("optimizer");
  if (!opt || !*opt)
    throw Error("TypeError", args.component() +
                                 " needs the built optimizer as the object 'optimizer' "
                                 "(std::shared_ptr<torch::optim::Optimizer>)");
  Value loss_scale = args.value_or("loss_scale", Value("dynamic"));
  Value dtype = args.value("dtype");
  bool use_fsdp = args.get_bool("use_fsdp", false);
  auto counts = args.get_int("accumulative_counts", 1);
  Value clip = args.value_or("clip_grad", Value());
  return std::make_shared<AmpOptimWrapper>(*opt, static_cast<int>(counts), clip, loss_scale, dtype,
                                           use_fsdp);
}

MMCPP_REGISTER(registry::OPTIM_WRAPPERS, AmpOptimWrapper,
               "dict(type='AmpOptimWrapper', loss_scale='dynamic', dtype='bfloat16')");

void AmpOptimWrapper::set_loss_scaler(std::shared_ptr<GradScaler> scaler) {
  if (!scaler) throw Error("TypeError", "AmpOptimWrapper: loss_scaler must not be null");
  loss_scaler_ = std::move(scaler);
}

void AmpOptimWrapper::backward(const torch::Tensor& loss) {
  loss_scaler_->scale(loss).backward();
  ++inner_count_;
}

void AmpOptimWrapper::step() {
  if (clip_type_ != ClipType::kNone) {
    loss_scaler_->unscale_(*optimizer_);  // clip the true gradients
    clip_grads();
  }
  loss_scaler_->step(*optimizer_);
  loss_scaler_->update(scale_update_param_);
}

OptimizerStateDict AmpOptimWrapper::state_dict() {
  OptimizerStateDict sd = OptimWrapper::state_dict();
  sd.loss_scaler = loss_scaler_->state_dict();
  return sd;
}

void AmpOptimWrapper::load_state_dict(const OptimizerStateDict& state) {
  if (!state.loss_scaler.is_none()) loss_scaler_->load_state_dict(state.loss_scaler);
  OptimWrapper::load_state_dict(state);
}

namespace {

// Leaves autocast first, then the base context (Python's `with a, b:` order).
struct AmpContext : OptimContext {
  std::unique_ptr<OptimContext> base;
  std::unique_ptr<Autocast> autocast;
};

}  // namespace

std::unique_ptr<OptimContext> AmpOptimWrapper::optim_context(torch::nn::Module& model) {
  // MMEngine autocasts on get_device(); the model's parameters say where it runs.
  std::string device = "cpu";
  if (auto params = model.parameters(); !params.empty())
    device = device_type_name(params.front().device());
  else if (auto buffers = model.buffers(); !buffers.empty())
    device = device_type_name(buffers.front().device());
  auto ctx = std::make_unique<AmpContext>();
  ctx->base = OptimWrapper::optim_context(model);
  ctx->autocast = std::make_unique<Autocast>(device, cast_dtype_);
  return ctx;
}

}  // namespace mmcpp::engine
