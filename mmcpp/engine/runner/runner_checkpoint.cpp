// Runner's checkpoint side (mmengine/runner/runner.py): save_checkpoint,
// resume, the checkpoint left behind when a signal stops training, and the
// command that resumes from it.
#include <torch/utils.h>

#include "mmcpp/core/error.h"
#include "mmcpp/core/version.h"
#include "mmcpp/engine/hooks/checkpoint_hook.h"
#include "mmcpp/engine/optim/optim_wrapper_dict.h"
#include "mmcpp/engine/runner/checkpoint.h"
#include "mmcpp/engine/runner/checkpoint_loader.h"
#include "mmcpp/engine/runner/rng_state.h"
#include "mmcpp/engine/runner/runner.h"

namespace mmcpp::engine {

using config::Value;

namespace {

// A word for a POSIX shell: as is when it holds only safe characters, else in
// single quotes (a ' inside becomes '\'').
std::string shell_quote(const std::string& word) {
  if (!word.empty() &&
      word.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                             "_@%+=:,./-") == std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

void Runner::propagate_seed() {
  for (auto* loader : {train_loader_.get(), val_loader_.get(), test_loader_.get()})
    if (loader && loader->seed() != seed_) loader->set_seed(seed_);
}

std::string Runner::resume_command(const std::string& checkpoint) const {
  std::vector<std::string> argv = command_line_;
  if (argv.empty()) argv = {"mmcpp", "train", cfg_.filename(), "--work-dir", work_dir_};
  std::string out;
  auto add = [&](const std::string& word) { out += (out.empty() ? "" : " ") + shell_quote(word); };
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word == "--resume") {
      // Its optional value goes too (a value never starts with '-').
      if (i + 1 < argv.size() && !argv[i + 1].empty() && argv[i + 1][0] != '-') ++i;
      continue;
    }
    if (word.rfind("--resume=", 0) == 0) continue;
    add(word);
  }
  add("--resume");
  add(checkpoint);
  return out;
}

std::string Runner::save_interrupt_checkpoint() {
  for (const auto& h : hooks_)
    if (auto* hook = dynamic_cast<CheckpointHook*>(h.get())) return hook->save_interrupted(*this);
  // No CheckpointHook: the work_dir, and last_checkpoint pointing at the file.
  std::string name = "iter_" + std::to_string(iter()) + ".pth";
  save_checkpoint(work_dir_, name, true, true, true, std::make_pair(epoch(), iter()));
  std::string path = path_join(work_dir_, name);
  env_.write_file_atomic(path_join(work_dir_, "last_checkpoint"), path);
  return path;
}

void Runner::resume(const std::string& path) {
  io::PyObject ckpt = load_checkpoint_file(path, "cpu", logger_.get());
  resuming_ = true;
  try {
    call_hook([&](Hook& h) { h.after_load_checkpoint(*this, ckpt); });
  } catch (...) {
    resuming_ = false;
    throw;
  }
  resuming_ = false;
  // _load_checkpoint_to_model with revise_keys=[(r'^module.', '')].
  load_checkpoint_to_model(*model_, ckpt, false, logger_.get(), {{"^module.", ""}});
  logger_->info("Load checkpoint from " + path);
  const io::PyObject& meta = ckpt.get("meta");
  if (train_loop_) train_loop_->set_counters(meta.get("epoch").as_int(), meta.get("iter").as_int());
  if (const io::PyObject* s = meta.find("seed");
      s && s->is_int() && static_cast<std::uint64_t>(s->as_int()) != seed_) {
    const Value* r = cfg_.get("randomness");
    const Value* configured = r && r->is_dict() ? r->as_dict().find("seed") : nullptr;
    if (configured && !configured->is_none())
      logger_->warning("The value of random seed in the checkpoint \"" +
                       std::to_string(s->as_int()) +
                       "\" is different from the value in `randomness` config \"" +
                       std::to_string(seed_) + "\"");
    seed_ = static_cast<std::uint64_t>(s->as_int());
    torch::manual_seed(seed_);
  }
  // Everything seeded from the run seed follows it: the samplers' orders and
  // every sample's and batch's random draws (built before the resume, with the
  // new run's seed when randomness.seed is None).
  propagate_seed();
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
  for (const std::string& w : restore_generator_states(meta)) logger_->warning(w);
  resumed_or_loaded_ = true;
  logger_->info("resumed epoch: " + std::to_string(epoch()) + ", iter: " + std::to_string(iter()));
}

void Runner::save_checkpoint(const std::string& out_dir, const std::string& filename,
                             bool save_optimizer, bool save_param_scheduler, bool by_epoch,
                             std::optional<std::pair<std::int64_t, std::int64_t>> epoch_iter) {
  if (rank_ != 0) return;  // master_only
  io::PyObject meta = io::PyObject::dict();
  std::int64_t ep = by_epoch ? epoch() + 1 : epoch();
  std::int64_t it = by_epoch ? iter() : iter() + 1;
  if (epoch_iter) {
    ep = epoch_iter->first;
    it = epoch_iter->second;
  }
  meta.as_dict().set("epoch", io::PyObject::from_int(ep));
  meta.as_dict().set("iter", io::PyObject::from_int(it));
  meta.as_dict().set("cfg", io::PyObject::str(cfg_.pretty_text()));
  meta.as_dict().set("seed", io::PyObject::from_int(static_cast<std::int64_t>(seed_)));
  meta.as_dict().set("experiment_name", io::PyObject::str(experiment_name_));
  meta.as_dict().set("time", io::PyObject::str(format_timestamp(env_.unix_time())));
  meta.as_dict().set("mmengine_version", io::PyObject::str(mmengine_version_string()));
  if (train_loader_) meta.as_dict().set("dataset_meta", to_py(train_loader_->dataset().metainfo()));
  save_generator_states(meta);

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
