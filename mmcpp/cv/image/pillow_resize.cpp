#include "mmcpp/cv/image/pillow_resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "mmcpp/core/error.h"

namespace mmcpp::mmcv {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr double kPi = 3.14159265358979323846;

struct Filter {
  double (*fn)(double);
  double support;
};

double box_filter(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }

double triangle_filter(double x) {
  x = std::abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double hamming_filter(double x) {
  x = std::abs(x);
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x *= kPi;
  return std::sin(x) / x * (0.54 + 0.46 * std::cos(x));
}

// Keys' cubic convolution with a = -0.5.
double cubic_filter(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= kPi;
  return std::sin(x) / x;
}

double lanczos3_filter(double x) { return (x >= -3.0 && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0; }

const Filter* find_filter(const std::string& name) {
  static const Filter box{box_filter, 0.5}, bilinear{triangle_filter, 1.0},
      hamming{hamming_filter, 1.0}, bicubic{cubic_filter, 2.0}, lanczos{lanczos3_filter, 3.0};
  if (name == "box") return &box;
  if (name == "bilinear") return &bilinear;
  if (name == "hamming") return &hamming;
  if (name == "bicubic") return &bicubic;
  if (name == "lanczos") return &lanczos;
  return nullptr;
}

// Per output pixel: the first source index, the count, and fixed-point weights.
struct Coeffs {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<std::int32_t> weights;  // out_size * ksize
};

Coeffs compute_coeffs(int in_size, int out_size, const Filter& filter) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = filter.support * filter_scale;
  Coeffs c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(static_cast<std::size_t>(out_size) * c.ksize, 0);
  std::vector<double> w(c.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    // Truncating casts, as the reference computes the window bounds.
    int lo = static_cast<int>(center - support + 0.5);
    lo = std::max(lo, 0);
    int hi = static_cast<int>(center + support + 0.5);
    hi = std::min(hi, in_size);
    const int n = std::max(hi - lo, 0);
    double total = 0.0;
    for (int x = 0; x < n; ++x) {
      w[x] = filter.fn((x + lo - center + 0.5) / filter_scale);
      total += w[x];
    }
    for (int x = 0; x < n; ++x) {
      const double v = total != 0.0 ? w[x] / total : w[x];
      const double fixed = v * (1 << kPrecisionBits);
      c.weights[static_cast<std::size_t>(xx) * c.ksize + x] =
          static_cast<std::int32_t>(v < 0 ? fixed - 0.5 : fixed + 0.5);
    }
    c.first[xx] = lo;
    c.count[xx] = n;
  }
  return c;
}

inline std::uint8_t clip8(std::int32_t acc) {
  const std::int32_t v = acc >> kPrecisionBits;  // arithmetic shift: floor
  return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Horizontal pass over source rows [row0, row0 + out.rows).
void resample_horizontal(const cv::Mat& in, cv::Mat& out, int row0, const Coeffs& c) {
  const int ch = in.channels();
  for (int y = 0; y < out.rows; ++y) {
    const std::uint8_t* src = in.ptr<std::uint8_t>(y + row0);
    std::uint8_t* dst = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < out.cols; ++x) {
      const std::int32_t* k = &c.weights[static_cast<std::size_t>(x) * c.ksize];
      const std::uint8_t* s = src + static_cast<std::ptrdiff_t>(c.first[x]) * ch;
      for (int k_ch = 0; k_ch < ch; ++k_ch) {
        std::int32_t acc = 1 << (kPrecisionBits - 1);
        for (int i = 0; i < c.count[x]; ++i) acc += s[i * ch + k_ch] * k[i];
        dst[x * ch + k_ch] = clip8(acc);
      }
    }
  }
}

// Vertical pass; `row_shift` is the first source row `in` holds.
void resample_vertical(const cv::Mat& in, cv::Mat& out, int row_shift, const Coeffs& c) {
  const int ch = in.channels();
  const int row_len = out.cols * ch;
  for (int y = 0; y < out.rows; ++y) {
    const std::int32_t* k = &c.weights[static_cast<std::size_t>(y) * c.ksize];
    const int first = c.first[y] - row_shift;
    std::uint8_t* dst = out.ptr<std::uint8_t>(y);
    for (int i = 0; i < row_len; ++i) {
      std::int32_t acc = 1 << (kPrecisionBits - 1);
      for (int j = 0; j < c.count[y]; ++j) acc += in.ptr<std::uint8_t>(first + j)[i] * k[j];
      dst[i] = clip8(acc);
    }
  }
}

cv::Mat nearest(const cv::Mat& in, int w, int h) {
  const int ch = in.channels();
  const double ax = static_cast<double>(in.cols) / w, ay = static_cast<double>(in.rows) / h;
  // Positions accumulate step by step (not x * a), so rounding matches Pillow.
  std::vector<int> xs(w);
  double xo = ax * 0.5;
  for (int x = 0; x < w; ++x, xo += ax) xs[x] = std::min(static_cast<int>(xo), in.cols - 1);
  cv::Mat out(h, w, in.type());
  double yo = ay * 0.5;
  for (int y = 0; y < h; ++y, yo += ay) {
    const std::uint8_t* src = in.ptr<std::uint8_t>(std::min(static_cast<int>(yo), in.rows - 1));
    std::uint8_t* dst = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < w; ++x) {
      for (int k = 0; k < ch; ++k) dst[x * ch + k] = src[xs[x] * ch + k];
    }
  }
  return out;
}

}  // namespace

bool pillow_filter_known(const std::string& name) {
  return name == "nearest" || find_filter(name) != nullptr;
}

cv::Mat pillow_resize(const cv::Mat& img, int w, int h, const std::string& filter) {
  if (!pillow_filter_known(filter)) {
    throw Error("KeyError", "'" + filter +
                                "': unknown Pillow resampling filter (known: nearest, bilinear, "
                                "bicubic, box, lanczos, hamming)");
  }
  if (img.depth() != CV_8U) {
    throw Error("AssertionError", "Pillow backend only support uint8 type");
  }
  if (img.channels() != 1 && img.channels() != 3) {
    // Pillow premultiplies alpha for RGBA/LA; only L and RGB images are reproduced.
    throw Error("ValueError", "pillow resize: images must have 1 or 3 channels, got " +
                                  std::to_string(img.channels()));
  }
  if (w <= 0 || h <= 0) throw Error("ValueError", "pillow resize: the size must be positive");
  if (img.empty()) throw Error("ValueError", "pillow resize: the image is empty");
  if (w == img.cols && h == img.rows) return img.clone();
  if (filter == "nearest") return nearest(img, w, h);

  const Filter& f = *find_filter(filter);
  const bool horizontal = w != img.cols, vertical = h != img.rows;
  const Coeffs ch = compute_coeffs(img.cols, w, f);
  const Coeffs cv_ = compute_coeffs(img.rows, h, f);
  cv::Mat cur = img;
  int row_shift = 0;
  if (horizontal) {
    // Only the source rows the vertical pass reads.
    const int first = vertical ? cv_.first[0] : 0;
    const int last = vertical ? cv_.first[h - 1] + cv_.count[h - 1] : img.rows;
    cv::Mat tmp(last - first, w, img.type());
    resample_horizontal(img, tmp, first, ch);
    cur = tmp;
    row_shift = first;
  }
  if (!vertical) return cur;
  cv::Mat out(h, w, img.type());
  resample_vertical(cur, out, row_shift, cv_);
  return out;
}

}  // namespace mmcpp::mmcv
