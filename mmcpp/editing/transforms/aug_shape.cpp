#include "mmcpp/editing/transforms/aug_shape.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/geometric.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/transforms/results_arrays.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

using config::Value;

namespace {

// numpy.random.random(), replayable.
double random_u(Rng& rng) {
  return rng.cached("numpy.random.random", [&] { return Value(rng.uniform()); }).as_number();
}

std::string py_float(double d) {
  Value v(d);
  return v.repr();
}

}  // namespace

// ---------------------------------------------------------------- Flip

Flip::Flip(std::vector<std::string> keys, double flip_ratio, std::string direction)
    : keys_(std::move(keys)), flip_ratio_(flip_ratio), direction_(std::move(direction)) {
  if (direction_ != "horizontal" && direction_ != "vertical")
    throw Error("ValueError", "Direction " + direction_ +
                                  " is not supported.Currently support ones are ['horizontal', "
                                  "'vertical']");
}

std::shared_ptr<Flip> Flip::from_config(registry::BuildArgs& args) {
  return std::make_shared<Flip>(keys_of(args.require("keys"), "keys"),
                                args.get_float("flip_ratio", 0.5),
                                args.get_str("direction", "horizontal"));
}

bool Flip::transform(data::Results& results, Rng& rng) const {
  const bool flip = random_u(rng) < flip_ratio_;
  if (flip) {
    const std::int64_t dim = direction_ == "horizontal" ? 1 : 0;
    for (const std::string& key : keys_) {
      torch::Tensor& img = array_of(results, key);
      if (!cv_output_layout_ok(img))
        throw Error("cv2.error",
                    "OpenCV(4.6.0) :-1: error: (-5:Bad argument) in function 'flip'\n"
                    "> Overload resolution failed:\n"
                    ">  - Layout of the output array dst is incompatible with cv::Mat\n"
                    ">  - Expected Ptr<cv::UMat> for argument 'dst'");
      // In place, as cv2.flip(img, code, img): views see it in their parent.
      img.copy_(img.flip({dim}));
    }
  }
  auto& info = results.info.as_dict();
  if (!info.contains("flip_infos")) info.set(Value("flip_infos"), Value::list());
  Value keys = Value::list();
  for (const auto& k : keys_) keys.items().emplace_back(k);
  Value flip_info = Value::dict(false);
  flip_info.as_dict().set(Value("keys"), keys);
  flip_info.as_dict().set(Value("direction"), Value(direction_));
  flip_info.as_dict().set(Value("ratio"), Value(flip_ratio_));
  flip_info.as_dict().set(Value("flip"), Value(flip));
  info.find("flip_infos")->items().push_back(flip_info);
  return true;
}

std::string Flip::repr() const {
  return "Flip(keys=" + py_str_list(keys_) + ", flip_ratio=" + py_float(flip_ratio_) +
         ", direction=" + direction_ + ")";
}

// ---------------------------------------------------------------- RandomTransposeHW

RandomTransposeHW::RandomTransposeHW(std::vector<std::string> keys, double transpose_ratio)
    : keys_(std::move(keys)), transpose_ratio_(transpose_ratio) {}

std::shared_ptr<RandomTransposeHW> RandomTransposeHW::from_config(registry::BuildArgs& args) {
  return std::make_shared<RandomTransposeHW>(keys_of(args.require("keys"), "keys"),
                                             args.get_float("transpose_ratio", 0.5));
}

bool RandomTransposeHW::transform(data::Results& results, Rng& rng) const {
  const bool transpose = random_u(rng) < transpose_ratio_;
  if (transpose) {
    for (const std::string& key : keys_) {
      torch::Tensor& img = array_of(results, key);
      if (img.dim() != 3) throw Error("ValueError", "axes don't match array");
      img = img.transpose(0, 1);
    }
  }
  results.info.as_dict().set(Value("transpose"), Value(transpose));
  return true;
}

std::string RandomTransposeHW::repr() const {
  return "RandomTransposeHW(keys=" + py_str_list(keys_) +
         ", transpose_ratio=" + py_float(transpose_ratio_) + ")";
}

