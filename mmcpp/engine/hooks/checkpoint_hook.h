// CheckpointHook (mmengine/hooks/checkpoint_hook.py): saves epoch_N.pth /
// iter_N.pth every `interval`, keeps `max_keep_ckpts`, tracks the best
// checkpoint per `save_best` metric (best_<metric>_epoch_N.pth), writes
// work_dir/last_checkpoint, and publishes stripped copies (`published_keys`).
// All bookkeeping lives in the message hub, so it survives resume.
//
// Unlike MMEngine, an old checkpoint beyond max_keep_ckpts is deleted only
// after the new one is safely on disk and last_checkpoint points at it, so a
// failed save (disk full) leaves the previous checkpoint usable; likewise the
// previous best checkpoint goes only after the new best is written. The checkpoint
// a signal leaves (save_interrupted) goes to out_dir and takes its place among
// the max_keep_ckpts kept; the kept files are listed in the message hub under
// `keep_ckpt_ids` (MMEngine's step numbers) and `keep_ckpt_files` (mmcpp's
// file names, interrupt checkpoints included, oldest first).
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/engine/hooks/hook.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::engine {

class CheckpointHook : public Hook {
 public:
  struct Options {
    std::int64_t interval = -1;
    bool by_epoch = true;
    bool save_optimizer = true;
    bool save_param_scheduler = true;
    std::optional<std::string> out_dir;
    std::int64_t max_keep_ckpts = -1;
    bool save_last = true;
    std::vector<std::string> save_best;  // empty: off; ["auto"]: first metric
    std::vector<std::string> rule;       // "greater" / "less" / "" (infer)
    std::vector<std::string> greater_keys = default_greater_keys();
    std::vector<std::string> less_keys = default_less_keys();
    std::optional<std::string> filename_tmpl;
    std::vector<std::string> published_keys;
    std::int64_t save_begin = 0;
  };

  explicit CheckpointHook(Options options);
  static std::shared_ptr<CheckpointHook> from_config(registry::BuildArgs& args);

  std::string name() const override { return "CheckpointHook"; }
  std::vector<std::string> stages() const override {
    return {"before_train", "after_train_iter", "after_train_epoch", "after_val_epoch",
            "after_train"};
  }
  void before_train(Runner& runner) override;
  void after_train_epoch(Runner& runner) override;
  void after_train_iter(Runner& runner, std::int64_t batch_idx, const data::DataBatch* batch,
                        const NamedTensors& outputs) override;
  void after_val_epoch(Runner& runner, const evaluation::Metrics& metrics) override;
  void after_train(Runner& runner) override;

  const std::string& out_dir() const { return out_dir_; }
  // After a signal stopped training mid-way: iter_<iter>.pth with the counters
  // reached (optimizer and schedulers always), in out_dir, counted among
  // max_keep_ckpts, last_checkpoint pointing at it. Returns its path.
  std::string save_interrupted(Runner& runner);
  // "greater"/"less" for a metric name by MMEngine's inference rules; ValueError if none applies.
  static std::string infer_rule(const std::string& key,
                                const std::vector<std::string>& greater_keys,
                                const std::vector<std::string>& less_keys);

 private:
  struct Kept {
    std::string file;        // in out_dir
    std::int64_t step = -1;  // the filename_tmpl step; -1 for an interrupt checkpoint
  };

  void save(Runner& runner);
  void save_with_step(Runner& runner, std::int64_t step,
                      std::pair<std::int64_t, std::int64_t> meta);
  // Saves out_dir/filename, then last_checkpoint, then deletes what
  // max_keep_ckpts no longer keeps.
  void save_kept(Runner& runner, const Kept& entry, bool save_optimizer, bool save_param_scheduler,
                 std::pair<std::int64_t, std::int64_t> meta);
  void publish_kept(Runner& runner) const;
  void resolve_out_dir(Runner& runner);
  void save_best(Runner& runner, const evaluation::Metrics& metrics);
  void init_rules(const std::vector<std::string>& keys);
  void publish(Runner& runner, const std::string& ckpt_path);
  std::string filename_for(std::int64_t step) const;

  Options o_;
  std::string filename_tmpl_;
  std::string out_dir_;
  std::vector<std::string> key_indicators_;
  std::vector<std::string> rules_;
  std::map<std::string, std::string> best_ckpt_path_;  // by key indicator
  std::deque<Kept> keep_ckpts_;                        // oldest first
  std::optional<std::string> last_ckpt_;
};

}  // namespace mmcpp::engine
