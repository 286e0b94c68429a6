#include "mmcpp/pretrain/transforms/pad.h"

#include <algorithm>

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/geometric.h"
#include "mmcpp/cv/image/mat_tensor.h"
#include "mmcpp/pretrain/registry.h"
#include "mmcpp/pretrain/transforms/transform_utils.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::pretrain {

using config::Value;

namespace {

Value default_pad_val(const Value& img) {
  Value d = Value::dict(false);
  d.as_dict().set(Value("img"), img);
  d.as_dict().set(Value("seg"), Value(255));
  return d;
}

// _pad_img's pad_val: an int becomes one value per channel of a 3-D image;
// anything else goes to impad as given.
mmcv::PadVal image_pad_val(const Value& v, int dims, int channels) {
  if (v.is_int() && dims == 3)
    return mmcv::PadVal::tuple(std::vector<double>(channels, v.as_number()));
  return pad_val_of(v, "Pad: pad_val");
}

}  // namespace

Pad::Pad(Options options) : o_(std::move(options)) {
  if (o_.pad_val.is_none()) o_.pad_val = default_pad_val(Value(0));
  if (o_.pad_val.is_int()) o_.pad_val = default_pad_val(o_.pad_val);
  check(o_.pad_val.is_dict(), "pad_val must be an int or a dict, got " + o_.pad_val.repr());
  if (o_.pad_to_square) {
    check(o_.size.is_none(), "The size and size_divisor must be None when pad2square is True");
  } else {
    check(!o_.size.is_none() || !o_.size_divisor.is_none(),
          "only one of size and size_divisor should be valid");
    check(o_.size.is_none() || o_.size_divisor.is_none(),
          "only one of size and size_divisor should be valid");
  }
  if (!o_.size.is_none()) {
    check(o_.size.is_sequence() && o_.size.items().size() == 2,
          "Pad: size must be (w, h), got " + o_.size.repr());
    int_or_pair(o_.size, "Pad: size");
  }
  if (!o_.size_divisor.is_none()) {
    check(o_.size_divisor.is_int() && o_.size_divisor.as_int() > 0,
          "Pad: size_divisor must be a positive int, got " + o_.size_divisor.repr());
  }
  check(o_.padding_mode == "constant" || o_.padding_mode == "edge" ||
            o_.padding_mode == "reflect" || o_.padding_mode == "symmetric",
        "Pad: padding_mode must be one of constant, edge, reflect, symmetric, got '" +
            o_.padding_mode + "'");
}

std::shared_ptr<Pad> Pad::from_config(registry::BuildArgs& args) {
  Options o;
  o.size = args.value("size");
  o.size_divisor = args.value("size_divisor");
  o.pad_to_square = args.get_bool("pad_to_square", o.pad_to_square);
  o.pad_val = args.value("pad_val");
  o.padding_mode = args.get_str("padding_mode", o.padding_mode);
  return std::make_shared<Pad>(std::move(o));
}

bool Pad::transform(data::Results& results, Rng&) const {
  cv::Mat img = image_mat(results);
  const int dims = static_cast<int>(results.img().dim());
  long long h = -1, w = -1;  // the target (h, w); -1: none
  if (o_.pad_to_square) h = w = std::max(img.rows, img.cols);
  if (!o_.size_divisor.is_none()) {
    if (h < 0) h = img.rows, w = img.cols;
    const long long d = o_.size_divisor.as_int();
    h = (h + d - 1) / d * d;
    w = (w + d - 1) / d * d;
  } else if (!o_.size.is_none()) {
    std::tie(w, h) = int_or_pair(o_.size, "Pad: size");
  }
  const Value* img_val = o_.pad_val.as_dict().find("img");
  const mmcv::PadVal pad_val = image_pad_val(img_val ? *img_val : Value(0), dims, img.channels());
  cv::Mat out = h < 0 ? img.clone() : mmcv::impad_to_shape(img, h, w, pad_val, o_.padding_mode);
  store_image(results, out);
  auto& info = results.info.as_dict();
  info.set(Value("pad_shape"), shape_of(results.img()));
  info.set(Value("pad_fixed_size"), o_.size);
  info.set(Value("pad_size_divisor"), o_.size_divisor);

  if (auto it = results.arrays.find("gt_seg_map"); it != results.arrays.end()) {
    const Value* seg_val = o_.pad_val.as_dict().find("seg");
    const torch::Tensor seg_tensor = it->second.contiguous();  // alive while `seg` is used
    cv::Mat seg = mmcv::as_mat(seg_tensor);
    const mmcv::PadVal pv = image_pad_val(seg_val ? *seg_val : Value(255),
                                          static_cast<int>(it->second.dim()), seg.channels());
    it->second =
        mmcv::as_tensor(mmcv::impad_to_shape(seg, out.rows, out.cols, pv, o_.padding_mode));
  }
  return true;
}

std::string Pad::repr() const {
  // MMCV's __repr__, unbalanced parenthesis included.
  return "Pad(size=" + o_.size.str() + ", size_divisor=" + o_.size_divisor.str() +
         ", pad_to_square=" + py_bool(o_.pad_to_square) + ", pad_val=" + o_.pad_val.str() +
         "), padding_mode=" + o_.padding_mode + ")";
}

MMCPP_REGISTER(TRANSFORMS, Pad, "dict(type='Pad', size_divisor=32)");

}  // namespace mmcpp::pretrain
