#include "mmcpp/engine/optim/foreach.h"

#include <ATen/Parallel.h>
#include <c10/util/string_utils.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>

namespace mmcpp::engine {

namespace optim = torch::optim;

namespace {

constexpr std::int64_t kGrain = 32768;  // elements per task, ATen's GRAIN_SIZE

std::string key_of(const torch::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

bool usable(const torch::Tensor& t, const torch::Tensor& like) {
  return t.defined() && t.layout() == torch::kStrided && t.device().is_cpu() &&
         t.scalar_type() == like.scalar_type() && t.is_contiguous() && !t.is_conj() &&
         !t.is_neg() && t.numel() == like.numel();
}

// The params of a group that have a gradient.
std::vector<torch::Tensor> with_grad(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params)
    if (p.grad().defined()) out.push_back(p);
  return out;
}

// Runs f(tensor_index, begin, end) over the elements of all tensors as one
// range, split across threads regardless of tensor boundaries.
template <class F>
void for_each_chunk(const std::vector<std::int64_t>& numels, const F& f) {
  std::vector<std::int64_t> offsets(numels.size() + 1, 0);
  for (std::size_t i = 0; i < numels.size(); ++i) offsets[i + 1] = offsets[i] + numels[i];
  at::parallel_for(0, offsets.back(), kGrain, [&](std::int64_t begin, std::int64_t end) {
    std::size_t i = std::upper_bound(offsets.begin(), offsets.end(), begin) - offsets.begin() - 1;
    for (; i < numels.size() && offsets[i] < end; ++i) {
      std::int64_t lo = std::max(begin, offsets[i]) - offsets[i];
      std::int64_t hi = std::min(end, offsets[i + 1]) - offsets[i];
      if (lo < hi) f(i, lo, hi);
    }
  });
}

// ---- SGD (LibTorch's SGD::step, fused) ----------------------------------------------------

template <class T>
struct SgdScalars {
  T wd, m, damp1, neg_lr;
  bool use_wd, use_m, nesterov;
};

template <class T>
void sgd_kernel(std::vector<torch::Tensor>& params, std::vector<torch::Tensor>& bufs,
                const std::vector<bool>& first, const optim::SGDOptions& o) {
  const std::size_t n = params.size();
  std::vector<T*> pp(n), gp(n), bp(n);
  std::vector<std::int64_t> numels(n);
  for (std::size_t i = 0; i < n; ++i) {
    pp[i] = params[i].data_ptr<T>();
    gp[i] = params[i].grad().data_ptr<T>();
    bp[i] = bufs[i].defined() ? bufs[i].data_ptr<T>() : nullptr;
    numels[i] = params[i].numel();
  }
  // Scalars as the kernels see them: cast to the tensor's dtype.
  const SgdScalars<T> s{static_cast<T>(o.weight_decay()),
                        static_cast<T>(o.momentum()),
                        static_cast<T>(1 - o.dampening()),
                        static_cast<T>(-1 * o.lr()),
                        o.weight_decay() != 0,
                        o.momentum() != 0,
                        o.nesterov()};
  for_each_chunk(numels, [&](std::size_t i, std::int64_t lo, std::int64_t hi) {
    sgd_loop_any(pp[i], gp[i], bp[i], lo, hi, first[i], s);
  });
}

// ---- Adam / AdamW (LibTorch's Adam::step / AdamW::step, fused) -----------------------------

struct AdamScalars {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, decoupled;  // decoupled: AdamW's p.mul_(1 - lr * weight_decay)
};

template <class T>
struct AdamLoop {
  T b1, b2, omb1, omb2, eps, wd, decay, neg_step, sqrt_bc2;
  bool use_wd, decoupled, amsgrad;
};

// LibTorch's CPU kernels round add_(x, alpha) and addcmul_ as one fused
// multiply-add (vectorised and tail elements alike); the loops use an FMA at
// the same places so that both paths agree to the bit. They are compiled twice:
// for x86-64 CPUs with FMA (chosen at run time) and portable (std::fma).
// sqrt without errno handling (same IEEE results) lets the Adam loop vectorise.
#if defined(__GNUC__) && !defined(__clang__)
#define MMCPP_NO_ERRNO __attribute__((optimize("no-math-errno")))
#else
#define MMCPP_NO_ERRNO
#endif
namespace portable {
template <class T>
inline T fma_(T a, T b, T c) {
  return std::fma(a, b, c);
}
template <class T>
MMCPP_NO_ERRNO inline T sqrt_(T a) {
  return std::sqrt(a);
}
#include "mmcpp/engine/optim/foreach_loops.inc"
}  // namespace portable

#if defined(__GNUC__) && defined(__x86_64__)
#define MMCPP_HAVE_FMA_CLONE 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace hw {
inline float fma_(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
inline double fma_(double a, double b, double c) { return __builtin_fma(a, b, c); }
MMCPP_NO_ERRNO inline float sqrt_(float a) { return __builtin_sqrtf(a); }
MMCPP_NO_ERRNO inline double sqrt_(double a) { return __builtin_sqrt(a); }
#include "mmcpp/engine/optim/foreach_loops.inc"
}  // namespace hw
#pragma GCC pop_options
#endif

bool cpu_has_fma() {
#ifdef MMCPP_HAVE_FMA_CLONE
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

template <class T>
void sgd_loop_any(T* p, const T* g, T* b, std::int64_t lo, std::int64_t hi, bool init,
                  const SgdScalars<T>& s) {
#ifdef MMCPP_HAVE_FMA_CLONE
  if (cpu_has_fma()) return hw::sgd_loop(p, g, b, lo, hi, init, s);
#endif
  portable::sgd_loop(p, g, b, lo, hi, init, s);
}

template <class T, bool kAmsgrad, int kDecay>
void adam_loop_mode(T* p, const T* g, T* ea, T* es, T* mx, std::int64_t lo, std::int64_t hi,
                    const AdamLoop<T>& s) {
#ifdef MMCPP_HAVE_FMA_CLONE
  if (cpu_has_fma()) return hw::adam_loop<T, kAmsgrad, kDecay>(p, g, ea, es, mx, lo, hi, s);
#endif
  portable::adam_loop<T, kAmsgrad, kDecay>(p, g, ea, es, mx, lo, hi, s);
}

template <class T>
void adam_loop_any(T* p, const T* g, T* ea, T* es, T* mx, std::int64_t lo, std::int64_t hi,
                   const AdamLoop<T>& s) {
  const int decay = !s.use_wd ? 0 : s.decoupled ? 2 : 1;
  if (s.amsgrad) {
    if (decay == 0) return adam_loop_mode<T, true, 0>(p, g, ea, es, mx, lo, hi, s);
    if (decay == 1) return adam_loop_mode<T, true, 1>(p, g, ea, es, mx, lo, hi, s);
    return adam_loop_mode<T, true, 2>(p, g, ea, es, mx, lo, hi, s);
  }
  if (decay == 0) return adam_loop_mode<T, false, 0>(p, g, ea, es, mx, lo, hi, s);
  if (decay == 1) return adam_loop_mode<T, false, 1>(p, g, ea, es, mx, lo, hi, s);
  adam_loop_mode<T, false, 2>(p, g, ea, es, mx, lo, hi, s);
}

template <class T>
void adam_kernel(std::vector<torch::Tensor>& params, std::vector<torch::Tensor>& m,
                 std::vector<torch::Tensor>& v, std::vector<torch::Tensor>& vmax,
                 const std::vector<std::int64_t>& steps, const AdamScalars& s) {
  const std::size_t n = params.size();
  std::vector<T*> pp(n), gp(n), mp(n), vp(n), xp(n);
  std::vector<AdamLoop<T>> loops(n);
  std::vector<std::int64_t> numels(n);
  for (std::size_t i = 0; i < n; ++i) {
    pp[i] = params[i].data_ptr<T>();
    gp[i] = params[i].grad().data_ptr<T>();
    mp[i] = m[i].data_ptr<T>();
    vp[i] = v[i].data_ptr<T>();
    xp[i] = s.amsgrad ? vmax[i].data_ptr<T>() : nullptr;
    numels[i] = params[i].numel();
    double bc1 = 1 - std::pow(s.beta1, steps[i]);
    double bc2 = 1 - std::pow(s.beta2, steps[i]);
    loops[i] = AdamLoop<T>{static_cast<T>(s.beta1),
                           static_cast<T>(s.beta2),
                           static_cast<T>(1 - s.beta1),
                           static_cast<T>(1 - s.beta2),
                           static_cast<T>(s.eps),
                           static_cast<T>(s.weight_decay),
                           static_cast<T>(1 - s.lr * s.weight_decay),
                           static_cast<T>(-(s.lr / bc1)),  // addcdiv_(.., -step_size)
                           static_cast<T>(std::sqrt(bc2)),
                           s.weight_decay != 0,
                           s.decoupled,
                           s.amsgrad};
  }
  for_each_chunk(numels, [&](std::size_t i, std::int64_t lo, std::int64_t hi) {
    adam_loop_any(pp[i], gp[i], mp[i], vp[i], xp[i], lo, hi, loops[i]);
  });
}

// Creates LibTorch's state on the first step and runs the fused Adam update of
// one group; State is AdamParamState or AdamWParamState.
template <class State, class Options>
void adam_group(optim::Optimizer& opt, optim::OptimizerParamGroup& group, bool decoupled) {
  auto& o = static_cast<Options&>(group.options());
  std::vector<torch::Tensor> params = with_grad(group.params());
  if (params.empty()) return;
  std::vector<torch::Tensor> m, v, vmax;
  std::vector<std::int64_t> steps;
  for (auto& p : params) {
    auto& slot = opt.state()[key_of(p)];
    if (!slot) {
      auto st = std::make_unique<State>();
      st->step(0);
      st->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
      st->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
      if (o.amsgrad()) st->max_exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
      slot = std::move(st);
    }
    auto& st = static_cast<State&>(*slot);
    if (o.amsgrad() && !st.max_exp_avg_sq().defined())  // amsgrad switched on later
      st.max_exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    st.step(st.step() + 1);
    m.push_back(st.exp_avg());
    v.push_back(st.exp_avg_sq());
    vmax.push_back(st.max_exp_avg_sq());
    steps.push_back(st.step());
  }
  AdamScalars s{o.lr(),   std::get<0>(o.betas()), std::get<1>(o.betas()),
                o.eps(),  o.weight_decay(),       o.amsgrad(),
                decoupled};
  if (params[0].scalar_type() == torch::kFloat64)
    adam_kernel<double>(params, m, v, vmax, steps, s);
  else
    adam_kernel<float>(params, m, v, vmax, steps, s);
}

// Whether every group of `opt` can take the fused path (state buffers included).
template <class State>
bool all_fusable(optim::Optimizer& opt, bool amsgrad_buffers) {
  for (auto& group : opt.param_groups()) {
    auto params = with_grad(group.params());
    if (!fused_update_applies(params)) return false;
    for (auto& p : params) {
      auto it = opt.state().find(key_of(p));
      if (it == opt.state().end() || !it->second) continue;
      auto* st = dynamic_cast<State*>(it->second.get());
      if (!st) return false;
      if constexpr (std::is_same_v<State, optim::SGDParamState>) {
        if (st->momentum_buffer().defined() && !usable(st->momentum_buffer(), p)) return false;
      } else {
        if (!usable(st->exp_avg(), p) || !usable(st->exp_avg_sq(), p)) return false;
        if (amsgrad_buffers && st->max_exp_avg_sq().defined() && !usable(st->max_exp_avg_sq(), p))
          return false;
      }
    }
  }
  return true;
}

bool wants_fused(std::optional<bool> foreach) { return !foreach.has_value() || *foreach; }

}  // namespace

bool fused_update_applies(const std::vector<torch::Tensor>& params) {
  if (params.empty()) return true;
  const auto dtype = params[0].scalar_type();
  if (dtype != torch::kFloat32 && dtype != torch::kFloat64) return false;
  for (const auto& p : params)
    if (p.scalar_type() != dtype || !usable(p, p) || !usable(p.grad(), p) ||
        p.grad().data_ptr() == p.data_ptr())
      return false;
  return true;
}

torch::Tensor ForeachSGD::step(LossClosure closure) {
  if (!wants_fused(foreach_) || !all_fusable<optim::SGDParamState>(*this, false))
    return optim::SGD::step(std::move(closure));
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    auto& o = static_cast<optim::SGDOptions&>(group.options());
    std::vector<torch::Tensor> params = with_grad(group.params());
    if (params.empty()) continue;
    std::vector<torch::Tensor> bufs(params.size());
    std::vector<bool> first(params.size(), false);
    if (o.momentum() != 0) {
      for (std::size_t i = 0; i < params.size(); ++i) {
        auto& slot = state_[key_of(params[i])];
        if (!slot) {  // LibTorch: buf = clone(d_p) on the first step
          auto st = std::make_unique<optim::SGDParamState>();
          st->momentum_buffer(torch::empty_like(params[i], torch::MemoryFormat::Preserve));
          slot = std::move(st);
          first[i] = true;
        }
        bufs[i] = static_cast<optim::SGDParamState&>(*slot).momentum_buffer();
      }
    }
    if (params[0].scalar_type() == torch::kFloat64)
      sgd_kernel<double>(params, bufs, first, o);
    else
      sgd_kernel<float>(params, bufs, first, o);
  }
  return loss;
}

torch::Tensor ForeachAdam::step(LossClosure closure) {
  if (!foreach_.value_or(false) || !all_fusable<optim::AdamParamState>(*this, true))
    return optim::Adam::step(std::move(closure));
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_)
    adam_group<optim::AdamParamState, optim::AdamOptions>(*this, group, false);
  return loss;
}

torch::Tensor ForeachAdamW::step(LossClosure closure) {
  if (!foreach_.value_or(false) || !all_fusable<optim::AdamWParamState>(*this, true))
    return optim::AdamW::step(std::move(closure));
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_)
    adam_group<optim::AdamWParamState, optim::AdamWOptions>(*this, group, true);
  return loss;
}

}  // namespace mmcpp::engine
