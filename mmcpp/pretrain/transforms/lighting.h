// Lighting(eigval, eigvec, alphastd=0.1, to_rgb=False) of
// mmpretrain/datasets/transforms/processing.py: AlexNet-style PCA jitter
// through mmcv.adjust_lighting. Adds sum_i eigvec[:, i] * alpha_i * eigval_i
// (alpha ~ N(0, alphastd)) to every pixel (after a BGR -> RGB swap when to_rgb)
// and casts the float result to uint8 WITHOUT clipping, as MMPretrain does:
// out-of-range values wrap.
//
// MMCV draws alpha with np.random.normal(0, alphastd, n) outside any
// @cache_randomness method; it goes through Rng::cached("numpy.random.normal")
// (a list of n values) so a test can replay the oracle's draw.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mmcpp/data/transform.h"
#include "mmcpp/registry/build_args.h"

namespace mmcpp::pretrain {

class Lighting : public data::Transform {
 public:
  struct Options {
    std::vector<double> eigval;
    std::vector<std::vector<double>> eigvec;
    double alphastd = 0.1;
    bool to_rgb = false;
    // repr() prints eigval/eigvec as numpy's tolist(): floats unless all ints.
    bool eigval_ints = false, eigvec_ints = false;
    config::Value alphastd_repr = config::Value(0.1);
  };

  explicit Lighting(Options options);
  static std::shared_ptr<Lighting> from_config(registry::BuildArgs& args);

  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

  // The alpha draw (Rng::cached "numpy.random.normal"); public for tests.
  std::vector<double> draw_alpha(Rng& rng) const;

 private:
  Options o_;
};

}  // namespace mmcpp::pretrain
