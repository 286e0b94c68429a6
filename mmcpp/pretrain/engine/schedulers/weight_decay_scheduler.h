// CosineAnnealingWeightDecay (mmpretrain/engine/schedulers/weight_decay_scheduler.py):
// MMEngine's CosineAnnealingParamScheduler on `weight_decay`, except that a
// group whose initial weight decay is 0 (norm layers and biases under
// paramwise_cfg decay multipliers of 0) stays at 0 instead of being annealed
// towards eta_min.
//
// Arguments as MMEngine's cosine scheduler minus `param_name` (fixed):
// T_max=None (-> end - begin), eta_min=None, begin=0, end=INF, last_step=-1,
// by_epoch=True, verbose=False, eta_min_ratio=None (at most one of eta_min /
// eta_min_ratio; neither: eta_min=0.), convert_to_iter_based (T_max, begin and
// end times epoch_length). eta_min may be above the initial value: MMPretrain's
// SparK configs raise weight decay from 0.04 to eta_min=0.2 this way.
//
// Example: dict(type='CosineAnnealingWeightDecay', eta_min=0.2, T_max=800, by_epoch=True)
#pragma once

#include <cstdint>
#include <memory>

#include "mmcpp/config/value.h"
#include "mmcpp/engine/schedulers/param_scheduler.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class CosineAnnealingWeightDecay : public engine::ParamScheduler {
 public:
  CosineAnnealingWeightDecay(const engine::SchedulerArgs& args, std::int64_t t_max,
                             config::Value eta_min, config::Value eta_min_ratio);

  // PARAM_SCHEDULERS factory (objects "optimizer" and "epoch_length" as every
  // scheduler); `param_name` in the config is a TypeError, as in Python.
  static std::shared_ptr<engine::ParamScheduler> from_config(registry::BuildArgs& args);

  std::int64_t T_max() const { return t_max_; }

 protected:
  std::vector<double> get_value() override;
  void save_extra_state(config::Dict& state) const override;
  void load_extra_state(const config::Dict& state) override;

 private:
  double eta_min(double base) const;

  std::int64_t t_max_;
  config::Value eta_min_, eta_min_ratio_;
};

}  // namespace mmcpp::pretrain
