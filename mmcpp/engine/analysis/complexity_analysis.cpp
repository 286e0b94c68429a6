#include "mmcpp/engine/analysis/complexity_analysis.h"

#include <ATen/record_function.h>
#include <torch/torch.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>
#include <unordered_map>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/analysis/jit_handles.h"

namespace mmcpp::engine::analysis {
namespace {

OpValue convert(const c10::IValue& v) {
  OpValue o;
  if (v.isNone()) return o;
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    if (!t.defined()) return o;
    o.kind = OpValue::Kind::Tensor;
    o.shape = t.sizes().vec();
  } else if (v.isTensorList()) {
    o.kind = OpValue::Kind::TensorList;
    for (const at::Tensor& t : v.toTensorVector())
      o.shapes.push_back(t.defined() ? t.sizes().vec() : std::vector<std::int64_t>{});
  } else if (v.isBool()) {
    o.kind = OpValue::Kind::Bool;
    o.b = v.toBool();
  } else if (v.isInt()) {
    o.kind = OpValue::Kind::Int;
    o.i = v.toInt();
  } else if (v.isDouble()) {
    o.kind = OpValue::Kind::Double;
    o.d = v.toDouble();
  } else if (v.isString()) {
    o.kind = OpValue::Kind::String;
    o.s = v.toStringRef();
  } else if (v.isIntList()) {
    o.kind = OpValue::Kind::IntList;
    o.ints = v.toIntVector();
  } else {
    o.kind = OpValue::Kind::Other;
  }
  return o;
}

// Module names are dotted paths; ancestors are their prefixes.
bool is_within(const std::string& name, const std::string& ancestor) {
  if (ancestor.empty()) return true;
  return name == ancestor ||
         (name.size() > ancestor.size() && name.compare(0, ancestor.size(), ancestor) == 0 &&
          name[ancestor.size()] == '.');
}

std::string common_ancestor(const std::string& a, const std::string& b) {
  if (is_within(a, b)) return b;
  if (is_within(b, a)) return a;
  std::string best;
  std::size_t i = 0;
  while (true) {
    std::size_t da = a.find('.', i);
    std::size_t db = b.find('.', i);
    std::string pa = a.substr(0, da), pb = b.substr(0, db);
    if (pa != pb) return best;
    best = pa;
    if (da == std::string::npos || db == std::string::npos) return best;
    i = da + 1;
  }
}

struct Frame {
  std::string name;
  bool counted = false;
  bool counted_inside = false;
  bool top = false;
  bool linear = false;  // part of a LibTorch Linear (counted as MMEngine's aten::linear)
  int owner = -1;       // module index of the parameters it reads
  int scope = -1;       // innermost ModuleScope
  std::size_t start_seq = 0;
  OpCall call;
};

struct Event {
  std::string op;
  std::int64_t flops = 0, activations = 0;
  std::string flop_name, act_name;
  bool has_flops = false, has_acts = false;
  int owner = -1, scope = -1;
  std::size_t start_seq = 0, end_seq = 0;
};

class Recorder;
thread_local Recorder* tl_recorder = nullptr;

class Recorder {
 public:
  explicit Recorder(const torch::nn::Module& model) {
    names_.push_back("");
    ptrs_.push_back(&model);
    for (const auto& item : model.named_modules("", /*include_self=*/false)) {
      names_.push_back(item.key());
      ptrs_.push_back(item.value().get());
    }
    for (std::size_t i = 0; i < ptrs_.size(); ++i) {
      index_by_ptr_.emplace(ptrs_[i], static_cast<int>(i));
      index_by_name_.emplace(names_[i], static_cast<int>(i));
      auto own = [&](const at::Tensor& t) {
        if (t.defined() && t.has_storage())
          owner_by_storage_.emplace(t.storage().unsafeGetStorageImpl(), static_cast<int>(i));
      };
      for (const auto& p : ptrs_[i]->named_parameters(false)) own(p.value());
      for (const auto& b : ptrs_[i]->named_buffers(false)) own(b.value());
      // LibTorch's F::linear runs addmm (2-d input) or matmul + add_ where
      // PyTorch's runs aten::linear: recognise its weight and bias.
      if (const auto* linear = dynamic_cast<const torch::nn::LinearImpl*>(ptrs_[i])) {
        if (linear->weight.defined() && linear->weight.has_storage())
          linear_weights_.insert(linear->weight.storage().unsafeGetStorageImpl());
        if (linear->bias.defined() && linear->bias.has_storage())
          linear_biases_.insert(linear->bias.storage().unsafeGetStorageImpl());
      }
    }
  }

  const std::vector<std::string>& names() const { return names_; }

  void push_scope(const torch::nn::Module* m) {
    auto it = index_by_ptr_.find(m);
    scopes_.push_back(it == index_by_ptr_.end() ? -1 : it->second);
    if (scopes_.back() >= 0) named_scopes_.insert(scopes_.back());
  }
  void pop_scope() {
    if (!scopes_.empty()) scopes_.pop_back();
  }

