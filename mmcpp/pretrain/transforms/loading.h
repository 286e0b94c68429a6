// LoadImageFromFile (mmcv/transforms/loading.py), registered in MMPretrain's
// TRANSFORMS as mmpretrain/datasets/transforms/__init__.py re-registers it.
//
// dict(type='LoadImageFromFile', to_float32=False, color_type='color',
//      imdecode_backend='cv2', file_client_args=None, ignore_empty=False,
//      backend_args=None)
// Reads results['img_path'] through Env (a local path; file_client_args /
// backend_args are accepted, and only local files are supported) and decodes
// it with OpenCV: BGR uint8 (H, W, 3) for 'color', (H, W) for 'grayscale'.
// Sets img, img_shape, ori_shape. As in MMCV, a missing or empty file is an
// error naming it, or drops the sample (returns false) with ignore_empty; a
// file OpenCV cannot decode is an AssertionError "failed to load image: <path>"
// either way (MMCV's assert sits outside its try block).
#pragma once

#include <optional>
#include <string>

#include "mmcpp/config/value.h"
#include "mmcpp/data/transform.h"

namespace mmcpp {
class Env;
}

namespace mmcpp::pretrain {

class LoadImageFromFile : public data::Transform {
 public:
  struct Options {
    bool to_float32 = false;
    std::string color_type = "color";
    std::string imdecode_backend = "cv2";
    config::Value file_client_args;  // None or a dict
    bool ignore_empty = false;
    config::Value backend_args;  // None or a dict
  };
  explicit LoadImageFromFile(Options options, Env* env = nullptr);
  static std::shared_ptr<LoadImageFromFile> from_config(registry::BuildArgs& args);

  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  Options o_;
  Env* env_;
};

}  // namespace mmcpp::pretrain
