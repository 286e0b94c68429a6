#include "mmcpp/pretrain/transforms/resize.h"

#include <algorithm>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/geometric.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/transform_utils.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

Value floats2(double a, double b) { return Value::tuple({Value(a), Value(b)}); }
Value ints2(long long a, long long b) {
  return Value::tuple({Value(static_cast<std::int64_t>(a)), Value(static_cast<std::int64_t>(b))});
}

void check_interpolation(const std::string& interpolation, const std::string& backend) {
  if (backend != "cv2" && backend != "pillow") {
    throw Error("ValueError", "backend: " + backend +
                                  " is not supported for resize.Supported backends are 'cv2', "
                                  "'pillow'");
  }
  if (!mmcv::valid_interpolation(interpolation, backend)) {
    throw Error("KeyError",
                "'" + interpolation + "': unknown interpolation for backend '" + backend + "'");
  }
}

// gt_bboxes (N, 4) scaled by (w_scale, h_scale) and optionally clipped.
void resize_bboxes(data::Results& r, double ws, double hs, bool clip) {
  auto it = r.arrays.find("gt_bboxes");
  if (it == r.arrays.end() || !it->second.defined()) return;
  torch::Tensor b = it->second.to(torch::kFloat64);
  const auto opts = b.options();
  b = b * torch::tensor({ws, hs, ws, hs}, opts);
  if (clip) {
    const auto& img = r.img();
    const double h = static_cast<double>(img.size(0)), w = static_cast<double>(img.size(1));
    b.index_put_(
        {torch::indexing::Ellipsis, torch::indexing::Slice(0, torch::indexing::None, 2)},
        b.index({torch::indexing::Ellipsis, torch::indexing::Slice(0, torch::indexing::None, 2)})
            .clamp(0, w));
    b.index_put_(
        {torch::indexing::Ellipsis, torch::indexing::Slice(1, torch::indexing::None, 2)},
        b.index({torch::indexing::Ellipsis, torch::indexing::Slice(1, torch::indexing::None, 2)})
            .clamp(0, h));
  }
  it->second = b.to(it->second.scalar_type());
}

}  // namespace

Resize::Resize(Options options) : o_(std::move(options)) {
  check(!o_.scale.is_none() || !o_.scale_factor.is_none(),
        "`scale` and`scale_factor` can not both be `None`");
  if (!o_.scale.is_none()) {
    if (o_.scale.is_int()) {
      scale_ = ints2(o_.scale.as_int(), o_.scale.as_int());
    } else {
      const auto [w, h] = int_or_pair(o_.scale, "Resize: scale");
      (void)w, (void)h;
      scale_ = o_.scale;  // kept as given: repr and results['scale'] show it
    }
  }
  if (o_.scale_factor.is_float()) {
    scale_factor_ = floats2(o_.scale_factor.as_float(), o_.scale_factor.as_float());
  } else if (o_.scale_factor.is_sequence()) {
    check(o_.scale_factor.items().size() == 2, "Resize: scale_factor must have 2 elements");
    numbers_of(o_.scale_factor, "Resize: scale_factor");
    scale_factor_ = o_.scale_factor;
  } else if (!o_.scale_factor.is_none()) {
    throw Error("TypeError", "expect scale_factor is float or Tuple(float), butget " +
                                 o_.scale_factor.type_name());
  }
  check_interpolation(o_.interpolation, o_.backend);
}

std::shared_ptr<Resize> Resize::from_config(registry::BuildArgs& args) {
  Options o;
  o.scale = args.value("scale");
  o.scale_factor = args.value("scale_factor");
  o.keep_ratio = args.get_bool("keep_ratio", o.keep_ratio);
  o.clip_object_border = args.get_bool("clip_object_border", o.clip_object_border);
  o.backend = args.get_str("backend", o.backend);
  o.interpolation = args.get_str("interpolation", o.interpolation);
  return std::make_shared<Resize>(std::move(o));
}

