// AmpOptimWrapper: argument parsing, the GradScaler's dynamics and state, the
// checkpoint round trip and autocast inside optim_context / BaseModel::train_step.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>

#include <ATen/autocast_mode.h>

#include <limits>
#include <string>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/engine/optim/amp_optim_wrapper.h"
#include "mmcpp/engine/runner/amp.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;

Value dict(std::initializer_list<std::pair<const char*, Value>> items) {
  Value d = Value::dict(false);
  for (const auto& [k, v] : items) d.as_dict().set(Value(k), v);
  return d;
}

template <class Fn>
void expect_error(Fn fn, const std::string& kind, const std::string& part) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected " << kind;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

std::shared_ptr<torch::optim::Optimizer> sgd(const std::vector<torch::Tensor>& params,
                                             double lr = 0.1) {
  return std::make_shared<torch::optim::SGD>(params, torch::optim::SGDOptions(lr));
}

// A scaler that scales on the CPU, so its dynamics can be tested without CUDA.
std::shared_ptr<GradScaler> cpu_scaler(GradScalerOptions o = {}) {
  return std::make_shared<GradScaler>(o, "cpu");
}

// ---------------------------------------------------------------- arguments

TEST(AmpOptimWrapper, ParsesDtypesAsMMEngine) {
  EXPECT_FALSE(AmpOptimWrapper::parse_dtype(Value()).has_value());
  EXPECT_EQ(*AmpOptimWrapper::parse_dtype(Value("float16")), torch::kHalf);
  EXPECT_EQ(*AmpOptimWrapper::parse_dtype(Value("bfloat16")), torch::kBFloat16);
  EXPECT_EQ(*AmpOptimWrapper::parse_dtype(Value("float32")), torch::kFloat32);
  EXPECT_EQ(*AmpOptimWrapper::parse_dtype(Value("float64")), torch::kFloat64);
  // torch.bfloat16 / torch.half of a pure-Python config.
  EXPECT_EQ(*AmpOptimWrapper::parse_dtype(Value::lazy({"torch", "bfloat16", ""})),
            torch::kBFloat16);
  EXPECT_EQ(*AmpOptimWrapper::parse_dtype(Value::lazy({"torch", "half", ""})), torch::kHalf);
  expect_error([] { AmpOptimWrapper::parse_dtype(Value("float8")); }, "AssertionError",
               "dtype should be any of ('float16', 'bfloat16', 'float32', 'float64'), got float8");
  expect_error([] { AmpOptimWrapper::parse_dtype(Value("torch.float16")); }, "AssertionError",
               "got torch.float16");
  expect_error([] { AmpOptimWrapper::parse_dtype(Value(16)); }, "AssertionError",
               "dtype should be None or instance of torch.dtype, got 16");
  expect_error(
      [] {
        AmpOptimWrapper::parse_dtype(Value::lazy({"torch", "int8", ""}));
      },
      "AssertionError", "instance of torch.dtype");
}

TEST(AmpOptimWrapper, LossScaleArgumentsAsMMEngine) {
  auto p = torch::zeros({2}, torch::requires_grad());
  AmpOptimWrapper dynamic(sgd({p}), 1, Value());
  EXPECT_FALSE(dynamic.scale_update_param().has_value());
  EXPECT_FALSE(dynamic.cast_dtype().has_value());
  AmpOptimWrapper fixed(sgd({p}), 1, Value(), Value(512.0), Value("bfloat16"));
  EXPECT_EQ(*fixed.scale_update_param(), 512.0);
  EXPECT_EQ(*fixed.cast_dtype(), torch::kBFloat16);
  // isinstance(loss_scale, float): an int is rejected as in MMEngine.
  expect_error([&] { AmpOptimWrapper(sgd({p}), 1, Value(), Value(512)); }, "TypeError",
               "loss_scale must be of type float, dict, or \"dynamic\", but got 512");
  expect_error([&] { AmpOptimWrapper(sgd({p}), 1, Value(), Value("static")); }, "TypeError",
               "but got static");
  expect_error([&] { AmpOptimWrapper(sgd({p}), 1, Value(), Value("dynamic"), Value(), true); },
               "RuntimeError", "PyTorch>=2.0.0 is required when sets `use_fsdp=True`");
  expect_error(
      [&] {
        AmpOptimWrapper(sgd({p}), 1, Value(), dict({{"init_scale", 8.0}, {"scale", 2.0}}));
      },
      "TypeError", "scale");
  GradScalerOptions o = GradScaler::options_from_kwargs(
      dict({{"init_scale", 256.0}, {"growth_interval", 3}, {"backoff_factor", 0.25}}));
  EXPECT_EQ(o.init_scale, 256.0);
  EXPECT_EQ(o.growth_interval, 3);
  EXPECT_EQ(o.backoff_factor, 0.25);
  EXPECT_EQ(o.growth_factor, 2.0);
  expect_error(
      [] {
        GradScaler({65536.0, 1.0, 0.5, 2000, true}, "cpu");
      },
      "AssertionError", "The growth factor must be > 1.0.");
  expect_error(
      [] {
        GradScaler({65536.0, 2.0, 1.5, 2000, true}, "cpu");
      },
      "AssertionError", "The backoff factor must be < 1.0.");
}