// ---------------------------------------------------------------- Resize

Resize::Resize(ResizeOptions o) : o_(std::move(o)) {
  if (o_.keys.empty()) throw Error("AssertionError", "Keys should not be empty.");
  if (o_.output_keys.empty()) o_.output_keys = o_.keys;
  if (o_.output_keys.size() != o_.keys.size())
    throw Error("AssertionError", "Resize: output_keys and keys must have the same length");
  const bool has_scale = o_.scale_factor_arg || o_.scale_edges;
  if (o_.size_factor && *o_.size_factor != 0) {
    if (has_scale) throw Error("AssertionError", "When size_factor is used, scale should be None.");
    if (o_.keep_ratio)
      throw Error("AssertionError", "When size_factor is used, keep_ratio should be False.");
  }
  if (o_.max_size && *o_.max_size != 0 && !o_.size_factor)
    throw Error("AssertionError",
                "When max_size is used, size_factor should also be set. But received None.");
  if (o_.scale_factor_arg && *o_.scale_factor_arg <= 0)
    throw Error("ValueError",
                "Invalid scale " + py_float(*o_.scale_factor_arg) + ", must be positive.");
  mmcv::cv2_interp_code(o_.interpolation);  // validates (KeyError)
}

std::shared_ptr<Resize> Resize::from_config(registry::BuildArgs& args) {
  ResizeOptions o;
  o.keys = keys_of(args.value_or("keys", Value("img")), "keys");
  Value scale = args.value("scale");
  if (scale.is_float()) {
    o.scale_factor_arg = scale.as_float();
  } else if (scale.is_tuple() && !scale.items().empty()) {
    for (const auto& v : scale.items())
      if (!v.is_int() || v.is_bool())
        throw Error("TypeError",
                    "Scale must be None, float or tuple of int, but got " + scale.repr() + ".");
    if (scale.items().size() != 2)
      throw Error("ValueError", "Resize: scale must be a pair (w, h), got " + scale.repr());
    o.scale_edges = {scale.items()[0].as_int(), scale.items()[1].as_int()};
  } else if (!scale.is_none()) {
    throw Error("TypeError", "Scale must be None, float or tuple of int, but got <class '" +
                                 scale.type_name() + "'>.");
  }
  o.keep_ratio = args.get_bool("keep_ratio", false);
  o.size_factor = args.get_opt_int("size_factor");
  o.max_size = args.get_opt_int("max_size");
  o.interpolation = args.get_str("interpolation", "bilinear");
  o.backend = args.get_opt_str("backend");
  Value out = args.value("output_keys");
  if (!out.is_none() && !(out.is_sequence() && out.items().empty()))
    o.output_keys = keys_of(out, "output_keys");
  return std::make_shared<Resize>(std::move(o));
}

