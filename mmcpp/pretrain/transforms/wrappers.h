// Transform wrappers of MMCV (mmcv/transforms/wrappers.py: RandomChoice,
// RandomApply; mmcv/transforms/processing.py: TestTimeAug), registered in
// MMPretrain's TRANSFORMS.
//
// dict(type='RandomApply', transforms, prob=0.5)
//   random_apply: rng.cached("RandomApply.random_apply") = uniform() < prob.
// dict(type='RandomChoice', transforms=[[...], [...]], prob=None)
//   random_pipeline_index: rng.cached("RandomChoice.random_pipeline_index"),
//   numpy.random.choice over the pipelines (uniform randint without prob).
// dict(type='TestTimeAug', transforms=[[t1a, t1b], [t2a, t2b, t2c], ...])
//   One branch per element of the product of the lists (t1a+t2a, t1a+t2b, ...,
//   in itertools.product order), each run on a deep copy of the results.
//
// TestTimeAug's output. MMCV returns {key: [value of branch 0, branch 1, ...]}.
// data::Results holds one image and one packed sample, so here:
//   - info[key] = [the branches' values] for every info key of branch 0
//     (Python's aug_data_dict, for plain values);
//   - the branches' complete Results (images, packed samples when the branches
//     end with PackInputs) in order, read with tta_branches(results);
//   - results.arrays are cleared; results.packed is, when every branch ended
//     with PackInputs, one sample carrying the branches' packed samples in
//     order (data/tta_views.h: BaseTTAModel.test_step runs one batch per
//     branch), else cleared.
// A model's test-time augmentation reads tta_branches() and runs each packed
// sample.
#pragma once

#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/data/transform.h"

namespace mmcpp::pretrain {

class RandomApply : public data::Transform {
 public:
  RandomApply(std::shared_ptr<data::Compose> transforms, double prob);
  static std::shared_ptr<RandomApply> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  std::shared_ptr<data::Compose> transforms_;
  double prob_;
};

class RandomChoice : public data::Transform {
 public:
  RandomChoice(std::vector<std::shared_ptr<data::Compose>> transforms, std::vector<double> prob,
               config::Value prob_value);
  static std::shared_ptr<RandomChoice> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;
  std::size_t random_pipeline_index(Rng& rng) const;

 private:
  std::vector<std::shared_ptr<data::Compose>> transforms_;
  std::vector<double> prob_;  // empty: uniform
  config::Value prob_value_;
};

class TestTimeAug : public data::Transform {
 public:
  explicit TestTimeAug(std::vector<std::vector<data::TransformPtr>> transforms);
  static std::shared_ptr<TestTimeAug> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;
  // Each branch applied to a deep copy of `results`, in product order.
  // AssertionError when a branch drops the sample (MMCV asserts too).
  std::vector<data::Results> run_branches(const data::Results& results, Rng& rng) const;
  std::size_t num_branches() const { return subroutines_.size(); }

 private:
  std::vector<std::shared_ptr<data::Compose>> subroutines_;
};

// The branches TestTimeAug left in `results` (nullptr when it has not run).
const std::vector<data::Results>* tta_branches(const data::Results& results);

// A deep copy of results: info deep-copied, tensors cloned.
data::Results deep_copy_results(const data::Results& results);

}  // namespace mmcpp::pretrain