TEST(AmpOptimWrapper, BuildsThroughTheRegistryWithOptimWrapperArguments) {
  torch::nn::Linear net(3, 2);
  auto w = build_optim_wrapper(*net, dict({{"type", "AmpOptimWrapper"},
                                           {"optimizer", dict({{"type", "SGD"}, {"lr", 0.1}})},
                                           {"loss_scale", "dynamic"},
                                           {"dtype", "bfloat16"},
                                           {"accumulative_counts", 2},
                                           {"clip_grad", dict({{"max_norm", 1.0}})}}));
  auto* amp = dynamic_cast<AmpOptimWrapper*>(w.get());
  ASSERT_NE(amp, nullptr);
  EXPECT_EQ(amp->accumulative_counts(), 2);
  EXPECT_EQ(*amp->cast_dtype(), torch::kBFloat16);
  expect_error(
      [&] {
        build_optim_wrapper(*net, dict({{"type", "AmpOptimWrapper"},
                                        {"optimizer", dict({{"type", "SGD"}, {"lr", 0.1}})},
                                        {"loss_scaling", "dynamic"}}));
      },
      "TypeError", "loss_scaling");
}

// torch.cuda.amp.GradScaler disables itself without CUDA: scale() is the identity,
// step() a plain step, state_dict() {}; loading anything is ignored.
TEST(AmpOptimWrapper, ScalerIsDisabledAsPyTorchsWithoutCuda) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "CUDA is available: the scaler is enabled";
  GradScaler s;
  EXPECT_FALSE(s.is_enabled());
  EXPECT_EQ(s.get_scale(), 1.0);
  EXPECT_EQ(s.get_growth_tracker(), 0);
  auto loss = torch::tensor(3.0);
  EXPECT_TRUE(s.scale(loss).equal(loss));
  EXPECT_TRUE(s.state_dict().is_dict());
  EXPECT_EQ(s.state_dict().as_dict().size(), 0u);
  s.load_state_dict(Value::dict());  // ignored
  s.update();                        // no-op

  auto p = torch::tensor({1.0f, 2.0f}, torch::requires_grad());
  AmpOptimWrapper w(sgd({p}), 1, Value());
  EXPECT_FALSE(w.loss_scaler().is_enabled());
  w.update_params((p * p).sum());  // a plain SGD step: p - 0.1 * 2p
  EXPECT_TRUE(torch::allclose(p.detach(), torch::tensor({0.8f, 1.6f})));
}

// ---------------------------------------------------------------- GradScaler dynamics

TEST(GradScaler, ScalesLossesByInitScale) {
  auto s = cpu_scaler();
  EXPECT_EQ(s->get_scale(), 65536.0);  // before the first scale(): init_scale
  auto scaled = s->scale(torch::tensor(0.5f));
  EXPECT_EQ(scaled.sizes(), torch::IntArrayRef({1}));  // loss * the (1,) scale tensor
  EXPECT_EQ(scaled.item<float>(), 32768.0f);
  EXPECT_EQ(s->get_growth_tracker(), 0);
}

