// MultiValLoop and MultiTestLoop (mmagic/engine/runner/multi_loops.py):
// validation / testing over several datasets, each with its own evaluator.
//
// dataloader: one dataloader config or a list of them; evaluator, as MMagic's
// loop_utils: dict(type='Evaluator', metrics=...) (one evaluator), a list of
// metric dicts (one evaluator), or a list of evaluator configs / lists (one per
// dataloader). The counts must match. run(): before_val(test) and
// before_val(test)_epoch hooks, then for each (dataloader, evaluator): its
// dataset metainfo to the evaluator, every batch through val_step (test_step)
// with the iteration hooks (batch_idx counts across the datasets), evaluate;
// the metrics of all datasets merged (a repeated key is a ValueError: give the
// metrics of each dataset their own prefix, e.g. 'Set5/PSNR'), then the
// after_*_epoch and after_* hooks. total_length() is the sum of the dataloader
// lengths. fp16 runs the steps under autocast.
#pragma once

#include <memory>
#include <vector>

#include "mmcpp/engine/runner/loops.h"

namespace mmcpp::editing {

class MultiEvalLoop : public engine::EvalLoop {
 public:
  MultiEvalLoop(engine::Runner& runner, std::vector<std::shared_ptr<data::DataLoader>> dataloaders,
                std::vector<std::shared_ptr<evaluation::Evaluator>> evaluators, bool fp16,
                bool test);
  void run() override;
  std::int64_t total_length() const override;
  const std::vector<std::shared_ptr<data::DataLoader>>& dataloaders() const { return loaders_; }
  const std::vector<std::shared_ptr<evaluation::Evaluator>>& evaluators() const {
    return evaluators_;
  }

 protected:
  static std::shared_ptr<MultiEvalLoop> build(registry::BuildArgs& args, bool test);

 private:
  std::vector<std::shared_ptr<data::DataLoader>> loaders_;
  std::vector<std::shared_ptr<evaluation::Evaluator>> evaluators_;
  bool fp16_, test_;
};

class MultiValLoop : public MultiEvalLoop {
 public:
  using MultiEvalLoop::MultiEvalLoop;
  // Example: dict(type='MultiValLoop')
  static std::shared_ptr<MultiEvalLoop> from_config(registry::BuildArgs& args) {
    return build(args, false);
  }
};

class MultiTestLoop : public MultiEvalLoop {
 public:
  using MultiEvalLoop::MultiEvalLoop;
  // Example: dict(type='MultiTestLoop')
  static std::shared_ptr<MultiEvalLoop> from_config(registry::BuildArgs& args) {
    return build(args, true);
  }
};

// loop_utils: the evaluator configs of a multi loop (is_evaluator /
// update_and_check_evaluator), one per dataloader.
std::vector<config::Value> split_evaluator_configs(const config::Value& evaluator);

}  // namespace mmcpp::editing
