#include "mmcpp/editing/engine/runner/multi_loops.h"

#include <torch/csrc/autograd/grad_mode.h>

#include <set>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/engine/runner/amp.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

using config::Value;

namespace {

bool is_metric_list(const Value& v) {
  if (!v.is_sequence()) return false;
  for (const auto& x : v.items())
    if (!x.is_dict() || x.as_dict().contains("metrics")) return false;
  return true;
}

// loop_utils.is_evaluator (for configs).
bool is_evaluator(const Value& v) {
  return (v.is_dict() && v.as_dict().contains("metrics")) || is_metric_list(v);
}

// loop_utils.update_and_check_evaluator.
Value update_evaluator(const Value& v) {
  if (v.is_sequence()) {
    Value d = Value::dict(false);
    d.as_dict().set(Value("type"), Value("Evaluator"));
    d.as_dict().set(Value("metrics"), v);
    return d;
  }
  Value d = v.deep_copy();
  if (!d.as_dict().contains("type")) d.as_dict().set(Value("type"), Value("Evaluator"));
  if (!d.as_dict().contains("metrics")) d.as_dict().set(Value("metrics"), Value());
  return d;
}

}  // namespace

std::vector<Value> split_evaluator_configs(const Value& evaluator) {
  if (is_evaluator(evaluator)) return {update_evaluator(evaluator)};
  if (!evaluator.is_sequence())
    throw Error("AssertionError",
                "Unsupported evaluator type, please check your input and the docstring. Got " +
                    evaluator.repr());
  std::vector<Value> out;
  for (const auto& e : evaluator.items()) {
    if (!is_evaluator(e))
      throw Error(
          "AssertionError",
          "Unsupported evaluator type, please check your input and the docstring. Got " + e.repr());
    out.push_back(update_evaluator(e));
  }
  return out;
}

MultiEvalLoop::MultiEvalLoop(engine::Runner& runner,
                             std::vector<std::shared_ptr<data::DataLoader>> dataloaders,
                             std::vector<std::shared_ptr<evaluation::Evaluator>> evaluators,
                             bool fp16, bool test)
    : engine::EvalLoop(runner, dataloaders.empty() ? nullptr : dataloaders.front()),
      loaders_(std::move(dataloaders)),
      evaluators_(std::move(evaluators)),
      fp16_(fp16),
      test_(test) {
  if (loaders_.size() != evaluators_.size())
    throw Error("AssertionError",
                "Length of dataloaders and evaluators must be same, but receive '" +
                    std::to_string(loaders_.size()) + "' and '" +
                    std::to_string(evaluators_.size()) + "'respectively.");
  if (loaders_.empty()) throw Error("ValueError", "a multi-dataset loop needs a dataloader");
}

std::shared_ptr<MultiEvalLoop> MultiEvalLoop::build(registry::BuildArgs& args, bool test) {
  engine::Runner& runner = engine::loop_runner(args);
  const bool fp16 = args.get_bool("fp16", false);
  std::vector<std::shared_ptr<data::DataLoader>> loaders;
  std::vector<std::shared_ptr<evaluation::Evaluator>> evaluators;
  if (auto* l = args.object<std::shared_ptr<data::DataLoader>>("dataloader"); l && *l) {
    loaders.push_back(*l);
  } else {
    const Value* c = args.object<Value>("dataloader_cfg");
    if (!c || c->is_none()) throw Error("TypeError", args.component() + " needs a dataloader");
    if (c->is_sequence()) {
      for (const auto& one : c->items())
        loaders.push_back(engine::build_eval_dataloader(runner, one));
    } else {
      loaders.push_back(engine::build_eval_dataloader(runner, *c));
    }
  }
  if (auto* e = args.object<std::shared_ptr<evaluation::Evaluator>>("evaluator"); e && *e) {
    evaluators.push_back(*e);
  } else {
    const Value* c = args.object<Value>("evaluator_cfg");
    if (!c || c->is_none()) throw Error("TypeError", args.component() + " needs an evaluator");
    for (const auto& one : split_evaluator_configs(*c)) {
      const Value* metrics = one.as_dict().find("metrics");
      if (metrics && metrics->is_none())
        throw Error("NotImplementedError", args.component() +
                                               ": an evaluator without metrics (MMagic's dummy "
                                               "evaluator) is not supported by mmcpp");
      evaluators.push_back(evaluation::Evaluator::from_config(one));
    }
  }
  return std::make_shared<MultiEvalLoop>(runner, std::move(loaders), std::move(evaluators), fp16,
                                         test);
}

