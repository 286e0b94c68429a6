// Shape augmentations of mmagic/datasets/transforms/aug_shape.py.
//
// Flip(keys, flip_ratio=0.5, direction='horizontal'|'vertical'): always draws
//   u = np.random.random() and flips every key in place when u < flip_ratio
//   (cv2.flip(img, code, img): a crop view flips inside its parent image; a
//   transposed view is cv2's "Layout of the output array dst is incompatible
//   with cv::Mat" error). Appends dict(keys, direction, ratio, flip) to
//   results['flip_infos'].
// RandomTransposeHW(keys, transpose_ratio=0.5): always draws u; when
//   u < transpose_ratio every key becomes arr.transpose(1, 0, 2) (a view; a 2-D
//   array is numpy's ValueError). Sets results['transpose'].
// Resize(keys='img', scale=None, keep_ratio=False, size_factor=None,
//   max_size=None, interpolation='bilinear', backend=None, output_keys=None):
//   mmcv.imresize to scale (w, h) or, keep_ratio, mmcv.imrescale by a factor or
//   edges ((-1, n): the short edge to n); size_factor crops the target size of
//   the first key down to multiples (capped by max_size). Sets
//   <out_key>_shape, copies ori_<key>_shape / <key>_channel_order /
//   <key>_color_type to the output key, and scale_factor, keep_ratio,
//   interpolation, backend.
// Draws go through Rng::cached("numpy.random.random") (replayable in tests).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/data/transform.h"

namespace mmcpp::editing {

class Flip : public data::Transform {
 public:
  Flip(std::vector<std::string> keys, double flip_ratio, std::string direction);
  // Example: dict(type='Flip', keys=['img', 'gt'], flip_ratio=0.5, direction='horizontal')
  static std::shared_ptr<Flip> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  std::vector<std::string> keys_;
  double flip_ratio_;
  std::string direction_;
};

class RandomTransposeHW : public data::Transform {
 public:
  RandomTransposeHW(std::vector<std::string> keys, double transpose_ratio);
  // Example: dict(type='RandomTransposeHW', keys=['img', 'gt'], transpose_ratio=0.5)
  static std::shared_ptr<RandomTransposeHW> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  std::vector<std::string> keys_;
  double transpose_ratio_;
};

struct ResizeOptions {
  std::vector<std::string> keys = {"img"};
  // scale: none, a float factor, or integer edges (w, h) / (-1, n).
  std::optional<double> scale_factor_arg;
  std::optional<std::pair<std::int64_t, std::int64_t>> scale_edges;
  bool keep_ratio = false;
  std::optional<std::int64_t> size_factor;
  std::optional<std::int64_t> max_size;
  std::string interpolation = "bilinear";
  std::optional<std::string> backend;
  std::vector<std::string> output_keys;  // empty: the keys
};

class Resize : public data::Transform {
 public:
  explicit Resize(ResizeOptions o);
  // Example: dict(type='Resize', keys=['img'], scale=(64, 64))
  static std::shared_ptr<Resize> from_config(registry::BuildArgs& args);
  bool transform(data::Results& results, Rng& rng) const override;
  std::string repr() const override;

 private:
  ResizeOptions o_;
};

}  // namespace mmcpp::editing
