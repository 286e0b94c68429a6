// LoadImageFromFile (mmagic/datasets/transforms/loading.py): MMagic's loader,
// not MMCV's. Reads results['<key>_path'] and sets
//   <key>                 the image, (H, W, C) uint8 (float32 with to_float32);
//                         a 2-D decode (grayscale) gets a channel axis
//   ori_<key>_shape       its shape, a tuple
//   <key>_channel_order   channel_order as given ('rgb' converts the decode)
//   <key>_color_type      color_type as given
//   ori_<key>             a copy of the image, with save_original_img
// It sets neither img_shape nor ori_shape. to_y_channel keeps the Y channel
// (mmcv's rgb2ycbcr/bgr2ycbcr by channel_order). Only the cv2 decoder and local
// files exist here: imdecode_backend None or 'cv2', backend_args None or a
// local backend. Frame lists (a list of paths) are NotImplementedError.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "mmcpp/data/transform.h"

namespace mmcpp::editing {

struct LoadImageFromFileOptions {
  std::string key;
  std::string color_type = "color";
  std::string channel_order = "bgr";
  std::optional<std::string> imdecode_backend;
  bool use_cache = false;
  bool to_float32 = false;
  bool to_y_channel = false;
  bool save_original_img = false;
  config::Value backend_args;
};

class LoadImageFromFile : public data::Transform {
 public:
  explicit LoadImageFromFile(LoadImageFromFileOptions o);
  // Example: dict(type='LoadImageFromFile', key='img', channel_order='rgb')
  static std::shared_ptr<LoadImageFromFile> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;
  const LoadImageFromFileOptions& options() const { return o_; }

 private:
  std::string read_bytes(const std::string& path) const;

  LoadImageFromFileOptions o_;
  // use_cache: the file bytes by path (shared by the loader's threads).
  mutable std::mutex cache_mutex_;
  mutable std::map<std::string, std::string> cache_;
};

}  // namespace mmcpp::editing
