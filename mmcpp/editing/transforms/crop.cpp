#include "mmcpp/editing/transforms/crop.h"

#include <torch/torch.h>

#include "mmcpp/core/error.h"
#include "mmcpp/editing/registry.h"
#include "mmcpp/editing/transforms/results_arrays.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::editing {

using config::Value;

namespace {

std::int64_t int_scale(const data::Results& results, const std::string& who) {
  const Value* s = results.info.as_dict().find("scale");
  if (!s)
    throw Error("KeyError", "'scale': " + who +
                                " needs results['scale'] (add dict(type='SetValues', "
                                "dictionary=dict(scale=...)) before it)");
  if (!s->is_int() || s->is_bool())
    throw Error("TypeError", who + ": results['scale'] must be an int, got " + s->repr());
  return s->as_int();
}

// numpy.random.randint(low, high), replayable.
std::int64_t randint(Rng& rng, std::int64_t low, std::int64_t high) {
  if (high <= low) throw Error("ValueError", "high <= low");
  return rng.cached("numpy.random.randint", [&] { return Value(rng.randint(low, high)); }).as_int();
}

std::string path_of(const data::Results& results, const std::string& key) {
  const Value* v = results.info.as_dict().find(key + "_path");
  if (!v) throw Error("KeyError", "'" + key + "_path'");
  return v->str();
}

}  // namespace

// ---------------------------------------------------------------- PairedRandomCrop

PairedRandomCrop::PairedRandomCrop(std::int64_t gt_patch_size, std::string lq_key,
                                   std::string gt_key)
    : gt_patch_size_(gt_patch_size), lq_key_(std::move(lq_key)), gt_key_(std::move(gt_key)) {}

std::shared_ptr<PairedRandomCrop> PairedRandomCrop::from_config(registry::BuildArgs& args) {
  std::int64_t p = args.require_int("gt_patch_size");
  std::string lq = args.get_str("lq_key", "img");
  std::string gt = args.get_str("gt_key", "gt");
  return std::make_shared<PairedRandomCrop>(p, lq, gt);
}

bool PairedRandomCrop::transform(data::Results& results, Rng& rng) const {
  const std::int64_t scale = int_scale(results, "PairedRandomCrop");
  if (scale == 0) throw Error("ZeroDivisionError", "integer division or modulo by zero");
  // Python's floor division.
  std::int64_t lq_patch = gt_patch_size_ / scale;
  if ((gt_patch_size_ % scale != 0) && ((gt_patch_size_ < 0) != (scale < 0))) --lq_patch;
  torch::Tensor& lq = array_of(results, lq_key_);
  torch::Tensor& gt = array_of(results, gt_key_);
  if (lq.dim() != 3 || gt.dim() != 3)
    throw Error("ValueError", "not enough values to unpack (expected 3, got " +
                                  std::to_string(lq.dim() != 3 ? lq.dim() : gt.dim()) + ")");
  const std::int64_t h_lq = lq.size(0), w_lq = lq.size(1);
  const std::int64_t h_gt = gt.size(0), w_gt = gt.size(1);
  if (h_gt != h_lq * scale || w_gt != w_lq * scale)
    throw Error("ValueError", "Scale mismatches. GT (" + std::to_string(h_gt) + ", " +
                                  std::to_string(w_gt) + ") is not " + std::to_string(scale) +
                                  "x multiplication of LQ (" + std::to_string(h_lq) + ", " +
                                  std::to_string(w_lq) + ").");
  if (h_lq < lq_patch || w_lq < lq_patch)
    throw Error("ValueError", "LQ (" + std::to_string(h_lq) + ", " + std::to_string(w_lq) +
                                  ") is smaller than patch size (" + std::to_string(lq_patch) +
                                  ", " + std::to_string(lq_patch) + "). Please check " +
                                  path_of(results, lq_key_) + " and " + path_of(results, gt_key_) +
                                  ".");
  const std::int64_t top = randint(rng, 0, h_lq - lq_patch + 1);
  const std::int64_t left = randint(rng, 0, w_lq - lq_patch + 1);
  // numpy slicing clamps at the end of the axis.
  auto crop = [](const torch::Tensor& t, std::int64_t y, std::int64_t x, std::int64_t p) {
    std::int64_t h = std::max<std::int64_t>(0, std::min(p, t.size(0) - y));
    std::int64_t w = std::max<std::int64_t>(0, std::min(p, t.size(1) - x));
    return t.narrow(0, y, h).narrow(1, x, w);
  };
  lq = crop(lq, top, left, lq_patch);
  gt = crop(gt, top * scale, left * scale, gt_patch_size_);
  return true;
}

