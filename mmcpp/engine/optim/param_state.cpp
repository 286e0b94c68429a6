// The built-in per-parameter state table of LibTorch's optimizers, and the
// dispatch to ParamStateIO for all others.
#include "mmcpp/engine/optim/param_state.h"

#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include "mmcpp/core/error.h"

namespace mmcpp::engine {

namespace optim = torch::optim;

torch::Tensor step_tensor(std::int64_t step) { return torch::tensor(static_cast<float>(step)); }

std::int64_t step_value(const torch::Tensor& t) {
  if (!t.defined()) return 0;
  return static_cast<std::int64_t>(t.item<double>());
}

torch::Tensor buffer_or_none(const std::map<std::string, torch::Tensor>& buffers,
                             const std::string& name) {
  auto it = buffers.find(name);
  return it == buffers.end() ? torch::Tensor() : it->second;
}

namespace {

template <class State>
NamedBuffers adam_buffers(const State& st) {
  NamedBuffers out = {
      {"step", step_tensor(st.step())}, {"exp_avg", st.exp_avg()}, {"exp_avg_sq", st.exp_avg_sq()}};
  if (st.max_exp_avg_sq().defined()) out.emplace_back("max_exp_avg_sq", st.max_exp_avg_sq());
  return out;
}

template <class State>
std::unique_ptr<optim::OptimizerParamState> adam_state(
    const std::map<std::string, torch::Tensor>& b) {
  auto st = std::make_unique<State>();
  st->step(step_value(buffer_or_none(b, "step")));
  st->exp_avg(buffer_or_none(b, "exp_avg")).exp_avg_sq(buffer_or_none(b, "exp_avg_sq"));
  st->max_exp_avg_sq(buffer_or_none(b, "max_exp_avg_sq"));
  return st;
}

}  // namespace

NamedBuffers export_param_state(const optim::Optimizer& optimizer,
                                const optim::OptimizerParamState& s) {
  if (auto* io = dynamic_cast<const ParamStateIO*>(&optimizer)) return io->export_param_state(s);
  if (auto* st = dynamic_cast<const optim::SGDParamState*>(&s))
    return {{"momentum_buffer", st->momentum_buffer()}};
  if (auto* st = dynamic_cast<const optim::AdamParamState*>(&s)) return adam_buffers(*st);
  if (auto* st = dynamic_cast<const optim::AdamWParamState*>(&s)) return adam_buffers(*st);
  if (auto* st = dynamic_cast<const optim::RMSpropParamState*>(&s)) {
    NamedBuffers out = {{"step", step_tensor(st->step())}, {"square_avg", st->square_avg()}};
    if (st->momentum_buffer().defined()) out.emplace_back("momentum_buffer", st->momentum_buffer());
    if (st->grad_avg().defined()) out.emplace_back("grad_avg", st->grad_avg());
    return out;
  }
  if (auto* st = dynamic_cast<const optim::AdagradParamState*>(&s))
    return {{"step", step_tensor(st->step())}, {"sum", st->sum()}};
  throw Error("TypeError",
              "state_dict: optimizer state of an unsupported type (the optimizer must implement "
              "mmcpp::engine::ParamStateIO)");
}

std::unique_ptr<optim::OptimizerParamState> import_param_state(
    const optim::Optimizer& optimizer, const std::map<std::string, torch::Tensor>& b) {
  if (auto* io = dynamic_cast<const ParamStateIO*>(&optimizer)) return io->import_param_state(b);
  const auto& defaults = optimizer.defaults();
  if (dynamic_cast<const optim::SGDOptions*>(&defaults)) {
    if (!buffer_or_none(b, "momentum_buffer").defined()) return nullptr;  // PyTorch's None
    auto st = std::make_unique<optim::SGDParamState>();
    st->momentum_buffer(buffer_or_none(b, "momentum_buffer"));
    return st;
  }
  if (dynamic_cast<const optim::AdamOptions*>(&defaults))
    return adam_state<optim::AdamParamState>(b);
  if (dynamic_cast<const optim::AdamWOptions*>(&defaults))
    return adam_state<optim::AdamWParamState>(b);
  if (dynamic_cast<const optim::RMSpropOptions*>(&defaults)) {
    auto st = std::make_unique<optim::RMSpropParamState>();
    st->step(step_value(buffer_or_none(b, "step"))).square_avg(buffer_or_none(b, "square_avg"));
    st->momentum_buffer(buffer_or_none(b, "momentum_buffer"))
        .grad_avg(buffer_or_none(b, "grad_avg"));
    return st;
  }
  if (dynamic_cast<const optim::AdagradOptions*>(&defaults)) {
    auto st = std::make_unique<optim::AdagradParamState>();
    st->step(step_value(buffer_or_none(b, "step"))).sum(buffer_or_none(b, "sum"));
    return st;
  }
  throw Error("TypeError",
              "load_state_dict: unsupported optimizer type (it must implement "
              "mmcpp::engine::ParamStateIO)");
}

}  // namespace mmcpp::engine