TEST(GradScaler, InfGradientsSkipTheStepAndHalveTheScale) {
  auto p = torch::tensor({1.0f, 2.0f}, torch::requires_grad());
  auto opt = sgd({p});
  auto s = cpu_scaler();
  s->scale((p * std::numeric_limits<float>::infinity()).sum()).backward();
  auto before = p.detach().clone();
  EXPECT_FALSE(s->step(*opt));
  EXPECT_TRUE(p.detach().equal(before));
  s->update();
  EXPECT_EQ(s->get_scale(), 32768.0);
  EXPECT_EQ(s->get_growth_tracker(), 0);
  // NaN too.
  opt->zero_grad();
  s->scale((p * std::numeric_limits<float>::quiet_NaN()).sum()).backward();
  EXPECT_FALSE(s->step(*opt));
  s->update();
  EXPECT_EQ(s->get_scale(), 16384.0);
}

TEST(GradScaler, FiniteStepsUseTheTrueGradientAndGrowAfterGrowthInterval) {
  auto p = torch::tensor({1.0f, -2.0f}, torch::requires_grad());
  auto opt = sgd({p}, 0.5);
  auto s = cpu_scaler({1024.0, 2.0, 0.5, 3, true});
  std::vector<std::int64_t> trackers;
  std::vector<double> scales;
  for (int i = 0; i < 4; ++i) {
    opt->zero_grad();
    auto expected = p.detach() - 0.5 * 3 * p.detach().pow(2);  // d/dp sum(p^3) = 3p^2
    s->scale(p.pow(3).sum()).backward();
    EXPECT_TRUE(s->step(*opt));
    EXPECT_TRUE(torch::allclose(p.detach(), expected, 1e-6, 1e-6)) << p << expected;
    s->update();
    trackers.push_back(s->get_growth_tracker());
    scales.push_back(s->get_scale());
  }
  EXPECT_EQ(trackers, (std::vector<std::int64_t>{1, 2, 0, 1}));
  EXPECT_EQ(scales, (std::vector<double>{1024, 1024, 2048, 2048}));
}

TEST(GradScaler, NeverGrowsToInfAndStaticScaleIsReset) {
  auto p = torch::tensor({1.0f}, torch::requires_grad());
  auto opt = sgd({p});
  auto s = cpu_scaler({3e38, 2.0, 0.5, 1, true});
  s->scale(p.sum()).backward();
  s->step(*opt);
  s->update();
  EXPECT_FLOAT_EQ(static_cast<float>(s->get_scale()), 3e38f);
  EXPECT_EQ(s->get_growth_tracker(), 0);
  // update(new_scale): MMEngine's static loss_scale.
  opt->zero_grad();
  s->scale(p.sum()).backward();
  s->step(*opt);
  s->update(512.0);
  EXPECT_EQ(s->get_scale(), 512.0);
}

TEST(GradScaler, OrderOfCallsIsCheckedAsPyTorch) {
  auto p = torch::tensor({1.0f}, torch::requires_grad());
  auto opt = sgd({p});
  auto s = cpu_scaler();
  expect_error([&] { s->step(*opt); }, "AssertionError", "Attempted step but _scale is None");
  s->scale(p.sum()).backward();
  expect_error([&] { s->update(); }, "AssertionError",
               "No inf checks were recorded prior to update.");
  s->unscale_(*opt);
  expect_error([&] { s->unscale_(*opt); }, "RuntimeError",
               "unscale_() has already been called on this optimizer since the last update().");
  // unscale_ then step: gradients divided once.
  EXPECT_FLOAT_EQ(p.grad().item<float>(), 1.0f);
  s->step(*opt);
  expect_error([&] { s->step(*opt); }, "RuntimeError", "step() has already been called");
  expect_error([&] { s->unscale_(*opt); }, "RuntimeError",
               "unscale_() is being called after step()");
  s->update();
  auto h = torch::tensor({1.0f}, torch::dtype(torch::kHalf).requires_grad(true));
  auto hopt = sgd({h});
  auto hs = cpu_scaler();
  hs->scale(h.to(torch::kFloat).sum()).backward();
  expect_error([&] { hs->unscale_(*hopt); }, "ValueError", "Attempting to unscale FP16 gradients.");
}