std::string PairedRandomCrop::repr() const {
  return "PairedRandomCrop(gt_patch_size=" + std::to_string(gt_patch_size_) +
         ", lq_key=" + lq_key_ + ", gt_key=" + gt_key_ + ")";
}

// ---------------------------------------------------------------- Crop

Crop::Crop(std::vector<std::string> keys, std::int64_t crop_h, std::int64_t crop_w,
           bool random_crop, bool is_pad_zeros)
    : keys_(std::move(keys)),
      crop_h_(crop_h),
      crop_w_(crop_w),
      random_crop_(random_crop),
      is_pad_zeros_(is_pad_zeros) {}

std::shared_ptr<Crop> Crop::from_config(registry::BuildArgs& args) {
  Value keys = args.require("keys");
  Value size = args.require("crop_size");
  bool ok = size.is_tuple();
  if (ok)
    for (const auto& v : size.items()) ok = ok && v.is_int() && !v.is_bool();
  if (!ok || size.items().size() != 2)
    throw Error(
        "TypeError",
        "Elements of crop_size must be int and crop_size must be tuple, but got " + size.repr());
  return std::make_shared<Crop>(keys_of(keys, "keys"), size.items()[0].as_int(),
                                size.items()[1].as_int(), args.get_bool("random_crop", true),
                                args.get_bool("is_pad_zeros", false));
}

bool Crop::transform(data::Results& results, Rng& rng) const {
  for (const std::string& k : keys_) {
    torch::Tensor item = array_of(results, k);
    std::int64_t data_h = item.size(0), data_w = item.size(1);
    std::int64_t crop_h = crop_h_, crop_w = crop_w_;
    if (is_pad_zeros_) {
      std::int64_t y_off = crop_h > data_h ? (crop_h - data_h) / 2 : 0;
      std::int64_t x_off = crop_w > data_w ? (crop_w - data_w) / 2 : 0;
      if (y_off > 0 || x_off > 0) {
        std::vector<std::int64_t> shape = item.sizes().vec();
        shape[0] += 4 * y_off;
        shape[1] += 4 * x_off;
        torch::Tensor padded = torch::zeros(shape, item.options());
        padded.narrow(0, 2 * y_off, data_h).narrow(1, 2 * x_off, data_w).copy_(item);
        item = padded;
      }
      data_h = item.size(0);
      data_w = item.size(1);
    }
    crop_h = std::min(data_h, crop_h);
    crop_w = std::min(data_w, crop_w);
    std::int64_t x_offset, y_offset;
    if (random_crop_) {
      x_offset = randint(rng, 0, data_w - crop_w + 1);
      y_offset = randint(rng, 0, data_h - crop_h + 1);
    } else {
      x_offset = std::max<std::int64_t>(0, data_w - crop_w) / 2;
      y_offset = std::max<std::int64_t>(0, data_h - crop_h) / 2;
    }
    results.arrays[k] = item.narrow(0, y_offset, crop_h).narrow(1, x_offset, crop_w);
    results.info.as_dict().set(
        Value(k + "_crop_bbox"),
        Value::list({Value(x_offset), Value(y_offset), Value(crop_w), Value(crop_h)}));
  }
  results.info.as_dict().set(Value("crop_size"), Value::tuple({Value(crop_h_), Value(crop_w_)}));
  return true;
}

std::string Crop::repr() const {
  return "Cropkeys=" + py_str_list(keys_) + ", crop_size=(" + std::to_string(crop_h_) + ", " +
         std::to_string(crop_w_) + "), random_crop=" + py_bool(random_crop_);
}

// ---------------------------------------------------------------- ModCrop

std::shared_ptr<ModCrop> ModCrop::from_config(registry::BuildArgs& args) {
  return std::make_shared<ModCrop>(args.get_str("key", "gt"));
}

bool ModCrop::transform(data::Results& results, Rng&) const {
  torch::Tensor img = array_of(results, key_).clone();
  const std::int64_t scale = int_scale(results, "ModCrop");
  if (img.dim() != 2 && img.dim() != 3)
    throw Error("ValueError", "Wrong img ndim: " + std::to_string(img.dim()) + ".");
  const std::int64_t h = img.size(0), w = img.size(1);
  results.arrays[key_] = img.narrow(0, 0, h - h % scale).narrow(1, 0, w - w % scale);
  return true;
}

MMCPP_REGISTER(TRANSFORMS, PairedRandomCrop, "dict(type='PairedRandomCrop', gt_patch_size=96)");
MMCPP_REGISTER(TRANSFORMS, Crop, "dict(type='Crop', keys=['gt'], crop_size=(128, 128))");
MMCPP_REGISTER(TRANSFORMS, ModCrop, "dict(type='ModCrop')");

}  // namespace mmcpp::editing