void Resize::apply(data::Results& results, const Value& scale) const {
  auto& info = results.info.as_dict();
  cv::Mat img = image_mat(results);
  Value target = scale;
  if (target.is_none() || (target.is_sequence() && target.items().empty())) {
    const auto& f = scale_factor_.items();
    const mmcv::Size2 s =
        mmcv::scale_size({img.cols, img.rows}, f[0].as_number(), f[1].as_number());
    target = ints2(s.w, s.h);
  }
  info.set(Value("scale"), target);

  cv::Mat out;
  double w_scale, h_scale;
  if (o_.keep_ratio) {
    if (target.is_number()) {
      out = mmcv::imrescale(img, target.as_number(), o_.interpolation, o_.backend);
    } else {
      const auto [w, h] = int_or_pair(target, "Resize: scale");
      out = mmcv::imrescale(img, mmcv::Size2{w, h}, o_.interpolation, o_.backend);
    }
    // As MMCV: the factors actually applied, per axis.
    w_scale = static_cast<double>(out.cols) / img.cols;
    h_scale = static_cast<double>(out.rows) / img.rows;
  } else {
    const auto [w, h] = int_or_pair(target, "Resize: scale");
    out = mmcv::imresize(img, mmcv::Size2{w, h}, o_.interpolation, o_.backend);
    w_scale = static_cast<double>(w) / img.cols;
    h_scale = static_cast<double>(h) / img.rows;
  }
  store_image(results, out);
  info.set(Value("scale_factor"), floats2(w_scale, h_scale));
  info.set(Value("keep_ratio"), Value(o_.keep_ratio));

  resize_bboxes(results, w_scale, h_scale, o_.clip_object_border);
  if (auto it = results.arrays.find("gt_seg_map"); it != results.arrays.end()) {
    const torch::Tensor seg_tensor = it->second.contiguous();  // alive while `seg` is used
    cv::Mat seg = mmcv::as_mat(seg_tensor);
    cv::Mat seg_out;
    if (o_.keep_ratio) {
      seg_out = target.is_number()
                    ? mmcv::imrescale(seg, target.as_number(), "nearest", o_.backend)
                    : mmcv::imrescale(seg,
                                      mmcv::Size2{int_or_pair(target, "scale").first,
                                                  int_or_pair(target, "scale").second},
                                      "nearest", o_.backend);
    } else {
      const auto [w, h] = int_or_pair(target, "Resize: scale");
      seg_out = mmcv::imresize(seg, mmcv::Size2{w, h}, "nearest", o_.backend);
    }
    it->second = mmcv::as_tensor(seg_out);
  }
}

bool Resize::transform(data::Results& results, Rng&) const {
  apply(results, scale_);
  return true;
}

std::string Resize::repr() const {
  // MMCV's __repr__, unbalanced parentheses included.
  return "Resize(scale=" + scale_.str() + ", scale_factor=" + scale_factor_.str() +
         ", keep_ratio=" + py_bool(o_.keep_ratio) +
         ", clip_object_border=" + py_bool(o_.clip_object_border) + "), backend=" + o_.backend +
         "), interpolation=" + o_.interpolation + ")";
}

// ---- RandomResize ----

RandomResize::RandomResize(Options options) : o_(std::move(options)) {
  resize_cfg_ = Value::dict(false);
  resize_cfg_.as_dict().set(Value("type"), Value(o_.resize_type));
  for (const auto& [k, v] : o_.resize_kwargs.as_dict().entries()) resize_cfg_.as_dict().set(k, v);
  Value cfg = Value::dict(false);
  cfg.as_dict().set(Value("scale"), Value(0));
  for (const auto& [k, v] : resize_cfg_.as_dict().entries()) cfg.as_dict().set(k, v);
  resize_ = TRANSFORMS().build(cfg);
  // Validate the scale's form now rather than at the first sample.
  const auto& s = o_.scale;
  const bool int_pair =
      s.is_sequence() && s.items().size() == 2 && s.items()[0].is_int() && s.items()[1].is_int();
  bool pair_list = s.is_sequence() && s.items().size() == 2;
  if (pair_list) {
    for (const Value& e : s.items())
      pair_list = pair_list && e.is_sequence() && e.items().size() == 2;
  }
  if (int_pair) {
    check(o_.ratio_range.is_sequence() && o_.ratio_range.items().size() == 2,
          "RandomResize: ratio_range must be (min, max) when scale is one (w, h)");
    const auto r = numbers_of(o_.ratio_range, "RandomResize: ratio_range");
    check(r[0] <= r[1], "RandomResize: ratio_range min must be <= max");
  } else if (!pair_list) {
    throw Error("NotImplementedError", "Do not support sampling function for \"" + s.str() + "\"");
  }
}

std::shared_ptr<RandomResize> RandomResize::from_config(registry::BuildArgs& args) {
  Options o;
  o.scale = args.require("scale");
  o.ratio_range = args.value("ratio_range");
  o.resize_type = args.get_str("resize_type", o.resize_type);
  o.resize_kwargs = args.take_rest();
  return std::make_shared<RandomResize>(std::move(o));
}