std::int64_t MultiEvalLoop::total_length() const {
  std::int64_t n = 0;
  for (const auto& l : loaders_) n += static_cast<std::int64_t>(l->num_batches());
  return n;
}

void MultiEvalLoop::run() {
  using engine::Hook;
  const std::string previous = runner_.loop_stage();
  runner_.set_loop_stage(test_ ? "test" : "val");
  if (test_) {
    runner_.call_hook([&](Hook& h) { h.before_test(runner_); });
    runner_.call_hook([&](Hook& h) { h.before_test_epoch(runner_); });
  } else {
    runner_.call_hook([&](Hook& h) { h.before_val(runner_); });
    runner_.call_hook([&](Hook& h) { h.before_val_epoch(runner_); });
  }
  runner_.model().eval();
  evaluation::Metrics merged;
  std::set<std::string> seen;
  std::int64_t idx = 0;
  {
    torch::NoGradGuard no_grad;
    for (std::size_t d = 0; d < loaders_.size(); ++d) {
      data::DataLoader& loader = *loaders_[d];
      evaluation::Evaluator& evaluator = *evaluators_[d];
      evaluator.set_dataset_meta(loader.dataset().metainfo());
      dataloader_ = loaders_[d];  // the current one (runner.val_dataloader in MMEngine)
      loader.start_epoch(0, 0);
      data::DataBatch batch;
      while (loader.next(batch)) {
        data::DataSamples outputs;
        if (test_) {
          runner_.call_hook([&](Hook& h) { h.before_test_iter(runner_, idx, &batch); });
        } else {
          runner_.call_hook([&](Hook& h) { h.before_val_iter(runner_, idx, &batch); });
        }
        {
          const std::string device = runner_.device().is_cuda() ? "cuda" : "cpu";
          engine::Autocast autocast(device, std::nullopt, fp16_);
          outputs = test_ ? runner_.model().test_step(batch) : runner_.model().val_step(batch);
        }
        evaluator.process(batch, outputs);
        if (test_) {
          runner_.call_hook([&](Hook& h) { h.after_test_iter(runner_, idx, &batch, outputs); });
        } else {
          runner_.call_hook([&](Hook& h) { h.after_val_iter(runner_, idx, &batch, outputs); });
        }
        ++idx;
      }
      for (auto& [name, value] : evaluator.evaluate(loader.dataset().size())) {
        if (!seen.insert(name).second)
          throw Error("ValueError", std::string("Please set different prefix for different "
                                                "datasets in `") +
                                        (test_ ? "test" : "val") + "_evaluator` (metric '" + name +
                                        "' repeats)");
        merged.emplace_back(name, value);
      }
    }
  }
  metrics_ = merged;
  if (test_) {
    runner_.call_hook([&](Hook& h) { h.after_test_epoch(runner_, metrics_); });
    runner_.call_hook([&](Hook& h) { h.after_test(runner_); });
  } else {
    runner_.call_hook([&](Hook& h) { h.after_val_epoch(runner_, metrics_); });
    runner_.call_hook([&](Hook& h) { h.after_val(runner_); });
  }
  dataloader_ = loaders_.front();
  runner_.set_loop_stage(previous);
}

MMCPP_REGISTER(LOOPS, MultiValLoop, "dict(type='MultiValLoop')");
MMCPP_REGISTER(LOOPS, MultiTestLoop, "dict(type='MultiTestLoop')");

}  // namespace mmcpp::editing
