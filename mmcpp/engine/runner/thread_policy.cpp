#include "mmcpp/engine/runner/thread_policy.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "mmcpp/core/threads.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/io/py_object.h"

namespace mmcpp::engine {

namespace {

// Where the observer adds on this thread (the innermost live FlopCounter's total);
// the callback is a plain function pointer, so it cannot carry the counter.
thread_local double* active_flops = nullptr;

double product(c10::IntArrayRef sizes, std::size_t from = 0) {
  double p = 1;
  for (std::size_t i = from; i < sizes.size(); ++i) p *= static_cast<double>(sizes[i]);
  return p;
}

bool tensor_at(c10::ArrayRef<const c10::IValue> in, std::size_t i) {
  return i < in.size() && in[i].isTensor() && in[i].toTensor().defined();
}

// FLOPs of one convolution (2 per multiply-add) from its output (or, transposed,
// its input) elements: each meets weight.numel() / weight.size(0) weights.
double conv_flops(const at::Tensor& spatial_source, const at::Tensor& weight) {
  if (weight.dim() < 3 || weight.size(0) == 0) return 0;
  return 2.0 * static_cast<double>(spatial_source.size(0)) * product(spatial_source.sizes(), 2) *
         static_cast<double>(weight.numel());
}

// aten::convolution(input, weight, bias, stride, padding, dilation, transposed, ...).
double convolution(c10::ArrayRef<const c10::IValue> in) {
  if (!tensor_at(in, 0) || !tensor_at(in, 1) || in.size() < 7) return 0;
  const at::Tensor& x = in[0].toTensor();
  const at::Tensor& w = in[1].toTensor();
  if (x.dim() < 3) return 0;
  if (in[6].isBool() && in[6].toBool()) return conv_flops(x, w);  // transposed
  std::vector<std::int64_t> stride = in[3].toIntVector(), padding = in[4].toIntVector(),
                            dilation = in[5].toIntVector();
  double out = 1;
  for (std::int64_t d = 2; d < x.dim(); ++d) {
    auto i = static_cast<std::size_t>(d - 2);
    auto pick = [&](const std::vector<std::int64_t>& v, std::int64_t dflt) {
      return v.empty() ? dflt : v[std::min(i, v.size() - 1)];
    };
    std::int64_t k = w.size(d);
    std::int64_t o = (x.size(d) + 2 * pick(padding, 0) - pick(dilation, 1) * (k - 1) - 1) /
                         std::max<std::int64_t>(pick(stride, 1), 1) +
                     1;
    out *= static_cast<double>(std::max<std::int64_t>(o, 0));
  }
  return 2.0 * static_cast<double>(x.size(0)) * out * static_cast<double>(w.numel());
}

// aten::convolution_backward(grad_output, input, weight, bias_sizes, stride,
// padding, dilation, transposed, output_padding, groups, output_mask).
double convolution_backward(c10::ArrayRef<const c10::IValue> in) {
  if (!tensor_at(in, 0) || !tensor_at(in, 1) || !tensor_at(in, 2) || in.size() < 11) return 0;
  bool transposed = in[7].isBool() && in[7].toBool();
  double forward = conv_flops(transposed ? in[1].toTensor() : in[0].toTensor(), in[2].toTensor());
  double parts = 0;
  if (in[10].isBoolList()) {
    auto mask = in[10].toBoolList();
    parts = (mask.size() > 0 && mask.get(0)) + (mask.size() > 1 && mask.get(1));
  }
  return forward * parts;
}

double op_flops(const at::RecordFunction& fn) {
  const char* name = fn.name();
  if (name == nullptr || std::strncmp(name, "aten::", 6) != 0) return 0;
  const char* op = name + 6;
  auto in = fn.inputs();
  if (std::strcmp(op, "mm") == 0 && tensor_at(in, 0) && tensor_at(in, 1)) {
    const at::Tensor &a = in[0].toTensor(), &b = in[1].toTensor();
    if (a.dim() == 2 && b.dim() == 2) return 2.0 * a.size(0) * a.size(1) * b.size(1);
  } else if (std::strcmp(op, "addmm") == 0 && tensor_at(in, 1) && tensor_at(in, 2)) {
    const at::Tensor &a = in[1].toTensor(), &b = in[2].toTensor();
    if (a.dim() == 2 && b.dim() == 2) return 2.0 * a.size(0) * a.size(1) * b.size(1);
  } else if ((std::strcmp(op, "bmm") == 0 && tensor_at(in, 0) && tensor_at(in, 1)) ||
             (std::strcmp(op, "baddbmm") == 0 && tensor_at(in, 1) && tensor_at(in, 2))) {
    std::size_t first = op[0] == 'b' && op[1] == 'm' ? 0 : 1;
    const at::Tensor &a = in[first].toTensor(), &b = in[first + 1].toTensor();
    if (a.dim() == 3 && b.dim() == 3) return 2.0 * a.size(0) * a.size(1) * a.size(2) * b.size(2);
  } else if (std::strcmp(op, "convolution") == 0) {
    return convolution(in);
  } else if (std::strcmp(op, "convolution_backward") == 0) {
    return convolution_backward(in);
  }
  return 0;
}

}  // namespace

// ---- FlopCounter ----

IntraOpThreadPolicy::FlopCounter::FlopCounter() : previous_(active_flops) {
  active_flops = &flops_;
  // One observer per thread; a nested counter takes the ops until it ends.
  if (previous_ == nullptr)
    handle_ = at::addThreadLocalCallback(at::RecordFunctionCallback(&FlopCounter::on_op)
                                             .needsInputs(true)
                                             .scopes({at::RecordScope::FUNCTION}));
}

IntraOpThreadPolicy::FlopCounter::~FlopCounter() {
  if (handle_ != 0) at::removeCallback(handle_);
  active_flops = previous_;
}

std::unique_ptr<at::ObserverContext> IntraOpThreadPolicy::FlopCounter::on_op(
    const at::RecordFunction& fn) {
  if (active_flops != nullptr) *active_flops += op_flops(fn);
  return nullptr;
}

// ---- the policy ----

IntraOpThreadPolicy::IntraOpThreadPolicy(std::optional<int> fixed, int cores)
    : fixed_(fixed), cores_(std::max(1, cores)) {}

IntraOpThreadPolicy::~IntraOpThreadPolicy() = default;

int IntraOpThreadPolicy::threads_for(double flops, int cores) {
  double n = std::floor(flops / kFlopsPerThread);
  return static_cast<int>(std::clamp(n, 1.0, static_cast<double>(std::max(1, cores))));
}

void IntraOpThreadPolicy::apply(int n) { threads_ = set_intra_op_threads(n); }

std::string IntraOpThreadPolicy::start() {
  std::string wait = "; idle threads: " + openmp_wait_policy_description();
  if (user_set_num_threads()) {
    decided_ = true;
    threads_ = at::get_num_threads();
    return "intra-op threads: " + std::to_string(threads_) + " (OMP_NUM_THREADS)" + wait;
  }
  if (fixed_) {
    decided_ = true;
    apply(*fixed_);
    return "intra-op threads: " + std::to_string(threads_) + " (env_cfg.intra_op_threads)" + wait;
  }
  // The first iteration (the probe) runs on every core: a fresh run always starts
  // so, and a resumed run takes the count from its checkpoint instead.
  apply(cores_);
  return "intra-op threads: " + std::to_string(threads_) +
         " until the first iteration's work is measured (auto, " + std::to_string(cores_) +
         " cores)" + wait;
}

void IntraOpThreadPolicy::begin(Runner&) {
  if (decided_ || counter_) return;
  counter_ = std::make_unique<FlopCounter>();
}

void IntraOpThreadPolicy::end(Runner& runner) {
  if (!counter_) return;
  double flops = counter_->flops();
  counter_.reset();
  decided_ = true;
  apply(threads_for(flops, cores_));
  char work[64];
  std::snprintf(work, sizeof work, "%.3g GFLOP", flops / 1e9);
  runner.logger().info("intra-op threads: " + std::to_string(threads_) + " (auto: " + work +
                       " of matrix products and convolutions in the first iteration, one thread "
                       "per " +
                       std::to_string(static_cast<int>(kFlopsPerThread / 1e9)) + " GFLOP, " +
                       std::to_string(cores_) + " cores)");
}

void IntraOpThreadPolicy::before_save_checkpoint(Runner&, io::PyObject& checkpoint) {
  if (!decided_ || fixed_ || user_set_num_threads()) return;
  if (io::PyObject* meta = checkpoint.as_dict().find("meta"))
    if (meta->is_dict()) meta->as_dict().set("intra_op_threads", io::PyObject::from_int(threads_));
}

void IntraOpThreadPolicy::after_load_checkpoint(Runner& runner, io::PyObject& checkpoint) {
  if (fixed_ || user_set_num_threads() || !checkpoint.is_dict()) return;
  const io::PyObject* meta = checkpoint.as_dict().find("meta");
  const io::PyObject* saved =
      meta && meta->is_dict() ? meta->as_dict().find("intra_op_threads") : nullptr;
  if (saved == nullptr || !saved->is_int()) return;
  counter_.reset();
  decided_ = true;
  apply(std::clamp(static_cast<int>(saved->as_int()), 1, cores_));
  runner.logger().info("intra-op threads: " + std::to_string(threads_) +
                       " (auto, as the run the checkpoint comes from)");
}

}  // namespace mmcpp::engine