Value RandomResize::random_scale(Rng& rng) const {
  return rng.cached("RandomResize._random_scale", [&]() -> Value {
    const auto& s = o_.scale.items();
    if (s[0].is_int()) {
      const auto r = numbers_of(o_.ratio_range, "ratio_range");
      const double ratio = rng.uniform() * (r[1] - r[0]) + r[0];
      return ints2(static_cast<long long>(s[0].as_int() * ratio),
                   static_cast<long long>(s[1].as_int() * ratio));
    }
    const auto a = int_or_pair(s[0], "RandomResize: scale[0]");
    const auto b = int_or_pair(s[1], "RandomResize: scale[1]");
    const long long e0 = rng.randint(std::min(a.first, b.first), std::max(a.first, b.first) + 1);
    const long long e1 =
        rng.randint(std::min(a.second, b.second), std::max(a.second, b.second) + 1);
    return ints2(e0, e1);
  });
}

bool RandomResize::transform(data::Results& results, Rng& rng) const {
  const Value scale = random_scale(rng);
  results.info.as_dict().set(Value("scale"), scale);
  if (auto* resize = dynamic_cast<const Resize*>(resize_.get())) {
    resize->apply(results, scale);
    return true;
  }
  // Another resize type: build one with this scale (MMCV assigns .scale).
  Value cfg = resize_cfg_.deep_copy();
  cfg.as_dict().set(Value("scale"), scale);
  return TRANSFORMS().build(cfg)->transform(results, rng);
}

std::string RandomResize::repr() const {
  return "RandomResize(scale=" + o_.scale.str() + ", ratio_range=" + o_.ratio_range.str() +
         ", resize_cfg=" + resize_cfg_.str() + ")";
}

// ---- ResizeEdge ----

ResizeEdge::ResizeEdge(Options options) : o_(std::move(options)) {
  check(o_.edge == "short" || o_.edge == "long" || o_.edge == "width" || o_.edge == "height",
        "Invalid edge \"" + o_.edge +
            "\", please specify from ['short', 'long', 'width', 'height'].");
  check_interpolation(o_.interpolation, o_.backend);
}

std::shared_ptr<ResizeEdge> ResizeEdge::from_config(registry::BuildArgs& args) {
  Options o;
  o.scale = args.require_int("scale");
  o.edge = args.get_str("edge", o.edge);
  o.backend = args.get_str("backend", o.backend);
  o.interpolation = args.get_str("interpolation", o.interpolation);
  return std::make_shared<ResizeEdge>(std::move(o));
}

bool ResizeEdge::transform(data::Results& results, Rng&) const {
  cv::Mat img = image_mat(results);
  const long long h = img.rows, w = img.cols;
  long long width, height;
  if ((o_.edge == "short" && w < h) || (o_.edge == "long" && w > h) || o_.edge == "width") {
    width = o_.scale;
    height = static_cast<long long>(static_cast<double>(o_.scale * h) / static_cast<double>(w));
  } else {
    height = o_.scale;
    width = static_cast<long long>(static_cast<double>(o_.scale * w) / static_cast<double>(h));
  }
  cv::Mat out = mmcv::imresize(img, mmcv::Size2{width, height}, o_.interpolation, o_.backend);
  store_image(results, out);
  auto& info = results.info.as_dict();
  info.set(Value("scale"),
           ints2(static_cast<long long>(out.cols), static_cast<long long>(out.rows)));
  info.set(Value("scale_factor"), floats2(static_cast<double>(width) / static_cast<double>(w),
                                          static_cast<double>(height) / static_cast<double>(h)));
  return true;
}

std::string ResizeEdge::repr() const {
  return "ResizeEdge(scale=" + std::to_string(o_.scale) + ", edge=" + o_.edge +
         ", backend=" + o_.backend + ", interpolation=" + o_.interpolation + ")";
}

MMCPP_REGISTER(TRANSFORMS, Resize, "dict(type='Resize', scale=(224, 224))");
MMCPP_REGISTER(TRANSFORMS, RandomResize,
               "dict(type='RandomResize', scale=(224, 224), ratio_range=(0.5, 2.0))");
MMCPP_REGISTER(TRANSFORMS, ResizeEdge, "dict(type='ResizeEdge', scale=256)");

}  // namespace mmcpp::pretrain