bool Resize::transform(data::Results& results, Rng&) const {
  const std::string backend = o_.backend ? *o_.backend : "cv2";
  std::optional<std::pair<std::int64_t, std::int64_t>> edges = o_.scale_edges;
  if (o_.size_factor && *o_.size_factor != 0) {
    const torch::Tensor& first = array_of(results, o_.keys[0]);
    const std::int64_t f = *o_.size_factor;
    std::int64_t new_h = first.size(0) - first.size(0) % f;
    std::int64_t new_w = first.size(1) - first.size(1) % f;
    if (o_.max_size && *o_.max_size != 0) {
      new_h = std::min(*o_.max_size - *o_.max_size % f, new_h);
      new_w = std::min(*o_.max_size - *o_.max_size % f, new_w);
    }
    edges = std::make_pair(new_w, new_h);
  }
  Value scale_factor;
  bool resized_any = false;
  auto& info = results.info.as_dict();
  for (std::size_t i = 0; i < o_.keys.size(); ++i) {
    const std::string& key = o_.keys[i];
    const std::string& out_key = o_.output_keys[i];
    if (!has_array(results, key)) continue;
    torch::Tensor src = array_of(results, key);
    if (!cv_output_layout_ok(src)) src = src.contiguous();
    cv::Mat img = mmcv::as_mat(src);
    cv::Mat out;
    if (o_.keep_ratio) {
      double factor = 0;
      if (o_.scale_factor_arg) {
        out = mmcv::imrescale(img, *o_.scale_factor_arg, o_.interpolation, backend, &factor);
      } else if (edges && std::min(edges->first, edges->second) == -1) {
        // (np.inf, n): only the short edge bounds the size.
        const double n = static_cast<double>(std::max(edges->first, edges->second));
        factor = n / static_cast<double>(std::min(img.rows, img.cols));
        out = mmcv::imrescale(img, factor, o_.interpolation, backend, &factor);
      } else if (edges) {
        out = mmcv::imrescale(img, mmcv::Size2{edges->first, edges->second}, o_.interpolation,
                              backend, &factor);
      } else {
        throw Error("TypeError", "Resize: keep_ratio needs a scale");
      }
      scale_factor = Value(factor);
    } else {
      if (!edges)
        throw Error("TypeError", "Resize: scale must be a tuple (w, h) when keep_ratio is False");
      out =
          mmcv::imresize(img, mmcv::Size2{edges->first, edges->second}, o_.interpolation, backend);
      const float w_scale = static_cast<float>(static_cast<double>(out.cols) / img.cols);
      const float h_scale = static_cast<float>(static_cast<double>(out.rows) / img.rows);
      scale_factor =
          Value::list({Value(static_cast<double>(w_scale)), Value(static_cast<double>(h_scale))});
    }
    torch::Tensor t = mmcv::as_tensor(out, /*keep_channel_axis=*/true);
    info.erase(out_key);
    results.arrays[out_key] = t;
    resized_any = true;
    info.set(Value(out_key + "_shape"), shape_tuple(t));
    for (const std::string& suffix : {std::string("channel_order"), std::string("color_type")}) {
      if (const Value* v = info.find(key + "_" + suffix))
        info.set(Value(out_key + "_" + suffix), v->deep_copy());
    }
    if (const Value* v = info.find("ori_" + key + "_shape"))
      info.set(Value("ori_" + out_key + "_shape"), v->deep_copy());
  }
  if (!resized_any)
    throw Error("AttributeError", "'Resize' object has no attribute 'scale_factor' (none of " +
                                      py_str_list(o_.keys) + " is in the results)");
  info.set(Value("scale_factor"), scale_factor);
  info.set(Value("keep_ratio"), Value(o_.keep_ratio));
  info.set(Value("interpolation"), Value(o_.interpolation));
  info.set(Value("backend"), o_.backend ? Value(*o_.backend) : Value());
  return true;
}

std::string Resize::repr() const {
  std::string scale = "None";
  if (o_.scale_factor_arg) scale = py_float(*o_.scale_factor_arg);
  if (o_.scale_edges)
    scale = "(" + std::to_string(o_.scale_edges->first) + ", " +
            std::to_string(o_.scale_edges->second) + ")";
  return "Resize(keys=" + py_str_list(o_.keys) + ", output_keys=" + py_str_list(o_.output_keys) +
         ", scale=" + scale + ", keep_ratio=" + py_bool(o_.keep_ratio) +
         ", size_factor=" + (o_.size_factor ? std::to_string(*o_.size_factor) : "None") +
         ", max_size=" + (o_.max_size ? std::to_string(*o_.max_size) : "None") +
         ", interpolation=" + o_.interpolation + ")";
}

MMCPP_REGISTER(TRANSFORMS, Flip, "dict(type='Flip', keys=['img', 'gt'])");
MMCPP_REGISTER(TRANSFORMS, RandomTransposeHW, "dict(type='RandomTransposeHW', keys=['img', 'gt'])");
MMCPP_REGISTER(TRANSFORMS, Resize, "dict(type='Resize', keys=['img'], scale=(64, 64))");

}  // namespace mmcpp::editing
