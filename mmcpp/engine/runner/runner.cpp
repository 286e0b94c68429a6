#include "mmcpp/engine/runner/runner.h"

#include <ATen/Context.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <csignal>
#include <random>
#include <sstream>

#include "mmcpp/core/error.h"
#include "mmcpp/core/version.h"
#include "mmcpp/engine/optim/optim_wrapper_dict.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/engine/runner/log_processor.h"
#include "mmcpp/registry/plugins.h"
#include "mmcpp/registry/root.h"
#include "mmcpp/visualization/local_vis_backend.h"

namespace mmcpp::engine {

using config::Value;

namespace {

// Set by SIGINT/SIGTERM; the loops poll it between iterations.
std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int sig) { g_stop_signal.store(sig); }

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
  return std::unique_ptr<Runner>(new Runner(cfg, env));
}

Runner::~Runner() {
  for (auto* l : {train_loader_.get(), val_loader_.get(), test_loader_.get()})
    if (l) l->stop();
}

Runner::Runner(const config::Config& cfg, Env& env) : cfg_(cfg), env_(env) {
  const Value* model_cfg = get(cfg_, "model");
  if (!model_cfg) throw Error("KeyError", "the config has no `model`");
  const Value* wd = get(cfg_, "work_dir");
  if (!wd || !wd->is_str())
    throw Error(
        "KeyError",
        "the config has no `work_dir` (mmcpp train sets work_dirs/<config name> by default)");
  work_dir_ = absolute_path_of(wd->as_str());
  env_.make_dirs(work_dir_);
  check_consistency();

  // Plugins register components before anything is built (MMEngine imports
  // custom_imports in Config.fromfile).
  if (const Value* ci = get(cfg_, "custom_imports"))
    registry::import_custom_modules(*ci, path_dirname(cfg_.filename()));
  if (const Value* scope = get(cfg_, "default_scope")) registry::DefaultScope::set(scope->str());

  setup_env();
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

  logger_ = std::make_unique<Logger>(
      "mmengine", parse_log_level(get_or(cfg_, "log_level", Value("INFO")).str()));
  logger_->add_file(path_join(log_dir_, timestamp_ + ".log"));
  {
    std::ostringstream envinfo;
    envinfo << "\n------------------------------------------------------------\n"
            << "System environment:\n"
            << "    mmcpp: 0.1.0 (C++17, LibTorch " << TORCH_VERSION_MAJOR << "."
            << TORCH_VERSION_MINOR << "." << TORCH_VERSION_PATCH << ")\n"
            << "    CUDA available: " << (torch::cuda::is_available() ? "True" : "False") << "\n"
            << "    intra-op threads: " << at::get_num_threads() << "\n"
            << "    seed: " << seed_ << "\n"
            << "    deterministic: " << (deterministic_ ? "True" : "False") << "\n"
            << "    Distributed launcher: none\n    Distributed training: False\n    GPU number: "
            << world_size_ << "\n"
            << "------------------------------------------------------------\n";
    logger_->info(envinfo.str());
    logger_->info("Config:\n" + cfg_.pretty_text());
  }

  vis_backend_ = std::make_shared<visualization::LocalVisBackend>();
  vis_backend_->init(path_join(log_dir_, "vis_data"), env_);
  vis_backend_->add_config(cfg_.pretty_text());

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
  std::string launcher = get_or(cfg_, "launcher", Value("none")).str();
  if (launcher != "none")
    throw Error("NotImplementedError", "launcher='" + launcher +
                                           "': distributed training is not available yet in mmcpp "
                                           "(planned: c10d with Gloo/NCCL); use launcher='none'");
  timestamp_ = format_timestamp(env_.unix_time());
  // Device: CUDA when LibTorch has it, else CPU; `device='cpu'` forces one.
  std::string dev = get_or(cfg_, "device", Value("auto")).str();
  if (dev == "auto")
    device_ =
        torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
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
    seed_ = rd() % (1u << 31);
  } else {
    seed_ = static_cast<std::uint64_t>(seed.as_int());
  }
  if (diff_rank_seed_) seed_ += static_cast<std::uint64_t>(rank_);
  torch::manual_seed(seed_);
  if (deterministic_) at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
}

