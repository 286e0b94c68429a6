// RandomFlip (mmcv/transforms/processing.py, re-registered by MMPretrain).
//
// dict(type='RandomFlip', prob=None, direction='horizontal', swap_seg_labels=None)
// prob: a float (split evenly over the directions) or one float per direction
// (their sum <= 1); direction: 'horizontal', 'vertical', 'diagonal' or a list
// of them. The choice goes through rng.cached("RandomFlip._choose_direction")
// and returns the direction or None, drawn as numpy.random.choice does (one
// uniform number against the cumulative probabilities). Sets flip and
// flip_direction; flips img, gt_bboxes (N, 4k) and gt_seg_map.
#pragma once

#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/data/transform.h"

namespace mmcpp::pretrain {

class RandomFlip : public data::Transform {
 public:
  struct Options {
    config::Value prob;  // float or list of floats (None is an error, as in MMCV)
    config::Value direction = config::Value("horizontal");
    config::Value swap_seg_labels;  // None or a sequence of label pairs
  };
  explicit RandomFlip(Options options);
  static std::shared_ptr<RandomFlip> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;
  // The chosen direction, or "" for no flip.
  std::string choose_direction(Rng& rng) const;

 private:
  Options o_;
  std::vector<std::string> directions_;  // the candidates, without the final None
  std::vector<double> probs_;            // one per candidate plus the no-flip one
};

// numpy.random.choice(n, p=probs) with one uniform draw: the first index whose
// normalised cumulative probability exceeds u. ValueError unless the
// probabilities are non-negative and sum to 1 (numpy's tolerance).
std::size_t choice_index(const std::vector<double>& probs, Rng& rng);

}  // namespace mmcpp::pretrain
