#include "mmcpp/cv/image/pillow_filters.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "mmcpp/core/error.h"

namespace mmcpp::mmcv {

namespace {

void require_u8(const cv::Mat& img, const char* what, int channels = 0) {
  if (img.depth() != CV_8U) {
    throw Error("TypeError", std::string(what) + ": Pillow operations need uint8 images");
  }
  if (channels && img.channels() != channels) {
    throw Error("ValueError", std::string(what) + ": expected a " + std::to_string(channels) +
                                  "-channel image, got " + std::to_string(img.channels()));
  }
}

std::uint8_t clip8(int v) { return static_cast<std::uint8_t>(v <= 0 ? 0 : v >= 255 ? 255 : v); }

// Pillow's "L" from R, G, B: 601-2 weights scaled by 2^16, rounded.
std::uint8_t luma(int r, int g, int b) {
  return static_cast<std::uint8_t>((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
}

cv::Mat l_to_bgr(const cv::Mat& l) {
  cv::Mat out;
  cv::merge(std::vector<cv::Mat>{l, l, l}, out);
  return out;
}

// colorsys.rgb_to_hsv in Pillow's precision; h, s, v in 0..255.
void rgb_to_hsv(int r, int g, int b, std::uint8_t& uh, std::uint8_t& us, std::uint8_t& uv) {
  const int maxc = std::max(r, std::max(g, b));
  const int minc = std::min(r, std::min(g, b));
  uv = static_cast<std::uint8_t>(maxc);
  if (minc == maxc) {
    uh = 0;
    us = 0;
    return;
  }
  const float cr = static_cast<float>(maxc - minc);
  const float s = cr / static_cast<float>(maxc);
  const float rc = static_cast<float>(maxc - r) / cr;
  const float gc = static_cast<float>(maxc - g) / cr;
  const float bc = static_cast<float>(maxc - b) / cr;
  float h;
  if (r == maxc) {
    h = bc - gc;
  } else if (g == maxc) {
    h = static_cast<float>(2.0 + rc - bc);
  } else {
    h = static_cast<float>(4.0 + gc - rc);
  }
  h = static_cast<float>(std::fmod(h / 6.0 + 1.0, 1.0));
  uh = clip8(static_cast<int>(h * 255.0));
  us = clip8(static_cast<int>(s * 255.0));
}

// colorsys.hsv_to_rgb in Pillow's precision.
void hsv_to_rgb(int h, int s, int v, std::uint8_t rgb[3]) {
  if (s == 0) {
    rgb[0] = rgb[1] = rgb[2] = static_cast<std::uint8_t>(v);
    return;
  }
  const int i = static_cast<int>(std::floor(static_cast<float>(h) * 6.0 / 255.0));
  const float f = static_cast<float>(static_cast<float>(h) * 6.0 / 255.0 - static_cast<float>(i));
  const float fs = static_cast<float>(static_cast<float>(s) / 255.0);
  const float fv = static_cast<float>(v);
  const std::uint8_t p = clip8(static_cast<int>(std::round(fv * (1.0 - fs))));
  const std::uint8_t q = clip8(static_cast<int>(std::round(fv * (1.0 - fs * f))));
  const std::uint8_t t = clip8(static_cast<int>(std::round(fv * (1.0 - fs * (1.0 - f)))));
  const std::uint8_t uv = static_cast<std::uint8_t>(v);
  const std::uint8_t table[6][3] = {{uv, t, p}, {q, uv, p}, {p, uv, t},
                                    {p, q, uv}, {t, p, uv}, {uv, p, q}};
  for (int c = 0; c < 3; ++c) rgb[c] = table[i % 6][c];
}

// One pass of the extended box filter over `n` values spaced `stride` apart:
// out[x] = round((ww * sum(in[x-l .. x+l]) + fw * (in[x-l-1] + in[x+l+1])) / 2^24),
// indices clamped to the line (edge pixels extend).
void box_blur_line(std::uint8_t* data, int n, std::ptrdiff_t stride, int l, std::uint32_t ww,
                   std::uint32_t fw, std::vector<std::uint8_t>& pad) {
  const int ext = l + 1;
  pad.resize(static_cast<std::size_t>(n + 2 * ext));
  for (int i = 0; i < n + 2 * ext; ++i) {
    const int src = std::min(std::max(i - ext, 0), n - 1);
    pad[static_cast<std::size_t>(i)] = data[src * stride];
  }
  // pad[x + ext] is in[x]; window sum of in[x-l .. x+l].
  std::uint64_t acc = 0;
  for (int k = -l; k <= l; ++k) acc += pad[static_cast<std::size_t>(k + ext)];
  for (int x = 0; x < n; ++x) {
    if (x > 0) {
      acc += pad[static_cast<std::size_t>(x + l + ext)];
      acc -= pad[static_cast<std::size_t>(x - l - 1 + ext)];
    }
    const std::uint64_t far =
        static_cast<std::uint64_t>(pad[static_cast<std::size_t>(x - l - 1 + ext)]) +
        pad[static_cast<std::size_t>(x + l + 1 + ext)];
    const std::uint64_t bulk = acc * ww + far * fw;
    data[x * stride] = static_cast<std::uint8_t>((bulk + (1u << 23)) >> 24);
  }
}

}  // namespace

cv::Mat pillow_blend(const cv::Mat& im1, const cv::Mat& im2, float alpha) {
  require_u8(im1, "blend");
  require_u8(im2, "blend");
  if (im1.size() != im2.size() || im1.channels() != im2.channels()) {
    throw Error("ValueError", "blend: images do not match");
  }
  if (alpha == 0.0f) return im1.clone();
  if (alpha == 1.0f) return im2.clone();
  cv::Mat a = im1.isContinuous() ? im1 : im1.clone();
  cv::Mat b = im2.isContinuous() ? im2 : im2.clone();
  cv::Mat out(a.size(), a.type());
  const std::uint8_t* pa = a.ptr<std::uint8_t>();
  const std::uint8_t* pb = b.ptr<std::uint8_t>();
  std::uint8_t* po = out.ptr<std::uint8_t>();
  const std::size_t n = a.total() * a.channels();
  const bool interpolate = alpha >= 0 && alpha <= 1.0f;
  for (std::size_t i = 0; i < n; ++i) {
    const int x = pa[i], y = pb[i];
    const float v = static_cast<float>(x) + alpha * static_cast<float>(y - x);
    if (interpolate) {
      po[i] = static_cast<std::uint8_t>(v);
    } else {
      po[i] = v <= 0.0f ? 0 : v >= 255.0f ? 255 : static_cast<std::uint8_t>(v);
    }
  }
  return out;
}

cv::Mat pillow_bgr_to_l(const cv::Mat& bgr) {
  require_u8(bgr, "convert('L')", 3);
  cv::Mat out(bgr.size(), CV_8UC1);
  for (int y = 0; y < bgr.rows; ++y) {
    const cv::Vec3b* in = bgr.ptr<cv::Vec3b>(y);
    std::uint8_t* o = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < bgr.cols; ++x) o[x] = luma(in[x][2], in[x][1], in[x][0]);
  }
  return out;
}

cv::Mat pillow_enhance_brightness_bgr(const cv::Mat& bgr, double factor) {
  require_u8(bgr, "ImageEnhance.Brightness", 3);
  return pillow_blend(cv::Mat::zeros(bgr.size(), bgr.type()), bgr, static_cast<float>(factor));
}

cv::Mat pillow_enhance_contrast_bgr(const cv::Mat& bgr, double factor) {
  require_u8(bgr, "ImageEnhance.Contrast", 3);
  // ImageStat's mean of the "L" histogram, rounded half up.
  const cv::Mat l = pillow_bgr_to_l(bgr);
  std::int64_t hist[256] = {0};
  for (int y = 0; y < l.rows; ++y) {
    const std::uint8_t* p = l.ptr<std::uint8_t>(y);
    for (int x = 0; x < l.cols; ++x) ++hist[p[x]];
  }
  std::int64_t weighted = 0, count = 0;
  for (int i = 0; i < 256; ++i) {
    weighted += i * hist[i];
    count += hist[i];
  }
  const double mean = count ? static_cast<double>(weighted) / static_cast<double>(count) : 0.0;
  const int level = static_cast<int>(mean + 0.5);
  const cv::Mat degenerate(bgr.size(), bgr.type(), cv::Scalar::all(level));
  return pillow_blend(degenerate, bgr, static_cast<float>(factor));
}

cv::Mat pillow_enhance_color_bgr(const cv::Mat& bgr, double factor) {
  require_u8(bgr, "ImageEnhance.Color", 3);
  return pillow_blend(l_to_bgr(pillow_bgr_to_l(bgr)), bgr, static_cast<float>(factor));
}

cv::Mat pillow_shift_hue_bgr(const cv::Mat& bgr, std::uint8_t shift) {
  require_u8(bgr, "adjust_hue (pillow)", 3);
  cv::Mat out(bgr.size(), bgr.type());
  for (int y = 0; y < bgr.rows; ++y) {
    const cv::Vec3b* in = bgr.ptr<cv::Vec3b>(y);
    cv::Vec3b* o = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < bgr.cols; ++x) {
      std::uint8_t h, s, v;
      rgb_to_hsv(in[x][2], in[x][1], in[x][0], h, s, v);
      h = static_cast<std::uint8_t>(h + shift);
      std::uint8_t rgb[3];
      hsv_to_rgb(h, s, v, rgb);
      o[x] = cv::Vec3b(rgb[2], rgb[1], rgb[0]);
    }
  }
  return out;
}

float pillow_gaussian_box_radius(float radius, int passes) {
  const float sigma2 = radius * radius / static_cast<float>(passes);
  const float big_l = static_cast<float>(std::sqrt(12.0 * sigma2 + 1.0));
  const float l = static_cast<float>(std::floor((big_l - 1.0) / 2.0));
  float a = (2 * l + 1) * (l * (l + 1) - 3 * sigma2);
  a /= 6 * (sigma2 - (l + 1) * (l + 1));
  return l + a;
}

cv::Mat pillow_gaussian_blur(const cv::Mat& img, double radius) {
  require_u8(img, "GaussianBlur");
  if (!(radius >= 0)) {
    throw Error("ValueError", "GaussianBlur: radius must be >= 0, got " + std::to_string(radius));
  }
  constexpr int kPasses = 3;
  const float box = pillow_gaussian_box_radius(static_cast<float>(radius), kPasses);
  const int l = static_cast<int>(box);
  const auto ww = static_cast<std::uint32_t>(static_cast<float>(1u << 24) / (box * 2 + 1));
  const std::uint32_t fw = ((1u << 24) - static_cast<std::uint32_t>(l * 2 + 1) * ww) / 2;

  cv::Mat out = img.clone();
  const int channels = out.channels();
  const std::ptrdiff_t row_step = static_cast<std::ptrdiff_t>(out.step[0]);
  std::vector<std::uint8_t> pad;
  // Rows first, then columns, as Pillow does (it transposes between them).
  for (int pass = 0; pass < kPasses; ++pass) {
    for (int y = 0; y < out.rows; ++y) {
      for (int c = 0; c < channels; ++c) {
        box_blur_line(out.ptr<std::uint8_t>(y) + c, out.cols, channels, l, ww, fw, pad);
      }
    }
  }
  for (int pass = 0; pass < kPasses; ++pass) {
    for (int x = 0; x < out.cols; ++x) {
      for (int c = 0; c < channels; ++c) {
        box_blur_line(out.ptr<std::uint8_t>(0) + x * channels + c, out.rows, row_step, l, ww, fw,
                      pad);
      }
    }
  }
  return out;
}

}  // namespace mmcpp::mmcv
