#include "mmcpp/cv/image/photometric.h"

#include <opencv2/imgproc.hpp>

#include <array>
#include <cmath>
#include <cstdint>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/colorspace.h"
#include "mmcpp/cv/image/pillow_filters.h"

namespace mmcpp::mmcv {

namespace {

void require_u8(const cv::Mat& img, const char* fn) {
  if (img.depth() != CV_8U) {
    throw Error("TypeError", std::string(fn) + ": expected a uint8 image");
  }
}

void require_channels(const cv::Mat& img, int channels, const char* fn) {
  if (img.channels() < channels) {
    throw Error("ValueError", std::string(fn) + ": expected an (H, W, " + std::to_string(channels) +
                                  ") image, got " + std::to_string(img.channels()) + " channel(s)");
  }
}

void check_backend(const std::string& backend) {
  if (backend != "cv2" && backend != "pillow") {
    throw Error("ValueError",
                "backend: " + backend + " is not supported.Supported backends are 'cv2', 'pillow'");
  }
}

// Applies a 256-entry table to every value (uint8 in and out).
cv::Mat apply_lut(const cv::Mat& img, const std::array<std::uint8_t, 256>& lut) {
  cv::Mat table(1, 256, CV_8U, const_cast<std::uint8_t*>(lut.data()));
  cv::Mat out;
  cv::LUT(img, table, out);
  return out;
}

// np.histogram(channel, 256, (0, 255)) of uint8 values: bin i counts value i
// (255 shares the last bin with nothing else).
std::array<std::int64_t, 256> histogram(const cv::Mat& channel) {
  std::array<std::int64_t, 256> h{};
  for (int y = 0; y < channel.rows; ++y) {
    const std::uint8_t* p = channel.ptr<std::uint8_t>(y);
    for (int x = 0; x < channel.cols; ++x) ++h[p[x]];
  }
  return h;
}

// Float blend in float32 as MMCV: addWeighted(img, factor, degenerated, 1 - factor, 0),
// then np.clip(0, 255).astype(uint8).
cv::Mat blend_f32(const cv::Mat& img, const cv::Mat& degenerated, double factor) {
  cv::Mat a, b, out;
  img.convertTo(a, CV_32F);
  degenerated.convertTo(b, CV_32F);
  cv::addWeighted(a, factor, b, 1 - factor, 0, out);
  return clip_to_u8(out);
}

std::vector<cv::Mat> first_channels(const cv::Mat& img, int n) {
  std::vector<cv::Mat> planes;
  cv::split(img, planes);
  planes.resize(static_cast<std::size_t>(n));
  return planes;
}

template <class T>
void clip_rows(const cv::Mat& in, cv::Mat& out) {
  const int n = in.cols * in.channels();
  for (int y = 0; y < in.rows; ++y) {
    const T* p = in.ptr<T>(y);
    std::uint8_t* o = out.ptr<std::uint8_t>(y);
    for (int i = 0; i < n; ++i) {
      const T v = p[i];
      o[i] = v <= 0 ? 0 : v >= 255 ? 255 : static_cast<std::uint8_t>(v);
    }
  }
}

template <class T>
void wrap_rows(const cv::Mat& in, cv::Mat& out) {
  const int n = in.cols * in.channels();
  for (int y = 0; y < in.rows; ++y) {
    const T* p = in.ptr<T>(y);
    std::uint8_t* o = out.ptr<std::uint8_t>(y);
    for (int i = 0; i < n; ++i) {
      const double v = std::trunc(static_cast<double>(p[i]));
      const auto w = std::isfinite(v) && std::abs(v) < 9.2e18 ? static_cast<std::int64_t>(v) : 0;
      o[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(w) & 0xFFu);
    }
  }
}

}  // namespace

cv::Mat clip_to_u8(const cv::Mat& values) {
  cv::Mat out(values.size(), CV_MAKETYPE(CV_8U, values.channels()));
  switch (values.depth()) {
    case CV_32F:
      clip_rows<float>(values, out);
      break;
    case CV_64F:
      clip_rows<double>(values, out);
      break;
    default:
      values.convertTo(out, CV_8U);  // integer types: saturation is the clip
  }
  return out;
}

cv::Mat wrap_to_u8(const cv::Mat& values) {
  cv::Mat out(values.size(), CV_MAKETYPE(CV_8U, values.channels()));
  switch (values.depth()) {
    case CV_32F:
      wrap_rows<float>(values, out);
      break;
    case CV_64F:
      wrap_rows<double>(values, out);
      break;
    default:
      throw Error("TypeError", "wrap_to_u8: expected a float image");
  }
  return out;
}

cv::Mat iminvert(const cv::Mat& img) {
  require_u8(img, "iminvert");
  std::array<std::uint8_t, 256> lut{};
  for (int v = 0; v < 256; ++v) lut[v] = static_cast<std::uint8_t>(255 - v);
  return apply_lut(img, lut);
}

cv::Mat solarize(const cv::Mat& img, double thr) {
  require_u8(img, "solarize");
  std::array<std::uint8_t, 256> lut{};
  for (int v = 0; v < 256; ++v) lut[v] = static_cast<std::uint8_t>(v < thr ? v : 255 - v);
  return apply_lut(img, lut);
}

cv::Mat posterize(const cv::Mat& img, int bits) {
  require_u8(img, "posterize");
  const int shift = 8 - bits;
  if (shift < 0) {
    throw Error("ValueError", "posterize: bits must be at most 8, got " + std::to_string(bits));
  }
  std::array<std::uint8_t, 256> lut{};
  // numpy shifts of 8 or more bits give 0.
  for (int v = 0; v < 256; ++v) {
    lut[v] = shift >= 8 ? 0 : static_cast<std::uint8_t>(((v >> shift) << shift) & 0xFF);
  }
  return apply_lut(img, lut);
}

cv::Mat adjust_color(const cv::Mat& img, double alpha, std::optional<double> beta, double gamma,
                     const std::string& backend) {
  check_backend(backend);
  require_u8(img, "adjust_color");
  if (backend == "pillow") return pillow_enhance_color_bgr(img, alpha);
  const cv::Mat gray3 = gray2bgr(bgr2gray(img));
  cv::Mat out;
  cv::addWeighted(img, alpha, gray3, beta ? *beta : 1 - alpha, gamma, out);
  return out;
}

cv::Mat imequalize(const cv::Mat& img) {
  require_u8(img, "imequalize");
  require_channels(img, 3, "imequalize");
  std::vector<cv::Mat> planes = first_channels(img, 3);
  for (cv::Mat& im : planes) {
    const auto histo = histogram(im);
    std::int64_t total = 0, last_nonzero = 0;
    for (std::int64_t h : histo) {
      total += h;
      if (h > 0) last_nonzero = h;
    }
    const std::int64_t step = (total - last_nonzero) / 255;
    if (step == 0) continue;  // the channel is returned unchanged
    std::array<std::uint8_t, 256> lut{};
    // lut[i] = (cumsum(histo)[i - 1] + step // 2) // step, lut[0] = 0, capped at 255.
    std::int64_t cum = 0;
    lut[0] = 0;
    for (int i = 1; i < 256; ++i) {
      cum += histo[static_cast<std::size_t>(i - 1)];
      const std::int64_t v = (cum + step / 2) / step;
      lut[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v > 255 ? 255 : v);
    }
    im = apply_lut(im, lut);
  }
  cv::Mat out;
  cv::merge(planes, out);
  return out;
}

cv::Mat adjust_brightness(const cv::Mat& img, double factor, const std::string& backend) {
  check_backend(backend);
  require_u8(img, "adjust_brightness");
  if (backend == "pillow") return pillow_enhance_brightness_bgr(img, factor);
  return blend_f32(img, cv::Mat::zeros(img.size(), img.type()), factor);
}

cv::Mat adjust_contrast(const cv::Mat& img, double factor, const std::string& backend) {
  check_backend(backend);
  require_u8(img, "adjust_contrast");
  if (backend == "pillow") return pillow_enhance_contrast_bgr(img, factor);
  const cv::Mat gray = bgr2gray(img);
  const double sum = cv::sum(gray)[0];
  const double count = static_cast<double>(gray.total());
  // Python's round(): half to even, which nearbyint does in the default mode.
  const double mean = std::nearbyint(sum / count);
  const cv::Mat degenerated(img.size(), img.type(), cv::Scalar::all(mean));
  return blend_f32(img, degenerated, factor);
}

cv::Mat auto_contrast(const cv::Mat& img, double cutoff_low, double cutoff_high) {
  require_u8(img, "auto_contrast");
  require_channels(img, 3, "auto_contrast");
  std::vector<cv::Mat> planes = first_channels(img, 3);
  for (cv::Mat& im : planes) {
    const auto histo = histogram(im);
    std::array<double, 256> cum{};
    double running = 0;
    for (int i = 0; i < 256; ++i) cum[i] = running += static_cast<double>(histo[i]);
    const double total = cum[255];
    const double cut_low = std::floor(total * cutoff_low / 100);
    const double cut_high = total - std::floor(total * cutoff_high / 100);
    // Clipped cumulative histogram, then back to counts: the first and last
    // bins with pixels left give the stretch.
    int low = -1, high = -1;
    double prev = 0;
    for (int i = 0; i < 256; ++i) {
      const double c = std::min(std::max(cum[i], cut_low), cut_high) - cut_low;
      if (c - (i ? prev : 0) != 0) {
        if (low < 0) low = i;
        high = i;
      }
      prev = c;
    }
    if (low < 0 || low >= high) continue;  // all cut off / one level: unchanged
    const double scale = 255.0 / (high - low);
    const double offset = -low * scale;
    std::array<std::uint8_t, 256> lut{};
    for (int v = 0; v < 256; ++v) {
      const double m = std::min(std::max(v * scale + offset, 0.0), 255.0);
      lut[static_cast<std::size_t>(v)] = static_cast<std::uint8_t>(m);
    }
    im = apply_lut(im, lut);
  }
  cv::Mat out;
  cv::merge(planes, out);
  return out;
}

cv::Mat adjust_sharpness(const cv::Mat& img, double factor, const cv::Mat& kernel) {
  require_u8(img, "adjust_sharpness");
  cv::Mat k = kernel;
  if (k.empty()) {
    k = (cv::Mat_<double>(3, 3) << 1, 1, 1, 1, 5, 1, 1, 1, 1) / 13.0;
  } else if (k.dims != 2) {
    throw Error("AssertionError", "kernel must have a dimension of 2, but got " +
                                      std::to_string(k.dims) + " instead.");
  }
  cv::Mat degenerated;
  cv::filter2D(img, degenerated, -1, k);
  return blend_f32(img, degenerated, factor);
}

cv::Mat adjust_lighting(const cv::Mat& img, const std::vector<double>& eigval,
                        const std::vector<std::vector<double>>& eigvec,
                        const std::vector<double>& alpha, bool to_rgb) {
  const std::size_t n = eigval.size();
  if (eigvec.size() != 3 || alpha.size() != n) {
    throw Error("AssertionError", "adjust_lighting: eigvec must be (3, " + std::to_string(n) +
                                      ") and alpha of length " + std::to_string(n));
  }
  for (const auto& row : eigvec) {
    if (row.size() != n) {
      throw Error("AssertionError",
                  "adjust_lighting: eigvec must be (3, " + std::to_string(n) + ")");
    }
  }
  if (img.channels() != 3) {
    throw Error("ValueError", "adjust_lighting: expected an (H, W, 3) image, got " +
                                  std::to_string(img.channels()) + " channel(s)");
  }
  cv::Mat f32;
  img.convertTo(f32, CV_32F);
  if (to_rgb) cv::cvtColor(f32, f32, cv::COLOR_BGR2RGB);
  double alter[3];
  for (int c = 0; c < 3; ++c) {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += eigvec[c][i] * alpha[i] * eigval[i];
    alter[c] = s;
  }
  // float32 image + float64 offsets: numpy computes (and returns) float64.
  cv::Mat out(f32.size(), CV_64FC3);
  for (int y = 0; y < f32.rows; ++y) {
    const float* p = f32.ptr<float>(y);
    double* o = out.ptr<double>(y);
    for (int x = 0; x < f32.cols * 3; ++x) o[x] = static_cast<double>(p[x]) + alter[x % 3];
  }
  return out;
}

cv::Mat adjust_hue(const cv::Mat& img, double hue_factor, const std::string& backend) {
  check_backend(backend);
  if (!(-0.5 <= hue_factor && hue_factor <= 0.5)) {
    throw Error("ValueError",
                "hue_factor:" + std::to_string(hue_factor) + " is not in [-0.5, 0.5].");
  }
  require_u8(img, "adjust_hue");
  // np.uint8(hue_factor * 255): truncated, negative values wrap.
  const auto shift = static_cast<std::uint8_t>(static_cast<int>(hue_factor * 255) & 0xFF);
  if (backend == "pillow") return pillow_shift_hue_bgr(img, shift);
  cv::Mat hsv;
  cv::cvtColor(img, hsv, cv::COLOR_BGR2HSV_FULL);
  std::vector<cv::Mat> planes;
  cv::split(hsv, planes);
  std::array<std::uint8_t, 256> lut{};
  for (int v = 0; v < 256; ++v) lut[v] = static_cast<std::uint8_t>(v + shift);
  planes[0] = apply_lut(planes[0], lut);
  cv::merge(planes, hsv);
  cv::Mat out;
  cv::cvtColor(hsv, out, cv::COLOR_HSV2BGR_FULL);
  return out;
}

}  // namespace mmcpp::mmcv
