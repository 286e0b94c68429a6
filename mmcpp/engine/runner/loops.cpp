#include "mmcpp/engine/runner/loops.h"

#include <torch/csrc/autograd/grad_mode.h>
#include <torch/types.h>

#include <algorithm>
#include <optional>

#include "mmcpp/core/error.h"
#include "mmcpp/engine/dist/dist.h"
#include "mmcpp/engine/runner/amp.h"
#include "mmcpp/engine/runner/runner.h"
#include "mmcpp/engine/runner/torch_errors.h"
#include "mmcpp/registry/root.h"
#include "mmcpp/visualization/visualizer.h"

namespace mmcpp::engine {

namespace {

std::vector<std::pair<std::int64_t, std::int64_t>> parse_dynamic_intervals(registry::BuildArgs& a) {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  config::Value v = a.value("dynamic_intervals");
  if (v.is_none()) return out;
  if (!v.is_sequence())
    a.fail("dynamic_intervals", "must be a list of (milestone, interval) pairs");
  for (const auto& p : v.items()) {
    if (!p.is_sequence() || p.items().size() != 2)
      a.fail("dynamic_intervals", "entries must be (milestone, interval) pairs, got " + p.repr());
    out.emplace_back(p.items()[0].as_int(), p.items()[1].as_int());
  }
  return out;
}

Runner& runner_of(registry::BuildArgs& a) { return loop_runner(a); }

std::shared_ptr<data::DataLoader> loader_of(registry::BuildArgs& a) {
  auto* l = a.object<std::shared_ptr<data::DataLoader>>("dataloader");
  if (!l || !*l) throw Error("TypeError", a.component() + " needs a dataloader");
  return *l;
}

}  // namespace

Runner& loop_runner(registry::BuildArgs& a) {
  Runner** r = a.object<Runner*>("runner");
  if (!r || !*r)
    throw Error("TypeError", a.component() + " must be built by a Runner (no runner given)");
  return **r;
}

std::shared_ptr<data::DataLoader> build_eval_dataloader(Runner& runner, const config::Value& cfg) {
  return runner.make_dataloader(cfg, false);
}

std::shared_ptr<data::DataLoader> loop_dataloader(registry::BuildArgs& a) {
  if (auto* l = a.object<std::shared_ptr<data::DataLoader>>("dataloader"); l && *l) return *l;
  if (auto* c = a.object<config::Value>("dataloader_cfg"); c && !c->is_none())
    return build_eval_dataloader(loop_runner(a), *c);
  throw Error("TypeError", a.component() + " needs a dataloader");
}

std::shared_ptr<evaluation::Evaluator> loop_evaluator(registry::BuildArgs& a) {
  if (auto* e = a.object<std::shared_ptr<evaluation::Evaluator>>("evaluator"); e && *e) return *e;
  if (auto* c = a.object<config::Value>("evaluator_cfg"); c && !c->is_none())
    return evaluation::Evaluator::from_config(*c);
  throw Error("TypeError", a.component() + " needs an evaluator");
}

// ---------------------------------------------------------------- TrainLoop

TrainLoop::TrainLoop(Runner& runner, std::shared_ptr<data::DataLoader> loader, bool by_epoch,
                     std::int64_t val_begin, std::int64_t val_interval,
                     std::vector<std::pair<std::int64_t, std::int64_t>> dynamic_intervals)
    : BaseLoop(runner, std::move(loader)),
      by_epoch_(by_epoch),
      val_begin_(val_begin),
      val_interval_(val_interval) {
  // calc_dynamic_intervals: milestones [0, m1, ...] with intervals [interval, i1, ...].
  dynamic_milestones_.push_back(0);
  dynamic_intervals_.push_back(val_interval);
  std::sort(dynamic_intervals.begin(), dynamic_intervals.end());
  for (auto& [m, i] : dynamic_intervals) {
    dynamic_milestones_.push_back(m);
    dynamic_intervals_.push_back(i);
  }
}

void TrainLoop::decide_current_val_interval(std::int64_t progress) {
  // bisect.bisect(milestones, progress) - 1
  auto it = std::upper_bound(dynamic_milestones_.begin(), dynamic_milestones_.end(), progress);
  std::size_t step = static_cast<std::size_t>(it - dynamic_milestones_.begin());
  if (step > 0) val_interval_ = dynamic_intervals_[step - 1];
}

void TrainLoop::run_iter(std::int64_t batch_idx, const data::DataBatch& batch) {
  runner_.call_hook([&](Hook& h) { h.before_train_iter(runner_, batch_idx, &batch); });
  NamedTensors outputs;
  try {
    outputs = runner_.wrapped_model().train_step(batch, runner_.optim_wrapper());
  } catch (const c10::Error& e) {
    rethrow_torch_error(e, runner_.model_name() + ".train_step");
  }
  runner_.call_hook([&](Hook& h) { h.after_train_iter(runner_, batch_idx, &batch, outputs); });
  ++iter_;
}

// ---------------------------------------------------------------- EpochBasedTrainLoop

EpochBasedTrainLoop::EpochBasedTrainLoop(
    Runner& runner, std::shared_ptr<data::DataLoader> loader, std::int64_t max_epochs,
    std::int64_t val_begin, std::int64_t val_interval,
    std::vector<std::pair<std::int64_t, std::int64_t>> dynamic_intervals)
    : TrainLoop(runner, std::move(loader), true, val_begin, val_interval,
                std::move(dynamic_intervals)) {
  if (max_epochs <= 0)
    throw Error("ValueError", "max_epochs must be positive, got " + std::to_string(max_epochs));
  max_epochs_ = max_epochs;
  max_iters_ = max_epochs * static_cast<std::int64_t>(dataloader_->num_batches());
}

void EpochBasedTrainLoop::run() {
  runner_.call_hook([&](Hook& h) { h.before_train(runner_); });
  while (epoch_ < max_epochs_ && !runner_.stop_requested()) {
    run_epoch();
    if (runner_.stop_requested()) break;
    decide_current_val_interval(epoch_ + 1);  // MMEngine bisects self.epoch + 1
    if (runner_.val_loop() && epoch_ >= val_begin_ &&
        (epoch_ % val_interval_ == 0 || epoch_ == max_epochs_))
      runner_.val_loop()->run();
  }
  runner_.call_hook([&](Hook& h) { h.after_train(runner_); });
}

void EpochBasedTrainLoop::run_epoch() {
  // A run resumed mid-epoch starts at the next unseen batch: batches are a
  // function of (seed, epoch, index), so nothing is replayed. The epoch's hooks
  // run all the same (IterTimerHook starts its clock in before_train_epoch).
  auto len = static_cast<std::int64_t>(dataloader_->num_batches());
  std::int64_t start = std::clamp<std::int64_t>(iter_ - epoch_ * len, 0, len);
  runner_.call_hook([&](Hook& h) { h.before_train_epoch(runner_); });
  runner_.model().train();
  dataloader_->start_epoch(epoch_, static_cast<std::size_t>(start));
  data::DataBatch batch;
  std::int64_t idx = start;
  while (dataloader_->next(batch)) {
    run_iter(idx++, batch);
    if (runner_.stop_requested()) break;
  }
  if (runner_.stop_requested()) {
    // Mid-epoch (or the loader gave up waiting): the runner saves a resumable
    // checkpoint when a signal asked.
    dataloader_->stop();
    return;
  }
  runner_.call_hook([&](Hook& h) { h.after_train_epoch(runner_); });
  ++epoch_;
}

// ---------------------------------------------------------------- IterBasedTrainLoop

IterBasedTrainLoop::IterBasedTrainLoop(
    Runner& runner, std::shared_ptr<data::DataLoader> loader, std::int64_t max_iters,
    std::int64_t val_begin, std::int64_t val_interval,
    std::vector<std::pair<std::int64_t, std::int64_t>> dynamic_intervals)
    : TrainLoop(runner, std::move(loader), false, val_begin, val_interval,
                std::move(dynamic_intervals)) {
  if (max_iters <= 0)
    throw Error("ValueError", "max_iters must be positive, got " + std::to_string(max_iters));
  max_iters_ = max_iters;
  max_epochs_ = 1;
}

void IterBasedTrainLoop::run() {
  runner_.call_hook([&](Hook& h) { h.before_train(runner_); });
  runner_.call_hook([&](Hook& h) { h.before_train_epoch(runner_); });
  auto len = static_cast<std::int64_t>(dataloader_->num_batches());
  if (len == 0) throw Error("ValueError", "the train dataloader is empty");
  // Resume: jump straight to batch (iter % len) of pass (iter / len) — no replay.
  std::int64_t pass = iter_ / len;
  dataloader_->start_epoch(pass, static_cast<std::size_t>(iter_ % len));
  if (iter_ > 0)
    runner_.logger().info("Resuming at iteration " + std::to_string(iter_) + " (pass " +
                          std::to_string(pass) + ", batch " + std::to_string(iter_ % len) +
                          ") without replaying the dataloader");
  data::DataBatch batch;
  while (iter_ < max_iters_ && !runner_.stop_requested()) {
    runner_.model().train();
    if (!dataloader_->next(batch)) {
      if (runner_.stop_requested()) break;
      ++pass;
      dataloader_->start_epoch(pass, 0);
      if (!dataloader_->next(batch)) {
        if (runner_.stop_requested()) break;
        throw Error("RuntimeError", "the train dataloader yielded no batch");
      }
    }
    run_iter(iter_, batch);
    if (runner_.stop_requested()) break;
    decide_current_val_interval(iter_ + 1);  // MMEngine bisects self._iter + 1
    if (runner_.val_loop() && iter_ >= val_begin_ &&
        (iter_ % val_interval_ == 0 || iter_ == max_iters_))
      runner_.val_loop()->run();
  }
  dataloader_->stop();
  // A signal stops mid-way: the state saved for resuming is the one reached,
  // before anything the end of the (only) epoch would change.
  if (!runner_.interrupted()) runner_.call_hook([&](Hook& h) { h.after_train_epoch(runner_); });
  runner_.call_hook([&](Hook& h) { h.after_train(runner_); });
}

// ---------------------------------------------------------------- Val / Test

namespace {

// One pass over the loader. False when a stop request ended it early (no
// metrics then).
template <bool kVal>
bool run_eval_loop(Runner& runner, data::DataLoader& loader, evaluation::Evaluator& evaluator,
                   bool fp16, evaluation::Metrics& metrics) {
  torch::NoGradGuard no_grad;
  runner.model().eval();
  const std::string device_type = c10::DeviceTypeName(runner.device().type(), /*lower_case=*/true);
  const std::string component = runner.model_name() + (kVal ? ".val_step" : ".test_step");
  loader.start_epoch(0, 0);
  data::DataBatch batch;
  std::int64_t idx = 0;
  while (loader.next(batch)) {
    if constexpr (kVal)
      runner.call_hook([&](Hook& h) { h.before_val_iter(runner, idx, &batch); });
    else
      runner.call_hook([&](Hook& h) { h.before_test_iter(runner, idx, &batch); });
    data::DataSamples outputs = with_component(component, [&] {
      // MMEngine: `with autocast(enabled=self.fp16)` around the step.
      std::optional<Autocast> autocast;
      if (fp16) autocast.emplace(device_type);
      return kVal ? runner.wrapped_model().val_step(batch)
                  : runner.wrapped_model().test_step(batch);
    });
    with_component("evaluator", [&] { evaluator.process(batch, outputs); });
    if constexpr (kVal)
      runner.call_hook([&](Hook& h) { h.after_val_iter(runner, idx, &batch, outputs); });
    else
      runner.call_hook([&](Hook& h) { h.after_test_iter(runner, idx, &batch, outputs); });
    ++idx;
    if (runner.stop_requested()) break;
  }
  if (runner.stop_requested()) {
    loader.stop();
    return false;
  }
  // len(self.dataloader.dataset): the dataset after num_batch_per_epoch slicing.
  metrics = with_component("evaluator", [&] { return evaluator.evaluate(loader.dataset_size()); });
  return true;
}

}  // namespace

ValLoop::ValLoop(Runner& runner, std::shared_ptr<data::DataLoader> loader,
                 std::shared_ptr<evaluation::Evaluator> evaluator, bool fp16)
    : EvalLoop(runner, std::move(loader)), evaluator_(std::move(evaluator)), fp16_(fp16) {
  evaluator_->set_dataset_meta(dataloader_->dataset().metainfo());
  if (runner.dist()) evaluator_->set_collector(dist::make_result_collector(runner.dist_ptr()));
  evaluator_->set_logger(&runner.logger());
  if (runner.visualizer()) runner.visualizer()->set_dataset_meta(dataloader_->dataset().metainfo());
}

void ValLoop::run() {
  std::string previous = runner_.loop_stage();
  runner_.set_loop_stage("val");
  interrupted_ = false;
  metrics_.clear();
  runner_.call_hook([&](Hook& h) { h.before_val(runner_); });
  runner_.call_hook([&](Hook& h) { h.before_val_epoch(runner_); });
  if (!run_eval_loop<true>(runner_, *dataloader_, *evaluator_, fp16_, metrics_)) {
    interrupted_ = true;
    runner_.set_loop_stage(previous);
    return;
  }
  runner_.call_hook([&](Hook& h) { h.after_val_epoch(runner_, metrics_); });
  runner_.call_hook([&](Hook& h) { h.after_val(runner_); });
  runner_.set_loop_stage(previous);
}

TestLoop::TestLoop(Runner& runner, std::shared_ptr<data::DataLoader> loader,
                   std::shared_ptr<evaluation::Evaluator> evaluator, bool fp16)
    : EvalLoop(runner, std::move(loader)), evaluator_(std::move(evaluator)), fp16_(fp16) {
  evaluator_->set_dataset_meta(dataloader_->dataset().metainfo());
  if (runner.dist()) evaluator_->set_collector(dist::make_result_collector(runner.dist_ptr()));
  evaluator_->set_logger(&runner.logger());
  if (runner.visualizer()) runner.visualizer()->set_dataset_meta(dataloader_->dataset().metainfo());
}

void TestLoop::run() {
  std::string previous = runner_.loop_stage();
  runner_.set_loop_stage("test");
  interrupted_ = false;
  metrics_.clear();
  runner_.call_hook([&](Hook& h) { h.before_test(runner_); });
  runner_.call_hook([&](Hook& h) { h.before_test_epoch(runner_); });
  if (!run_eval_loop<false>(runner_, *dataloader_, *evaluator_, fp16_, metrics_)) {
    interrupted_ = true;
    runner_.set_loop_stage(previous);
    return;
  }
  runner_.call_hook([&](Hook& h) { h.after_test_epoch(runner_, metrics_); });
  runner_.call_hook([&](Hook& h) { h.after_test(runner_); });
  runner_.set_loop_stage(previous);
}

// ---------------------------------------------------------------- registrations

namespace {

struct EpochLoopFactory {
  static std::shared_ptr<EpochBasedTrainLoop> from_config(registry::BuildArgs& a) {
    return std::make_shared<EpochBasedTrainLoop>(
        runner_of(a), loader_of(a), a.require_int("max_epochs"), a.get_int("val_begin", 1),
        a.get_int("val_interval", 1), parse_dynamic_intervals(a));
  }
};
struct IterLoopFactory {
  static std::shared_ptr<IterBasedTrainLoop> from_config(registry::BuildArgs& a) {
    return std::make_shared<IterBasedTrainLoop>(
        runner_of(a), loader_of(a), a.require_int("max_iters"), a.get_int("val_begin", 1),
        a.get_int("val_interval", 1000), parse_dynamic_intervals(a));
  }
};
struct ValLoopFactory {
  static std::shared_ptr<ValLoop> from_config(registry::BuildArgs& a) {
    return std::make_shared<ValLoop>(loop_runner(a), loop_dataloader(a), loop_evaluator(a),
                                     a.get_bool("fp16", false));
  }
};
struct TestLoopFactory {
  static std::shared_ptr<TestLoop> from_config(registry::BuildArgs& a) {
    return std::make_shared<TestLoop>(loop_runner(a), loop_dataloader(a), loop_evaluator(a),
                                      a.get_bool("fp16", false));
  }
};

}  // namespace

MMCPP_REGISTER_AS(registry::LOOPS, EpochLoopFactory, "EpochBasedTrainLoop",
                  "dict(type='EpochBasedTrainLoop', max_epochs=1)");
MMCPP_REGISTER_AS(registry::LOOPS, IterLoopFactory, "IterBasedTrainLoop",
                  "dict(type='IterBasedTrainLoop', max_iters=1)");
MMCPP_REGISTER_AS(registry::LOOPS, ValLoopFactory, "ValLoop", "dict(type='ValLoop')");
MMCPP_REGISTER_AS(registry::LOOPS, TestLoopFactory, "TestLoop", "dict(type='TestLoop')");

std::shared_ptr<TrainLoop> build_train_loop(Runner& runner, const config::Value& cfg_in,
                                            std::shared_ptr<data::DataLoader> loader) {
  if (!cfg_in.is_dict())
    throw Error("TypeError", "train_cfg should be a dict, but got " + cfg_in.repr());
  config::Value cfg = cfg_in.deep_copy();
  bool has_type = cfg.as_dict().contains("type");
  const config::Value* by_epoch = cfg.as_dict().find("by_epoch");
  if (has_type && by_epoch)
    throw Error("RuntimeError", "Only one of `type` or `by_epoch` can exist in `loop_cfg`.");
  if (!has_type) {
    bool epoch_based = by_epoch ? by_epoch->truthy() : true;
    cfg.as_dict().erase("by_epoch");
    cfg.as_dict().set(config::Value("type"),
                      config::Value(epoch_based ? "EpochBasedTrainLoop" : "IterBasedTrainLoop"));
  }
  Runner* r = &runner;
  auto loop =
      registry::LOOPS().build(cfg, config::Value(), {{"runner", r}, {"dataloader", loader}});
  auto train = std::dynamic_pointer_cast<TrainLoop>(loop);
  if (!train)
    throw Error("TypeError", "train_cfg.type must name a training loop, got " + cfg.repr());
  return train;
}

namespace {
std::shared_ptr<EvalLoop> build_eval_loop(Runner& runner, const config::Value& cfg_in,
                                          const char* dflt, config::Value dataloader_cfg,
                                          config::Value evaluator_cfg) {
  config::Value cfg = cfg_in.is_dict() ? cfg_in.deep_copy() : config::Value::dict(false);
  if (!cfg.as_dict().contains("type"))
    cfg.as_dict().set(config::Value("type"), config::Value(dflt));
  Runner* r = &runner;
  auto loop = registry::LOOPS().build(cfg, config::Value(),
                                      {{"runner", r},
                                       {"dataloader_cfg", std::move(dataloader_cfg)},
                                       {"evaluator_cfg", std::move(evaluator_cfg)}});
  auto out = std::dynamic_pointer_cast<EvalLoop>(loop);
  if (!out)
    throw Error("TypeError",
                std::string(dflt) + " config must name an evaluation loop, got " + cfg.repr());
  return out;
}
}  // namespace

std::shared_ptr<EvalLoop> build_val_loop(Runner& runner, const config::Value& cfg,
                                         const config::Value& dataloader_cfg,
                                         const config::Value& evaluator_cfg) {
  return build_eval_loop(runner, cfg, "ValLoop", dataloader_cfg, evaluator_cfg);
}

std::shared_ptr<EvalLoop> build_test_loop(Runner& runner, const config::Value& cfg,
                                          const config::Value& dataloader_cfg,
                                          const config::Value& evaluator_cfg) {
  return build_eval_loop(runner, cfg, "TestLoop", dataloader_cfg, evaluator_cfg);
}

}  // namespace mmcpp::engine
