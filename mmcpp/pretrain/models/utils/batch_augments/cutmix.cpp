#include "mmcpp/pretrain/models/utils/batch_augments/cutmix.h"

#include <algorithm>
#include <cmath>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

MMCPP_REGISTER(BATCH_AUGMENTS, CutMix, "dict(type='CutMix', alpha=1.0)");

namespace {

// Python's int(x) of a non-negative float: truncation.
std::int64_t py_int(double x) { return static_cast<std::int64_t>(x); }

// np.clip.
std::int64_t clip(std::int64_t v, std::int64_t lo, std::int64_t hi) {
  return std::min(std::max(v, lo), hi);
}

}  // namespace

std::optional<std::vector<double>> CutMix::read_minmax(registry::BuildArgs& args) {
  config::Value v = args.value("cutmix_minmax");
  if (v.is_none()) return std::nullopt;
  if (!v.is_sequence())
    throw Error("TypeError", args.component() +
                                 ": cutmix_minmax must be None or a list of two numbers, got " +
                                 v.repr());
  std::vector<double> out;
  for (const config::Value& x : v.items()) {
    if (!x.is_number() || x.is_bool())
      throw Error("TypeError",
                  args.component() + ": cutmix_minmax must hold numbers, got " + v.repr());
    out.push_back(x.as_number());
  }
  return out;
}

CutMix::CutMix(double alpha, std::optional<std::vector<double>> cutmix_minmax, bool correct_lam)
    : Mixup(alpha), cutmix_minmax_(std::move(cutmix_minmax)), correct_lam_(correct_lam) {
  // Python asserts this when the first box is drawn; the config is wrong either way.
  if (cutmix_minmax_ && cutmix_minmax_->size() != 2)
    throw Error("AssertionError", "CutMix: cutmix_minmax must have 2 elements (min, max), got " +
                                      std::to_string(cutmix_minmax_->size()));
}

std::shared_ptr<CutMix> CutMix::from_config(registry::BuildArgs& args) {
  double alpha = read_alpha(args);
  auto minmax = read_minmax(args);
  bool correct_lam = args.get_bool("correct_lam", true);
  return std::make_shared<CutMix>(alpha, std::move(minmax), correct_lam);
}

CutMix::Box CutMix::rand_bbox(std::int64_t img_h, std::int64_t img_w, double lam, Rng& rng,
                              double margin) const {
  if (!(lam <= 1.0))
    throw Error("ValueError",
                "CutMix: lam must be <= 1 to size the box, got " + std::to_string(lam));
  const double ratio = std::sqrt(1 - lam);
  const std::int64_t cut_h = py_int(static_cast<double>(img_h) * ratio);
  const std::int64_t cut_w = py_int(static_cast<double>(img_w) * ratio);
  const std::int64_t margin_y = py_int(margin * static_cast<double>(cut_h));
  const std::int64_t margin_x = py_int(margin * static_cast<double>(cut_w));
  const std::int64_t cy = rng.randint(margin_y, img_h - margin_y);
  const std::int64_t cx = rng.randint(margin_x, img_w - margin_x);
  return {clip(cy - cut_h / 2, 0, img_h), clip(cy + cut_h / 2, 0, img_h),
          clip(cx - cut_w / 2, 0, img_w), clip(cx + cut_w / 2, 0, img_w)};
}

CutMix::Box CutMix::rand_bbox_minmax(std::int64_t img_h, std::int64_t img_w, Rng& rng) const {
  const std::vector<double>& mm = *cutmix_minmax_;
  const std::int64_t cut_h = rng.randint(py_int(static_cast<double>(img_h) * mm[0]),
                                         py_int(static_cast<double>(img_h) * mm[1]));
  const std::int64_t cut_w = rng.randint(py_int(static_cast<double>(img_w) * mm[0]),
                                         py_int(static_cast<double>(img_w) * mm[1]));
  const std::int64_t yl = rng.randint(0, img_h - cut_h);
  const std::int64_t xl = rng.randint(0, img_w - cut_w);
  return {yl, yl + cut_h, xl, xl + cut_w};
}

std::pair<CutMix::Box, double> CutMix::cutmix_bbox_and_lam(std::int64_t img_h, std::int64_t img_w,
                                                           double lam, Rng& rng) const {
  Box box =
      cutmix_minmax_ ? rand_bbox_minmax(img_h, img_w, rng) : rand_bbox(img_h, img_w, lam, rng);
  if (correct_lam_ || cutmix_minmax_)
    lam = 1. - static_cast<double>(box.area()) / static_cast<double>(img_h * img_w);
  return {box, lam};
}

torch::Tensor CutMix::mix_scores(const torch::Tensor& scores, double lam,
                                 const std::vector<std::int64_t>& index) const {
  return scores * lam + scores.index_select(0, index_tensor(index, scores.device())) * (1 - lam);
}

std::pair<torch::Tensor, torch::Tensor> CutMix::paste_with(
    torch::Tensor inputs, const torch::Tensor& scores, const Box& box, double lam,
    const std::vector<std::int64_t>& index) const {
  const std::int64_t h = box.y2 - box.y1, w = box.x2 - box.x1;
  if (h > 0 && w > 0) {
    // The partner patches are gathered (a copy) before anything is written.
    torch::Tensor patch = inputs.narrow(-2, box.y1, h).narrow(-1, box.x1, w);
    patch.copy_(patch.index_select(0, index_tensor(index, inputs.device())));
  }
  return {inputs, mix_scores(scores, lam, index)};
}

std::pair<torch::Tensor, torch::Tensor> CutMix::mix(torch::Tensor inputs,
                                                    const torch::Tensor& scores, Rng& rng) const {
  if (inputs.dim() < 2)
    throw Error("ValueError", "CutMix: inputs must be (N, C, H, W), got " +
                                  std::to_string(inputs.dim()) + " dimensions");
  const double lam = draw_lam(rng);
  std::vector<std::int64_t> index = rng.permutation(inputs.size(0));
  auto [box, corrected] = cutmix_bbox_and_lam(inputs.size(-2), inputs.size(-1), lam, rng);
  return paste_with(std::move(inputs), scores, box, corrected, index);
}

}  // namespace mmcpp::pretrain