TEST(GradScaler, StateDictRoundTrip) {
  auto p = torch::tensor({1.0f}, torch::requires_grad());
  auto opt = sgd({p});
  auto s = cpu_scaler({4096.0, 4.0, 0.25, 5, true});
  for (int i = 0; i < 2; ++i) {
    opt->zero_grad();
    s->scale(p.sum()).backward();
    s->step(*opt);
    s->update();
  }
  Value sd = s->state_dict();
  std::vector<std::string> keys;
  for (const auto& [k, v] : sd.as_dict().entries()) keys.push_back(k.str());
  EXPECT_EQ(keys, (std::vector<std::string>{"scale", "growth_factor", "backoff_factor",
                                            "growth_interval", "_growth_tracker"}));
  EXPECT_TRUE(sd.as_dict().find("scale")->is_float());
  EXPECT_EQ(sd.as_dict().find("scale")->as_float(), 4096.0);
  EXPECT_EQ(sd.as_dict().find("growth_factor")->as_float(), 4.0);
  EXPECT_EQ(sd.as_dict().find("backoff_factor")->as_float(), 0.25);
  EXPECT_TRUE(sd.as_dict().find("growth_interval")->is_int());
  EXPECT_EQ(sd.as_dict().find("growth_interval")->as_int(), 5);
  EXPECT_TRUE(sd.as_dict().find("_growth_tracker")->is_int());
  EXPECT_EQ(sd.as_dict().find("_growth_tracker")->as_int(), 2);

  // Into a fresh scaler (before its lazy init) and into a used one.
  auto fresh = cpu_scaler();
  fresh->load_state_dict(sd);
  EXPECT_EQ(fresh->get_scale(), 4096.0);
  EXPECT_EQ(fresh->get_growth_tracker(), 2);
  EXPECT_EQ(fresh->get_growth_factor(), 4.0);
  EXPECT_EQ(fresh->get_growth_interval(), 5);
  EXPECT_EQ(fresh->scale(torch::tensor(1.0f)).item<float>(), 4096.0f);
  auto used = cpu_scaler();
  used->scale(torch::tensor(1.0f));
  used->load_state_dict(sd);
  EXPECT_EQ(used->get_scale(), 4096.0);
  EXPECT_EQ(used->get_growth_tracker(), 2);
  // Three more clean steps reach growth_interval 5: the scale grows by 4.
  for (int i = 0; i < 3; ++i) {
    opt->zero_grad();
    fresh->scale(p.sum()).backward();
    fresh->step(*opt);
    fresh->update();
  }
  EXPECT_EQ(fresh->get_scale(), 16384.0);
  EXPECT_EQ(fresh->get_growth_tracker(), 0);

  expect_error([&] { cpu_scaler()->load_state_dict(Value::dict()); }, "RuntimeError",
               "saved from a disabled instance of GradScaler");
}

// ---------------------------------------------------------------- the wrapper

// With the scaler on, a step of the AMP wrapper equals the plain wrapper's
// (gradients unscaled), also with clipping (unscaled before the clip, so the
// logged norm is the true one); an inf loss leaves the parameters alone.
TEST(AmpOptimWrapper, StepsLikeOptimWrapperAndSkipsInfSteps) {
  for (bool clip : {false, true}) {
    Value clip_cfg = clip ? dict({{"max_norm", 0.5}}) : Value();
    auto p1 = torch::tensor({0.3f, -1.2f, 2.0f}, torch::requires_grad());
    auto p2 = p1.detach().clone().requires_grad_(true);
    OptimWrapper plain(sgd({p1}), 1, clip_cfg);
    AmpOptimWrapper amp(sgd({p2}), 1, clip_cfg);
    amp.set_loss_scaler(cpu_scaler());
    for (int i = 0; i < 3; ++i) {
      plain.update_params((p1.pow(3) - p1).sum());
      amp.update_params((p2.pow(3) - p2).sum());
      EXPECT_TRUE(torch::allclose(p1.detach(), p2.detach(), 1e-6, 1e-6)) << p1 << p2;
      if (clip) {
        ASSERT_TRUE(plain.last_grad_norm() && amp.last_grad_norm());
        EXPECT_NEAR(*plain.last_grad_norm(), *amp.last_grad_norm(), 1e-4);
      }
    }
    EXPECT_EQ(amp.inner_count(), 3);
    auto before = p2.detach().clone();
    amp.update_params(p2.sum() * std::numeric_limits<float>::infinity());
    EXPECT_TRUE(p2.detach().equal(before));
    EXPECT_EQ(amp.loss_scaler().get_scale(), 32768.0);
    EXPECT_FALSE(p2.grad().defined() && p2.grad().abs().sum().item<float>() != 0);  // zero_grad ran
  }
}

