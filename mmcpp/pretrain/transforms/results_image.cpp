#include "mmcpp/pretrain/transforms/results_image.h"

#include "mmcpp/core/error.h"
#include "mmcpp/cv/image/mat_tensor.h"

namespace mmcpp::pretrain {

ResultsImage::ResultsImage(const data::Results& results, std::string component)
    : tensor_(results.img()), component_(std::move(component)) {
  if (!tensor_.is_contiguous()) tensor_ = tensor_.contiguous();
  mat_ = mmcv::as_mat(tensor_);
}

void ResultsImage::require_uint8() const {
  if (!is_uint8()) {
    throw Error("TypeError", component_ + ": expected a uint8 image, got " +
                                 std::string(c10::toString(tensor_.scalar_type())));
  }
}

void ResultsImage::require_three_channels() const {
  if (tensor_.dim() != 3 || tensor_.size(2) != 3) {
    throw Error("TypeError", component_ + ": expected an (H, W, 3) image, got shape " +
                                 c10::str(tensor_.sizes()));
  }
}

void ResultsImage::put(data::Results& results, const cv::Mat& out) const {
  // The view itself does not own the pixels: hand back the tensor that does.
  if (out.data == mat_.data && out.size() == mat_.size() && out.type() == mat_.type()) {
    results.arrays["img"] = tensor_;
    return;
  }
  results.arrays["img"] = mmcv::as_tensor(out, tensor_.dim() == 3);
}

}  // namespace mmcpp::pretrain
