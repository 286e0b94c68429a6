#include "mmcpp/pretrain/transforms/crop.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/transform_utils.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

Value int_tuple(std::initializer_list<long long> xs) {
  Value::Items items;
  for (long long x : xs) items.emplace_back(static_cast<std::int64_t>(x));
  return Value::tuple(std::move(items));
}

// Python's round(x, 4), printed as repr() prints the result.
std::string round4(double x) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", x);
  return py_float(std::strtod(buf, nullptr));
}

std::array<double, 4> params_of(const Value& v, const std::string& name) {
  if (!v.is_sequence() || v.items().size() != 4) {
    throw Error("ValueError", name + " must give 4 values, got " + v.repr());
  }
  std::array<double, 4> p{};
  for (int i = 0; i < 4; ++i) p[i] = v.items()[i].as_number();
  return p;
}

Value params_value(const std::array<double, 4>& p, bool fractional) {
  Value::Items items;
  for (double x : p) {
    if (fractional && x != std::floor(x)) {
      items.emplace_back(x);
    } else {
      items.emplace_back(static_cast<std::int64_t>(x));
    }
  }
  return Value::tuple(std::move(items));
}

// gt_bboxes shifted by the crop offset and clipped to the crop (CenterCrop).
void crop_bboxes(data::Results& r, long long x1, long long y1, bool clip) {
  auto it = r.arrays.find("gt_bboxes");
  if (it == r.arrays.end() || !it->second.defined()) return;
  using torch::indexing::None;
  using torch::indexing::Slice;
  torch::Tensor b = it->second.to(torch::kFloat64) -
                    torch::tensor({static_cast<double>(x1), static_cast<double>(y1),
                                   static_cast<double>(x1), static_cast<double>(y1)},
                                  torch::kFloat64);
  if (clip) {
    const double h = static_cast<double>(r.img().size(0)), w = static_cast<double>(r.img().size(1));
    b.index_put_({"...", Slice(0, None, 2)}, b.index({"...", Slice(0, None, 2)}).clamp(0, w));
    b.index_put_({"...", Slice(1, None, 2)}, b.index({"...", Slice(1, None, 2)}).clamp(0, h));
  }
  it->second = b.to(it->second.scalar_type());
}

}  // namespace

// ---- CenterCrop ----

CenterCrop::CenterCrop(Options options) : o_(std::move(options)) {
  check(o_.crop_size.is_int() || (o_.crop_size.is_sequence() && o_.crop_size.items().size() == 2),
        "The expected crop_size is an integer, or a tuple containing two intergers");
  std::tie(crop_w_, crop_h_) = int_or_pair(o_.crop_size, "CenterCrop: crop_size");
  check(crop_w_ > 0 && crop_h_ > 0, "CenterCrop: crop_size must be positive");
  if (o_.pad_cfg.is_none()) {
    o_.pad_cfg = Value::dict(false);
    o_.pad_cfg.as_dict().set(Value("type"), Value("Pad"));
  }
  if (!o_.pad_cfg.is_dict()) throw Error("TypeError", "CenterCrop: pad_cfg must be a dict");
}

std::shared_ptr<CenterCrop> CenterCrop::from_config(registry::BuildArgs& args) {
  Options o;
  o.crop_size = args.require("crop_size");
  o.auto_pad = args.get_bool("auto_pad", o.auto_pad);
  o.pad_cfg = args.value("pad_cfg");
  o.clip_object_border = args.get_bool("clip_object_border", o.clip_object_border);
  return std::make_shared<CenterCrop>(std::move(o));
}

bool CenterCrop::transform(data::Results& results, Rng& rng) const {
  long long crop_w = crop_w_, crop_h = crop_h_;
  long long img_h = results.img().size(0), img_w = results.img().size(1);
  if (crop_h > img_h || crop_w > img_w) {
    if (o_.auto_pad) {
      img_h = std::max(img_h, crop_h);
      img_w = std::max(img_w, crop_w);
      Value cfg = o_.pad_cfg.deep_copy();
      cfg.as_dict().set(Value("size"), int_tuple({img_w, img_h}));
      if (!TRANSFORMS().build(cfg)->transform(results, rng)) return false;
    } else {
      crop_h = std::min(crop_h, img_h);
      crop_w = std::min(crop_w, img_w);
    }
  }
  const long long y1 =
      std::max<long long>(0, mmcv::py_round(static_cast<double>(img_h - crop_h) / 2.0));
  const long long x1 =
      std::max<long long>(0, mmcv::py_round(static_cast<double>(img_w - crop_w) / 2.0));
  const long long y2 = std::min(img_h, y1 + crop_h) - 1;
  const long long x2 = std::min(img_w, x1 + crop_w) - 1;

  cv::Mat out = mmcv::imcrop(image_mat(results), x1, y1, x2, y2);
  store_image(results, out);
  results.info.as_dict().set(Value("pad_shape"), hw_of(results.img()));
  if (auto it = results.arrays.find("gt_seg_map"); it != results.arrays.end()) {
    const torch::Tensor seg = it->second.contiguous();
    it->second = tensor_of(mmcv::imcrop(mmcv::as_mat(seg), x1, y1, x2, y2), seg);
  }
  crop_bboxes(results, x1, y1, o_.clip_object_border);
  return true;
}

