// DataPreprocessor (mmagic/models/data_preprocessors/data_preprocessor.py):
// MMagic's ImgDataPreprocessor for editing models.
//
// DataPreprocessor(mean=127.5, std=127.5, pad_size_divisor=1, pad_value=0,
//   pad_mode='constant', non_image_keys=None, non_concentate_keys=None,
//   output_channel_order=None ('RGB' | 'BGR'), data_keys='gt_img',
//   input_view=None, output_view=None, stack_data_sample=True)
// mean/std: a number or a list of 1 or 3 (both None: no normalisation); kept
// as (C, 1, 1) float32 tensors, not in the state dict (non-persistent buffers).
//
// forward(batch, training), after copying the samples to the device:
//  - inputs: a stacked (N, C, H, W) tensor is converted to output_channel_order
//    (from the samples' img_channel_order / img_color_type), normalised, then
//    padded at the bottom/right to multiples of pad_size_divisor; a list
//    (pseudo_collate, MMagic's default) is padded to the largest size (rounded
//    up to the divisor), stacked, converted, then normalised. Each sample gets
//    metainfo padding_size = [0, pad_h, pad_w] and img_output_channel_order.
//  - data_keys fields (gt_img): training: converted to output_channel_order and
//    normalised (float32); eval: converted to BGR, not normalised (dtype kept).
//    Metainfo <key>_enable_norm (normalisation configured, even in eval),
//    <key>_output_channel_order, <key>_mean, <key>_std (lists of floats).
// destruct(outputs, samples): x * std + mean, RGB -> BGR when the samples'
// img_output_channel_order says rgb, un-padded with the FIRST sample's
// padding_size (in input pixels, also for an upscaled output), clamped to
// [0, 255]. Without samples: de-normalise and clamp only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/engine/model/base_data_preprocessor.h"

namespace mmcpp::editing {

struct DataPreprocessorOptions {
  std::optional<std::vector<double>> mean = std::vector<double>{127.5};
  std::optional<std::vector<double>> std_ = std::vector<double>{127.5};  // Python's `std`
  std::int64_t pad_size_divisor = 1;
  double pad_value = 0;
  std::string pad_mode = "constant";
  std::vector<std::string> non_image_keys;       // added to ['noise']
  std::vector<std::string> non_concentate_keys;  // added to MMagic's list
  std::optional<std::string> output_channel_order;
  std::vector<std::string> data_keys = {"gt_img"};
  std::optional<std::vector<std::int64_t>> input_view, output_view;
  bool stack_data_sample = true;
};

class DataPreprocessor : public engine::BaseDataPreprocessor {
 public:
  explicit DataPreprocessor(DataPreprocessorOptions o);
  // Example: dict(type='DataPreprocessor', mean=[0., 0., 0.], std=[255., 255., 255.])
  static std::shared_ptr<DataPreprocessor> from_config(registry::BuildArgs& args);

  data::DataBatch forward(const data::DataBatch& batch, bool training) override;

  // `samples` may be empty (MMagic's data_samples=None).
  torch::Tensor destruct(const torch::Tensor& outputs, const data::DataSamples& samples,
                         const std::string& key = "img") const;

  const DataPreprocessorOptions& options() const { return o_; }
  bool enable_normalize() const { return mean_.defined(); }
  const torch::Tensor& mean() const { return mean_; }
  const torch::Tensor& std() const { return std_; }

 private:
  // 'single', 'BGR', 'RGB' or the metainfo's order for `key` of one sample.
  std::string parse_channel_order(const std::string& key, const torch::Tensor& inputs,
                                  std::int64_t channel_index, const DataSample* sample) const;
  std::string parse_batch_channel_order(const std::string& key,
                                        const std::vector<torch::Tensor>& per_sample,
                                        const std::vector<DataSamplePtr>& samples) const;
  // Returns the converted tensor and the order after conversion.
  std::pair<torch::Tensor, std::string> do_conversion(
      const torch::Tensor& inputs, const std::string& inputs_order,
      const std::optional<std::string>& target) const;
  torch::Tensor do_norm(const torch::Tensor& inputs, bool do_norm) const;
  torch::Tensor preprocess_image_tensor(const torch::Tensor& inputs,
                                        std::vector<DataSamplePtr>& samples,
                                        const std::string& key) const;
  torch::Tensor preprocess_image_list(const std::vector<torch::Tensor>& inputs,
                                      std::vector<DataSamplePtr>& samples,
                                      const std::string& key) const;
  void preprocess_data_sample(std::vector<DataSamplePtr>& samples, bool training) const;
  torch::Tensor pad(const torch::Tensor& t, std::int64_t pad_h, std::int64_t pad_w) const;

  DataPreprocessorOptions o_;
  torch::Tensor mean_, std_;  // (C, 1, 1) float32 on the CPU; undefined: no normalising
};

}  // namespace mmcpp::editing