void Runner::build_model() {
  Value model_cfg = cfg_.get("model")->deep_copy();
  // Runner merges a top-level data_preprocessor into the model dict (setdefault).
  if (const Value* dp = get(cfg_, "data_preprocessor"))
    if (model_cfg.is_dict() && !model_cfg.as_dict().contains("data_preprocessor"))
      model_cfg.as_dict().set(Value("data_preprocessor"), *dp);
  model_ = engine::build_model(model_cfg);
  model_->to_device(device_);
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
  return data::DataLoader::from_config(*cfg, seed_, training, rank_, world_size_);
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

void Runner::request_stop(const std::string& reason) {
  stop_reason_ = reason;
  stop_ = true;
  if (train_loop_) train_loop_->request_stop();
}

bool Runner::stop_requested() const { return stop_ || g_stop_signal.load() != 0; }

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
    val_loader_ = build_dataloader("val_dataloader", false);
    val_loop_ = build_val_loop(*this, *cfg_.get("val_cfg"), val_loader_,
                               evaluation::Evaluator::from_config(*cfg_.get("val_evaluator")));
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
  build_train_components();
  loop_stage_ = "train";
  call_hook([&](Hook& h) { h.before_run(*this); });
  model_->set_init_logger(logger_.get());
  model_->init_weights();
  load_or_resume();
  optim_wrapper_->initialize_count_status(train_loop_->iter(), train_loop_->max_iters());

  g_stop_signal.store(0);
  auto old_int = std::signal(SIGINT, on_stop_signal);
  auto old_term = std::signal(SIGTERM, on_stop_signal);
  struct Restore {
    decltype(old_int) i, t;
    ~Restore() {
      std::signal(SIGINT, i);
      std::signal(SIGTERM, t);
    }
  } restore{old_int, old_term};

  train_loop_->run();

  if (stop_requested() && train_loop_->iter() < train_loop_->max_iters()) {
    int sig = g_stop_signal.load();
    std::string why = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : stop_reason_;
    if (sig != 0) {
      // Interrupted: leave a checkpoint that resumes exactly where we stopped.
      std::string name = "iter_" + std::to_string(train_loop_->iter()) + ".pth";
      interrupt_save_ = true;
      save_checkpoint(work_dir_, name, true, true, /*by_epoch=*/true);
      interrupt_save_ = false;
      env_.write_file_atomic(path_join(work_dir_, "last_checkpoint"), path_join(work_dir_, name));
      call_hook([&](Hook& h) { h.after_run(*this); });
      std::string msg = "Training stopped by " + why + " at epoch " +
                        std::to_string(train_loop_->epoch()) + ", iter " +
                        std::to_string(train_loop_->iter()) + ". Saved " +
                        path_join(work_dir_, name) + ". Resume with: mmcpp train " +
                        cfg_.filename() + " --work-dir " + work_dir_ + " --resume";
      logger_->warning(msg);
      throw Error("KeyboardInterrupt", msg);
    }
    logger_->info("Training stopped early: " + stop_reason_);
  }
  call_hook([&](Hook& h) { h.after_run(*this); });
}

evaluation::Metrics Runner::val() {
  if (!get(cfg_, "val_cfg"))
    throw Error("RuntimeError", "val() needs val_dataloader, val_cfg and val_evaluator");
  val_loader_ = build_dataloader("val_dataloader", false);
  val_loop_ = build_val_loop(*this, *cfg_.get("val_cfg"), val_loader_,
                             evaluation::Evaluator::from_config(*cfg_.get("val_evaluator")));
  call_hook([&](Hook& h) { h.before_run(*this); });
  load_or_resume();
  val_loop_->run();
  call_hook([&](Hook& h) { h.after_run(*this); });
  return val_loop_->last_metrics();
}