TEST(AmpOptimWrapper, StaticLossScaleStaysFixed) {
  auto p = torch::tensor({1.0f}, torch::requires_grad());
  AmpOptimWrapper amp(sgd({p}), 1, Value(), Value(128.0));
  GradScalerOptions o;
  o.init_scale = 128.0;
  amp.set_loss_scaler(cpu_scaler(o));
  amp.update_params(p.sum() * std::numeric_limits<float>::infinity());
  EXPECT_EQ(amp.loss_scaler().get_scale(), 128.0);  // backed off, then reset to 128
}

// state_dict() adds `loss_scaler` as MMEngine saves it; it survives the pickled
// checkpoint form and loads into a new wrapper; a plain OptimWrapper ignores it.
TEST(AmpOptimWrapper, StateDictRoundTripsThroughTheCheckpointForm) {
  auto p = torch::tensor({1.0f, 2.0f}, torch::requires_grad());
  AmpOptimWrapper amp(sgd({p}), 1, Value());
  amp.set_loss_scaler(cpu_scaler({65536.0, 2.0, 0.5, 2000, true}));
  amp.update_params(p.sum() * std::numeric_limits<float>::infinity());
  amp.update_params(p.sum());
  amp.update_params(p.sum());

  io::PyObject saved = optim_state_to_py(amp.state_dict());
  std::vector<std::string> keys = saved.as_dict().keys();
  EXPECT_EQ(keys, (std::vector<std::string>{"state", "param_groups", "loss_scaler"}));
  const io::PyObject& ls = saved.get("loss_scaler");
  EXPECT_EQ(ls.get("scale").as_float(), 32768.0);
  EXPECT_EQ(ls.get("_growth_tracker").as_int(), 2);
  EXPECT_EQ(ls.get("growth_interval").as_int(), 2000);

  auto q = torch::tensor({1.0f, 2.0f}, torch::requires_grad());
  AmpOptimWrapper resumed(sgd({q}), 1, Value());
  resumed.set_loss_scaler(cpu_scaler());
  resumed.load_state_dict(optim_state_from_py(saved));
  EXPECT_EQ(resumed.loss_scaler().get_scale(), 32768.0);
  EXPECT_EQ(resumed.loss_scaler().get_growth_tracker(), 2);

  OptimWrapper plain(sgd({q}), 1, Value());
  plain.load_state_dict(optim_state_from_py(saved));  // torch ignores extra keys
  EXPECT_TRUE(optim_state_to_py(plain.state_dict()).find("loss_scaler") == nullptr);

  // A disabled scaler (no CUDA) saves {} as MMEngine does.
  if (!torch::cuda::is_available()) {
    AmpOptimWrapper cpu(sgd({q}), 1, Value());
    io::PyObject s = optim_state_to_py(cpu.state_dict());
    ASSERT_NE(s.find("loss_scaler"), nullptr);
    EXPECT_TRUE(s.get("loss_scaler").is_dict());
    EXPECT_EQ(s.get("loss_scaler").as_dict().size(), 0u);
    cpu.load_state_dict(optim_state_from_py(s));
    cpu.load_state_dict(optim_state_from_py(saved));  // ignored by a disabled scaler
  }
}

// ---------------------------------------------------------------- autocast