std::string CenterCrop::repr() const {
  return "CenterCrop(crop_size = " + int_tuple({crop_w_, crop_h_}).str() +
         ", auto_pad=" + py_bool(o_.auto_pad) + ", pad_cfg=" + o_.pad_cfg.str() +
         ",clip_object_border = " + py_bool(o_.clip_object_border) + ")";
}

// ---- RandomCrop ----

RandomCrop::RandomCrop(Options options) : o_(std::move(options)) {
  std::tie(crop_h_, crop_w_) = int_or_pair(o_.crop_size, "RandomCrop: crop_size");
  check(crop_h_ > 0 && crop_w_ > 0, "RandomCrop: crop_size must be positive");
  check(o_.padding_mode == "constant" || o_.padding_mode == "edge" ||
            o_.padding_mode == "reflect" || o_.padding_mode == "symmetric",
        "RandomCrop: padding_mode must be one of constant, edge, reflect, symmetric, got '" +
            o_.padding_mode + "'");
  if (!o_.padding.is_none()) {
    const bool ok = (o_.padding.is_int()) ||
                    (o_.padding.is_sequence() &&
                     (o_.padding.items().size() == 2 || o_.padding.items().size() == 4));
    if (!ok) {
      throw Error("ValueError",
                  "mmcv::Padding must be a int or a 2, or 4 element tuple.But received " +
                      o_.padding.repr());
    }
  }
  pad_val_ = pad_val_of(o_.pad_val, "RandomCrop: pad_val");
}

std::shared_ptr<RandomCrop> RandomCrop::from_config(registry::BuildArgs& args) {
  Options o;
  o.crop_size = args.require("crop_size");
  o.padding = args.value("padding");
  o.pad_if_needed = args.get_bool("pad_if_needed", o.pad_if_needed);
  o.pad_val = args.value_or("pad_val", o.pad_val);
  o.padding_mode = args.get_str("padding_mode", o.padding_mode);
  return std::make_shared<RandomCrop>(std::move(o));
}

std::array<long long, 4> RandomCrop::rand_crop_params(long long h, long long w, Rng& rng) const {
  const Value v = rng.cached("RandomCrop.rand_crop_params", [&]() -> Value {
    long long th = crop_h_, tw = crop_w_;
    if (w == tw && h == th) return int_tuple({0, 0, h, w});
    if (w < tw || h < th) {
      tw = std::min(w, tw);
      th = std::min(h, th);
    }
    const long long oh = rng.randint(0, h - th + 1);
    const long long ow = rng.randint(0, w - tw + 1);
    return int_tuple({oh, ow, th, tw});
  });
  const auto p = params_of(v, "RandomCrop.rand_crop_params");
  return {static_cast<long long>(p[0]), static_cast<long long>(p[1]), static_cast<long long>(p[2]),
          static_cast<long long>(p[3])};
}

bool RandomCrop::transform(data::Results& results, Rng& rng) const {
  cv::Mat img = image_mat(results);
  if (!o_.padding.is_none()) {
    mmcv::Padding p;
    if (o_.padding.is_int()) {
      p = {o_.padding.as_int(), o_.padding.as_int(), o_.padding.as_int(), o_.padding.as_int()};
    } else {
      const auto& it = o_.padding.items();
      if (it.size() == 2) {
        p = {it[0].as_int(), it[1].as_int(), it[0].as_int(), it[1].as_int()};
      } else {
        p = {it[0].as_int(), it[1].as_int(), it[2].as_int(), it[3].as_int()};
      }
    }
    // MMPretrain pads `padding` with the constant mode, whatever padding_mode says.
    img = mmcv::impad(img, p, pad_val_, "constant");
  }
  if (o_.pad_if_needed) {
    const long long h_pad = (std::max<long long>(0, crop_h_ - img.rows) + 1) / 2;
    const long long w_pad = (std::max<long long>(0, crop_w_ - img.cols) + 1) / 2;
    img = mmcv::impad(img, mmcv::Padding{w_pad, h_pad, w_pad, h_pad}, pad_val_, o_.padding_mode);
  }
  const auto [oh, ow, th, tw] = rand_crop_params(img.rows, img.cols, rng);
  cv::Mat out = mmcv::imcrop(img, ow, oh, ow + tw - 1, oh + th - 1);
  store_image(results, out, /*full_shape=*/true);
  return true;
}

