// Hooks: priorities, stages, and each hook's logic on plain inputs (the
// Runner-taking methods are thin wrappers around these).
#include <gtest/gtest.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "mmcpp/config/value.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/error.h"
#include "mmcpp/engine/hooks/dist_sampler_seed_hook.h"
#include "mmcpp/engine/hooks/early_stopping_hook.h"
#include "mmcpp/engine/hooks/ema_hook.h"
#include "mmcpp/engine/hooks/empty_cache_hook.h"
#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/engine/hooks/iter_timer_hook.h"
#include "mmcpp/engine/hooks/logger_hook.h"
#include "mmcpp/engine/hooks/param_scheduler_hook.h"
#include "mmcpp/engine/hooks/profiler_hook.h"
#include "mmcpp/engine/hooks/runtime_info_hook.h"
#include "mmcpp/engine/hooks/sync_buffers_hook.h"
#include "mmcpp/engine/model/averaged_model.h"
#include "mmcpp/engine/runner/message_hub.h"
#include "mmcpp/io/py_object.h"
#include "mmcpp/registry/root.h"

namespace mmcpp::engine {
namespace {

using config::Value;

Value dict(std::vector<std::pair<const char*, Value>> kv) {
  Value d = Value::dict(false);
  for (auto& [k, v] : kv) d.as_dict().set(Value(k), v);
  return d;
}

TEST(HookTest, ParsePriority) {
  EXPECT_EQ(parse_priority(Value(0)), 0);
  EXPECT_EQ(parse_priority(Value(100)), 100);
  EXPECT_EQ(parse_priority(Value(37)), 37);
  EXPECT_EQ(parse_priority(Value("NORMAL")), 50);
  EXPECT_EQ(parse_priority(Value("very_low")), 90);
  EXPECT_EQ(parse_priority(Value("Above_Normal")), 40);
  EXPECT_EQ(parse_priority(Value("HIGHEST")), 0);
  EXPECT_EQ(parse_priority(Value("LOWEST")), 100);
  try {
    parse_priority(Value(101));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
  }
  EXPECT_THROW(parse_priority(Value(-1)), Error);
  try {
    parse_priority(Value("MEDIUM"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "KeyError");
    EXPECT_NE(std::string(e.what()).find("VERY_LOW"), std::string::npos);
  }
  try {
    parse_priority(Value(50.0));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "TypeError");
  }
  EXPECT_EQ(priority_name(60), "BELOW_NORMAL");
  EXPECT_EQ(priority_name(37), "37");
}

TEST(HookTest, StagesInMMEngineOrder) {
  const auto& s = hook_stages();
  ASSERT_EQ(s.size(), 22u);
  EXPECT_EQ(s.front(), "before_run");
  EXPECT_EQ(s[1], "after_load_checkpoint");
  EXPECT_EQ(s[13], "before_save_checkpoint");
  EXPECT_EQ(s[14], "after_train");
  EXPECT_EQ(s.back(), "after_run");
  EXPECT_TRUE(Hook::every_n_inner_iters(9, 10));
  EXPECT_FALSE(Hook::every_n_inner_iters(10, 10));
  EXPECT_FALSE(Hook::every_n_inner_iters(9, 0));
}

TEST(HookTest, DefaultPrioritiesAndStages) {
  EXPECT_EQ(RuntimeInfoHook().priority(), VERY_HIGH);
  EXPECT_EQ(IterTimerHook().priority(), NORMAL);
  EXPECT_EQ(DistSamplerSeedHook().priority(), NORMAL);
  EXPECT_EQ(LoggerHook(LoggerHook::Options{}).priority(), BELOW_NORMAL);
  EXPECT_EQ(ParamSchedulerHook().priority(), LOW);
  EXPECT_EQ(EmptyCacheHook().priority(), NORMAL);
  EXPECT_EQ(SyncBuffersHook().priority(), NORMAL);
  EXPECT_EQ(ProfilerHook(ProfilerHook::Options{}).priority(), VERY_LOW);
  EarlyStoppingHook::Options es;
  es.monitor = "loss";
  EXPECT_EQ(EarlyStoppingHook(es).priority(), LOWEST);
  EXPECT_EQ(EMAHook(dict({{"type", "ExponentialMovingAverage"}}), false, 0, 0).priority(), NORMAL);
  // Every listed stage is a real stage.
  const auto& all = hook_stages();
  for (const auto& st : IterTimerHook().stages()) {
    EXPECT_NE(std::find(all.begin(), all.end(), st), all.end()) << st;
  }
}

TEST(HookTest, BuildFromRegistry) {
  auto hook = registry::HOOKS().build(dict({{"type", "LoggerHook"}, {"interval", 20}}));
  ASSERT_TRUE(hook);
  EXPECT_EQ(hook->name(), "LoggerHook");
  EXPECT_EQ(std::static_pointer_cast<LoggerHook>(hook)->options().interval, 20);
  EXPECT_THROW(registry::HOOKS().build(dict({{"type", "LoggerHook"}, {"intervl", 20}})), Error);
  EXPECT_THROW(registry::HOOKS().build(dict({{"type", "LoggerHook"}, {"interval", 0}})), Error);
  EXPECT_THROW(registry::HOOKS().build(dict({{"type", "EarlyStoppingHook"}})), Error);
  EXPECT_THROW(registry::HOOKS().build(dict({{"type", "ProfilerHook"}, {"profile_times", 2}})),
               Error);
  auto ema =
      registry::HOOKS().build(dict({{"type", "EMAHook"}, {"momentum", 1e-4}, {"begin_epoch", 2}}));
  EXPECT_EQ(ema->name(), "EMAHook");
  EXPECT_THROW(
      registry::HOOKS().build(dict({{"type", "EMAHook"}, {"begin_iter", 3}, {"begin_epoch", 2}})),
      Error);
}

// ---- EarlyStoppingHook ----

TEST(EarlyStoppingHookTest, RuleInference) {
  EXPECT_EQ(EarlyStoppingHook::infer_rule("accuracy/top1"), "greater");
  EXPECT_EQ(EarlyStoppingHook::infer_rule("mAP"), "greater");
  EXPECT_EQ(EarlyStoppingHook::infer_rule("map"), "greater");
  EXPECT_EQ(EarlyStoppingHook::infer_rule("coco/AR@100"), "greater");
  EXPECT_EQ(EarlyStoppingHook::infer_rule("single-label/precision"), "greater");
  EXPECT_EQ(EarlyStoppingHook::infer_rule("loss"), "less");
  EXPECT_EQ(EarlyStoppingHook::infer_rule("val_loss"), "less");
  // A greater key wins over a less key when both occur as substrings.
  EXPECT_EQ(EarlyStoppingHook::infer_rule("top_loss"), "greater");
  try {
    EarlyStoppingHook::infer_rule("psnr");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "ValueError");
    EXPECT_NE(std::string(e.what()).find("psnr"), std::string::npos);
  }
  EarlyStoppingHook::Options o;
  o.monitor = "psnr";
  o.rule = "middle";
  EXPECT_THROW(EarlyStoppingHook{o}, Error);
  o.rule = "greater";
  EXPECT_EQ(EarlyStoppingHook(o).rule(), "greater");
}

TEST(EarlyStoppingHookTest, PatienceAndMinDelta) {
  EarlyStoppingHook::Options o;
  o.monitor = "accuracy/top1";
  o.patience = 3;
  o.min_delta = 0.1;
  EarlyStoppingHook hook(o);
  EXPECT_FALSE(hook.check_stop_condition(50.0).first);
  EXPECT_EQ(hook.best_score(), 50.0);
  EXPECT_FALSE(hook.check_stop_condition(50.05).first);  // within min_delta: no improvement
  EXPECT_EQ(hook.wait_count(), 1);
  EXPECT_EQ(hook.best_score(), 50.0);
  EXPECT_FALSE(hook.check_stop_condition(51.0).first);  // improvement resets
  EXPECT_EQ(hook.wait_count(), 0);
  EXPECT_FALSE(hook.check_stop_condition(50.0).first);
  EXPECT_FALSE(hook.check_stop_condition(51.1).first);  // 51 + 0.1 > 51.1 is false: improves
  EXPECT_EQ(hook.wait_count(), 0);
  EXPECT_FALSE(hook.check_stop_condition(40.0).first);
  EXPECT_FALSE(hook.check_stop_condition(40.0).first);
  auto [stop, msg] = hook.check_stop_condition(40.0);
  EXPECT_TRUE(stop);
  EXPECT_EQ(msg,
            "the monitored metric did not improve in the last 3 records. best score: 51.100. ");
}

TEST(EarlyStoppingHookTest, LessRuleFiniteAndThreshold) {
  EarlyStoppingHook::Options o;
  o.monitor = "loss";
  o.patience = 2;
  EarlyStoppingHook hook(o);
  EXPECT_FALSE(hook.check_stop_condition(1.0).first);
  EXPECT_FALSE(hook.check_stop_condition(0.95).first);  // 1.0 - 0.1 < 0.95: no improvement
  EXPECT_EQ(hook.wait_count(), 1);
  EXPECT_FALSE(hook.check_stop_condition(0.5).first);
  EXPECT_EQ(hook.best_score(), 0.5);
  auto [stop, msg] = hook.check_stop_condition(std::numeric_limits<double>::quiet_NaN());
  EXPECT_TRUE(stop);
  EXPECT_EQ(msg, "Monitored metric loss = nan is infinite. Previous best value was 0.500.");

  o.stopping_threshold = 0.2;
  EarlyStoppingHook t(o);
  EXPECT_FALSE(t.check_stop_condition(0.3).first);
  auto [stop2, msg2] = t.check_stop_condition(0.1);
  EXPECT_TRUE(stop2);
  EXPECT_EQ(msg2, "Stopping threshold reached: `loss` = 0.1 is less than 0.2.");
  EXPECT_EQ(t.best_score(), 0.1);
}

// ---- Averaged models and EMAHook ----

struct TwoLayer : torch::nn::Module {
  TwoLayer() {
    fc = register_module("fc", torch::nn::Linear(2, 1));
    bn = register_module("bn", torch::nn::BatchNorm1d(1));
  }
  torch::nn::Linear fc{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
};

void set_params(TwoLayer& m, double w0, double w1, double b, double running_mean) {
  torch::NoGradGuard g;
  m.fc->weight.copy_(torch::tensor({{w0, w1}}, torch::kFloat));
  m.fc->bias.fill_(b);
  m.bn->running_mean.fill_(running_mean);
}

TEST(AveragedModelTest, StateDictOrderMatchesPyTorch) {
  TwoLayer m;
  auto sd = module_state_dict(m);
  std::vector<std::string> keys;
  for (auto& [k, t] : sd) keys.push_back(k);
  std::vector<std::string> want = {"fc.weight",
                                   "fc.bias",
                                   "bn.weight",
                                   "bn.bias",
                                   "bn.running_mean",
                                   "bn.running_var",
                                   "bn.num_batches_tracked"};
  EXPECT_EQ(keys, want);
}

TEST(AveragedModelTest, ExponentialMovingAverageMath) {
  TwoLayer src;
  set_params(src, 1, 2, 3, 0.5);
  ExponentialMovingAverage ema(0.25);
  ema.bind(src);
  ema.update_parameters(src);  // steps 0: copy
  EXPECT_EQ(ema.steps(), 1);
  set_params(src, 5, 6, 7, 0.75);
  ema.update_parameters(src);  // ema = 0.75 * ema + 0.25 * src
  const auto& st = ema.module_state();
  auto w = st[0].second;
  EXPECT_FLOAT_EQ(w[0][0].item<float>(), 0.75f * 1 + 0.25f * 5);
  EXPECT_FLOAT_EQ(w[0][1].item<float>(), 0.75f * 2 + 0.25f * 6);
  EXPECT_FLOAT_EQ(st[1].second[0].item<float>(), 0.75f * 3 + 0.25f * 7);
  // Buffers are copied, not averaged (update_buffers=False).
  EXPECT_FLOAT_EQ(st[4].second[0].item<float>(), 0.75f);
  EXPECT_EQ(ema.steps(), 2);

  auto sd = ema.state_dict();
  ASSERT_EQ(sd.size(), 8u);
  EXPECT_EQ(sd[0].first, "steps");
  EXPECT_EQ(sd[0].second.item<std::int64_t>(), 2);
  EXPECT_EQ(sd[1].first, "module.fc.weight");
  EXPECT_EQ(sd[7].first, "module.bn.num_batches_tracked");

  EXPECT_THROW(ExponentialMovingAverage(0.0), Error);
  EXPECT_THROW(ExponentialMovingAverage(1.0), Error);
}

TEST(AveragedModelTest, IntervalUpdateBuffersAnnealingAndSWA) {
  TwoLayer src;
  set_params(src, 0, 0, 0, 0);
  ExponentialMovingAverage ema(0.5, /*interval=*/2, std::nullopt, /*update_buffers=*/true);
  ema.update_parameters(src);  // steps 0: copy (binds on first use)
  set_params(src, 4, 4, 4, 4);
  ema.update_parameters(src);  // steps 1: 1 % 2 != 0, skipped (buffers averaged too: skipped)
  EXPECT_FLOAT_EQ(ema.module_state()[0].second[0][0].item<float>(), 0);
  EXPECT_FLOAT_EQ(ema.module_state()[4].second[0].item<float>(), 0);
  ema.update_parameters(src);  // steps 2: averaged
  EXPECT_FLOAT_EQ(ema.module_state()[0].second[0][0].item<float>(), 2);
  EXPECT_FLOAT_EQ(ema.module_state()[4].second[0].item<float>(), 2);

  // momentum = max(0.0002, 100 / (100 + steps)): at steps 1 -> 100/101.
  TwoLayer a;
  set_params(a, 0, 0, 0, 0);
  MomentumAnnealingEMA ann(0.0002, 100);
  ann.update_parameters(a);
  set_params(a, 101, 0, 0, 0);
  ann.update_parameters(a);
  EXPECT_NEAR(ann.module_state()[0].second[0][0].item<float>(), 100.0, 1e-3);

  // SWA: running mean of the updates.
  TwoLayer s;
  StochasticWeightAverage swa;
  for (double v : {3.0, 6.0, 9.0}) {
    set_params(s, v, 0, 0, 0);
    swa.update_parameters(s);
  }
  EXPECT_NEAR(swa.module_state()[0].second[0][0].item<float>(), 6.0, 1e-5);
}

TEST(EMAHookTest, BeginIterCopiesThenAverages) {
  TwoLayer src;
  set_params(src, 1, 1, 1, 0);
  EMAHook hook(dict({{"type", "ExponentialMovingAverage"}, {"momentum", 0.5}}), false,
               /*begin_iter=*/2, 0);
  hook.build_ema(src);
  EXPECT_FALSE(hook.ema_started(0, 0));
  EXPECT_TRUE(hook.ema_started(0, 1));
  set_params(src, 3, 3, 3, 0);
  hook.step(0, 0);  // before begin: plain copy, steps stay 0
  EXPECT_EQ(hook.ema_model().steps(), 0);
  EXPECT_FLOAT_EQ(hook.ema_model().module_state()[0].second[0][0].item<float>(), 3);
  hook.step(0, 1);  // first real update copies (steps 0)
  set_params(src, 5, 5, 5, 0);
  hook.step(0, 2);
  EXPECT_FLOAT_EQ(hook.ema_model().module_state()[0].second[0][0].item<float>(), 4);
}

io::PyObject model_checkpoint(TwoLayer& m) {
  io::PyObject sd = io::PyObject::dict(io::DictType::OrderedDict);
  for (auto& [k, t] : module_state_dict(m)) sd.as_dict().set(k, io::PyObject::tensor(t.clone()));
  io::PyObject ck = io::PyObject::dict();
  ck.as_dict().set("meta", io::PyObject::dict());
  ck.as_dict().set("state_dict", sd);
  return ck;
}

TEST(EMAHookTest, CheckpointSwapAndResume) {
  TwoLayer src;
  set_params(src, 1, 1, 1, 0);
  EMAHook hook(dict({{"type", "ExponentialMovingAverage"}, {"momentum", 0.5}}), false, 0, 0);
  hook.build_ema(src);
  hook.step(0, 0);
  set_params(src, 3, 3, 3, 0);
  hook.step(0, 1);  // ema weight 2, model weight 3

  io::PyObject ck = model_checkpoint(src);
  hook.add_to_checkpoint(ck);
  const io::PyObject& sd = ck.get("state_dict");
  const io::PyObject& ema = ck.get("ema_state_dict");
  // state_dict holds the EMA weights (deployable), ema_state_dict the raw ones.
  EXPECT_FLOAT_EQ(sd.get("fc.weight").as_tensor()[0][0].item<float>(), 2);
  EXPECT_FLOAT_EQ(ema.get("module.fc.weight").as_tensor()[0][0].item<float>(), 3);
  std::vector<std::string> keys = ema.as_dict().keys();
  ASSERT_EQ(keys.size(), 8u);
  EXPECT_EQ(keys[0], "steps");
  EXPECT_EQ(keys[1], "module.fc.weight");
  EXPECT_EQ(ema.get("steps").as_tensor().item<std::int64_t>(), 2);

  // Resume into a fresh hook: swaps back, EMA gets 2 and the checkpoint's
  // state_dict the raw 3 again (what the runner then loads into the model).
  TwoLayer fresh;
  EMAHook hook2(dict({{"type", "ExponentialMovingAverage"}, {"momentum", 0.5}}), false, 0, 0);
  hook2.build_ema(fresh);
  auto msgs = hook2.load_from_checkpoint(ck, /*resume=*/true);
  EXPECT_TRUE(msgs.empty());
  EXPECT_FLOAT_EQ(ck.get("state_dict").get("fc.weight").as_tensor()[0][0].item<float>(), 3);
  EXPECT_FLOAT_EQ(hook2.ema_model().module_state()[0].second[0][0].item<float>(), 2);
  EXPECT_EQ(hook2.ema_model().steps(), 2);

  // Plain load (not resuming): EMA copies state_dict.
  io::PyObject plain = model_checkpoint(src);
  TwoLayer other;
  EMAHook hook3(dict({{"type", "ExponentialMovingAverage"}}), false, 0, 0);
  hook3.build_ema(other);
  msgs = hook3.load_from_checkpoint(plain, /*resume=*/true);
  ASSERT_EQ(msgs.size(), 1u);  // the "no ema_state_dict" warning
  EXPECT_FLOAT_EQ(hook3.ema_model().module_state()[0].second[0][0].item<float>(), 3);
}

TEST(EMAHookTest, SwapStateDictNeedsMatchingKeys) {
  io::PyObject ck = io::PyObject::dict();
  io::PyObject sd = io::PyObject::dict();
  sd.as_dict().set("a", io::PyObject::from_int(1));
  io::PyObject ema = io::PyObject::dict();
  ema.as_dict().set("steps", io::PyObject::from_int(0));
  ema.as_dict().set("module.a", io::PyObject::from_int(2));
  ck.as_dict().set("state_dict", sd);
  ck.as_dict().set("ema_state_dict", ema);
  EMAHook::swap_ema_state_dict(ck);
  EXPECT_EQ(ck.get("state_dict").get("a").as_int(), 2);
  EXPECT_EQ(ck.get("ema_state_dict").get("module.a").as_int(), 1);
  EXPECT_EQ(ck.get("ema_state_dict").get("steps").as_int(), 0);
  ema.as_dict().set("module.b", io::PyObject::from_int(3));
  EXPECT_THROW(EMAHook::swap_ema_state_dict(ck), Error);
}

// ---- IterTimerHook / RuntimeInfoHook on a message hub ----

TEST(IterTimerHookTest, TimesAndEta) {
  MessageHub hub;
  IterTimerHook hook;
  hook.set_start_iter(10);  // resumed at iter 10
  hook.start_epoch(100.0);
  hook.record_before_iter(hub, "train", 100.5);
  hook.record_after_iter(hub, "train", 0, /*iter=*/10, /*max_iters=*/20, 0, 102.0);
  EXPECT_DOUBLE_EQ(hub.get_scalar("train/data_time").current(), 0.5);
  EXPECT_DOUBLE_EQ(hub.get_scalar("train/time").current(), 2.0);
  EXPECT_DOUBLE_EQ(hub.get_info("eta").as_float(), 2.0 * 9);
  hook.record_before_iter(hub, "train", 102.25);
  hook.record_after_iter(hub, "train", 1, 11, 20, 0, 106.0);
  EXPECT_DOUBLE_EQ(hub.get_scalar("train/data_time").current(), 0.25);
  EXPECT_DOUBLE_EQ(hub.get_scalar("train/time").current(), 4.0);
  EXPECT_DOUBLE_EQ(hub.get_info("eta").as_float(), 3.0 * 8);  // mean 3 s x 8 left

  hook.start_epoch(0.0);
  hook.record_before_iter(hub, "val", 0.0);
  hook.record_after_iter(hub, "val", 0, 0, 0, /*loader_len=*/5, 1.0);
  EXPECT_DOUBLE_EQ(hub.get_info("eta").as_float(), 4.0);
  hook.end_epoch();
  hook.start_epoch(10.0);
  hook.record_after_iter(hub, "val", 0, 0, 0, 5, 13.0);  // per-loop sum restarted
  EXPECT_DOUBLE_EQ(hub.get_info("eta").as_float(), 12.0);
  std::vector<std::string> keys = hub.scalar_keys();
  EXPECT_EQ(keys[0], "train/data_time");
  EXPECT_EQ(keys[1], "train/time");
}

TEST(RuntimeInfoHookTest, MessageHubUpdates) {
  MessageHub hub;
  RuntimeInfoHook::record_lr(hub, {{"base_lr", {0.1}}, {"lr", {0.01, 0.02}}});
  EXPECT_DOUBLE_EQ(hub.get_scalar("train/lr").current(), 0.01);
  EXPECT_DOUBLE_EQ(hub.get_scalar("train/base_lr").current(), 0.1);
  RuntimeInfoHook::record_outputs(
      hub, {{"loss", torch::tensor(0.5)}, {"loss_cls", torch::tensor(0.25)}});
  EXPECT_DOUBLE_EQ(hub.get_scalar("train/loss").current(), 0.5);
  EXPECT_DOUBLE_EQ(hub.get_scalar("train/loss_cls").current(), 0.25);
  EXPECT_THROW(RuntimeInfoHook::record_outputs(hub, {{"x", torch::ones({2})}}), Error);
  RuntimeInfoHook::record_metrics(hub, "val", {{"accuracy/top1", 94.5}});
  EXPECT_DOUBLE_EQ(hub.get_scalar("val/accuracy/top1").current(), 94.5);

  RuntimeInfoHook hook;
  hub.update_info("loop_stage", "train");
  hook.enter_val(hub);
  EXPECT_EQ(hub.get_info("loop_stage").as_str(), "val");
  hook.leave_val(hub);
  EXPECT_EQ(hub.get_info("loop_stage").as_str(), "train");
  hub.pop_info("loop_stage");
  hook.enter_val(hub);  // val alone: the stage disappears afterwards
  hook.leave_val(hub);
  EXPECT_FALSE(hub.has_info("loop_stage"));
}

// ---- LoggerHook pieces ----

TEST(LoggerHookTest, TrainLogDecision) {
  LoggerHook::Options o;
  o.interval = 10;
  LoggerHook hook(o);
  EXPECT_TRUE(hook.should_log_train(9, 25));
  EXPECT_FALSE(hook.should_log_train(10, 25));
  EXPECT_FALSE(hook.should_log_train(24, 25));  // ignore_last with a loader longer than interval
  EXPECT_TRUE(hook.should_log_train(4, 5));     // loader shorter than interval: last is logged
  o.ignore_last = false;
  EXPECT_TRUE(LoggerHook(o).should_log_train(24, 25));
}

TEST(LoggerHookTest, TagsAndTestDump) {
  LogTags tags = {{"lr", 0.1}, {"loss", 0.6931}, {"epoch", 1}, {"iter", 10}, {"memory", 392}};
  auto [floats, ints] = LoggerHook::split_tags(tags);
  ASSERT_EQ(floats.size(), 2u);
  ASSERT_EQ(ints.size(), 3u);
  EXPECT_EQ(ints[0].first, "epoch");
  EXPECT_EQ(ints[2].second, 392);
  EXPECT_EQ(
      LoggerHook::metrics_json({{"accuracy/top1", 94.82}, {"data_time", 0.01}, {"time", 1.0}}),
      "{\"accuracy/top1\": 94.82, \"data_time\": 0.01, \"time\": 1.0}");
}

TEST(ProfilerHookTest, ScheduleActions) {
  ProfilerHook::Options o;
  o.by_epoch = false;
  o.schedule = dict({{"wait", 1}, {"warmup", 1}, {"active", 2}, {"repeat", 1}, {"skip_first", 1}});
  ProfilerHook hook(o);
  using A = ProfilerHook::Action;
  std::vector<A> want = {A::None, A::None, A::Warmup, A::Record, A::RecordAndSave, A::None};
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(hook.schedule_action(i), want[i]) << i;
  o.schedule = dict({{"wait", 1}, {"warmup", 1}, {"active", 2}, {"repeat", 1}, {"skip", 1}});
  EXPECT_THROW(ProfilerHook{o}, Error);
  o.schedule = Value();
  o.on_trace_ready = dict({{"type", "foo"}});
  EXPECT_THROW(ProfilerHook{o}, Error);
  EXPECT_EQ(ProfilerHook(ProfilerHook::Options{}).schedule_action(7), A::Record);
}

TEST(ProfilerHookTest, RecordsAndWritesChromeTrace) {
  ProfilerHook::Options o;
  o.record_shapes = true;
  ProfilerHook hook(o);
  hook.start_trace();
  torch::Tensor a = torch::ones({8, 8});
  torch::Tensor b = torch::mm(a, a);
  EXPECT_FLOAT_EQ(b[0][0].item<float>(), 8);
  hook.stop_recording();
  char tmpl[] = "/tmp/mmcpp_prof_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/trace.json";
  hook.save_chrome_trace(path, Env::system());
  std::string text = Env::system().read_file(path);
  EXPECT_NE(text.find("\"traceEvents\""), std::string::npos);
  EXPECT_NE(text.find("aten::mm"), std::string::npos);
  Env::system().remove_file(path);
  Env::system().remove_file(tmpl);
}

}  // namespace
}  // namespace mmcpp::engine