TEST(Autocast, OptimContextAutocastsOnTheModelsDeviceAndRestores) {
  torch::nn::Linear net(4, 3);
  auto a = torch::randn({2, 4}), b = torch::randn({4, 5});
  AmpOptimWrapper amp(sgd(net->parameters()), 1, Value());
  ASSERT_FALSE(at::autocast::is_cpu_enabled());
  {
    auto ctx = amp.optim_context(*net);
    EXPECT_TRUE(at::autocast::is_cpu_enabled());
    EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kBFloat16);
    EXPECT_EQ(net->forward(a).scalar_type(), torch::kBFloat16);
    EXPECT_EQ(net->weight.scalar_type(), torch::kFloat32);  // parameters stay fp32
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kFloat32);

  // The plain wrapper's context does not autocast.
  OptimWrapper plain(sgd(net->parameters()), 1, Value());
  {
    auto ctx = plain.optim_context(*net);
    EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kFloat32);
  }

  // Nested in an outer disabled region: the outer state comes back.
  {
    Autocast outer("cpu", std::nullopt, /*enabled=*/false);
    {
      auto ctx = amp.optim_context(*net);
      EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kBFloat16);
    }
    EXPECT_FALSE(at::autocast::is_cpu_enabled());
    EXPECT_EQ(torch::matmul(a, b).scalar_type(), torch::kFloat32);
  }
}

TEST(Autocast, CpuOnlyAcceptsBfloat16AsMMEngine) {
  torch::nn::Linear net(4, 3);
  AmpOptimWrapper half(sgd(net->parameters()), 1, Value(), Value("dynamic"), Value("float16"));
  expect_error([&] { half.optim_context(*net); }, "AssertionError",
               "In CPU autocast, only support `torch.bfloat16` dtype");
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  expect_error([] { Autocast("cpu", torch::kFloat32, false); }, "AssertionError",
               "only support `torch.bfloat16`");
  expect_error([] { Autocast("mps"); }, "ValueError",
               "User specified autocast device_type must be cuda or cpu, but got mps");
  Autocast off("mps", std::nullopt, false);  // an empty context
  EXPECT_FALSE(off.enabled());
}

// BaseModel::train_step runs preprocessing + forward inside optim_context, and
// parse_losses / backward outside it; val_step and test_step never autocast.
class DtypeProbe : public BaseModel {
 public:
  DtypeProbe() { fc = register_module("fc", torch::nn::Linear(4, 2)); }
  ModelOutput forward(const data::DataBatch& batch, ForwardMode mode) override {
    torch::Tensor y = fc->forward(batch.inputs);
    seen.push_back(y.scalar_type());
    ModelOutput out;
    if (mode == ForwardMode::Loss) out.losses.emplace_back("loss", y.pow(2).mean());
    return out;
  }
  torch::nn::Linear fc{nullptr};
  std::vector<c10::ScalarType> seen;
};

TEST(Autocast, TrainStepForwardsUnderAutocastValStepDoesNot) {
  auto model = std::make_shared<DtypeProbe>();
  data::DataBatch batch;
  batch.inputs = torch::randn({3, 4});
  AmpOptimWrapper amp(sgd(model->parameters()), 1, Value());
  auto before = model->fc->weight.detach().clone();
  NamedTensors logs = model->train_step(batch, amp);
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  ASSERT_EQ(model->seen.size(), 1u);
  EXPECT_EQ(model->seen[0], torch::kBFloat16);
  EXPECT_EQ(logs[0].first, "loss");
  EXPECT_FALSE(model->fc->weight.detach().equal(before));  // it trained
  EXPECT_EQ(model->fc->weight.scalar_type(), torch::kFloat32);
  EXPECT_EQ(
      model->fc->weight.grad().defined() ? model->fc->weight.grad().scalar_type() : torch::kFloat32,
      torch::kFloat32);
  model->val_step(batch);
  model->test_step(batch);
  ASSERT_EQ(model->seen.size(), 3u);
  EXPECT_EQ(model->seen[1], torch::kFloat32);
  EXPECT_EQ(model->seen[2], torch::kFloat32);
  OptimWrapper plain(sgd(model->parameters()), 1, Value());
  model->train_step(batch, plain);
  EXPECT_EQ(model->seen[3], torch::kFloat32);
}

}  // namespace
}  // namespace mmcpp::engine
