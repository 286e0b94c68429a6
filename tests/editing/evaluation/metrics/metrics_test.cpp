// MMagic's pixel metrics beyond the oracle: SNR, masks, prefixes, frame
// sequences, the Y conversion of MMCV's bgr2ycbcr, argument errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>

#include "mmcpp/config/config.h"
#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/ycbcr.h"
#include "mmcpp/editing/evaluation/metrics/base_sample_wise_metric.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/structures/data_sample.h"
#include "mmcpp/evaluation/metric.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {
namespace {

std::shared_ptr<evaluation::BaseMetric> build(const std::string& text) {
  registry::ScopeGuard scope("mmagic");
  return METRICS().build(config::Config::fromstring("x = " + text, ".py").get("x")->deep_copy());
}

data::DataSamples pair(const torch::Tensor& gt, const torch::Tensor& pred,
                       const torch::Tensor& mask = {}) {
  auto s = std::make_shared<DataSample>();
  s->set("gt_img", gt);
  if (mask.defined()) s->set("mask", mask);
  set_output_field(*s, "pred_img", pred);
  return {s};
}

TEST(EditingMetrics, PsnrSnrMaeMseByFormula) {
  torch::manual_seed(0);
  torch::Tensor gt = torch::randint(0, 256, {3, 16, 20}, torch::kUInt8);
  torch::Tensor pred = (gt.to(torch::kFloat) + torch::randn({3, 16, 20}) * 5).clamp(0, 255);
  torch::Tensor g = gt.to(torch::kDouble), p = pred.to(torch::kDouble);
  const double mse = (g - p).pow(2).mean().item<double>();
  auto m = build("dict(type='PSNR', prefix='Set5')");
  m->process_batch({}, pair(gt, pred));
  auto r = m->evaluate(1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].first, "Set5/PSNR");
  EXPECT_NEAR(r[0].second, 20 * std::log10(255 / std::sqrt(mse)), 1e-4);
  auto snr = build("dict(type='SNR')");
  snr->process_batch({}, pair(gt, pred));
  EXPECT_NEAR(snr->evaluate(1)[0].second, 10 * std::log10(g.pow(2).mean().item<double>() / mse),
              1e-4);
  auto mae = build("dict(type='MAE')");
  mae->process_batch({}, pair(gt, pred));
  EXPECT_NEAR(mae->evaluate(1)[0].second, (g - p).abs().mean().item<double>() / 255, 1e-6);
  // A mask: only its nonzero pixels count.
  torch::Tensor mask = torch::zeros({1, 16, 20});
  mask.narrow(1, 0, 8).fill_(3);
  auto mse_m = build("dict(type='MSE', mask_key='mask')");
  mse_m->process_batch({}, pair(gt, pred, mask));
  torch::Tensor d = ((g - p) / 255).pow(2).narrow(1, 0, 8);
  EXPECT_NEAR(mse_m->evaluate(1)[0].second, d.sum().item<double>() / (8 * 20), 1e-6);
  // Identical images: inf, and the average stays inf.
  auto inf = build("dict(type='PSNR', crop_border=2)");
  inf->process_batch({}, pair(gt, gt.to(torch::kFloat)));
  EXPECT_TRUE(std::isinf(inf->evaluate(1)[0].second));
  // A (T, C, H, W) sample: the frames' mean.
  auto seq = build("dict(type='MAE')");
  seq->process_batch({}, pair(torch::stack({gt, gt}), torch::stack({pred, gt.to(torch::kFloat)})));
  EXPECT_NEAR(seq->evaluate(1)[0].second, (g - p).abs().mean().item<double>() / 255 / 2, 1e-6);
}

TEST(EditingMetrics, YChannelAndErrors) {
  // bgr2ycbcr(y_only) of pure blue / green / red, uint8 (rounded) and float32.
  cv::Mat px(1, 3, CV_8UC3);
  px.at<cv::Vec3b>(0, 0) = {255, 0, 0};
  px.at<cv::Vec3b>(0, 1) = {0, 255, 0};
  px.at<cv::Vec3b>(0, 2) = {0, 0, 255};
  cv::Mat y = mmcv::bgr2ycbcr(px, true);
  EXPECT_EQ(y.at<std::uint8_t>(0, 0), 41);   // 24.966 + 16
  EXPECT_EQ(y.at<std::uint8_t>(0, 1), 145);  // 128.553 + 16
  EXPECT_EQ(y.at<std::uint8_t>(0, 2), 81);   // 65.481 + 16
  cv::Mat yr = mmcv::rgb2ycbcr(px, true);
  EXPECT_EQ(yr.at<std::uint8_t>(0, 0), 81);
  cv::Mat f;
  px.convertTo(f, CV_32F, 1 / 255.);
  cv::Mat full = mmcv::bgr2ycbcr(f, false);
  EXPECT_NEAR(full.at<cv::Vec3f>(0, 0)[1], (112.0 + 128) / 255, 1e-6);  // Cb of blue
  // PSNR on Y differs from PSNR on BGR.
  torch::manual_seed(1);
  torch::Tensor gt = torch::randint(0, 256, {3, 12, 12}, torch::kUInt8);
  torch::Tensor pred = (gt.to(torch::kFloat) + 7).clamp(0, 255);
  EXPECT_NE(psnr(gt, pred, 0, "CHW", std::string("Y"), "BGR"), psnr(gt, pred, 0, "CHW"));
  EXPECT_THROW(psnr(gt, pred, 0, "CWH"), Error);
  EXPECT_THROW(psnr(gt, pred, 0, "CHW", std::string("YCbCr")), Error);
  EXPECT_THROW(psnr(gt, pred.narrow(1, 0, 6), 0, "CHW"), Error);
  EXPECT_THROW(build("dict(type='PSNR', mask_key='mask')"), Error);  // not PSNR's argument
  auto m = build("dict(type='SSIM')");
  auto s = std::make_shared<DataSample>();
  s->set("gt_img", gt);
  EXPECT_THROW(m->process_batch({}, {s}), Error);  // no output
}

}  // namespace
}  // namespace mmcpp::editing
