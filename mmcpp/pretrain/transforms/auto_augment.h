// AutoAugment and RandAugment of mmpretrain/datasets/transforms/auto_augment.py
// with their preset policies (AUTOAUG_POLICIES 'imagenet', RANDAUG_POLICIES
// 'timm_increasing' and 'simple_increasing').
//
// AutoAugment(policies, hparams=dict(pad_val=128)): a RandomChoice among
// sub-policies (lists of operations); per sample one sub-policy is chosen
// uniformly (Rng::cached "AutoAugment.random_pipeline_index") and its
// operations run in order. As in MMPretrain 1.2, `hparams` are merged into the
// stored policies (repr) but the operations are built from the policies as
// given, so hparams do not reach them.
//
// RandAugment(policies, num_policies, magnitude_level, magnitude_std=0.,
// total_level=10, hparams=dict(pad_val=128)): every policy gets the hparams
// its operation names as arguments (merge_hparams), and those with a
// magnitude_range get magnitude_level / total_level / magnitude_std. Per sample
// num_policies operations are drawn with replacement (Rng::cached
// "RandAugment.random_policy_indices") and run in order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/data/transform.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

// The preset policies, as MMPretrain writes them (tuples, ints and floats
// alike); KeyError-free: an unknown name is an AssertionError listing the presets.
config::Value autoaug_policies(const std::string& name);
config::Value randaug_policies(const std::string& name);

// MMPretrain's merge_hparams: a copy of `policy` with every hparams key that
// the operation's __init__ names as an argument and the policy lacks. The
// operations' argument names are known for the transforms of this package;
// other registered types get no hparams. An unregistered type is an
// AssertionError.
config::Value merge_hparams(const config::Value& policy, const config::Value& hparams);

class AutoAugment : public data::Transform {
 public:
  explicit AutoAugment(registry::BuildArgs& args);
  static std::shared_ptr<AutoAugment> from_config(registry::BuildArgs& args);

  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

  // The merged policies (MMPretrain's self.policies) and the built sub-policies.
  const config::Value& policies() const { return policies_; }
  const std::vector<std::shared_ptr<data::Compose>>& transforms() const { return transforms_; }

 private:
  config::Value policies_;
  config::Value hparams_;
  std::vector<std::shared_ptr<data::Compose>> transforms_;
};

class RandAugment : public data::Transform {
 public:
  explicit RandAugment(registry::BuildArgs& args);
  static std::shared_ptr<RandAugment> from_config(registry::BuildArgs& args);

  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

  const config::Value& policies() const { return policies_; }
  const std::vector<data::TransformPtr>& transforms() const { return transforms_; }

 private:
  std::int64_t num_policies_;
  config::Value magnitude_level_, magnitude_std_, total_level_, hparams_;
  config::Value policies_;
  std::vector<data::TransformPtr> transforms_;
};

}  // namespace mmcpp::pretrain
