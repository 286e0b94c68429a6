#include "mmcpp/editing/evaluation/metrics/base_sample_wise_metric.h"

#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <limits>
#include <sstream>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/evaluation/metrics/metrics_utils.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

namespace {

// numpy's pairwise summation of float32 (loops_utils.h: 8 accumulators,
// blocks of 128, halves rounded to multiples of 8), accumulated in float32.
float pairwise_sum(const float* a, std::int64_t n) {
  if (n < 8) {
    float res = 0.f;
    for (std::int64_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    float r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::int64_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

// np.mean of a float32 array: float32(float64(sum32) / n).
float np_mean(const std::vector<float>& v) {
  if (v.empty()) return std::numeric_limits<float>::quiet_NaN();
  float s = pairwise_sum(v.data(), static_cast<std::int64_t>(v.size()));
  return static_cast<float>(static_cast<double>(s) / static_cast<double>(v.size()));
}

std::vector<float> values_of(const cv::Mat& m) {
  std::vector<float> out;
  out.reserve(m.total() * m.channels());
  for (int r = 0; r < m.rows; ++r) {
    const float* p = m.ptr<float>(r);
    out.insert(out.end(), p, p + m.cols * m.channels());
  }
  return out;
}

void check_same_shape(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes()) {
    std::ostringstream os;
    os << "Image shapes are different: " << a.sizes() << ", " << b.sizes() << ".";
    throw Error("AssertionError", os.str());
  }
}

torch::Tensor scalar64(double v) { return torch::tensor(v, torch::kDouble); }

double ssim_channel(const cv::Mat& img1, const cv::Mat& img2) {
  const double C1 = (0.01 * 255) * (0.01 * 255);
  const double C2 = (0.03 * 255) * (0.03 * 255);
  cv::Mat k = cv::getGaussianKernel(11, 1.5, CV_64F);
  cv::Mat window = k * k.t();
  auto filt = [&](const cv::Mat& x) {
    cv::Mat out;
    cv::filter2D(x, out, -1, window);
    if (out.rows <= 10 || out.cols <= 10) return cv::Mat(0, 0, CV_64F);
    return cv::Mat(out(cv::Rect(5, 5, out.cols - 10, out.rows - 10)));
  };
  cv::Mat mu1 = filt(img1), mu2 = filt(img2);
  if (mu1.empty()) return std::numeric_limits<double>::quiet_NaN();
  cv::Mat mu1_sq = mu1.mul(mu1), mu2_sq = mu2.mul(mu2), mu1_mu2 = mu1.mul(mu2);
  cv::Mat sigma1_sq = filt(img1.mul(img1)) - mu1_sq;
  cv::Mat sigma2_sq = filt(img2.mul(img2)) - mu2_sq;
  cv::Mat sigma12 = filt(img1.mul(img2)) - mu1_mu2;
  cv::Mat num = (2 * mu1_mu2 + C1).mul(2 * sigma12 + C2);
  cv::Mat den = (mu1_sq + mu2_sq + C1).mul(sigma1_sq + sigma2_sq + C2);
  cv::Mat map;
  cv::divide(num, den, map);
  return cv::mean(map)[0];
}

}  // namespace

// ---------------------------------------------------------------- functional forms

double psnr(const torch::Tensor& img1, const torch::Tensor& img2, std::int64_t crop_border,
            const std::string& input_order, const std::optional<std::string>& convert_to,
            const std::string& channel_order) {
  check_same_shape(img1, img2);
  cv::Mat a = img_transform(img1, crop_border, input_order, convert_to, channel_order);
  cv::Mat b = img_transform(img2, crop_border, input_order, convert_to, channel_order);
  std::vector<float> va = values_of(a), vb = values_of(b);
  std::vector<float> sq(va.size());
  for (std::size_t i = 0; i < va.size(); ++i) {
    float d = va[i] - vb[i];
    sq[i] = d * d;
  }
  const float mse = np_mean(sq);
  if (mse == 0.f) return std::numeric_limits<double>::infinity();
  return 20.0 * std::log10(255.0 / static_cast<double>(std::sqrt(mse)));
}

double ssim(const torch::Tensor& img1, const torch::Tensor& img2, std::int64_t crop_border,
            const std::string& input_order, const std::optional<std::string>& convert_to,
            const std::string& channel_order) {
  check_same_shape(img1, img2);
  cv::Mat a = img_transform(img1, crop_border, input_order, convert_to, channel_order);
  cv::Mat b = img_transform(img2, crop_border, input_order, convert_to, channel_order);
  cv::Mat a64, b64;
  a.convertTo(a64, CV_MAKETYPE(CV_64F, a.channels()));
  b.convertTo(b64, CV_MAKETYPE(CV_64F, b.channels()));
  std::vector<cv::Mat> ca, cb;
  cv::split(a64, ca);
  cv::split(b64, cb);
  double total = 0;
  for (std::size_t c = 0; c < ca.size(); ++c) total += ssim_channel(ca[c], cb[c]);
  return ca.empty() ? std::numeric_limits<double>::quiet_NaN()
                    : total / static_cast<double>(ca.size());
}

double snr(const torch::Tensor& gt, const torch::Tensor& pred, std::int64_t crop_border,
           const std::string& input_order, const std::optional<std::string>& convert_to,
           const std::string& channel_order) {
  check_same_shape(gt, pred);
  cv::Mat a = img_transform(gt, crop_border, input_order, convert_to, channel_order);
  cv::Mat b = img_transform(pred, crop_border, input_order, convert_to, channel_order);
  std::vector<float> va = values_of(a), vb = values_of(b);
  std::vector<float> s2(va.size()), n2(va.size());
  for (std::size_t i = 0; i < va.size(); ++i) {
    s2[i] = va[i] * va[i];
    float d = va[i] - vb[i];
    n2[i] = d * d;
  }
  const float ratio = np_mean(s2) / np_mean(n2);
  return 10.0 * static_cast<double>(std::log10(ratio));
}

// ---------------------------------------------------------------- BaseSampleWiseMetric

BaseSampleWiseMetric::BaseSampleWiseMetric(std::string metric, SampleWiseMetricOptions o)
    : evaluation::BaseMetric(o.collect_device, o.prefix, ""),
      metric_(std::move(metric)),
      o_(std::move(o)) {}

SampleWiseMetricOptions BaseSampleWiseMetric::base_args(registry::BuildArgs& args,
                                                        bool with_mask_scaling) {
  SampleWiseMetricOptions o;
  o.gt_key = args.get_str("gt_key", o.gt_key);
  o.pred_key = args.get_str("pred_key", o.pred_key);
  if (with_mask_scaling) {
    o.mask_key = args.get_opt_str("mask_key");
    o.scaling = args.get_float("scaling", 1);
    o.device = args.get_str("device", "cpu");
  }
  o.collect_device = args.get_str("collect_device", "cpu");
  o.prefix = args.get_opt_str("prefix");
  return o;
}

void BaseSampleWiseMetric::process(const data::DataBatch&, const data::DataSamples& predictions) {
  const torch::Device device(o_.device);
  for (const auto& p : predictions) {
    const DataSamplePtr& sample = p;
    if (!has_output(*sample)) throw Error("KeyError", "'output': the prediction has no output");
    if (!sample->has(o_.gt_key))
      throw Error("KeyError", "Mapping key was not found: '" + o_.gt_key + "'");
    torch::Tensor gt = sample->get(o_.gt_key).to(device);
    torch::Tensor pred = output_field(*sample, o_.pred_key).to(device);
    torch::Tensor mask;
    if (o_.mask_key) {
      if (!sample->has(*o_.mask_key))
        throw Error("KeyError", "Mapping key was not found: '" + *o_.mask_key + "'");
      mask = sample->get(*o_.mask_key).clone();
      mask.masked_fill_(mask != 0, 1);
    } else {
      mask = 1 - pred * 0;
    }
    torch::Tensor result;
    if (gt.dim() <= 3) {
      result = process_image(gt, pred, mask);
    } else {
      torch::Tensor sum;
      for (std::int64_t i = 0; i < gt.size(0); ++i) {
        torch::Tensor r = process_image(gt[i], pred[i], mask.dim() > 0 ? mask[i] : mask);
        sum = sum.defined() ? sum + r : r;
      }
      result = sum / gt.size(0);
    }
    results_.push_back(result);
  }
}

evaluation::Metrics BaseSampleWiseMetric::compute_metrics() {
  if (results_.empty())
    throw Error("ZeroDivisionError", "division by zero (no results for " + metric_ + ")");
  // metrics_utils.average: total = 0; total += result * batch_size; total / n.
  torch::Tensor total = torch::zeros({}, results_[0].options());
  for (const auto& r : results_) total = total + r * 1;
  torch::Tensor avg = total / static_cast<std::int64_t>(results_.size());
  avg = avg * o_.scaling;
  return {{metric_, avg.to(torch::kDouble).item<double>()}};
}

// ---------------------------------------------------------------- metrics

ImageMetricOptions ImageMetricOptions::from_args(registry::BuildArgs& args) {
  ImageMetricOptions o;
  o.base = BaseSampleWiseMetric::base_args_public(args);
  o.crop_border = args.get_int("crop_border", 0);
  o.input_order = args.get_str("input_order", "CHW");
  o.convert_to = args.get_opt_str("convert_to");
  return o;
}

torch::Tensor PSNR::process_image(const torch::Tensor& gt, const torch::Tensor& pred,
                                  const torch::Tensor&) {
  return scalar64(psnr(gt, pred, io_.crop_border, io_.input_order, io_.convert_to, channel_order_));
}

torch::Tensor SSIM::process_image(const torch::Tensor& gt, const torch::Tensor& pred,
                                  const torch::Tensor&) {
  return scalar64(ssim(gt, pred, io_.crop_border, io_.input_order, io_.convert_to, channel_order_));
}

torch::Tensor SNR::process_image(const torch::Tensor& gt, const torch::Tensor& pred,
                                 const torch::Tensor&) {
  return scalar64(snr(gt, pred, io_.crop_border, io_.input_order, io_.convert_to, channel_order_));
}

torch::Tensor MAE::process_image(const torch::Tensor& gt_in, const torch::Tensor& pred_in,
                                 const torch::Tensor& mask) {
  torch::Tensor gt = gt_in / 255.;
  torch::Tensor pred = pred_in / 255.;
  torch::Tensor diff = (gt - pred).abs();
  if (options().mask_key) {
    diff = diff * mask;
    const double scale = static_cast<double>(diff.numel()) / static_cast<double>(mask.numel());
    return diff.sum() / (mask.sum() * scale + 1e-12);
  }
  return diff.mean();
}

torch::Tensor MSE::process_image(const torch::Tensor& gt_in, const torch::Tensor& pred_in,
                                 const torch::Tensor& mask) {
  torch::Tensor gt = gt_in / 255.;
  torch::Tensor pred = pred_in / 255.;
  torch::Tensor diff = gt - pred;
  diff = diff * diff;
  if (options().mask_key) {
    diff = diff * mask;
    return diff.sum() / mask.sum();
  }
  return diff.mean();
}

std::shared_ptr<PSNR> PSNR::from_config(registry::BuildArgs& args) {
  return std::make_shared<PSNR>(ImageMetricOptions::from_args(args));
}
std::shared_ptr<SSIM> SSIM::from_config(registry::BuildArgs& args) {
  return std::make_shared<SSIM>(ImageMetricOptions::from_args(args));
}
std::shared_ptr<SNR> SNR::from_config(registry::BuildArgs& args) {
  return std::make_shared<SNR>(ImageMetricOptions::from_args(args));
}
std::shared_ptr<MAE> MAE::from_config(registry::BuildArgs& args) {
  return std::make_shared<MAE>(base_args(args, true));
}
std::shared_ptr<MSE> MSE::from_config(registry::BuildArgs& args) {
  return std::make_shared<MSE>(base_args(args, true));
}

MMCPP_REGISTER(METRICS, PSNR, "dict(type='PSNR', crop_border=2)");
MMCPP_REGISTER(METRICS, SSIM, "dict(type='SSIM', crop_border=2)");
MMCPP_REGISTER(METRICS, SNR, "dict(type='SNR', crop_border=2)");
MMCPP_REGISTER(METRICS, MAE, "dict(type='MAE')");
MMCPP_REGISTER(METRICS, MSE, "dict(type='MSE')");

}  // namespace mmcpp::editing
