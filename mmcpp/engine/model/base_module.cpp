#include "mmcpp/engine/model/base_module.h"

#include <optional>

#include "mmcpp/core/error.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/engine/model/weight_init.h"

namespace mmcpp::engine {

using config::Value;

namespace {

float mean_of(const torch::Tensor& p) {
  torch::NoGradGuard no_grad;
  return p.detach().to(torch::kFloat).mean().cpu().item<float>();
}

std::string torch_size(at::IntArrayRef sizes) {
  std::string s = "torch.Size([";
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "])";
}

bool is_pretrained(const Value& cfg) {
  const Value* t = cfg.is_dict() ? cfg.as_dict().find("type") : nullptr;
  return t && t->is_str() && t->as_str() == "Pretrained";
}

}  // namespace

void apply_post_order(torch::nn::Module& module,
                      const std::function<void(torch::nn::Module&)>& fn) {
  for (const auto& child : module.children()) apply_post_order(*child, fn);
  fn(module);
}

void update_init_info(const torch::nn::Module& module, const std::string& init_info,
                      InitContext& context) {
  for (const auto& p : module.named_parameters()) {
    auto it = context.params.find(p.value().unsafeGetTensorImpl());
    if (it == context.params.end())
      throw Error("AssertionError", "Find a new :obj:`Parameter` named `" + p.key() +
                                        "` during executing the `init_weights` of `" +
                                        python_class_of(module).name +
                                        "`. Please do not add or replace parameters during "
                                        "executing the `init_weights`. ");
    float mean = mean_of(p.value());
    if (it->second.mean != mean) {
      it->second.init_info = init_info;
      it->second.mean = mean;
    }
  }
}

BaseModule::BaseModule(Value init_cfg) { set_init_cfg(init_cfg); }

void BaseModule::set_init_cfg(const Value& init_cfg) {
  if (!init_cfg.is_none() && !init_cfg.is_dict() && !init_cfg.is_list())
    throw Error("TypeError", python_class_of(*this).name +
                                 ": init_cfg must be a dict, a list of dicts or None, but got " +
                                 init_cfg.type_name() + " " + init_cfg.repr());
  init_cfg_ = init_cfg.deep_copy();
}

PythonClass BaseModule::python_class() const { return {cpp_class_name(*this), {"BaseModule"}}; }

void BaseModule::init_weights() {
  const std::string module_name = python_class_of(*this).name;
  bool top_level = false;
  if (!init_context_) {
    top_level = true;
    auto context = std::make_shared<InitContext>();
    context->logger = init_logger_;
    for (const auto& p : named_parameters())
      context->params[p.value().unsafeGetTensorImpl()] = {
          "The value is the same before and after calling `init_weights` of " + module_name + " ",
          mean_of(p.value())};
    init_context_ = context;
    for (const auto& m : modules(/*include_self=*/false))
      if (auto* b = dynamic_cast<BaseModule*>(m.get())) b->init_context_ = context;
  }
  InitContext& context = *init_context_;
  Logger* logger = context.logger;
  // The outermost call clears the shared context however it ends.
  struct ClearContext {
    BaseModule* self;
    ~ClearContext() {
      if (!self) return;
      self->init_context_.reset();
      for (const auto& m : self->modules(/*include_self=*/false))
        if (auto* b = dynamic_cast<BaseModule*>(m.get())) b->init_context_.reset();
    }
  } clear{top_level ? this : nullptr};
  std::shared_ptr<InitContext> keep = init_context_;

  if (!is_init_) {
    Value pretrained = Value::list();
    if (init_cfg_.truthy()) {
      if (logger) logger->debug("initialize " + module_name + " with init_cfg " + init_cfg_.repr());
      Value cfgs = init_cfg_.is_dict() ? Value::list({init_cfg_}) : init_cfg_;
      Value others = Value::list();
      for (const auto& c : cfgs.items()) {
        if (!c.is_dict())
          throw Error("AssertionError",
                      module_name + ": every init_cfg entry must be a dict, got " + c.repr());
        if (!c.as_dict().contains("type"))
          throw Error("KeyError", module_name + ": init_cfg entry " + c.repr() + " has no 'type'");
        (is_pretrained(c) ? pretrained : others).items().push_back(c);
      }
      initialize(*this, others, &context);
    }
    for (const auto& child : children()) {
      auto* m = dynamic_cast<InitWeights*>(child.get());
      if (!m || m->is_init()) continue;
      m->init_weights();
      update_init_info(
          *child,
          "Initialized by user-defined `init_weights` in " + python_class_of(*child).name + " ",
          context);
    }
    if (init_cfg_.truthy() && !pretrained.items().empty()) initialize(*this, pretrained, &context);
    is_init_ = true;
  } else if (logger) {
    logger->warning("init_weights of " + module_name + " has been called more than once.");
  }

  if (top_level) dump_init_info(*keep);
}

void BaseModule::dump_init_info(InitContext& context) {
  Logger* logger = context.logger;
  if (!logger) return;
  if (!logger->file_path().empty()) {
    std::string text = "Name of parameter - Initialization information\n";
    for (const auto& p : named_parameters())
      text += "\n" + p.key() + " - " + torch_size(p.value().sizes()) + ": \n" +
              context.params[p.value().unsafeGetTensorImpl()].init_info + " \n";
    logger->write_to_file(text);
  } else {
    for (const auto& p : named_parameters())
      logger->info("\n" + p.key() + " - " + torch_size(p.value().sizes()) + ": \n" +
                   context.params[p.value().unsafeGetTensorImpl()].init_info + " \n ");
  }
}

// ---------------------------------------------------------------- containers

void SequentialImpl::push_back(Layer layer) { push_back(std::to_string(layers_.size()), layer); }

void SequentialImpl::push_back(const std::string& name, Layer layer) {
  register_layer(*this, name, layer);
  named_.emplace_back(name, layer);
  layers_.push_back(layer);
}

torch::Tensor SequentialImpl::forward(const torch::Tensor& x) {
  torch::Tensor out = x;
  for (const auto& l : layers_) out = l(out);
  return out;
}

const Layer& SequentialImpl::get(const std::string& name) const {
  for (const auto& [n, l] : named_)
    if (n == name) return l;
  throw Error("KeyError", "Sequential has no layer '" + name + "'");
}

}  // namespace mmcpp::engine