  void start(const at::RecordFunction& fn) noexcept {
    try {
      Frame f;
      f.name = fn.name();
      f.start_seq = ++seq_;
      f.top = stack_.empty();
      for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it)
        if (*it >= 0) {
          f.scope = *it;
          break;
        }
      bool inside_counted = false;
      for (const Frame& s : stack_) inside_counted = inside_counted || s.counted;
      auto inputs = fn.inputs();
      f.owner = owner_of(inputs);
      if (f.owner >= 0) sightings_.emplace_back(f.start_seq, f.owner);
      bool handled = flop_handles_.count(f.name) > 0 || act_handles_.count(f.name) > 0;
      if (handled && !inside_counted) {
        f.counted = true;
        f.call.name = f.name;
        for (const c10::IValue& v : inputs) f.call.inputs.push_back(convert(v));
        if (reads(inputs, linear_weights_)) f.linear = true;
      } else if (f.top && (f.name == "aten::add_" || f.name == "aten::add") &&
                 reads(inputs, linear_biases_)) {
        f.linear = true;  // the bias of a LibTorch Linear on a 3-d input
      }
      stack_.push_back(std::move(f));
    } catch (...) {
      fail();
    }
  }

  void end(const at::RecordFunction& fn) noexcept {
    try {
      if (stack_.empty()) return;
      Frame f = std::move(stack_.back());
      stack_.pop_back();
      std::size_t end_seq = ++seq_;
      if (f.counted) {
        for (const c10::IValue& v : fn.outputs()) f.call.outputs.push_back(convert(v));
        Event e;
        e.op = f.name;
        e.owner = f.owner;
        e.scope = f.scope;
        e.start_seq = f.start_seq;
        e.end_seq = end_seq;
        if (auto it = flop_handles_.find(f.name); it != flop_handles_.end()) {
          e.has_flops = true;
          e.flops = it->second.count(f.call);
          e.flop_name = f.linear ? "linear" : it->second.name;
        }
        if (auto it = act_handles_.find(f.name); it != act_handles_.end()) {
          e.has_acts = true;
          e.activations = it->second.count(f.call);
          e.act_name = f.linear ? "linear" : it->second.name;
        }
        events_.push_back(std::move(e));
      }
      if (!stack_.empty())
        stack_.back().counted_inside =
            stack_.back().counted_inside || f.counted || f.counted_inside;
      if (f.top && !f.counted && !f.counted_inside && !f.linear && !ignored_ops().count(f.name))
        ++unsupported_[f.name];
    } catch (...) {
      fail();
    }
  }

  void rethrow_failure() {
    if (failure_) std::rethrow_exception(failure_);
  }

  ComplexityStats result() const;

 private:
  int owner_of(c10::ArrayRef<const c10::IValue> inputs) const {
    int owner = -1;
    auto see = [&](const at::Tensor& t) {
      if (!t.defined() || !t.has_storage()) return;
      auto it = owner_by_storage_.find(t.storage().unsafeGetStorageImpl());
      if (it == owner_by_storage_.end()) return;
      owner = owner < 0 ? it->second : ancestor(owner, it->second);
    };
    for (const c10::IValue& v : inputs) {
      if (v.isTensor()) {
        see(v.toTensor());
      } else if (v.isTensorList()) {
        for (const at::Tensor& t : v.toTensorVector()) see(t);
      }
    }
    return owner;
  }

  static bool reads(c10::ArrayRef<const c10::IValue> inputs,
                    const std::set<const c10::StorageImpl*>& storages) {
    if (storages.empty()) return false;
    for (const c10::IValue& v : inputs) {
      if (!v.isTensor()) continue;
      const at::Tensor& t = v.toTensor();
      if (t.defined() && t.has_storage() && storages.count(t.storage().unsafeGetStorageImpl()))
        return true;
    }
    return false;
  }

  int ancestor(int a, int b) const {
    return index_by_name_.at(
        common_ancestor(names_[static_cast<std::size_t>(a)], names_[static_cast<std::size_t>(b)]));
  }

  void fail() noexcept {
    if (!failure_) failure_ = std::current_exception();
  }

  std::vector<std::string> names_;
  std::vector<const torch::nn::Module*> ptrs_;
  std::unordered_map<const torch::nn::Module*, int> index_by_ptr_;
  std::unordered_map<std::string, int> index_by_name_;
  std::unordered_map<const c10::StorageImpl*, int> owner_by_storage_;
  std::set<const c10::StorageImpl*> linear_weights_, linear_biases_;
  const std::map<std::string, OpHandle>& flop_handles_ = default_flop_handles();
  const std::map<std::string, OpHandle>& act_handles_ = default_activation_handles();

  std::vector<Frame> stack_;
  std::vector<int> scopes_;
  std::set<int> named_scopes_;
  std::size_t seq_ = 0;
  std::vector<std::pair<std::size_t, int>> sightings_;  // (seq, module) of parameter reads
  std::vector<Event> events_;
  std::map<std::string, std::int64_t> unsupported_;
  std::exception_ptr failure_;
};

std::string simplified(const std::string& op) {
  return op.rfind("aten::", 0) == 0 ? op.substr(6) : op;
}

