// Runner (mmengine/runner/runner.py): assembles a training/validation/test job
// from a config and delegates the work to loops, hooks and the checkpoint code.
//
// Construction sets up the work_dir, log_dir (work_dir/<timestamp>), logger,
// randomness, model (moved to the configured device) and hooks, and dumps the
// config. Loops, optimizer wrapper, schedulers and dataloaders are built lazily
// by train()/val()/test(), as MMEngine does.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/config/config.h"
#include "mmcpp/core/env.h"
#include "mmcpp/core/logging.h"
#include "mmcpp/core/stop_request.h"
#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/engine/model/base_model.h"
#include "mmcpp/engine/optim/optim_wrapper.h"
#include "mmcpp/engine/runner/loops.h"
#include "mmcpp/engine/runner/message_hub.h"
#include "mmcpp/engine/runner/torch_errors.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"

namespace mmcpp::io {
class PyObject;
}
namespace mmcpp::dist {
class DistContext;
class StopAgreement;
}  // namespace mmcpp::dist

namespace mmcpp::engine {

class LogProcessor;
}  // namespace mmcpp::engine
namespace mmcpp::visualization {
class Visualizer;
}
namespace mmcpp::engine {

class Runner {
 public:
  // Runner.from_cfg: every MMEngine Runner argument is read from `cfg` by name.
  // `env` is the filesystem/clock (tests inject faults through it).
  static std::unique_ptr<Runner> from_cfg(const config::Config& cfg, Env& env = Env::system());
  ~Runner();

  void train();
  evaluation::Metrics val();
  evaluation::Metrics test();
  // Appended to the test evaluator's metrics when test() builds it (tools/test.py:
  // `runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))`).
  void add_test_metric(std::shared_ptr<evaluation::BaseMetric> metric) {
    extra_test_metrics_.push_back(std::move(metric));
  }

  // ---- the view hooks and loops use ----
  Logger& logger() { return *logger_; }
  MessageHub& message_hub() { return message_hub_; }
  BaseModel& model() { return *model_; }
  std::shared_ptr<BaseModel> model_ptr() { return model_; }
  // What the loops step: the distributed wrapper (MMDistributedDataParallel...)
  // in a distributed run, else model().
  // Runner.build_dataloader for a dataloader config (the runner's seed, rank and
  // world size; polls the run's stop request). Loops of other packages use it.
  std::shared_ptr<data::DataLoader> make_dataloader(const config::Value& cfg, bool training);
  BaseModel& wrapped_model() { return wrapped_model_ ? *wrapped_model_ : *model_; }
  OptimWrapper& optim_wrapper();
  bool has_optim_wrapper() const { return optim_wrapper_ != nullptr; }
  std::vector<std::shared_ptr<ParamScheduler>>& param_schedulers() { return param_schedulers_; }
  TrainLoop& train_loop();
  bool has_train_loop() const { return train_loop_ != nullptr; }
  data::DataLoader* train_dataloader();
  data::DataLoader* val_dataloader();
  data::DataLoader* test_dataloader();
  EvalLoop* val_loop() { return val_loop_.get(); }
  EvalLoop* test_loop() { return test_loop_.get(); }
  // The loop currently running: "train", "val" or "test" (RuntimeInfoHook logs it).
  const std::string& loop_stage() const { return loop_stage_; }
  void set_loop_stage(const std::string& stage) { loop_stage_ = stage; }

  std::int64_t epoch() const;
  std::int64_t iter() const;
  std::int64_t max_epochs() const;
  std::int64_t max_iters() const;

  const std::string& work_dir() const { return work_dir_; }
  const std::string& log_dir() const { return log_dir_; }
  const std::string& timestamp() const { return timestamp_; }
  const std::string& experiment_name() const { return experiment_name_; }
  const config::Config& cfg() const { return cfg_; }
  std::uint64_t seed() const { return seed_; }
  bool deterministic() const { return deterministic_; }
  const torch::Device& device() const { return device_; }
  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  // The process group of a distributed run (launcher != 'none'), else nullptr.
  dist::DistContext* dist() const { return dist_.get(); }
  const std::shared_ptr<dist::DistContext>& dist_ptr() const { return dist_; }
  Env& env() { return env_; }
  // The runner's Visualizer (config `visualizer`; by default one LocalVisBackend).
  visualization::Visualizer* visualizer() { return visualizer_.get(); }
  const std::shared_ptr<visualization::Visualizer>& visualizer_ptr() const { return visualizer_; }
  LogProcessor& log_processor() { return *log_processor_; }
  const std::vector<std::shared_ptr<Hook>>& hooks() const { return hooks_; }

  // The one way to stop a run: every loop (train, val, test) stops after the
  // iteration running. EarlyStoppingHook and code call request_stop(); SIGINT /
  // SIGTERM reach the same StopRequest through an InterruptGuard while train(),
  // val() or test() runs (then the run ends with a resumable checkpoint and a
  // KeyboardInterrupt). Reset when train(), val() or test() starts.
  void request_stop(const std::string& reason);
  bool stop_requested() const;
  // Stopped by a signal (not by a hook or code).
  bool interrupted() const { return stop_.signal() != 0; }
  const StopRequest& stop_request() const { return stop_; }

  // The model's registered type (model.type in the config), for messages.
  const std::string& model_name() const { return model_name_; }
  // True while resume() loads a checkpoint: hooks' after_load_checkpoint tells
  // a resume (restore everything) from a load_from (weights only) by it.
  bool resuming() const { return resuming_; }

