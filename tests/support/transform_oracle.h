// The transform oracle (MMCPP_ORACLE_DIR/transforms): one MMPretrain/MMCV
// transform applied to a real photograph, with the values MMPretrain's
// @cache_randomness methods returned, and the output pixels.
//
// run_transform_case() loads the input as MMCV's LoadImageFromFile does (cv2,
// BGR uint8), builds the case's transform through the mmpretrain TRANSFORMS
// registry, replays the recorded random values through mmcpp::Rng, and returns
// the results. expect_matches_oracle() compares the image with the case's
// tolerance (README: bit-exact, |diff| <= 1 on <= 2 %, Pillow-level, Lighting).
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "mmcpp/config/value.h"
#include "mmcpp/data/transform.h"

namespace mmcpp::testing {

struct TransformCase {
  std::string name;
  config::Value spec;  // the whole case JSON, decoded
  cv::Mat input;       // BGR uint8, as LoadImageFromFile gives
  cv::Mat expected;    // imread(IMREAD_UNCHANGED) of the output PNG
};

// Names of the cases whose transform type (the case's transform.type) is in
// `types`; every case when `types` is empty. Throws when the oracle is absent.
std::vector<std::string> transform_case_names(const std::vector<std::string>& types = {});

TransformCase load_transform_case(const std::string& name);

// Results as LoadImageFromFile leaves them: img, img_path, img_shape, ori_shape.
data::Results loaded_results(const TransformCase& c);

// Builds the transform (scope mmpretrain), replays the recorded random values
// and applies it to loaded_results(). Also checks every recorded value was used.
// Replayed: the @cache_randomness returns, then the draws MMCV makes outside
// such methods (mmcv.cutout's np.random.uniform(n), adjust_lighting's
// np.random.normal(0, std, n)) under the names "numpy.random.uniform" /
// "numpy.random.normal", which the transforms pass to Rng::cached.
data::Results run_transform_case(const TransformCase& c);

// Compares `got` (the transform's "img") with the expected output under the
// case's tolerance; adds a gtest failure describing the worst difference.
void expect_matches_oracle(const TransformCase& c, const data::Results& got);

// Compares the case's results_after keys (img_shape, scale_factor, flip, ...)
// with `got.info` numerically (tuples and lists alike; floats to 1e-9).
void expect_results_after(const TransformCase& c, const data::Results& got);

}  // namespace mmcpp::testing