std::string RandomCrop::repr() const {
  return "RandomCrop(crop_size=" +
         (o_.crop_size.is_int() ? int_tuple({crop_h_, crop_w_}).str() : o_.crop_size.str()) +
         ", padding=" + o_.padding.str() + ", pad_if_needed=" + py_bool(o_.pad_if_needed) +
         ", pad_val=" + o_.pad_val.str() + ", padding_mode=" + o_.padding_mode + ")";
}

// ---- RandomResizedCrop ----

RandomResizedCrop::RandomResizedCrop(Options options) : o_(std::move(options)) {
  std::tie(scale_h_, scale_w_) = int_or_pair(o_.scale, name_ + ": scale");
  check(scale_h_ > 0 && scale_w_ > 0, name_ + ": scale must be positive");
  if (o_.crop_ratio_range[0] > o_.crop_ratio_range[1] ||
      o_.aspect_ratio_range[0] > o_.aspect_ratio_range[1]) {
    throw Error("ValueError",
                "range should be of kind (min, max). But received crop_ratio_range (" +
                    py_float(o_.crop_ratio_range[0]) + ", " + py_float(o_.crop_ratio_range[1]) +
                    ") and aspect_ratio_range (" + py_float(o_.aspect_ratio_range[0]) + ", " +
                    py_float(o_.aspect_ratio_range[1]) + ").");
  }
  check(o_.max_attempts >= 0, "max_attempts mush be int and no less than 0.");
  check(mmcv::valid_interpolation(o_.interpolation, "cv2") &&
            mmcv::valid_interpolation(o_.interpolation, o_.backend),
        name_ +
            ": interpolation must be one of nearest, bilinear, bicubic, area, lanczos (the "
            "backend supporting it), got '" +
            o_.interpolation + "'");
  if (o_.backend != "cv2" && o_.backend != "pillow") {
    throw Error("ValueError", "backend: " + o_.backend +
                                  " is not supported for resize.Supported backends are 'cv2', "
                                  "'pillow'");
  }
}

RandomResizedCrop::Options RandomResizedCrop::read_options(registry::BuildArgs& args,
                                                           const std::string& interpolation) {
  Options o;
  o.scale = args.require("scale");
  const auto pair = [&](const char* key, std::array<double, 2> dflt) {
    auto v = args.get_float_list(key, {dflt[0], dflt[1]});
    if (v.size() != 2) args.fail(key, "must be (min, max)");
    return std::array<double, 2>{v[0], v[1]};
  };
  o.crop_ratio_range = pair("crop_ratio_range", o.crop_ratio_range);
  o.aspect_ratio_range = pair("aspect_ratio_range", o.aspect_ratio_range);
  o.max_attempts = args.get_int("max_attempts", o.max_attempts);
  o.interpolation = args.get_str("interpolation", interpolation);
  o.backend = args.get_str("backend", o.backend);
  return o;
}

std::shared_ptr<RandomResizedCrop> RandomResizedCrop::from_config(registry::BuildArgs& args) {
  return std::make_shared<RandomResizedCrop>(read_options(args, "bilinear"));
}

std::array<double, 4> RandomResizedCrop::rand_crop_params(long long h, long long w,
                                                          Rng& rng) const {
  const double area = static_cast<double>(h * w);
  const double log_lo = std::log(o_.aspect_ratio_range[0]);
  const double log_hi = std::log(o_.aspect_ratio_range[1]);
  for (std::int64_t i = 0; i < o_.max_attempts; ++i) {
    const double target_area = rng.uniform(o_.crop_ratio_range[0], o_.crop_ratio_range[1]) * area;
    const double aspect = std::exp(rng.uniform(log_lo, log_hi));
    const long long tw = mmcv::py_round(std::sqrt(target_area * aspect));
    const long long th = mmcv::py_round(std::sqrt(target_area / aspect));
    if (0 < tw && tw <= w && 0 < th && th <= h) {
      const long long oh = rng.randint(0, h - th + 1);
      const long long ow = rng.randint(0, w - tw + 1);
      return {static_cast<double>(oh), static_cast<double>(ow), static_cast<double>(th),
              static_cast<double>(tw)};
    }
  }
  // Fallback: a central crop with the aspect ratio clamped into the range.
  const double in_ratio = static_cast<double>(w) / static_cast<double>(h);
  const double lo = std::min(o_.aspect_ratio_range[0], o_.aspect_ratio_range[1]);
  const double hi = std::max(o_.aspect_ratio_range[0], o_.aspect_ratio_range[1]);
  long long tw, th;
  if (in_ratio < lo) {
    tw = w;
    th = mmcv::py_round(static_cast<double>(tw) / lo);
  } else if (in_ratio > hi) {
    th = h;
    tw = mmcv::py_round(static_cast<double>(th) * hi);
  } else {
    tw = w;
    th = h;
  }
  // Python's floor division.
  const auto floordiv2 = [](long long v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); };
  return {static_cast<double>(floordiv2(h - th)), static_cast<double>(floordiv2(w - tw)),
          static_cast<double>(th), static_cast<double>(tw)};
}

