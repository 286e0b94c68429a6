// Loops (mmengine/runner/loops.py): EpochBasedTrainLoop, IterBasedTrainLoop,
// ValLoop, TestLoop. A loop drives its dataloader and calls the runner's hooks.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "mmcpp/data/dataloader.h"
#include "mmcpp/evaluation/metric.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class Runner;

class BaseLoop {
 public:
  virtual ~BaseLoop() = default;
  virtual void run() = 0;
  data::DataLoader& dataloader() { return *dataloader_; }
  std::shared_ptr<data::DataLoader> dataloader_ptr() { return dataloader_; }

 protected:
  BaseLoop(Runner& runner, std::shared_ptr<data::DataLoader> loader)
      : runner_(runner), dataloader_(std::move(loader)) {}
  Runner& runner_;
  std::shared_ptr<data::DataLoader> dataloader_;
};

class TrainLoop : public BaseLoop {
 public:
  std::int64_t epoch() const { return epoch_; }
  std::int64_t iter() const { return iter_; }
  std::int64_t max_epochs() const { return max_epochs_; }
  std::int64_t max_iters() const { return max_iters_; }
  std::int64_t val_begin() const { return val_begin_; }
  std::int64_t val_interval() const { return val_interval_; }
  bool by_epoch() const { return by_epoch_; }
  // Stopping (EarlyStoppingHook, a signal, Runner::request_stop) goes through
  // the runner's one StopRequest: every loop stops after the iteration running.
  // Restored by resume.
  void set_counters(std::int64_t epoch, std::int64_t iter) {
    epoch_ = epoch;
    iter_ = iter;
  }

 protected:
  TrainLoop(Runner& runner, std::shared_ptr<data::DataLoader> loader, bool by_epoch,
            std::int64_t val_begin, std::int64_t val_interval,
            std::vector<std::pair<std::int64_t, std::int64_t>> dynamic_intervals);
  // One iteration: hooks around model.train_step.
  void run_iter(std::int64_t batch_idx, const data::DataBatch& batch);
  // dynamic_intervals: switch val_interval once a milestone is passed.
  void decide_current_val_interval(std::int64_t progress);

  bool by_epoch_;
  std::int64_t epoch_ = 0, iter_ = 0, max_epochs_ = 0, max_iters_ = 0;
  std::int64_t val_begin_, val_interval_;
  std::vector<std::int64_t> dynamic_milestones_, dynamic_intervals_;
};

class EpochBasedTrainLoop : public TrainLoop {
 public:
  EpochBasedTrainLoop(Runner& runner, std::shared_ptr<data::DataLoader> loader,
                      std::int64_t max_epochs, std::int64_t val_begin, std::int64_t val_interval,
                      std::vector<std::pair<std::int64_t, std::int64_t>> dynamic_intervals);
  void run() override;

 private:
  void run_epoch();
};

class IterBasedTrainLoop : public TrainLoop {
 public:
  IterBasedTrainLoop(Runner& runner, std::shared_ptr<data::DataLoader> loader,
                     std::int64_t max_iters, std::int64_t val_begin, std::int64_t val_interval,
                     std::vector<std::pair<std::int64_t, std::int64_t>> dynamic_intervals);
  void run() override;
};

// A validation or test loop: ValLoop / TestLoop, or a package's own (MMagic's
// MultiValLoop evaluates several datasets). The runner holds one of each kind.
class EvalLoop : public BaseLoop {
 public:
  // The metrics of the last run().
  evaluation::Metrics last_metrics() const { return metrics_; }
  // The last run() was ended by a stop request (no metrics, no after_* hooks).
  bool interrupted() const { return interrupted_; }
  // Batches one run() goes through (the "[i/N]" of the val/test log lines).
  virtual std::int64_t total_length() const {
    return static_cast<std::int64_t>(dataloader_->num_batches());
  }

 protected:
  using BaseLoop::BaseLoop;
  evaluation::Metrics metrics_;
  bool interrupted_ = false;
};

// fp16=True runs val_step/test_step under autocast on the runner's device type
// (MMEngine's `with autocast(enabled=self.fp16)`: bfloat16 on the CPU, float16 on
// CUDA). Metrics are computed for the loader's dataset_size() (after
// num_batch_per_epoch slicing), as MMEngine's len(self.dataloader.dataset).
class ValLoop : public EvalLoop {
 public:
  ValLoop(Runner& runner, std::shared_ptr<data::DataLoader> loader,
          std::shared_ptr<evaluation::Evaluator> evaluator, bool fp16);
  // Runs the loop; a stop request ends it at the next iteration, without
  // metrics and without the after_*_epoch / after_* hooks (interrupted() then
  // says so).
  void run() override;
  bool fp16() const { return fp16_; }

 private:
  std::shared_ptr<evaluation::Evaluator> evaluator_;
  bool fp16_;
};

class TestLoop : public EvalLoop {
 public:
  TestLoop(Runner& runner, std::shared_ptr<data::DataLoader> loader,
           std::shared_ptr<evaluation::Evaluator> evaluator, bool fp16);
  // Runs the loop; a stop request ends it at the next iteration, without
  // metrics and without the after_*_epoch / after_* hooks (interrupted() then
  // says so).
  void run() override;
  evaluation::Evaluator& evaluator() { return *evaluator_; }
  bool fp16() const { return fp16_; }

 private:
  std::shared_ptr<evaluation::Evaluator> evaluator_;
  bool fp16_;
};

// Runner.build_train_loop: `cfg` is train_cfg (type, or the by_epoch shorthand).
std::shared_ptr<TrainLoop> build_train_loop(Runner& runner, const config::Value& cfg,
                                            std::shared_ptr<data::DataLoader> loader);
// Runner.build_val_loop / build_test_loop: the loop named by `cfg` (default
// ValLoop / TestLoop) gets the runner and the raw dataloader and evaluator
// configs (objects "dataloader_cfg", "evaluator_cfg"); ValLoop and TestLoop
// build one dataloader and one evaluator from them (or take built ones passed
// as "dataloader" / "evaluator"), multi-dataset loops build several.
std::shared_ptr<EvalLoop> build_val_loop(Runner& runner, const config::Value& cfg,
                                         const config::Value& dataloader_cfg,
                                         const config::Value& evaluator_cfg);
std::shared_ptr<EvalLoop> build_test_loop(Runner& runner, const config::Value& cfg,
                                          const config::Value& dataloader_cfg,
                                          const config::Value& evaluator_cfg);

// Helpers for loop factories: the runner / one dataloader / one evaluator a
// loop's BuildArgs carry (built from the *_cfg objects when not given built).
Runner& loop_runner(registry::BuildArgs& a);
std::shared_ptr<data::DataLoader> loop_dataloader(registry::BuildArgs& a);
std::shared_ptr<evaluation::Evaluator> loop_evaluator(registry::BuildArgs& a);
// Runner.build_dataloader for evaluation (seed, rank and world size of the runner).
std::shared_ptr<data::DataLoader> build_eval_dataloader(Runner& runner, const config::Value& cfg);

}  // namespace mmcpp::engine
