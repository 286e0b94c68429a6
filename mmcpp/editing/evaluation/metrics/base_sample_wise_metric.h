// BaseSampleWiseMetric (mmagic/evaluation/metrics/base_sample_wise_metric.py)
// and the pixel metrics of super-resolution: PSNR, SSIM, MAE, MSE, SNR.
//
// process() takes each prediction (a DataSample with gt_img and output.pred_img,
// as BaseEditModel's predict mode gives: CHW, BGR, [0, 255]) and stores one
// value per sample (frames of a (T, C, H, W) sample are averaged);
// compute_metrics() averages them (times `scaling`) into {metric: value}, keys
// prefixed with `prefix` when given ('Set5/PSNR').
//
//  PSNR(gt_key='gt_img', pred_key='pred_img', collect_device='cpu', prefix=None,
//       crop_border=0, input_order='CHW', convert_to=None | 'Y'):
//       img_transform both, mse = mean((a - b)^2) (float32 images),
//       20 log10(255 / sqrt(mse)); inf for identical images.
//  SSIM(same arguments): per channel of the transformed float64 images, with
//       the 11x11 Gaussian window (sigma 1.5, cv2.filter2D, valid region),
//       C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2; channels averaged.
//  SNR(same arguments): 10 log10(mean(gt^2) / mean((gt - pred)^2)).
//  MAE / MSE(gt_key, pred_key, mask_key=None, scaling=1, device='cpu',
//       collect_device='cpu', prefix=None): mean |gt/255 - pred/255| (squared
//       for MSE) in float32 torch arithmetic, over the mask's nonzero pixels
//       when mask_key is given. Averaged in float32 as MMagic's tensors are.
// Metric images are BGR (channel_order 'BGR', what 'Y' assumes).
#pragma once

#include <torch/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mmcpp/evaluation/metric.h"

namespace mmcpp::editing {

struct SampleWiseMetricOptions {
  std::string gt_key = "gt_img";
  std::string pred_key = "pred_img";
  std::optional<std::string> mask_key;
  double scaling = 1;
  std::string device = "cpu";
  std::string collect_device = "cpu";
  std::optional<std::string> prefix;
};

class BaseSampleWiseMetric : public evaluation::BaseMetric {
 public:
  BaseSampleWiseMetric(std::string metric, SampleWiseMetricOptions o);

  void process(const data::DataBatch& batch, const data::DataSamples& predictions) override;
  evaluation::Metrics compute_metrics() override;
  void reset() override { results_.clear(); }

  const std::string& metric() const { return metric_; }
  const SampleWiseMetricOptions& options() const { return o_; }
  // Per-sample values processed since the last evaluate (MMagic's self.results).
  const std::vector<torch::Tensor>& results() const { return results_; }

 protected:
  // One image (CHW, or HWC per input_order). A 0-dim tensor: float64 for the
  // numpy-computed metrics, float32 for MAE/MSE.
  virtual torch::Tensor process_image(const torch::Tensor& gt, const torch::Tensor& pred,
                                      const torch::Tensor& mask) = 0;
  static SampleWiseMetricOptions base_args(registry::BuildArgs& args, bool with_mask_scaling);

 public:
  // gt_key, pred_key, collect_device, prefix (PSNR/SSIM/SNR's arguments).
  static SampleWiseMetricOptions base_args_public(registry::BuildArgs& args) {
    return base_args(args, false);
  }

 protected:
  std::string channel_order_ = "BGR";

 private:
  std::string metric_;
  SampleWiseMetricOptions o_;
  std::vector<torch::Tensor> results_;
};

// PSNR / SSIM / SNR: crop_border, input_order, convert_to.
struct ImageMetricOptions {
  SampleWiseMetricOptions base;
  std::int64_t crop_border = 0;
  std::string input_order = "CHW";
  std::optional<std::string> convert_to;
  static ImageMetricOptions from_args(registry::BuildArgs& args);
};

class PSNR : public BaseSampleWiseMetric {
 public:
  explicit PSNR(ImageMetricOptions o) : BaseSampleWiseMetric("PSNR", o.base), io_(std::move(o)) {}
  // Example: dict(type='PSNR', crop_border=2)
  static std::shared_ptr<PSNR> from_config(registry::BuildArgs& args);

 protected:
  torch::Tensor process_image(const torch::Tensor& gt, const torch::Tensor& pred,
                              const torch::Tensor& mask) override;

 private:
  ImageMetricOptions io_;
};

class SSIM : public BaseSampleWiseMetric {
 public:
  explicit SSIM(ImageMetricOptions o) : BaseSampleWiseMetric("SSIM", o.base), io_(std::move(o)) {}
  // Example: dict(type='SSIM', crop_border=2)
  static std::shared_ptr<SSIM> from_config(registry::BuildArgs& args);

 protected:
  torch::Tensor process_image(const torch::Tensor& gt, const torch::Tensor& pred,
                              const torch::Tensor& mask) override;

 private:
  ImageMetricOptions io_;
};

class SNR : public BaseSampleWiseMetric {
 public:
  explicit SNR(ImageMetricOptions o) : BaseSampleWiseMetric("SNR", o.base), io_(std::move(o)) {}
  // Example: dict(type='SNR', crop_border=2)
  static std::shared_ptr<SNR> from_config(registry::BuildArgs& args);

 protected:
  torch::Tensor process_image(const torch::Tensor& gt, const torch::Tensor& pred,
                              const torch::Tensor& mask) override;

 private:
  ImageMetricOptions io_;
};

class MAE : public BaseSampleWiseMetric {
 public:
  explicit MAE(SampleWiseMetricOptions o) : BaseSampleWiseMetric("MAE", std::move(o)) {}
  // Example: dict(type='MAE')
  static std::shared_ptr<MAE> from_config(registry::BuildArgs& args);

 protected:
  torch::Tensor process_image(const torch::Tensor& gt, const torch::Tensor& pred,
                              const torch::Tensor& mask) override;
};

class MSE : public BaseSampleWiseMetric {
 public:
  explicit MSE(SampleWiseMetricOptions o) : BaseSampleWiseMetric("MSE", std::move(o)) {}
  // Example: dict(type='MSE')
  static std::shared_ptr<MSE> from_config(registry::BuildArgs& args);

 protected:
  torch::Tensor process_image(const torch::Tensor& gt, const torch::Tensor& pred,
                              const torch::Tensor& mask) override;
};

// The functional forms (mmagic's psnr(), ssim(), snr()) on two images.
double psnr(const torch::Tensor& img1, const torch::Tensor& img2, std::int64_t crop_border = 0,
            const std::string& input_order = "HWC",
            const std::optional<std::string>& convert_to = std::nullopt,
            const std::string& channel_order = "rgb");
double ssim(const torch::Tensor& img1, const torch::Tensor& img2, std::int64_t crop_border = 0,
            const std::string& input_order = "HWC",
            const std::optional<std::string>& convert_to = std::nullopt,
            const std::string& channel_order = "rgb");
double snr(const torch::Tensor& gt, const torch::Tensor& pred, std::int64_t crop_border = 0,
           const std::string& input_order = "HWC",
           const std::optional<std::string>& convert_to = std::nullopt,
           const std::string& channel_order = "rgb");

}  // namespace mmcpp::editing