  // The command line that started this run (argv), for the "Resume with:"
  // command printed when a signal stops training. Without one, the command is
  // rebuilt from the config file and work_dir.
  void set_command_line(std::vector<std::string> argv) { command_line_ = std::move(argv); }
  // The shell command that resumes this run from `checkpoint`: the original
  // command line, quoted for a POSIX shell, with --resume <checkpoint>.
  std::string resume_command(const std::string& checkpoint) const;

  // ---- checkpoints ----
  // Runner.save_checkpoint: writes out_dir/filename atomically. meta epoch/iter
  // default to (epoch+1, iter) when by_epoch, else (epoch, iter+1), unless
  // `epoch_iter` gives them (MMEngine's `meta` argument).
  void save_checkpoint(
      const std::string& out_dir, const std::string& filename, bool save_optimizer = true,
      bool save_param_scheduler = true, bool by_epoch = true,
      std::optional<std::pair<std::int64_t, std::int64_t>> epoch_iter = std::nullopt);
  // Weights only (load_from); strict=false logs missing/unexpected keys.
  void load_checkpoint(const std::string& path, bool strict = false);
  // Full state: model, optimizer, schedulers, counters, message hub, the run
  // seed (into every dataloader and sampler seeded from it) and the random
  // generators (rng_state.h).
  void resume(const std::string& path);

  // ---- hooks ----
  void register_hook(std::shared_ptr<Hook> hook, const config::Value& priority = config::Value());
  // Hook helpers called by loops.
  // A LibTorch error inside a hook names the hook (torch_errors.h).
  template <class F>
  void call_hook(F&& f) {
    for (auto& h : hooks_) {
      try {
        f(*h);
      } catch (const c10::Error& e) {
        rethrow_torch_error(e, h->name());
      }
    }
    for (auto& h : internal_hooks_) f(*h);
  }
  // Human-readable table of hooks per stage (logged at start, as MMEngine).
  std::string hooks_table() const;

 private:
  Runner(const config::Config& cfg, Env& env, std::shared_ptr<dist::DistContext> dist,
         std::unique_ptr<Env> rank_env);
  void setup_env();
  void set_randomness();
  void build_model();
  void register_default_and_custom_hooks();
  void dump_config();
  void build_train_components();
  std::shared_ptr<data::DataLoader> build_dataloader(const char* key, bool training);
  void scale_lr();
  void load_or_resume();
  void check_consistency() const;
  // After a signal stopped training: a resumable checkpoint (through the
  // CheckpointHook when there is one: its out_dir, max_keep_ckpts) and
  // last_checkpoint pointing at it. Returns its path. (runner_checkpoint.cpp)
  std::string save_interrupt_checkpoint();
  // The run seed into the dataloaders (and the samplers seeded from it).
  void propagate_seed();

  // Distributed runs (mmcpp/engine/dist): declared first, destroyed last.
  std::shared_ptr<dist::DistContext> dist_;
  std::unique_ptr<Env> rank_env_;  // non-zero ranks: drops writes (rank 0 writes)
  std::unique_ptr<dist::StopAgreement> stop_agreement_;
  config::Config cfg_;
  Env& env_;
  std::shared_ptr<Logger> logger_;
  // print_log() from library code reaches logger_ while the runner lives.
  std::unique_ptr<CurrentLoggerScope> logger_scope_;
  MessageHub message_hub_;
  std::shared_ptr<LogProcessor> log_processor_;
  std::shared_ptr<visualization::Visualizer> visualizer_;
  std::shared_ptr<BaseModel> model_;
  std::shared_ptr<BaseModel> wrapped_model_;
  std::shared_ptr<OptimWrapper> optim_wrapper_;
  std::vector<std::shared_ptr<ParamScheduler>> param_schedulers_;
  // With an OptimWrapperDict: the schedulers of each wrapper by its name (MMEngine's
  // dict of lists, as checkpoints store them); param_schedulers_ holds them all.
  std::vector<std::pair<std::string, std::vector<std::shared_ptr<ParamScheduler>>>>
      named_param_schedulers_;
  std::shared_ptr<TrainLoop> train_loop_;
  std::shared_ptr<EvalLoop> val_loop_;
  std::shared_ptr<EvalLoop> test_loop_;
  std::vector<std::shared_ptr<Hook>> hooks_;
  std::vector<std::shared_ptr<evaluation::BaseMetric>> extra_test_metrics_;
  // The runner's own stage handlers (the intra-op thread policy): called after
  // hooks_ at every stage, not MMEngine hooks, not in hooks() or the hooks table.
  std::vector<std::shared_ptr<Hook>> internal_hooks_;
  std::shared_ptr<data::DataLoader> train_loader_, val_loader_, test_loader_;

  std::string work_dir_, log_dir_, timestamp_, experiment_name_, loop_stage_;
  std::uint64_t seed_ = 0;
  bool deterministic_ = false;
  bool diff_rank_seed_ = false;
  torch::Device device_ = torch::kCPU;
  int rank_ = 0, world_size_ = 1;
  bool resumed_or_loaded_ = false;
  bool resuming_ = false;
  std::string model_name_;
  std::vector<std::string> command_line_;
  // mutable: a distributed stop_requested() records the signal the ranks agreed on.
  mutable StopRequest stop_;
};

}  // namespace mmcpp::engine