std::array<double, 4> RandomResizedCrop::cached_params(long long h, long long w, Rng& rng) const {
  const Value v = rng.cached(name_ + ".rand_crop_params",
                             [&]() { return params_value(rand_crop_params(h, w, rng), true); });
  return params_of(v, name_ + ".rand_crop_params");
}

bool RandomResizedCrop::transform(data::Results& results, Rng& rng) const {
  cv::Mat img = image_mat(results);
  const auto [oh, ow, th, tw] = cached_params(img.rows, img.cols, rng);
  cv::Mat crop = mmcv::imcrop(img, ow, oh, ow + tw - 1, oh + th - 1);
  cv::Mat out = mmcv::imresize(crop, mmcv::Size2{scale_w_, scale_h_}, o_.interpolation, o_.backend);
  store_image(results, out, /*full_shape=*/true);
  return true;
}

std::string RandomResizedCrop::repr() const {
  return name_ +
         "(scale=" + (o_.scale.is_int() ? int_tuple({scale_h_, scale_w_}).str() : o_.scale.str()) +
         ", crop_ratio_range=(" + round4(o_.crop_ratio_range[0]) + ", " +
         round4(o_.crop_ratio_range[1]) + "), aspect_ratio_range=(" +
         round4(o_.aspect_ratio_range[0]) + ", " + round4(o_.aspect_ratio_range[1]) +
         "), max_attempts=" + std::to_string(o_.max_attempts) +
         ", interpolation=" + o_.interpolation + ", backend=" + o_.backend + ")";
}

// ---- EfficientNetRandomCrop ----

EfficientNetRandomCrop::EfficientNetRandomCrop(Options base, double min_covered,
                                               std::int64_t crop_padding)
    : RandomResizedCrop((check(base.scale.is_int(), "EfficientNetRandomCrop: scale must be an int"),
                         std::move(base))),
      min_covered_(min_covered),
      crop_padding_(crop_padding) {
  name_ = "EfficientNetRandomCrop";
  check(min_covered_ >= 0, "min_covered should be no less than 0.");
  check(crop_padding_ >= 0, "crop_padding should be no less than 0.");
}

std::shared_ptr<EfficientNetRandomCrop> EfficientNetRandomCrop::from_config(
    registry::BuildArgs& args) {
  Options o = read_options(args, "bicubic");
  const double min_covered = args.get_float("min_covered", 0.1);
  const std::int64_t crop_padding = args.get_int("crop_padding", 32);
  return std::make_shared<EfficientNetRandomCrop>(std::move(o), min_covered, crop_padding);
}

