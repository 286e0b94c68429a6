#include "mmcpp/engine/runner/runner.h"

#include <ATen/Context.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <unistd.h>

#include <random>
#include <sstream>

#include "mmcpp/core/error.h"
#include "mmcpp/core/threads.h"
#include "mmcpp/core/version.h"
#include "mmcpp/engine/dist/dist.h"
#include "mmcpp/engine/dist/dist_context.h"
#include "mmcpp/engine/dist/runner_setup.h"
#include "mmcpp/engine/optim/optim_wrapper_dict.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/engine/runner/env_setup.h"
#include "mmcpp/engine/runner/interrupt_guard.h"
#include "mmcpp/engine/runner/log_processor.h"
#include "mmcpp/engine/runner/thread_policy.h"
#include "mmcpp/registry/plugins.h"
#include "mmcpp/registry/root.h"
#include "mmcpp/visualization/visualizer.h"

namespace mmcpp::engine {

using config::Value;

namespace {

const Value* get(const config::Config& cfg, const char* key) {
  const Value* v = cfg.get(key);
  return v && !v->is_none() ? v : nullptr;
}

Value get_or(const config::Config& cfg, const char* key, Value dflt) {
  const Value* v = get(cfg, key);
  return v ? *v : dflt;
}

// d[key] when present and not None.
const Value* get_or_none(const Value& d, const char* key) {
  const Value* v = d.as_dict().find(key);
  return v && !v->is_none() ? v : nullptr;
}

Value dict_get(const Value& d, const char* key, Value dflt = Value()) {
  if (!d.is_dict()) return dflt;
  const Value* v = d.as_dict().find(key);
  return v ? *v : dflt;
}

}  // namespace

std::unique_ptr<Runner> Runner::from_cfg(const config::Config& cfg, Env& env) {
  // A distributed launch is checked and joined before anything is written; only
  // rank 0 writes (the other ranks' Env drops writes).
  std::string notes;
  std::shared_ptr<dist::DistContext> group = dist::init_from_config(cfg, &notes);
  std::unique_ptr<Env> rank_env;
  if (group && group->rank() != 0) rank_env = dist::master_only_env(env);
  Env& used = rank_env ? *rank_env : env;
  std::unique_ptr<Runner> runner(new Runner(cfg, used, std::move(group), std::move(rank_env)));
  if (!notes.empty()) runner->logger().warning(notes);
  return runner;
}

Runner::~Runner() {
  for (auto* l : {train_loader_.get(), val_loader_.get(), test_loader_.get()}) {
    if (!l) continue;
    l->stop();
    l->set_stop_request(nullptr);  // stop_ ends before the loaders (loops may keep them)
  }
}

Runner::Runner(const config::Config& cfg, Env& env, std::shared_ptr<dist::DistContext> dist,
               std::unique_ptr<Env> rank_env)
    : dist_(std::move(dist)), rank_env_(std::move(rank_env)), cfg_(cfg), env_(env) {
  if (dist_) {
    rank_ = dist_->rank();
    world_size_ = dist_->world_size();
    stop_agreement_ = std::make_unique<dist::StopAgreement>(dist_);
  }
  // env_cfg, runner_type, log_level: checked before anything is written.
  RunnerEnv runner_env = read_runner_env(cfg_);
  const Value* model_cfg = get(cfg_, "model");
  if (!model_cfg) throw Error("KeyError", "the config has no `model`");
  const Value* wd = get(cfg_, "work_dir");
  if (!wd || !wd->is_str())
    throw Error(
        "KeyError",
        "the config has no `work_dir` (mmcpp train sets work_dirs/<config name> by default)");
  check_consistency();
  work_dir_ = absolute_path_of(wd->as_str());
  env_.make_dirs(work_dir_);

  // Plugins register components before anything is built (MMEngine imports
  // custom_imports in Config.fromfile).
  if (const Value* ci = get(cfg_, "custom_imports"))
    registry::import_custom_modules(*ci, path_dirname(cfg_.filename()));
  if (const Value* scope = get(cfg_, "default_scope")) registry::DefaultScope::set(scope->str());

  setup_env();
  std::vector<std::string> env_lines = apply_runner_env(runner_env);
  auto thread_policy =
      std::make_shared<IntraOpThreadPolicy>(runner_env.intra_op_threads, available_cores());
  env_lines.insert(env_lines.begin(), thread_policy->start());
  internal_hooks_.push_back(thread_policy);
  set_randomness();
  if (const Value* name = get(cfg_, "experiment_name")) {
    experiment_name_ = name->str() + "_" + timestamp_;
  } else if (!cfg_.filename().empty()) {
    experiment_name_ = path_stem(cfg_.filename()) + "_" + timestamp_;
  } else {
    experiment_name_ = timestamp_;
  }
  log_dir_ = path_join(work_dir_, timestamp_);
  env_.make_dirs(log_dir_);

  Value lp = get_or(cfg_, "log_processor", Value::dict(false)).deep_copy();
  if (!lp.as_dict().contains("type")) lp.as_dict().set(Value("type"), Value("LogProcessor"));
  log_processor_ = registry::LOG_PROCESSORS().build(lp);

  logger_ = std::make_shared<Logger>("mmengine", runner_env.log_level);
  // MMLogger: rank 0 logs to its file and the console; other ranks show errors
  // only, and write files of their own only at DEBUG level.
  std::string log_file = path_join(log_dir_, timestamp_ + ".log");
  if (dist_ && logger_->level() <= LogLevel::Debug) {
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    log_file = path_join(log_dir_, timestamp_ + (host[0] ? "_" + std::string(host) : "") +
                                       "_device" + std::to_string(dist_->local_rank()) + "_rank" +
                                       std::to_string(rank_) + ".log");
  }
  if (rank_ == 0 || logger_->level() <= LogLevel::Debug) logger_->add_file(log_file);
  logger_->set_console_errors_only(rank_ != 0);
  logger_scope_ = std::make_unique<CurrentLoggerScope>(logger_);
  {
    std::ostringstream envinfo;
    envinfo << "\n------------------------------------------------------------\n"
            << "System environment:\n"
            << "    mmcpp: 0.1.0 (C++17, LibTorch " << TORCH_VERSION_MAJOR << "."
            << TORCH_VERSION_MINOR << "." << TORCH_VERSION_PATCH << ")\n"
            << "    CUDA available: " << (torch::cuda::is_available() ? "True" : "False") << "\n"
            << "    " << env_lines.front() << "\n"
            << "    seed: " << seed_ << "\n"
            << "    deterministic: " << (deterministic_ ? "True" : "False") << "\n"
            << "    Distributed launcher: " << (dist_ ? dist_->launcher() : "none")
            << "\n    Distributed training: " << (dist_ ? "True" : "False")
            << "\n    GPU number: " << world_size_ << "\n"
            << "------------------------------------------------------------\n";
    logger_->info(envinfo.str());
    for (std::size_t i = 1; i < env_lines.size(); ++i) logger_->info(env_lines[i]);
    for (const auto& w : runner_env.warnings) logger_->warning(w);
    logger_->info("Config:\n" + cfg_.pretty_text());
  }

  // Runner.build_visualizer, then visualizer.add_config(cfg).
  visualizer_ = visualization::build_visualizer(get_or(cfg_, "visualizer", Value()),
                                                experiment_name_, log_dir_, env_, logger_.get());
  visualizer_->add_config(cfg_.pretty_text());

  build_model();
  register_default_and_custom_hooks();
  logger_->info("Hooks will be executed in the following order:\n" + hooks_table());
  dump_config();
}

void Runner::check_consistency() const {
  auto all_or_none = [&](std::initializer_list<const char*> keys) {
    int n = 0;
    for (const char* k : keys) n += get(cfg_, k) != nullptr;
    if (n != 0 && n != static_cast<int>(keys.size())) {
      std::string names, values;
      for (const char* k : keys) {
        names += std::string(names.empty() ? "" : ", ") + k;
        values +=
            std::string(values.empty() ? "" : ", ") + k + "=" + (get(cfg_, k) ? "set" : "None");
      }
      throw Error("ValueError",
                  names + " should be either all None or not None, but got " + values);
    }
  };
  all_or_none({"train_dataloader", "train_cfg", "optim_wrapper"});
  all_or_none({"val_dataloader", "val_cfg", "val_evaluator"});
  all_or_none({"test_dataloader", "test_cfg", "test_evaluator"});
  if (get(cfg_, "param_scheduler") && !get(cfg_, "optim_wrapper"))
    throw Error("ValueError", "param_scheduler should be None when optim_wrapper is None");
}

void Runner::setup_env() {
  // The launcher was joined in from_cfg (mmcpp/engine/dist). Rank 0's clock
  // names the run on every rank.
  torch::Tensor now = torch::tensor({static_cast<std::int64_t>(env_.unix_time())}, torch::kLong);
  dist::broadcast(dist_.get(), now, 0);
  timestamp_ = format_timestamp(now.item<std::int64_t>());
  // Device: CUDA when LibTorch has it, else CPU; `device='cpu'` forces one.
  std::string dev = get_or(cfg_, "device", Value("auto")).str();
  if (dev == "auto")
    device_ = torch::cuda::is_available()
                  ? torch::Device(torch::kCUDA,
                                  static_cast<c10::DeviceIndex>(dist_ ? dist_->local_rank() : 0))
                  : torch::Device(torch::kCPU);
  else
    device_ = torch::Device(dev);
}

void Runner::set_randomness() {
  Value r = get_or(cfg_, "randomness", Value::dict(false));
  Value seed = dict_get(r, "seed");
  deterministic_ = dict_get(r, "deterministic", Value(false)).truthy();
  diff_rank_seed_ = dict_get(r, "diff_rank_seed", Value(false)).truthy();
  if (seed.is_none()) {
    std::random_device rd;
    seed_ = dist::sync_random_seed(dist_.get(), rd() % (1u << 31));
  } else {
    seed_ = static_cast<std::uint64_t>(seed.as_int());
  }
  if (diff_rank_seed_) seed_ += static_cast<std::uint64_t>(rank_);
  torch::manual_seed(seed_);
  if (deterministic_) {
    at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
    // set_random_seed(deterministic=True): cudnn.deterministic on, benchmark off.
    at::globalContext().setDeterministicCuDNN(true);
    at::globalContext().setBenchmarkCuDNN(false);
  }
}

void Runner::build_model() {
  Value model_cfg = cfg_.get("model")->deep_copy();
  // Runner merges a top-level data_preprocessor into the model dict (setdefault).
  if (const Value* dp = get(cfg_, "data_preprocessor"))
    if (model_cfg.is_dict() && !model_cfg.as_dict().contains("data_preprocessor"))
      model_cfg.as_dict().set(Value("data_preprocessor"), *dp);
  model_ = engine::build_model(model_cfg);
  model_->to_device(device_);
  const Value* type = model_cfg.is_dict() ? model_cfg.as_dict().find("type") : nullptr;
  model_name_ = type && type->is_str() ? type->as_str() : model_->name();
  if (dist_) wrapped_model_ = dist::prepare_model(cfg_, model_, dist_, *logger_);
}

void Runner::register_hook(std::shared_ptr<Hook> hook, const Value& priority) {
  if (!priority.is_none()) hook->set_priority(parse_priority(priority));
  // After the last hook of lower or equal priority: ties keep registration order.
  std::size_t pos = 0;
  for (std::size_t i = hooks_.size(); i-- > 0;) {
    if (hook->priority() >= hooks_[i]->priority()) {
      pos = i + 1;
      break;
    }
  }
  hooks_.insert(hooks_.begin() + static_cast<std::ptrdiff_t>(pos), std::move(hook));
}

void Runner::register_default_and_custom_hooks() {
  const char* defaults =
      "runtime_info=dict(type='RuntimeInfoHook'), timer=dict(type='IterTimerHook'), "
      "sampler_seed=dict(type='DistSamplerSeedHook'), logger=dict(type='LoggerHook'), "
      "param_scheduler=dict(type='ParamSchedulerHook'), checkpoint=dict(type='CheckpointHook', "
      "interval=1)";
  Value hooks = config::Config::fromstring(std::string("h = dict(") + defaults + ")", ".py")
                    .get("h")
                    ->deep_copy();
  if (const Value* user = get(cfg_, "default_hooks")) {
    if (!user->is_dict())
      throw Error("TypeError", "default_hooks should be a dict, got " + user->repr());
    for (const auto& [k, v] : user->as_dict().entries()) {
      if (v.is_none())
        hooks.as_dict().erase(k);
      else
        hooks.as_dict().set(k, v);
    }
  }
  auto add = [&](const Value& hook_cfg) {
    if (!hook_cfg.is_dict())
      throw Error("TypeError", "a hook must be a dict, got " + hook_cfg.repr());
    Value c = hook_cfg.deep_copy();
    Value priority;
    if (const Value* p = c.as_dict().find("priority")) {
      priority = *p;
      c.as_dict().erase("priority");
    }
    register_hook(registry::HOOKS().build(c), priority);
  };
  for (const auto& [k, v] : hooks.as_dict().entries()) add(v);
  if (const Value* custom = get(cfg_, "custom_hooks")) {
    if (!custom->is_sequence())
      throw Error("TypeError", "custom_hooks should be a list, got " + custom->repr());
    for (const auto& h : custom->items()) add(h);
  }
}

std::string Runner::hooks_table() const {
  std::string out;
  for (const auto& stage : hook_stages()) {
    std::string lines;
    for (const auto& h : hooks_) {
      auto st = h->stages();
      if (std::find(st.begin(), st.end(), stage) == st.end()) continue;
      std::string p = priority_name(h->priority());
      p.resize(std::max<std::size_t>(p.size(), 12), ' ');
      std::string n = h->name();
      n.resize(std::max<std::size_t>(n.size(), 35), ' ');
      lines += "(" + p + ") " + n + "\n";
    }
    if (lines.empty()) continue;
    out += stage + ":\n" + lines + " -------------------- \n";
  }
  return out;
}

void Runner::dump_config() {
  std::string name = cfg_.filename().empty() || cfg_.filename().rfind("<string>", 0) == 0
                         ? timestamp_ + ".py"
                         : path_basename(cfg_.filename());
  if (name.size() < 3 || name.substr(name.size() - 3) != ".py") name = path_stem(name) + ".py";
  env_.write_file_atomic(path_join(work_dir_, name), cfg_.pretty_text());
}

std::shared_ptr<data::DataLoader> Runner::build_dataloader(const char* key, bool training) {
  const Value* cfg = get(cfg_, key);
  if (!cfg) return nullptr;
  return make_dataloader(*cfg, training);
}

std::shared_ptr<data::DataLoader> Runner::make_dataloader(const Value& cfg, bool training) {
  const Value* sampler = cfg.is_dict() ? cfg.as_dict().find("sampler") : nullptr;
  std::shared_ptr<data::DataLoader> loader;
  if (diff_rank_seed_ && sampler && sampler->is_dict() && !sampler->as_dict().contains("seed")) {
    // Every rank must shuffle alike to shard the dataset: the sampler keeps the
    // seed before the rank was added (MMEngine: sync_random_seed()).
    Value c = cfg.deep_copy();
    c.as_dict().find("sampler")->as_dict().set(
        Value("seed"), Value(static_cast<std::int64_t>(seed_ - static_cast<std::uint64_t>(rank_))));
    loader = data::DataLoader::from_config(c, seed_, training, rank_, world_size_);
  } else {
    loader = data::DataLoader::from_config(cfg, seed_, training, rank_, world_size_);
  }
  // A waiting loader gives up on a stop request. Not in a distributed run: there
  // every rank must stop at the same iteration, which the loops agree on.
  if (!dist_) loader->set_stop_request(&stop_);
  return loader;
}

OptimWrapper& Runner::optim_wrapper() {
  if (!optim_wrapper_)
    throw Error("RuntimeError", "the optimizer wrapper is built by train(); there is none yet");
  return *optim_wrapper_;
}

TrainLoop& Runner::train_loop() {
  if (!train_loop_)
    throw Error("RuntimeError", "the train loop is built by train(); there is none yet");
  return *train_loop_;
}

data::DataLoader* Runner::train_dataloader() { return train_loader_.get(); }
data::DataLoader* Runner::val_dataloader() { return val_loader_.get(); }
data::DataLoader* Runner::test_dataloader() { return test_loader_.get(); }

std::int64_t Runner::epoch() const { return train_loop_ ? train_loop_->epoch() : 0; }
std::int64_t Runner::iter() const { return train_loop_ ? train_loop_->iter() : 0; }
std::int64_t Runner::max_epochs() const { return train_loop_ ? train_loop_->max_epochs() : 0; }
std::int64_t Runner::max_iters() const { return train_loop_ ? train_loop_->max_iters() : 0; }

void Runner::request_stop(const std::string& reason) { stop_.request(reason); }

bool Runner::stop_requested() const {
  if (!stop_agreement_) return stop_.requested();
  // Distributed: every rank stops at the same iteration when any was signalled
  // (a hook's request is taken alike on every rank from the same synced metrics).
  return stop_agreement_->should_stop(stop_, iter());
}

void Runner::build_train_components() {
  if (!get(cfg_, "train_cfg"))
    throw Error("RuntimeError",
                "train() needs train_dataloader, train_cfg and optim_wrapper in the config");
  train_loader_ = build_dataloader("train_dataloader", true);
  train_loop_ = build_train_loop(*this, *cfg_.get("train_cfg"), train_loader_);
  const Value& ow = *cfg_.get("optim_wrapper");
  // Runner.build_optim_wrapper: without `optimizer` and `constructor` every value
  // would have to be a built OptimWrapper, which a config cannot hold.
  if (ow.is_dict() && !get_or_none(ow, "optimizer") && !ow.as_dict().contains("constructor") &&
      !ow.as_dict().empty()) {
    const auto& first = ow.as_dict().entries().front();
    throw Error("ValueError",
                "each item mush be an optimizer object when \"type\" and \"constructor\" are "
                "not in optimizer, but got " +
                    first.first.str() + "=" + first.second.repr());
  }
  if (ow.is_dict() && ow.as_dict().empty())
    optim_wrapper_ = std::make_shared<OptimWrapperDict>(OptimWrapperDict::Items{});
  else
    optim_wrapper_ = build_optim_wrapper(*model_, ow, logger_.get());
  scale_lr();
  param_schedulers_.clear();
  named_param_schedulers_.clear();
  if (const Value* ps = get(cfg_, "param_scheduler")) {
    auto epoch_length = static_cast<std::int64_t>(train_loader_->num_batches());
    if (auto* dict = dynamic_cast<OptimWrapperDict*>(optim_wrapper_.get())) {
      // Runner.build_param_scheduler: a dict without `type` is keyed like the
      // wrappers; anything else applies to every wrapper.
      for (const auto& [name, wrapper] : dict->items()) {
        Value one = *ps;
        if (ps->is_dict() && !ps->as_dict().contains("type")) {
          const Value* v = ps->as_dict().find(name);
          if (!v) throw Error("KeyError", "param_scheduler has no entry '" + name + "'");
          one = *v;
        }
        auto built = build_param_schedulers(one, *wrapper, epoch_length, train_loop_->max_epochs(),
                                            train_loop_->max_iters());
        param_schedulers_.insert(param_schedulers_.end(), built.begin(), built.end());
        named_param_schedulers_.emplace_back(name, std::move(built));
      }
    } else {
      param_schedulers_ = build_param_schedulers(
          *ps, *optim_wrapper_, epoch_length, train_loop_->max_epochs(), train_loop_->max_iters());
    }
  }
  if (get(cfg_, "val_cfg")) {
    val_loop_ = build_val_loop(*this, *cfg_.get("val_cfg"), *cfg_.get("val_dataloader"),
                               *cfg_.get("val_evaluator"));
    val_loader_ = val_loop_->dataloader_ptr();
  }
}

void Runner::scale_lr() {
  Value a = get_or(cfg_, "auto_scale_lr", Value());
  if (!a.is_dict() || !dict_get(a, "enable", Value(false)).truthy()) return;
  if (!a.as_dict().contains("base_batch_size"))
    throw Error("AssertionError", "Lack of `base_batch_size` in `auto_scale_lr`.");
  Value base = dict_get(a, "base_batch_size");
  if (!base.is_number())
    throw Error("TypeError", "auto_scale_lr.base_batch_size must be a number, got " + base.repr());
  double real_bs = static_cast<double>(world_size_ * train_loader_->options().batch_size);
  double ratio = real_bs / base.as_number();
  logger_->info("LR is set based on batch size of " + base.repr() +
                " and the current batch size is " +
                std::to_string(static_cast<long long>(real_bs)) + ". Scaling the original LR by " +
                config::float_repr(ratio) + ".");
  // MMEngine scales `wrapper.optimizer.param_groups` of every wrapper: the pseudo
  // group base_param_settings keeps its lr.
  std::vector<OptimWrapper*> wrappers = {optim_wrapper_.get()};
  if (auto* dict = dynamic_cast<OptimWrapperDict*>(optim_wrapper_.get())) {
    wrappers.clear();
    for (const auto& [name, w] : dict->items()) wrappers.push_back(w.get());
  }
  for (auto* w : wrappers) {
    for (std::size_t g = 0; g < w->optimizer().param_groups().size(); ++g)
      w->set_value(g, "lr", w->get_value(g, "lr") * ratio);
  }
}

void Runner::train() {
  stop_.reset();
  build_train_components();
  loop_stage_ = "train";
  call_hook([&](Hook& h) { h.before_run(*this); });
  model_->set_init_logger(logger_.get());
  model_->init_weights();
  dist::broadcast_model_state(dist_.get(), *model_);  // _init_model_weights
  load_or_resume();
  optim_wrapper_->initialize_count_status(train_loop_->iter(), train_loop_->max_iters());

  InterruptGuard guard(stop_);
  try {
    train_loop_->run();
  } catch (...) {
    if (dist_) dist::rethrow_failure(*dist_, *logger_, std::current_exception());
    throw;
  }

  // An epoch-based run stopped after its last iteration but before that
  // epoch's end (after_train_epoch: checkpoint, scheduler step) is not done.
  const bool finished = train_loop_->by_epoch() ? train_loop_->epoch() >= train_loop_->max_epochs()
                                                : train_loop_->iter() >= train_loop_->max_iters();
  if (interrupted()) {
    std::string msg;
    if (!finished) {
      // Leave a checkpoint that resumes exactly where we stopped.
      std::string path = save_interrupt_checkpoint();
      dist::barrier(dist_.get());  // no rank leaves before rank 0 has saved
      msg = "Training stopped by " + stop_.reason() + " at epoch " +
            std::to_string(train_loop_->epoch()) + ", iter " + std::to_string(train_loop_->iter()) +
            ". Saved " + path + ". Resume with: " + resume_command(path);
    } else {
      msg = "Training finished; " + stop_.reason() + " stopped the validation after it";
    }
    call_hook([&](Hook& h) { h.after_run(*this); });
    logger_->warning(msg);
    throw Error("KeyboardInterrupt", msg);
  }
  if (stop_requested() && !finished) logger_->info("Training stopped early: " + stop_.reason());
  call_hook([&](Hook& h) { h.after_run(*this); });
}

namespace {

// An evaluation that a stop request ended early: no metrics. A signal ends the
// call with KeyboardInterrupt; a hook's or code's request with a warning.
evaluation::Metrics interrupted_evaluation(Runner& runner, const std::string& what) {
  std::string msg = what + " stopped by " + runner.stop_request().reason() + ": no metrics";
  runner.logger().warning(msg);
  if (runner.interrupted()) throw Error("KeyboardInterrupt", msg);
  return {};
}

}  // namespace

evaluation::Metrics Runner::val() {
  if (!get(cfg_, "val_cfg"))
    throw Error("RuntimeError", "val() needs val_dataloader, val_cfg and val_evaluator");
  stop_.reset();
  val_loop_ = build_val_loop(*this, *cfg_.get("val_cfg"), *cfg_.get("val_dataloader"),
                             *cfg_.get("val_evaluator"));
  val_loader_ = val_loop_->dataloader_ptr();
  call_hook([&](Hook& h) { h.before_run(*this); });
  load_or_resume();
  InterruptGuard guard(stop_);
  try {
    val_loop_->run();
  } catch (...) {
    if (dist_) dist::rethrow_failure(*dist_, *logger_, std::current_exception());
    throw;
  }
  call_hook([&](Hook& h) { h.after_run(*this); });
  if (val_loop_->interrupted()) return interrupted_evaluation(*this, "Validation");
  return val_loop_->last_metrics();
}

evaluation::Metrics Runner::test() {
  if (!get(cfg_, "test_cfg"))
    throw Error("RuntimeError", "test() needs test_dataloader, test_cfg and test_evaluator");
  stop_.reset();
  test_loop_ = build_test_loop(*this, *cfg_.get("test_cfg"), *cfg_.get("test_dataloader"),
                               *cfg_.get("test_evaluator"));
  test_loader_ = test_loop_->dataloader_ptr();
  if (!extra_test_metrics_.empty()) {
    // tools/test.py: runner.test_evaluator.metrics.append(DumpResults(...)).
    auto* loop = dynamic_cast<TestLoop*>(test_loop_.get());
    if (!loop)
      throw Error("NotImplementedError",
                  "--out needs the default TestLoop; this config's test_cfg builds another loop");
    for (const auto& m : extra_test_metrics_) loop->evaluator().add_metric(m);
  }
  call_hook([&](Hook& h) { h.before_run(*this); });
  load_or_resume();
  InterruptGuard guard(stop_);
  try {
    test_loop_->run();
  } catch (...) {
    if (dist_) dist::rethrow_failure(*dist_, *logger_, std::current_exception());
    throw;
  }
  call_hook([&](Hook& h) { h.after_run(*this); });
  if (test_loop_->interrupted()) return interrupted_evaluation(*this, "Testing");
  return test_loop_->last_metrics();
}

void Runner::load_or_resume() {
  if (resumed_or_loaded_) return;
  Value resume = get_or(cfg_, "resume", Value(false));
  Value load_from = get_or(cfg_, "load_from", Value());
  std::string resume_from;
  if (resume.is_str()) {
    resume_from = resume.as_str();  // mmcpp train --resume PATH
  } else if (resume.truthy() && load_from.is_none()) {
    std::string last = path_join(work_dir_, "last_checkpoint");
    if (env_.exists(last)) {
      resume_from = env_.read_file(last);
      while (!resume_from.empty() && std::isspace(static_cast<unsigned char>(resume_from.back())))
        resume_from.pop_back();
    } else {
      logger_->info("Did not find last_checkpoint to be resumed.");
    }
  } else if (resume.truthy()) {
    resume_from = load_from.str();
  }
  // Rank 0 decides (its work_dir's last_checkpoint), every rank loads the same file.
  resume_from = dist::broadcast_bytes(dist_.get(), resume_from, 0);
  if (!resume_from.empty()) {
    this->resume(resume_from);
  } else if (!load_from.is_none()) {
    load_checkpoint(load_from.str());
  }
}

void Runner::load_checkpoint(const std::string& path, bool strict) {
  // MMEngine's Runner.load_checkpoint: _load_checkpoint, the hook, then
  // _load_checkpoint_to_model with revise_keys=[(r'^module.', '')].
  io::PyObject ckpt = load_checkpoint_file(path, "cpu", logger_.get());
  call_hook([&](Hook& h) { h.after_load_checkpoint(*this, ckpt); });
  load_checkpoint_to_model(*model_, ckpt, strict, logger_.get(), {{"^module.", ""}});
  resumed_or_loaded_ = true;
  logger_->info("Load checkpoint from " + path);
}

}  // namespace mmcpp::engine