ComplexityStats Recorder::result() const {
  ComplexityStats s;
  s.modules = names_;
  for (const auto& n : names_) {
    s.flops[n] = 0;
    s.activations[n] = 0;
  }
  std::set<int> called(named_scopes_.begin(), named_scopes_.end());
  for (const auto& [seq, m] : sightings_) called.insert(m);

  auto add = [&](std::map<std::string, std::int64_t>& by_module, int module, std::int64_t n) {
    const std::string& name = names_[static_cast<std::size_t>(module)];
    for (const auto& [m, v] : by_module)
      if (is_within(name, m)) by_module[m] += n;
  };
  for (const Event& e : events_) {
    int module = e.owner;
    if (module < 0) {
      // Rule 2: the common ancestor of the parameter reads around the op.
      auto after = std::upper_bound(
          sightings_.begin(), sightings_.end(), e.end_seq,
          [](std::size_t seq, const std::pair<std::size_t, int>& s) { return seq < s.first; });
      auto before = std::lower_bound(
          sightings_.begin(), sightings_.end(), e.start_seq,
          [](const std::pair<std::size_t, int>& s, std::size_t seq) { return s.first < seq; });
      if (before != sightings_.begin() && after != sightings_.end())
        module = ancestor(std::prev(before)->second, after->second);
      else
        module = 0;
    }
    if (e.scope >= 0 && !is_within(names_[static_cast<std::size_t>(module)],
                                   names_[static_cast<std::size_t>(e.scope)]))
      module = e.scope;  // rule 3
    called.insert(module);
    if (e.has_flops) {
      add(s.flops, module, e.flops);
      s.flops_by_operator[e.flop_name.empty() ? simplified(e.op) : e.flop_name] += e.flops;
      s.total_flops += e.flops;
    }
    if (e.has_acts) {
      add(s.activations, module, e.activations);
      s.activations_by_operator[e.act_name.empty() ? simplified(e.op) : e.act_name] +=
          e.activations;
      s.total_activations += e.activations;
    }
  }
  s.unsupported_ops = unsupported_;

  // Called: a module an op was attributed to or read from, and its ancestors.
  std::set<std::string> called_names;
  for (int m : called) {
    const std::string& name = names_[static_cast<std::size_t>(m)];
    for (const auto& n : names_)
      if (is_within(name, n)) called_names.insert(n);
  }
  for (std::size_t i = 0; i < names_.size(); ++i) {
    bool has_state = !ptrs_[i]->parameters(true).empty() || !ptrs_[i]->buffers(true).empty();
    bool descendant_called = false;
    for (const auto& c : called_names)
      descendant_called = descendant_called || is_within(c, names_[i]);
    if (has_state && !descendant_called) s.uncalled_modules.insert(names_[i]);
  }
  return s;
}

std::unique_ptr<at::ObserverContext> on_start(const at::RecordFunction& fn) {
  if (tl_recorder) tl_recorder->start(fn);
  return nullptr;
}

void on_end(const at::RecordFunction& fn, at::ObserverContext*) {
  if (tl_recorder) tl_recorder->end(fn);
}

// Installs the observer for the lifetime of the object.
class Observing {
 public:
  explicit Observing(Recorder& r) {
    if (tl_recorder) throw Error("RuntimeError", "a complexity analysis is already running");
    tl_recorder = &r;
    handle_ = at::addThreadLocalCallback(at::RecordFunctionCallback(on_start, on_end)
                                             .needsInputs(true)
                                             .needsOutputs(true)
                                             .scopes({at::RecordScope::FUNCTION}));
  }
  ~Observing() {
    at::removeCallback(handle_);
    tl_recorder = nullptr;
  }
  Observing(const Observing&) = delete;
  Observing& operator=(const Observing&) = delete;

 private:
  at::CallbackHandle handle_ = 0;
};

}  // namespace

ComplexityStats analyze_complexity(const torch::nn::Module& model,
                                   const std::function<void()>& forward) {
  Recorder recorder(model);
  {
    torch::NoGradGuard no_grad;
    Observing observing(recorder);
    forward();
  }
  recorder.rethrow_failure();
  return recorder.result();
}

std::vector<std::pair<std::string, std::int64_t>> parameter_count(const torch::nn::Module& model) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  std::unordered_map<std::string, std::size_t> index;
  auto add = [&](const std::string& key, std::int64_t n) {
    auto it = index.find(key);
    if (it == index.end()) {
      index.emplace(key, out.size());
      out.emplace_back(key, n);
    } else {
      out[it->second].second += n;
    }
  };
  add("", 0);
  for (const auto& p : model.named_parameters(true)) {
    const std::string& name = p.key();
    std::int64_t n = p.value().numel();
    add("", n);
    for (std::size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1))
      add(name.substr(0, dot), n);
    add(name, n);
  }
  return out;
}

ModuleScope::ModuleScope(const torch::nn::Module& module) {
  if (tl_recorder) {
    tl_recorder->push_scope(&module);
    active_ = true;
  }
}

ModuleScope::~ModuleScope() {
  if (active_ && tl_recorder) tl_recorder->pop_scope();
}

}  // namespace mmcpp::engine::analysis