std::array<double, 4> EfficientNetRandomCrop::rand_crop_params(long long h, long long w,
                                                               Rng& rng) const {
  const double area = static_cast<double>(h * w);
  const double min_area = o_.crop_ratio_range[0] * area;
  const double max_area = o_.crop_ratio_range[1] * area;
  for (std::int64_t i = 0; i < o_.max_attempts; ++i) {
    const double aspect = rng.uniform(o_.aspect_ratio_range[0], o_.aspect_ratio_range[1]);
    long long min_th = mmcv::py_round(std::sqrt(min_area / aspect));
    long long max_th = mmcv::py_round(std::sqrt(max_area / aspect));
    if (static_cast<double>(max_th) * aspect > static_cast<double>(w)) {
      max_th = static_cast<long long>((static_cast<double>(w) + 0.5 - 1e-7) / aspect);
      if (static_cast<double>(max_th) * aspect > static_cast<double>(w)) max_th -= 1;
    }
    max_th = std::min(max_th, h);
    min_th = std::min(max_th, min_th);
    const long long th =
        mmcv::py_round(rng.uniform(static_cast<double>(min_th), static_cast<double>(max_th)));
    const long long tw = mmcv::py_round(static_cast<double>(th) * aspect);
    const double t_area = static_cast<double>(th * tw);
    if (t_area < min_area || t_area > max_area || tw > w || th > h ||
        t_area < min_covered_ * area) {
      continue;
    }
    const long long oh = rng.randint(0, h - th + 1);
    const long long ow = rng.randint(0, w - tw + 1);
    return {static_cast<double>(oh), static_cast<double>(ow), static_cast<double>(th),
            static_cast<double>(tw)};
  }
  // Fallback: EfficientNet's centre crop, of fractional size.
  const double img_short = static_cast<double>(std::min(h, w));
  const double crop =
      static_cast<double>(scale_h_) / static_cast<double>(scale_h_ + crop_padding_) * img_short;
  const double oh = std::max<long long>(0, mmcv::py_round((static_cast<double>(h) - crop) / 2.0));
  const double ow = std::max<long long>(0, mmcv::py_round((static_cast<double>(w) - crop) / 2.0));
  return {oh, ow, crop, crop};
}

std::string EfficientNetRandomCrop::repr() const {
  std::string s = RandomResizedCrop::repr();
  s.pop_back();
  return s + ", min_covered=" + py_float(min_covered_) +
         ", crop_padding=" + std::to_string(crop_padding_) + ")";
}

// ---- EfficientNetCenterCrop ----

EfficientNetCenterCrop::EfficientNetCenterCrop(Options options) : o_(std::move(options)) {
  check(o_.crop_size > 0, "EfficientNetCenterCrop: crop_size must be > 0");
  check(o_.crop_padding >= 0, "EfficientNetCenterCrop: crop_padding must be >= 0");
  check(mmcv::valid_interpolation(o_.interpolation, "cv2") &&
            mmcv::valid_interpolation(o_.interpolation, o_.backend),
        "EfficientNetCenterCrop: interpolation must be one of nearest, bilinear, bicubic, "
        "area, lanczos, got '" +
            o_.interpolation + "'");
}

std::shared_ptr<EfficientNetCenterCrop> EfficientNetCenterCrop::from_config(
    registry::BuildArgs& args) {
  Options o;
  o.crop_size = args.require_int("crop_size");
  o.crop_padding = args.get_int("crop_padding", o.crop_padding);
  o.interpolation = args.get_str("interpolation", o.interpolation);
  o.backend = args.get_str("backend", o.backend);
  return std::make_shared<EfficientNetCenterCrop>(std::move(o));
}

bool EfficientNetCenterCrop::transform(data::Results& results, Rng&) const {
  cv::Mat img = image_mat(results);
  const double h = img.rows, w = img.cols;
  const double crop = static_cast<double>(o_.crop_size) /
                      static_cast<double>(o_.crop_size + o_.crop_padding) * std::min(h, w);
  const double oh = static_cast<double>(std::max<long long>(0, mmcv::py_round((h - crop) / 2.0)));
  const double ow = static_cast<double>(std::max<long long>(0, mmcv::py_round((w - crop) / 2.0)));
  cv::Mat patch = mmcv::imcrop(img, ow, oh, ow + crop - 1, oh + crop - 1);
  cv::Mat out =
      mmcv::imresize(patch, mmcv::Size2{o_.crop_size, o_.crop_size}, o_.interpolation, o_.backend);
  store_image(results, out, /*full_shape=*/true);
  return true;
}

std::string EfficientNetCenterCrop::repr() const {
  return "EfficientNetCenterCrop(crop_size=" + std::to_string(o_.crop_size) +
         ", crop_padding=" + std::to_string(o_.crop_padding) +
         ", interpolation=" + o_.interpolation + ", backend=" + o_.backend + ")";
}

MMCPP_REGISTER(TRANSFORMS, CenterCrop, "dict(type='CenterCrop', crop_size=224)");
MMCPP_REGISTER(TRANSFORMS, RandomCrop, "dict(type='RandomCrop', crop_size=32, padding=4)");
MMCPP_REGISTER(TRANSFORMS, RandomResizedCrop, "dict(type='RandomResizedCrop', scale=224)");
MMCPP_REGISTER(TRANSFORMS, EfficientNetRandomCrop,
               "dict(type='EfficientNetRandomCrop', scale=224)");
MMCPP_REGISTER(TRANSFORMS, EfficientNetCenterCrop,
               "dict(type='EfficientNetCenterCrop', crop_size=224)");

}  // namespace mmcpp::pretrain
