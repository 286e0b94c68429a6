#include "mmcpp/pretrain/models/utils/batch_augments/resizemix.h"

#include <torch/nn/functional/upsampling.h>

#include "mmcpp/core/error.h"
#include "mmcpp/pretrain/registry.h"

namespace mmcpp::pretrain {

MMCPP_REGISTER(BATCH_AUGMENTS, ResizeMix, "dict(type='ResizeMix', alpha=1.0)");

namespace F = torch::nn::functional;

namespace {

// F.interpolate(x, size, mode, align_corners=False) on a 4-d tensor, with
// PyTorch's complaints for modes that cannot do that.
torch::Tensor interpolate(const torch::Tensor& x, std::int64_t h, std::int64_t w,
                          const std::string& mode) {
  F::InterpolateFuncOptions opt;
  opt.size(std::vector<std::int64_t>{h, w});
  if (mode == "bilinear") {
    opt.mode(torch::kBilinear).align_corners(false);
  } else if (mode == "bicubic") {
    opt.mode(torch::kBicubic).align_corners(false);
  } else if (mode == "nearest" || mode == "area" || mode == "nearest-exact") {
    throw Error("ValueError",
                "ResizeMix: align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear (interpolation='" +
                    mode + "')");
  } else if (mode == "linear" || mode == "trilinear") {
    throw Error("NotImplementedError", "ResizeMix: got 4D input, but " + mode + " mode needs " +
                                           (mode == "linear" ? "3D" : "5D") + " input");
  } else {
    throw Error("NotImplementedError",
                "ResizeMix: input Error: Only 3D, 4D and 5D input Tensors supported (got 4D) "
                "for the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                "nearest-exact (got " +
                    mode + ")");
  }
  return F::interpolate(x, opt);
}

}  // namespace

ResizeMix::ResizeMix(double alpha, double lam_min, double lam_max, std::string interpolation,
                     std::optional<std::vector<double>> cutmix_minmax, bool correct_lam)
    : CutMix(alpha, std::move(cutmix_minmax), correct_lam),
      lam_min_(lam_min),
      lam_max_(lam_max),
      interpolation_(std::move(interpolation)) {}

std::shared_ptr<ResizeMix> ResizeMix::from_config(registry::BuildArgs& args) {
  double alpha = read_alpha(args);
  double lam_min = args.get_float("lam_min", 0.1);
  double lam_max = args.get_float("lam_max", 0.8);
  std::string interpolation = args.get_str("interpolation", "bilinear");
  auto minmax = read_minmax(args);
  bool correct_lam = args.get_bool("correct_lam", true);
  return std::make_shared<ResizeMix>(alpha, lam_min, lam_max, std::move(interpolation),
                                     std::move(minmax), correct_lam);
}

std::pair<torch::Tensor, torch::Tensor> ResizeMix::resize_paste_with(
    torch::Tensor inputs, const torch::Tensor& scores, const Box& box, double lam,
    const std::vector<std::int64_t>& index) const {
  const std::int64_t h = box.y2 - box.y1, w = box.x2 - box.x1;
  if (h <= 0 || w <= 0)
    throw Error("RuntimeError",
                "ResizeMix: input and output sizes should be greater than 0, "
                "but got output (H: " +
                    std::to_string(h) + ", W: " + std::to_string(w) + ")");
  torch::Tensor partners = inputs.index_select(0, index_tensor(index, inputs.device()));
  inputs.narrow(-2, box.y1, h)
      .narrow(-1, box.x1, w)
      .copy_(interpolate(partners, h, w, interpolation_));
  return {inputs, mix_scores(scores, lam, index)};
}

std::pair<torch::Tensor, torch::Tensor> ResizeMix::mix(torch::Tensor inputs,
                                                       const torch::Tensor& scores,
                                                       Rng& rng) const {
  if (inputs.dim() != 4)
    throw Error("ValueError", "ResizeMix: inputs must be (N, C, H, W), got " +
                                  std::to_string(inputs.dim()) + " dimensions");
  double lam = draw_lam(rng);
  lam = lam * (lam_max_ - lam_min_) + lam_min_;
  std::vector<std::int64_t> index = rng.permutation(inputs.size(0));
  auto [box, corrected] = cutmix_bbox_and_lam(inputs.size(-2), inputs.size(-1), lam, rng);
  return resize_paste_with(std::move(inputs), scores, box, corrected, index);
}

}  // namespace mmcpp::pretrain