evaluation::Metrics Runner::test() {
  if (!get(cfg_, "test_cfg"))
    throw Error("RuntimeError", "test() needs test_dataloader, test_cfg and test_evaluator");
  test_loader_ = build_dataloader("test_dataloader", false);
  test_loop_ = build_test_loop(*this, *cfg_.get("test_cfg"), test_loader_,
                               evaluation::Evaluator::from_config(*cfg_.get("test_evaluator")));
  call_hook([&](Hook& h) { h.before_run(*this); });
  load_or_resume();
  test_loop_->run();
  call_hook([&](Hook& h) { h.after_run(*this); });
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

void Runner::resume(const std::string& path) {
  io::PyObject ckpt = load_checkpoint_file(path, "cpu", logger_.get());
  call_hook([&](Hook& h) { h.after_load_checkpoint(*this, ckpt); });
  load_checkpoint_to_model(*model_, ckpt, false, logger_.get(), {{"^module.", ""}});
  logger_->info("Load checkpoint from " + path);
  const io::PyObject& meta = ckpt.get("meta");
  if (train_loop_) train_loop_->set_counters(meta.get("epoch").as_int(), meta.get("iter").as_int());
  if (const io::PyObject* s = meta.find("seed");
      s && s->is_int() && static_cast<std::uint64_t>(s->as_int()) != seed_) {
    Value r = get_or(cfg_, "randomness", Value::dict(false));
    if (!dict_get(r, "seed").is_none())
      logger_->warning("The value of random seed in the checkpoint \"" +
                       std::to_string(s->as_int()) +
                       "\" is different from the value in `randomness` config \"" +
                       std::to_string(seed_) + "\"");
    seed_ = static_cast<std::uint64_t>(s->as_int());
    torch::manual_seed(seed_);
  }
  if (train_loader_) {
    Value saved = meta.find("dataset_meta") ? from_py(meta.get("dataset_meta")) : Value();
    if (!saved.equals(train_loader_->dataset().metainfo()) && !saved.is_none())
      logger_->warning(
          "The dataset metainfo from the resumed checkpoint is different from the current training "
          "dataset, please check the correctness of the checkpoint or the training dataset.");
  }
  if (const io::PyObject* mh = ckpt.find("message_hub")) message_hub_.load_state_dict(from_py(*mh));
  auto* dict = dynamic_cast<OptimWrapperDict*>(optim_wrapper_.get());
  if (const io::PyObject* opt = ckpt.find("optimizer"); opt && dict) {
    // {name: optimizer state} (OptimWrapperDict.state_dict).
    if (!opt->is_dict())
      throw Error("TypeError",
                  "the checkpoint's optimizer state should be a dict of states by "
                  "optimizer name for an OptimWrapperDict, got " +
                      opt->type_name());
    std::vector<std::pair<std::string, OptimizerStateDict>> states;
    for (const auto& [k, v] : opt->as_dict().entries())
      states.emplace_back(k.is_str() ? k.as_str() : k.repr(), optim_state_from_py(v));
    dict->load_state_dicts(states);
  } else if (opt && optim_wrapper_) {
    optim_wrapper_->load_state_dict(optim_state_from_py(*opt));
  }
  if (const io::PyObject* ps = ckpt.find("param_schedulers"); ps && dict) {
    for (auto& [name, schedulers] : named_param_schedulers_) {
      const io::PyObject* saved = ps->is_dict() ? ps->find(name) : nullptr;
      if (!saved) continue;
      for (std::size_t i = 0; i < schedulers.size() && i < saved->size(); ++i)
        schedulers[i]->load_state_dict(from_py(saved->at(static_cast<std::int64_t>(i))));
    }
  } else if (ps && !param_schedulers_.empty()) {
    for (std::size_t i = 0; i < param_schedulers_.size() && i < ps->size(); ++i)
      param_schedulers_[i]->load_state_dict(from_py(ps->at(static_cast<std::int64_t>(i))));
  }
  if (const io::PyObject* rng = meta.find("rng_state")) set_rng_state(*rng);
  resumed_or_loaded_ = true;
  logger_->info("resumed epoch: " + std::to_string(epoch()) + ", iter: " + std::to_string(iter()));
}

void Runner::save_checkpoint(const std::string& out_dir, const std::string& filename,
                             bool save_optimizer, bool save_param_scheduler, bool by_epoch,
                             std::optional<std::pair<std::int64_t, std::int64_t>> epoch_iter) {
  io::PyObject meta = io::PyObject::dict();
  std::int64_t ep = by_epoch ? epoch() + 1 : epoch();
  std::int64_t it = by_epoch ? iter() : iter() + 1;
  if (epoch_iter) {
    ep = epoch_iter->first;
    it = epoch_iter->second;
  }
  if (interrupt_save_) {
    // An interrupted run saves mid-epoch: the counters are the ones reached.
    ep = epoch();
    it = iter();
  }
  meta.as_dict().set("epoch", io::PyObject::from_int(ep));
  meta.as_dict().set("iter", io::PyObject::from_int(it));
  meta.as_dict().set("cfg", io::PyObject::str(cfg_.pretty_text()));
  meta.as_dict().set("seed", io::PyObject::from_int(static_cast<std::int64_t>(seed_)));
  meta.as_dict().set("experiment_name", io::PyObject::str(experiment_name_));
  meta.as_dict().set("time", io::PyObject::str(format_timestamp(env_.unix_time())));
  meta.as_dict().set("mmengine_version", io::PyObject::str(mmengine_version_string()));
  if (train_loader_) meta.as_dict().set("dataset_meta", to_py(train_loader_->dataset().metainfo()));
  meta.as_dict().set("rng_state", rng_state());

  io::PyObject ckpt = io::PyObject::dict();
  ckpt.as_dict().set("meta", meta);
  ckpt.as_dict().set("state_dict", model_state_dict(*model_));
  ckpt.as_dict().set("message_hub", to_py(message_hub_.state_dict()));
  auto* dict = dynamic_cast<OptimWrapperDict*>(optim_wrapper_.get());
  if (save_optimizer && dict) {
    io::PyObject states = io::PyObject::dict();
    for (auto& [name, state] : dict->state_dicts())
      states.as_dict().set(name, optim_state_to_py(state));
    ckpt.as_dict().set("optimizer", states);
  } else if (save_optimizer && optim_wrapper_) {
    ckpt.as_dict().set("optimizer", optim_state_to_py(optim_wrapper_->state_dict()));
  }
  if (save_param_scheduler && param_schedulers_.empty() && optim_wrapper_) {
    logger_->warning(
        "`save_param_scheduler` is True but `self.param_schedulers` is None, so skip saving "
        "parameter schedulers");
  } else if (save_param_scheduler && dict) {
    io::PyObject named = io::PyObject::dict();
    for (auto& [name, schedulers] : named_param_schedulers_) {
      io::PyObject list = io::PyObject::list();
      for (auto& s : schedulers) list.items().push_back(to_py(s->state_dict()));
      named.as_dict().set(name, list);
    }
    ckpt.as_dict().set("param_schedulers", named);
  } else if (save_param_scheduler) {
    io::PyObject list = io::PyObject::list();
    for (auto& s : param_schedulers_) list.items().push_back(to_py(s->state_dict()));
    ckpt.as_dict().set("param_schedulers", list);
  }
  call_hook([&](Hook& h) { h.before_save_checkpoint(*this, ckpt); });
  env_.make_dirs(out_dir);
  write_checkpoint(env_, ckpt, path_join(out_dir, filename));
}

}  // namespace mmcpp::engine
